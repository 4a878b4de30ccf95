//! `earshot-cli bench report`: the full report over generated items.
//!
//! The items are `bench ingest`'s (Zipf words, threads over 90 days, three
//! networks). A fifth of the replies are ours (one account per network), so
//! conversations have first responses; half the conversations are then marked
//! done an hour after their last activity, a third get one of twelve tags, and
//! three listening queries get a hit on a fifth of the items. The report covers
//! the last `days` days and the period before, overall, per network and per
//! account, in business hours.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use earshot_core::item::ItemKind;
use earshot_core::reports::{self, BusinessHours, ReportQuery};
use earshot_core::store::{CacheKey, Encryption};
use earshot_core::Error;

use crate::bench::{generate, key_from_env, latency, machine, open_bench_workspace};

const DAY_MS: i64 = 86_400_000;
const TARGET_MS: f64 = 1000.0;

pub fn run(n: usize, days: i64, cache_dir: Option<&Path>, json: bool) -> Result<String, Error> {
    let tmp = tempfile::tempdir().map_err(|e| Error::Invalid(e.to_string()))?;
    let ws = match cache_dir {
        None => open_bench_workspace(tmp.path(), Encryption::Key(CacheKey::generate()?))?,
        Some(dir) => {
            let key = key_from_env("--cache-dir")?;
            open_bench_workspace(dir, Encryption::Key(key))?
        }
    };
    let held: i64 = ws.store().read(|c| -> Result<i64, Error> {
        Ok(c.query_row("SELECT count(*) FROM items", [], |r| r.get(0))?)
    })?;
    if held == 0 {
        fill(&ws, n, json)?;
    } else if held != n as i64 {
        return Err(Error::Invalid(format!(
            "the cache holds {held} items, not {n}: remove it or pass --items {held}"
        )));
    }
    let newest: i64 = ws.store().read(|c| -> Result<i64, Error> {
        Ok(c.query_row("SELECT max(created_at) FROM items", [], |r| r.get(0))?)
    })?;
    let to = newest + 1;
    let q = ReportQuery {
        from: to - days * DAY_MS,
        to,
        business_hours: Some(BusinessHours::parse("Mon-Fri 09:00-17:00 +01:00")?),
        ..Default::default()
    };
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut last_report = None;
    for _ in 0..5 {
        let (t, c) = (Instant::now(), cpu_ms());
        let r = reports::build(&ws, &q)?;
        times.push(t.elapsed());
        cpu.push(cpu_ms().zip(c).map(|(after, before)| after - before));
        last_report = Some(r);
    }
    let cpu: Option<Vec<f64>> = cpu.into_iter().collect();
    let first_ms = times[0].as_secs_f64() * 1000.0;
    let l = latency("report", times[1..].to_vec());
    let r = last_report.ok_or_else(|| Error::Invalid("no report".into()))?;
    let o = &r.overall.current;
    let met = |ms: f64| if ms <= TARGET_MS { "met" } else { "missed" };
    let now = earshot_core::clock::format_rfc3339_ms(earshot_core::clock::Clock::now_ms(
        &earshot_core::clock::SystemClock,
    ));
    let text = format!(
        "Measured {now} on {} with `earshot-cli bench report --items {n} --days {days}` (release build): \
         the full report over the last {days} days of the generated data and the {days} days before \
         ({} + {} items received, {} + {} conversations; {} networks, {} accounts, {} tags, {} advocates, \
         {} listening queries), business hours Mon–Fri 09:00–17:00 UTC+01:00.\n\n\
         | measure | result | target |\n|---|---|---|\n\
         | full report, first run after ingest | {first_ms:.0} ms ({}) | ≤ 1 s |\n\
         | full report, next 4 runs | p50 {:.0} ms, max {:.0} ms ({}) | ≤ 1 s |\n{}",
        machine(),
        o.received,
        r.overall.previous.received,
        o.conversations,
        r.overall.previous.conversations,
        r.by_network.len(),
        r.by_account.len(),
        r.tags.len(),
        r.advocates.len(),
        r.share_of_voice.as_ref().map_or(0, Vec::len),
        met(first_ms),
        l.p50_ms,
        l.max_ms,
        met(l.max_ms),
        cpu.map_or(String::new(), |c| {
            let mut c = c;
            c.sort_by(f64::total_cmp);
            format!(
                "| CPU time of a report (all threads, user + system), median of 5 | {:.0} ms | |\n\n\
                 1-minute load average {} at the end of the run (the machine is shared).\n",
                c[c.len() / 2],
                load_average()
            )
        }),
    );
    if json {
        println!(
            "{}",
            serde_json::json!({ "items": n, "days": days, "firstMs": first_ms, "p50Ms": l.p50_ms, "maxMs": l.max_ms })
        );
    }
    Ok(text)
}

/// Ingests the generated items into an empty cache, with our replies, triage,
/// tags and listening hits.
fn fill(ws: &earshot_core::Workspace, n: usize, json: bool) -> Result<(), Error> {
    let mut ours: HashMap<&'static str, (i64, String)> = HashMap::new();
    for network in ["mastodon", "bluesky", "reddit"] {
        let handle = format!("lumen@{network}.example");
        let id = ws.ensure_account(
            network,
            &handle,
            Some("Lumen"),
            earshot_core::accounts::AccountOrigin::Import,
        )?;
        ours.insert(network, (id, handle));
    }
    let t = Instant::now();
    let mut last = Instant::now();
    let items = generate(n, 42).enumerate().map(|(i, mut item)| {
        let network: &'static str = match item.network.as_str() {
            "mastodon" => "mastodon",
            "bluesky" => "bluesky",
            _ => "reddit",
        };
        let (account, handle) = &ours[network];
        item.account_id = Some(*account);
        if item.kind == ItemKind::Reply && i % 5 == 0 {
            item.author.handle = handle.clone();
        }
        item
    });
    let report = ws.ingest_with_progress(items, |p| {
        if !json && last.elapsed() > Duration::from_secs(5) {
            eprintln!(
                "  {} items, {:.0}/s",
                p.inserted,
                p.inserted as f64 / t.elapsed().as_secs_f64()
            );
            last = Instant::now();
        }
    })?;
    if report.inserted != n {
        return Err(Error::Invalid(format!(
            "stored {} of {n} items",
            report.inserted
        )));
    }
    ws.store().write(|tx| -> Result<(), Error> {
        tx.execute_batch(
            "UPDATE conversations SET state = 'done', state_changed_at = last_activity_at + 3600000
               WHERE id % 2 = 0;
             INSERT OR IGNORE INTO conversation_tags (tag, conversation_id)
               SELECT 'tag-' || ((id / 3) % 12), id FROM conversations WHERE id % 3 = 0;
             INSERT INTO listening_queries (id, name, query, created_at, updated_at)
               VALUES (1, 'lumen', 'lumen', 0, 0), (2, 'rival one', 'rival', 0, 0),
                      (3, 'rival two', 'other', 0, 0);
             INSERT INTO listening_hits (query_id, item_id)
               SELECT 1 + (id / 7) % 3, id FROM items WHERE (id / 3) % 5 = 0;",
        )?;
        Ok(())
    })?;
    ws.store().checkpoint()?;
    Ok(())
}

/// CPU time this process has used so far (all threads), in ms; Linux only.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second).
    Some((ticks(11)? + ticks(12)?) * 10.0)
}

/// The 1-minute load average, or "unknown".
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}
