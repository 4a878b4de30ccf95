//! `earshot-cli bench listen-window`: the listening dashboard's speed in the real
//! app window, on a workspace of generated items (1M by default) that ends now,
//! with one listening query: the brand word, which 44% of the items hold.
//!
//! It starts the built app through `tauri-driver` (as `bench inbox` does),
//! installs a probe in the page (`bench_listen.js`), and times, in the page's own
//! clock, from the action to just after the first frame that shows the new
//! dashboard (its total and every chart drawn anew): opening the view (`g l`,
//! the last 7 days by day) and choosing a range or a bucket, one at a time (the
//! last 24 hours by day and by hour, 30 and 90 days by day, 90 days by week).
//! Needs a display and the keyring (see tests/bench/in-app.sh).

use std::path::Path;
use std::time::Duration;

use earshot_core::item::NewItem;
use earshot_core::listening::{self, QueryInput};
use earshot_core::Error;
use serde_json::json;

use crate::bench::{latency, machine, Latency};
use crate::bench_inbox::{with_app, Driver};

const PROBE: &str = include_str!("bench_listen.js");
/// The brand query: every Mastodon item's `@lumen` mention holds it.
const BRAND: &str = "lumen";

fn err(what: impl std::fmt::Display) -> Error {
    Error::Invalid(what.to_string())
}

/// The generator's 90 days of items, moved to end a minute ago, so the view's
/// "last N days" hold them.
fn ending_now(items: usize, now: i64) -> impl Iterator<Item = NewItem> + Send {
    let mut all = crate::bench::generate(items, 42).peekable();
    let first = all.peek().map_or(now, |i| i.created_at);
    let shift = now - 60_000 - (first + 90 * 86_400_000);
    all.map(move |mut item| {
        item.created_at += shift;
        item
    })
}

/// Waits for the probe's measurement.
async fn take(d: &Driver, what: &str) -> Result<f64, Error> {
    for _ in 0..600 {
        let done = d
            .execute("return window.__earshotListenBench.take()", json!([]))
            .await?;
        if let Some(m) = done.as_array().and_then(|a| a.first()) {
            let painted = m["painted"].as_f64().unwrap_or(-1.0);
            if std::env::var_os("EARSHOT_BENCH_TRACE").is_some() {
                eprintln!("{what}: {m}");
            }
            if painted < 0.0 {
                return Err(err(format!("{what}: the dashboard never showed")));
            }
            // A quiet moment between actions, as between a person's.
            tokio::time::sleep(Duration::from_millis(300)).await;
            return Ok(painted);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(err(format!("{what}: no measurement")))
}

fn summary(name: &str, painted: &[f64]) -> Latency {
    latency(
        name,
        painted
            .iter()
            .map(|ms| Duration::from_secs_f64(ms.max(0.0) / 1000.0))
            .collect(),
    )
}

async fn drive(d: &Driver, runs: usize) -> Result<Vec<Latency>, Error> {
    d.until(
        "the first inbox rows",
        "return document.querySelectorAll('[data-testid=\"conversation-row\"]').length > 0",
    )
    .await?;
    d.execute(PROBE, json!([])).await?;
    // Let start-up work (first paint report, sync status) settle.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut opens = Vec::new();
    for _ in 0..runs {
        d.execute("window.__earshotListenBench.open('l')", json!([]))
            .await?;
        d.key("g").await?;
        d.key("l").await?;
        opens.push(take(d, "open").await?);
        d.key("g").await?;
        d.key("i").await?;
        d.until(
            "the inbox again",
            "return document.querySelectorAll('[data-testid=\"conversation-row\"]').length > 0",
        )
        .await?;
    }
    d.key("g").await?;
    d.key("l").await?;
    d.until(
        "the listening dashboard",
        "return document.querySelector('[data-testid=\"listening-total\"]') !== null",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // One select at a time, as a person changes them; each step asks for new figures.
    const RANGE: &str = "listening-range";
    const BUCKET: &str = "listening-bucket";
    let names = [
        "the last 24 hours by day",
        "the last 24 hours by hour",
        "the last 30 days by day",
        "the last 90 days by day",
        "the last 90 days by week",
    ];
    let steps: [(&str, &str, usize); 7] = [
        (RANGE, "1", 0),
        (BUCKET, "hour", 1),
        (BUCKET, "day", 0),
        (RANGE, "30", 2),
        (RANGE, "90", 3),
        (BUCKET, "week", 4),
        (BUCKET, "day", 3),
    ];
    let mut chosen: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for _ in 0..runs {
        for (select, value, measure) in steps {
            d.execute(
                "window.__earshotListenBench.choose(arguments[0], arguments[1])",
                json!([select, value]),
            )
            .await?;
            chosen[measure].push(take(d, names[measure]).await?);
        }
    }
    let mut out = vec![summary(
        "opening the view (g l): the last 7 days by day, painted",
        &opens,
    )];
    for (name, painted) in names.iter().zip(&chosen) {
        out.push(summary(
            &format!("choosing {name}: the dashboard painted"),
            painted,
        ));
    }
    Ok(out)
}

/// Builds the workspace, drives the app, and returns the Markdown section.
pub fn run(
    app: &Path,
    driver: &Path,
    items: usize,
    runs: usize,
    json_out: bool,
) -> Result<String, Error> {
    let tmp = tempfile::tempdir().map_err(|e| err(e.to_string()))?;
    let data = crate::bench_window::fresh_dir(tmp.path(), "listen")?;
    let hits = {
        eprintln!("generating {items} items and the query {BRAND:?}…");
        let ws = earshot_core::Workspace::open(&data, &earshot_core::vault::KeyringVault)?;
        ws.ingest_with_progress(ending_now(items, ws.now()), |_| {})?;
        let (q, _) = listening::create(
            &ws,
            &QueryInput {
                name: "Brand".into(),
                query: BRAND.into(),
                enabled: true,
            },
            |_| {},
        )?;
        ws.store().checkpoint()?;
        q.hits
    };
    let measures = with_app(driver, &data, app, |d| Box::pin(drive(d, runs)))?;
    if json_out {
        let text = serde_json::to_string_pretty(&measures).map_err(|e| err(e.to_string()))?;
        println!("{text}");
    }
    let now = earshot_core::clock::format_rfc3339_ms(earshot_core::clock::Clock::now_ms(
        &earshot_core::clock::SystemClock,
    ));
    let load = crate::bench::load_average();
    let mut md = format!(
        "Measured {now} on {} under Xvfb (software rendering; 1-minute load average {load} at the \
         end) with `earshot-cli bench listen-window --items {items} --runs {runs}` (release build): \
         the real app through tauri-driver on {items} generated items ending now, with one \
         listening query, `{BRAND}` ({hits} hits). Times are the page's own clock, from the \
         action (the `l` of `g l`, or the range or bucket chosen) to just after the first frame \
         that shows every chart drawn anew with the new figures.\n\n\
         | measure | painted | target |\n|---|---|---|\n",
        machine()
    );
    for m in &measures {
        md.push_str(&format!(
            "| {} ({} runs) | p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms | ≤ 300 ms |\n",
            m.name, m.runs, m.p50_ms, m.p95_ms, m.max_ms
        ));
    }
    if !json_out {
        println!("{md}");
    }
    Ok(md)
}
