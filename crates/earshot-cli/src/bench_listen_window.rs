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
//!
//! The first opening after the app starts is the one a manager meets every
//! morning, and the slowest: it is measured on its own, once in each of
//! several launches of the app, beside the openings that follow it.
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

/// What `bench listen-window` runs on and how many times.
pub struct Options {
    pub items: usize,
    /// Later openings and each range or bucket chosen, in the last launch.
    pub runs: usize,
    /// Launches of the app, each measuring the view's first opening.
    pub sessions: usize,
    /// Keep the workspace here and reuse it (see `bench listen-window --data-dir`).
    pub data_dir: Option<std::path::PathBuf>,
    /// Only generate the workspace in `data_dir`.
    pub generate_only: bool,
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

/// Waits for the inbox of a freshly started app and installs the probe.
async fn started(d: &Driver) -> Result<(), Error> {
    d.until(
        "the first inbox rows",
        "return document.querySelectorAll('[data-testid=\"conversation-row\"]').length > 0",
    )
    .await?;
    d.execute(PROBE, json!([])).await?;
    // Let start-up work (first paint report, sync status, memory given back) settle,
    // as a person reads the inbox before going elsewhere.
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(())
}

/// Opens the view with `g l`, measured, then goes back to the inbox.
async fn open_and_back(d: &Driver, what: &str) -> Result<f64, Error> {
    d.execute("window.__earshotListenBench.open('l')", json!([]))
        .await?;
    d.key("g").await?;
    d.key("l").await?;
    let painted = take(d, what).await?;
    d.key("g").await?;
    d.key("i").await?;
    d.until(
        "the inbox again",
        "return document.querySelectorAll('[data-testid=\"conversation-row\"]').length > 0",
    )
    .await?;
    Ok(painted)
}

/// One launch that only opens the view once: its first opening.
async fn first_only(d: &Driver) -> Result<f64, Error> {
    started(d).await?;
    open_and_back(d, "first open").await
}

/// The last launch: its first opening, `runs` more, then every range and bucket.
async fn drive(d: &Driver, runs: usize) -> Result<(f64, Vec<f64>, Vec<Vec<f64>>), Error> {
    started(d).await?;
    let first = open_and_back(d, "first open").await?;
    let mut opens = Vec::new();
    for _ in 0..runs {
        opens.push(open_and_back(d, "open").await?);
    }
    d.key("g").await?;
    d.key("l").await?;
    d.until(
        "the listening dashboard",
        "return document.querySelector('[data-testid=\"listening-total\"]') !== null",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut chosen: Vec<Vec<f64>> = vec![Vec::new(); NAMES.len()];
    for _ in 0..runs {
        for (select, value, measure) in STEPS {
            d.execute(
                "window.__earshotListenBench.choose(arguments[0], arguments[1])",
                json!([select, value]),
            )
            .await?;
            chosen[measure].push(take(d, NAMES[measure]).await?);
        }
    }
    Ok((first, opens, chosen))
}

const RANGE: &str = "listening-range";
const BUCKET: &str = "listening-bucket";
const NAMES: [&str; 5] = [
    "the last 24 hours by day",
    "the last 24 hours by hour",
    "the last 30 days by day",
    "the last 90 days by day",
    "the last 90 days by week",
];
/// One select at a time, as a person changes them; each step asks for new figures.
const STEPS: [(&str, &str, usize); 7] = [
    (RANGE, "1", 0),
    (BUCKET, "hour", 1),
    (BUCKET, "day", 0),
    (RANGE, "30", 2),
    (RANGE, "90", 3),
    (BUCKET, "week", 4),
    (BUCKET, "day", 3),
];

/// Generates the items ending now and the brand query into the workspace at `data`,
/// unless it already holds them (a kept `--data-dir`). Returns the query's hits and
/// when the newest item was written (Unix ms).
fn fill(data: &Path, items: usize) -> Result<(i64, i64), Error> {
    let ws = earshot_core::Workspace::open(data, &earshot_core::vault::KeyringVault)?;
    let held: i64 = ws.store().read(|c| -> Result<i64, Error> {
        Ok(c.query_row("SELECT count(*) FROM items", [], |r| r.get(0))?)
    })?;
    let brand = || -> Result<Option<listening::ListeningQuery>, Error> {
        Ok(listening::list(&ws)?.into_iter().find(|q| q.query == BRAND))
    };
    let hits = if held == items as i64 {
        let Some(q) = brand()? else {
            return Err(err(format!(
                "{} holds no query {BRAND:?}: remove it",
                data.display()
            )));
        };
        eprintln!("reusing the {held} items in {}", data.display());
        q.hits
    } else if held == 0 {
        eprintln!("generating {items} items and the query {BRAND:?}…");
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
    } else {
        return Err(err(format!(
            "{} holds {held} items, not {items}: remove it or pass --items {held}",
            data.display()
        )));
    };
    let newest = ws.store().read(|c| -> Result<i64, Error> {
        Ok(c.query_row("SELECT max(id) FROM items", [], |r| r.get(0))?)
    })?;
    Ok((hits, earshot_core::ingest::item_id_time(newest)))
}

/// Builds the workspace (or reuses a kept one), drives the app, and returns the
/// Markdown section; None with `generate_only`.
pub fn run(
    app: &Path,
    driver: &Path,
    opts: &Options,
    json_out: bool,
) -> Result<Option<String>, Error> {
    let Options {
        items,
        runs,
        sessions,
        ..
    } = *opts;
    let tmp = tempfile::tempdir().map_err(|e| err(e.to_string()))?;
    let data = crate::bench_window::kept_or_fresh(opts.data_dir.as_deref(), tmp.path(), "listen")?;
    let (hits, newest) = fill(&data, items)?;
    if opts.generate_only {
        return Ok(None);
    }
    let mut firsts = Vec::new();
    for _ in 1..sessions {
        firsts.push(with_app(driver, &data, app, |d| Box::pin(first_only(d)))?);
    }
    let (first, opens, chosen) = with_app(driver, &data, app, |d| Box::pin(drive(d, runs)))?;
    firsts.push(first);
    let mut measures = vec![
        summary(
            "opening the view the first time after the app started (g l): the last 7 days by \
             day, painted",
            &firsts,
        ),
        summary(
            "opening the view again (g l): the last 7 days by day, painted",
            &opens,
        ),
    ];
    for (name, painted) in NAMES.iter().zip(&chosen) {
        measures.push(summary(
            &format!("choosing {name}: the dashboard painted"),
            painted,
        ));
    }
    if json_out {
        let text = serde_json::to_string_pretty(&measures).map_err(|e| err(e.to_string()))?;
        println!("{text}");
    }
    let now = earshot_core::clock::format_rfc3339_ms(earshot_core::clock::Clock::now_ms(
        &earshot_core::clock::SystemClock,
    ));
    let load = crate::bench::load_average();
    let age = (earshot_core::clock::Clock::now_ms(&earshot_core::clock::SystemClock) - newest)
        .max(0)
        / 60_000;
    let mut md = format!(
        "Measured {now} on {} under Xvfb (software rendering; 1-minute load average {load} at the \
         end) with `earshot-cli bench listen-window --items {items} --runs {runs} --sessions \
         {sessions}` (release build): the real app through tauri-driver on {items} generated \
         items, the newest {age} min old, with one listening query, `{BRAND}` ({hits} hits). The \
         app is started {sessions} times: each start opens the view once, 2 s after the inbox's \
         first rows, and the last then opens it {runs} more times and chooses every range and \
         bucket. Times are the page's own clock, from the action (the `l` of `g l`, or the \
         range or bucket chosen) to just after the first frame that shows every chart drawn \
         anew with the new figures.\n\n\
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
    Ok(Some(md))
}
