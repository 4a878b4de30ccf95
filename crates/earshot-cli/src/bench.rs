//! `earshot-cli bench`: figures measured on data generated at the stated size.
//!
//! `bench ingest` generates realistic items (Zipf-distributed words, threads,
//! a third of them Mastodon-style HTML), ingests them end to end into an
//! encrypted store and, in the same run, into a plain one for the ratio, then
//! times search and the first inbox page. `--write FILE` puts the results,
//! with the machine's description, into that Markdown file's ingest section.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Subcommand;
use earshot_core::inbox::{InboxFilter, Sentiment, TriageState};
use earshot_core::item::{Content, ItemKind, NewAuthor, NewItem};
use earshot_core::search::{SearchOptions, SearchOrder};
use earshot_core::store::{CacheKey, Encryption, Store, DB_FILE};
use earshot_core::Error;
use serde::Serialize;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// End-to-end ingest into the encrypted store, encrypted/plain ratio, search and inbox latency
    Ingest {
        /// How many items to generate
        #[arg(long, default_value_t = 1_000_000)]
        items: usize,
        /// Skip the plain (unencrypted) run used for the ratio
        #[arg(long)]
        skip_plain: bool,
        /// Rounds of the encrypted and plain ingests, in alternating order (plain then
        /// encrypted, then encrypted then plain, …), so that neither always runs first
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=10))]
        rounds: u32,
        /// Also fill a plain and an encrypted store side by side, in this many alternating
        /// slices each, for a ratio that other work on the machine moves less (0: skip)
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
        slices: u32,
        /// Write the results into this Markdown file (its ingest section is replaced)
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
        /// Where to build the stores [default: a temporary directory]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// The real app against a bare Tauri window: start to first paint, memory (PSS), idle CPU.
    /// Needs a display and the keyring (see tests/bench/window.sh)
    Window {
        /// The built Earshot app
        #[arg(long, default_value = "target/release/earshot")]
        app: PathBuf,
        /// The bare Tauri 2 window (tests/bare-window)
        #[arg(long, default_value = "target/release/earshot-bare-window")]
        bare: PathBuf,
        /// Launches per program; the first after dropping the page cache
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Also measure a workspace with this many generated items (0 skips it)
        #[arg(long, default_value_t = 1_000_000)]
        items: usize,
        /// Write the results into this Markdown file (its window section is replaced)
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
    },
    /// The inbox in the real app through WebDriver: j/k to next row painted, opening a
    /// 200-item thread, search results, triage. Needs a display, the keyring and
    /// tauri-driver (see tests/bench/in-app.sh)
    Inbox {
        /// The built Earshot app
        #[arg(long, default_value = "target/release/earshot")]
        app: PathBuf,
        /// tauri-driver (cargo install tauri-driver)
        #[arg(long, default_value = "tauri-driver")]
        driver: PathBuf,
        /// Generated items in the workspace (plus one 200-item thread)
        #[arg(long, default_value_t = 1_000_000)]
        items: usize,
        /// j presses (then half as many k)
        #[arg(long, default_value_t = 200)]
        keys: usize,
        /// Runs of the thread and search measures
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Presses of e, each followed by z: a p95 of 20 presses is the second slowest and
        /// swings by 20 ms between runs, of 60 the fourth slowest
        #[arg(long, default_value_t = 60)]
        triage: usize,
        /// Keep the workspace in this directory and reuse it on the next run (its key is
        /// in the keyring, so the next run needs the same keyring; without it, a
        /// temporary workspace generated afresh)
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Generate the workspace in --data-dir and stop (no app): to generate under
        /// one CPU lock and measure under another
        #[arg(long, requires = "data_dir")]
        generate_only: bool,
        /// Write the results into this Markdown file (its inbox section is replaced)
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
    },
    /// Ingest into the encrypted store with no rules and with N generated rules,
    /// in one run: what rule evaluation costs
    Rules {
        /// How many items to generate
        #[arg(long, default_value_t = 200_000)]
        items: usize,
        /// How many rules (words, phrases, NEAR/n, OR with NOT; each tags)
        #[arg(long, default_value_t = 100)]
        rules: usize,
        /// Also fill a store with the rules and one without side by side, in this
        /// many alternating slices, for what the rules cost on a machine whose
        /// speed drifts (0 skips it)
        #[arg(long, default_value_t = 10)]
        slices: usize,
        /// Write the results into this Markdown file (its rules section is replaced)
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
    },
    /// The full report (overall, per network and account, this period and the one
    /// before, trend, tags, advocates, share of voice) over generated items
    Report {
        /// How many items to generate
        #[arg(long, default_value_t = 1_000_000)]
        items: usize,
        /// Days in the reported period (the data spans 90)
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// Keep the cache in this directory and reuse it on the next run
        /// (its key in hex in EARSHOT_BENCH_KEY; without it, a temporary one)
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
        /// Write the results into this Markdown file (its report section is replaced)
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
    },
    /// Listening: N queries matched on ingest (against none, in one run), retroactive
    /// runs over a large cache, and the dashboard's aggregates over it
    Listen {
        /// Items ingested with and without the queries
        #[arg(long, default_value_t = 200_000)]
        items: usize,
        /// Items in the cache the retroactive runs and the dashboard read
        #[arg(long, default_value_t = 1_000_000)]
        cache_items: usize,
        /// How many generated queries
        #[arg(long, default_value_t = 100)]
        queries: usize,
        /// Keep the large cache in this directory and reuse it on the next run
        /// (its key in hex in EARSHOT_BENCH_KEY; without it, a temporary one)
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
        /// Skip the ingest measures (1.): only the retroactive runs and the dashboard
        #[arg(long)]
        skip_ingest: bool,
        /// Write the results into this Markdown file (its listen section is replaced)
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
    },
    /// The listening dashboard in the real app window at 1M items: opening the
    /// view and choosing ranges, to the dashboard painted. Needs a display, the
    /// keyring and tauri-driver (see tests/bench/in-app.sh)
    ListenWindow {
        /// The built Earshot app
        #[arg(long, default_value = "target/release/earshot")]
        app: PathBuf,
        /// tauri-driver (cargo install tauri-driver)
        #[arg(long, default_value = "tauri-driver")]
        driver: PathBuf,
        /// Generated items in the workspace, ending now
        #[arg(long, default_value_t = 1_000_000)]
        items: usize,
        /// Runs of each measure but the first opening
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// Starts of the app, each opening the view once after start-up: the runs of
        /// the first opening
        #[arg(long, default_value_t = 10)]
        sessions: usize,
        /// Keep the workspace in this directory and reuse it on the next run (its key is
        /// in the keyring, so the next run needs the same keyring; its items end when it
        /// was generated)
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Generate the workspace in --data-dir and stop (no app)
        #[arg(long, requires = "data_dir")]
        generate_only: bool,
        /// Write the results into this Markdown file (its listen-window section is replaced)
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
    },
    /// Mention-to-inbox latency through the real sync engine on the local test
    /// servers (start them with tests/servers/start.sh). Needs the keyring
    Mentions {
        /// The env file tests/servers/start.sh wrote
        /// [default: $EARSHOT_SERVERS_DIR/env or ~/.cache/earshot/servers/run/env]
        #[arg(long, value_name = "FILE")]
        servers_env: Option<PathBuf>,
        /// Mentions per network
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// Bluesky poll interval, seconds
        #[arg(long, default_value_t = 5)]
        interval: u64,
        /// Put the real desktop notifier in front (a notification service must run,
        /// e.g. under scripts/with-notifications.sh) and time each notification shown
        #[arg(long)]
        notify: bool,
        /// Write the results into this Markdown file (its mentions section is replaced)
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
    },
}

fn default_servers_env() -> PathBuf {
    if let Ok(dir) = std::env::var("EARSHOT_SERVERS_DIR") {
        return PathBuf::from(dir).join("env");
    }
    let cache = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache")
        });
    cache.join("earshot/servers/run/env")
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Latency {
    pub name: String,
    pub runs: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct IngestResults {
    items: usize,
    encrypted_items_per_sec: f64,
    plain_items_per_sec: Option<f64>,
    encrypted_to_plain_ratio: Option<f64>,
    /// CPU seconds per item (writer thread, whole process), encrypted and plain.
    encrypted_cpu: (f64, f64),
    plain_cpu: Option<(f64, f64)>,
    /// Rounds of the two ingests; the rates and CPU times above are their means.
    rounds: usize,
    /// Each round's rates, encrypted and plain.
    encrypted_runs_items_per_sec: Vec<f64>,
    plain_runs_items_per_sec: Vec<f64>,
    /// The two stores filled side by side, in alternating slices.
    side_by_side: Option<SideBySide>,
    /// The floor: bare rows and their FTS5 entries, same texts, same store settings.
    floor_items_per_sec: f64,
    /// CPU seconds per item of the floor (one thread does all of it).
    floor_cpu: f64,
    db_bytes: u64,
    /// Seconds to open the cache with its search index missing: the index is
    /// built from the items.
    index_rebuild_secs: f64,
    latencies: Vec<Latency>,
}

pub fn run(cmd: &BenchCommand, json: bool) -> Result<(), Error> {
    match cmd {
        BenchCommand::Ingest {
            items,
            skip_plain,
            rounds,
            slices,
            write,
            dir,
        } => {
            let results = ingest(
                *items,
                *skip_plain,
                *rounds,
                *slices as usize,
                dir.as_deref(),
                json,
            )?;
            if json {
                let text = serde_json::to_string_pretty(&results)
                    .map_err(|e| Error::Invalid(e.to_string()))?;
                println!("{text}");
            } else {
                println!("{}", markdown(&results));
            }
            write_to(write.as_deref(), "ingest", &markdown(&results))
        }
        BenchCommand::Window {
            app,
            bare,
            runs,
            items,
            write,
        } => {
            let text = window(app, bare, *runs, *items, json)?;
            write_to(write.as_deref(), "window", &text)
        }
        BenchCommand::Inbox {
            app,
            driver,
            items,
            keys,
            runs,
            triage,
            data_dir,
            generate_only,
            write,
        } => {
            let opts = crate::bench_inbox::Options {
                items: *items,
                keys: *keys,
                runs: (*runs).max(1),
                triage: (*triage).max(1),
                data_dir: data_dir.clone(),
                generate_only: *generate_only,
            };
            let Some(text) = crate::bench_inbox::run(app, driver, &opts, json)? else {
                return Ok(());
            };
            write_to(write.as_deref(), "inbox", &text)
        }
        BenchCommand::Report {
            items,
            days,
            cache_dir,
            write,
        } => {
            let text = crate::bench_report::run(*items, *days, cache_dir.as_deref(), json)?;
            println!("{text}");
            write_to(write.as_deref(), "report", &text)
        }
        BenchCommand::Rules {
            items,
            rules,
            slices,
            write,
        } => {
            let text = rules_bench(*items, *rules, *slices, json)?;
            println!("{text}");
            write_to(write.as_deref(), "rules", &text)
        }
        BenchCommand::Listen {
            items,
            cache_items,
            queries,
            cache_dir,
            skip_ingest,
            write,
        } => {
            if *skip_ingest && write.is_some() {
                return Err(Error::Invalid(
                    "--write needs every measure: leave out --skip-ingest".into(),
                ));
            }
            let text = crate::bench_listen::run(
                crate::bench_listen::Options {
                    ingest_items: (!*skip_ingest).then_some(*items),
                    cache_items: *cache_items,
                    queries: *queries,
                    cache_dir: cache_dir.clone(),
                },
                json,
            )?;
            println!("{text}");
            write_to(write.as_deref(), "listen", &text)
        }
        BenchCommand::ListenWindow {
            app,
            driver,
            items,
            runs,
            sessions,
            data_dir,
            generate_only,
            write,
        } => {
            let opts = crate::bench_listen_window::Options {
                items: *items,
                runs: (*runs).max(1),
                sessions: (*sessions).max(1),
                data_dir: data_dir.clone(),
                generate_only: *generate_only,
            };
            let Some(text) = crate::bench_listen_window::run(app, driver, &opts, json)? else {
                return Ok(());
            };
            write_to(write.as_deref(), "listen-window", &text)
        }
        BenchCommand::Mentions {
            servers_env,
            runs,
            interval,
            notify,
            write,
        } => {
            let env = servers_env.clone().unwrap_or_else(default_servers_env);
            let text = crate::bench_mentions::run(
                &env,
                (*runs).max(1),
                Duration::from_secs((*interval).max(1)),
                *notify,
                json,
            )?;
            write_to(write.as_deref(), "mentions", &text)
        }
    }
}

fn window(
    app: &std::path::Path,
    bare: &std::path::Path,
    runs: usize,
    items: usize,
    json: bool,
) -> Result<String, Error> {
    use crate::bench_window::{fresh_dir, measure};
    let tmp = tempfile::tempdir().map_err(|e| Error::Invalid(e.to_string()))?;
    let mut results = vec![measure(
        "bare Tauri 2 window, static 50-row list",
        bare,
        None,
        &[],
        runs,
    )?];
    // What Earshot itself chooses where there is no GPU render node (src-tauri's
    // rendering.rs), so that the app is also compared at equal settings.
    results.push(measure(
        "bare Tauri 2 window, WebKit's CPU renderer without compositing \
         (WEBKIT_SKIA_ENABLE_CPU_RENDERING=1, WEBKIT_DISABLE_COMPOSITING_MODE=1)",
        bare,
        None,
        &[
            ("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "1"),
            ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        ],
        runs,
    )?);
    let demo = fresh_dir(tmp.path(), "demo")?;
    results.push(measure(
        "Earshot, demo workspace (first launch creates it)",
        app,
        Some(&demo),
        &[],
        runs,
    )?);
    if items > 0 {
        let big = fresh_dir(tmp.path(), "big")?;
        {
            let ws = earshot_core::Workspace::open(&big, &earshot_core::vault::KeyringVault)?;
            ws.ingest_with_progress(generate(items, 42), |_| {})?;
            ws.store().checkpoint()?;
        }
        results.push(measure(
            &format!("Earshot, {items} cached items"),
            app,
            Some(&big),
            &[],
            runs,
        )?);
    }
    if json {
        let text =
            serde_json::to_string_pretty(&results).map_err(|e| Error::Invalid(e.to_string()))?;
        println!("{text}");
    }
    let now = earshot_core::clock::format_rfc3339_ms(earshot_core::clock::Clock::now_ms(
        &earshot_core::clock::SystemClock,
    ));
    let floor = &results[0];
    // The bare window painting the way the program does (WebKit's default, or its
    // CPU renderer without compositing): the comparison at equal settings.
    let same = |r: &crate::bench_window::Launch| {
        results[..2]
            .iter()
            .find(|b| b.rendering == r.rendering)
            .unwrap_or(floor)
    };
    let median = |v: &[f64]| {
        let mut w: Vec<f64> = v.iter().skip(1).copied().collect();
        if w.is_empty() {
            w = v.to_vec();
        }
        w.sort_by(f64::total_cmp);
        w[w.len() / 2]
    };
    let mut md = format!(
        "Measured {now} on {} under Xvfb (software rendering), {runs} launches each with \
         `earshot-cli bench window` (release builds); the first launch of each follows a \
         page-cache drop, the others are warm (median). PSS is summed over every process of \
         the app (the app, WebKitWebProcess, WebKitNetworkProcess) after 5 s idle; idle CPU \
         is their CPU time over the next 10 s.\n\n\
         \"vs bare\" compares with the bare window as Tauri sets it up (WebKit's default \
         rendering); \"same rendering\" with the bare window painting the way the program \
         does (where there is no GPU render node, Earshot asks for WebKit's CPU renderer and \
         painting without compositing).\n\n\
         | program | rendering | first launch to first rows painted | warm (median) | vs bare, first / warm | same rendering, first / warm | PSS idle | PSS over bare / same rendering | idle CPU | processes |\n|---|---|---|---|---|---|---|---|---|---|\n",
        machine()
    );
    for r in &results {
        let like = same(r);
        md.push_str(&format!(
            "| {} | {} | {:.0} ms | {:.0} ms | {:.2}× / {:.2}× | {:.2}× / {:.2}× | {:.0} MiB | {:+.0} / {:+.0} MiB | {:.2}% | {} |\n",
            r.name,
            r.rendering,
            r.first_paint_ms[0],
            median(&r.first_paint_ms),
            r.first_paint_ms[0] / floor.first_paint_ms[0],
            median(&r.first_paint_ms) / median(&floor.first_paint_ms),
            r.first_paint_ms[0] / like.first_paint_ms[0],
            median(&r.first_paint_ms) / median(&like.first_paint_ms),
            r.pss_mib,
            r.pss_mib - floor.pss_mib,
            r.pss_mib - like.pss_mib,
            r.idle_cpu_percent,
            r.processes
        ));
    }
    if results.iter().any(|r| !r.cold_first_launch) {
        md.push_str(
            "\n**The page cache could not be dropped (not root): in this run a first launch \
             is only the first launch of its data directory, not a cold one.**\n",
        );
    }
    md.push_str("\nPSS by process: ");
    let parts: Vec<String> = results
        .iter()
        .map(|r| {
            let each: Vec<String> = r
                .breakdown
                .iter()
                .map(|(n, m)| format!("{n} {m:.0} MiB"))
                .collect();
            format!("{}: {}", r.name, each.join(", "))
        })
        .collect();
    md.push_str(&parts.join("; "));
    md.push_str(".\n");
    md.push_str(
        "\nThe last warm launch of each, step by step (ms since the program was started; \
         `page:` marks are the page's own, put on that clock: `main` the program's first line, \
         `setup` Tauri's setup hook, `page-load` the webview starting to load the page, \
         `page:script` the UI's script running, `page:mounted` the UI mounted, `page:rows` the \
         first rows rendered, `page:layout` their style and layout done, `page:frame` the frame \
         that draws them, `page:painted` the frame after it):\n\n",
    );
    for r in results.iter().filter(|r| !r.timeline.is_empty()) {
        md.push_str(&format!("- {}: {}.\n", r.name, r.timeline));
    }
    md.push_str("\nTargets: start-up ≤ 1.1× the bare window; PSS ≤ 250 MB (≤ 40 MB over the bare window); idle CPU ≤ 0.5%.\n");
    if !json {
        println!("{md}");
    }
    Ok(md)
}

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A Zipf-like rank in 0..n (s ≈ 1): common words are very common.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let r = ((n as f64 + 1.0).powf(u) - 1.0) as usize;
        r.min(n - 1)
    }
}

pub(crate) const COMMON: &[&str] = &[
    "the",
    "to",
    "and",
    "i",
    "a",
    "is",
    "it",
    "for",
    "this",
    "you",
    "of",
    "app",
    "in",
    "my",
    "on",
    "with",
    "but",
    "sync",
    "not",
    "just",
    "can",
    "notes",
    "have",
    "be",
    "so",
    "that",
    "lumen",
    "when",
    "update",
    "please",
    "was",
    "any",
    "why",
    "how",
    "again",
    "love",
    "working",
    "since",
    "phone",
    "does",
    "new",
    "export",
    "thanks",
    "still",
    "broken",
    "feature",
    "help",
    "team",
    "desktop",
    "offline",
    "search",
    "refund",
    "pro",
    "plan",
    "price",
    "bug",
    "crash",
    "login",
    "great",
    "slow",
    "fast",
    "markdown",
    "tags",
    "folders",
    "backup",
    "android",
    "ios",
    "linux",
    "windows",
    "mac",
    "dark",
    "mode",
    "editor",
    "keyboard",
    "shortcut",
    "support",
    "account",
    "billing",
    "charged",
    "twice",
    "outage",
    "down",
    "status",
    "fixed",
    "release",
    "beta",
    "calendar",
    "tasks",
    "reminder",
    "share",
    "link",
    "team",
    "workspace",
    "import",
    "evernote",
    "obsidian",
    "notion",
    "better",
    "worse",
    "finally",
    "amazing",
    "terrible",
    "wish",
    "would",
];

fn word(rng: &mut Rng, out: &mut String) {
    let rank = rng.zipf(40_000);
    if rank < COMMON.len() {
        out.push_str(COMMON[rank]);
    } else {
        // The long tail: pronounceable made-up words, stable per rank.
        const SYL: &[&str] = &[
            "ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "den", "pra", "qua", "zel",
        ];
        let mut r = rank;
        while r > 0 {
            out.push_str(SYL[r % SYL.len()]);
            r /= SYL.len();
        }
    }
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::with_capacity(words * 7);
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        word(rng, &mut s);
    }
    if rng.chance(20) {
        s.push_str(" https://lumennotes.example/changelog");
    }
    s.push(if rng.chance(25) { '?' } else { '.' });
    s
}

/// Items in time order over the last 90 days: 30% start a thread, the rest
/// reply to one of the 5,000 most recent items.
pub(crate) fn generate(n: usize, seed: u64) -> impl Iterator<Item = NewItem> + Send {
    let mut rng = Rng(seed | 1);
    let start = 1_763_000_000_000i64; // mid-November 2025
    let step = (90 * 86_400_000i64) / n.max(1) as i64;
    let mut recent: Vec<(String, String, &'static str)> = Vec::with_capacity(5_000);
    (0..n).map(move |i| {
        let network: &'static str = match rng.below(10) {
            0..=3 => "mastodon",
            4..=7 => "bluesky",
            _ => "reddit",
        };
        let remote_id = format!("{network}-{i}");
        let author_n = rng.zipf(50_000);
        let handle = format!("user{author_n}@{network}.example");
        let words = 6 + rng.below(30);
        let text = sentence(&mut rng, words);
        let reply_to = if recent.is_empty() || rng.chance(30) {
            None
        } else {
            Some(recent[rng.below(recent.len())].clone())
        };
        let (parent, root, kind) = match &reply_to {
            Some((pid, rid, net)) if *net == network => {
                (Some(pid.clone()), (network != "mastodon").then(|| rid.clone()), ItemKind::Reply)
            }
            _ => (None, None, ItemKind::Mention),
        };
        let root_key = root.clone().or_else(|| parent.clone()).unwrap_or_else(|| remote_id.clone());
        if recent.len() < 5_000 {
            recent.push((remote_id.clone(), root_key, network));
        } else {
            recent[i % 5_000] = (remote_id.clone(), root_key, network);
        }
        let content = if network == "mastodon" {
            Content::Html(format!(
                "<p><span class=\"h-card\"><a href=\"https://social.example/@lumen\" class=\"u-url mention\">@<span>lumen</span></a></span> {}</p>",
                text.replace('&', "&amp;")
            ))
        } else {
            Content::Text(text)
        };
        NewItem {
            network: network.to_owned(),
            remote_id,
            account_id: None,
            kind,
            author: NewAuthor {
                handle,
                display_name: Some(format!("User {author_n}")),
                url: None,
                avatar_url: None,
                followers: Some((author_n as i64 * 37) % 20_000),
            },
            content,
            created_at: start + i as i64 * step,
            parent_remote_id: parent,
            root_remote_id: root,
            url: None,
            lang: None,
            attachments: Vec::new(),
        }
    })
}

pub(crate) fn timed_ingest(
    ws: &earshot_core::Workspace,
    n: usize,
    label: &str,
    json: bool,
) -> Result<f64, Error> {
    timed_ingest_cpu(ws, n, label, json).map(|(rate, _)| rate)
}

/// [`timed_ingest`], also giving the CPU seconds per item of the writer thread
/// (the calling one) and of the whole process.
pub(crate) fn timed_ingest_cpu(
    ws: &earshot_core::Workspace,
    n: usize,
    label: &str,
    json: bool,
) -> Result<(f64, (f64, f64)), Error> {
    // Generated as ingest goes, as items arrive from a network: made up beforehand,
    // they would leave the analysis thread ~3-5 µs per item but cost the writer ~2 µs
    // more (their memory is cold by then), with no gain in items per second.
    let t = Instant::now();
    let cpu = CpuTime::now();
    let mut last = Instant::now();
    let report = ws.ingest_with_progress(generate(n, 42), |p| {
        if !json && last.elapsed() > Duration::from_secs(2) {
            eprintln!(
                "  {label}: {} items, {:.0}/s",
                p.inserted,
                p.inserted as f64 / t.elapsed().as_secs_f64()
            );
            last = Instant::now();
        }
    })?;
    ws.store().checkpoint()?;
    let secs = t.elapsed().as_secs_f64();
    let used = cpu.since();
    if !json {
        eprintln!(
            "  {label}: CPU per item: writer thread {:.1} µs, all threads {:.1} µs",
            used.thread_s * 1e6 / n as f64,
            used.process_s * 1e6 / n as f64
        );
    }
    if report.inserted != n {
        return Err(Error::Invalid(format!(
            "{label}: stored {} of {n} items",
            report.inserted
        )));
    }
    Ok((
        n as f64 / secs,
        (used.thread_s / n as f64, used.process_s / n as f64),
    ))
}

/// CPU time used so far by the calling thread and by the whole process (Linux;
/// zero elsewhere). On a shared machine, CPU per item varies far less between
/// runs than wall-clock rates do.
struct CpuTime {
    thread_s: f64,
    process_s: f64,
}

impl CpuTime {
    fn now() -> Self {
        // schedstat's first field is the time spent on the CPU, in ns.
        let thread_s = std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |ns| ns / 1e9);
        // utime and stime (fields 14 and 15), in clock ticks of 10 ms.
        let process_s = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                let fields: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
                let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
                Some((ticks(11)? + ticks(12)?) / 100.0)
            })
            .unwrap_or(0.0);
        Self {
            thread_s,
            process_s,
        }
    }

    fn since(&self) -> Self {
        let now = Self::now();
        Self {
            thread_s: now.thread_s - self.thread_s,
            process_s: now.process_s - self.process_s,
        }
    }
}

pub(crate) fn open_bench_workspace(
    dir: &std::path::Path,
    encryption: Encryption,
) -> Result<earshot_core::Workspace, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Invalid(format!("{}: {e}", dir.display())))?;
    let store = Store::open(&dir.join(DB_FILE), encryption)?;
    Ok(earshot_core::Workspace::from_store_for_benchmark(
        dir, store,
    ))
}

/// One timed ingest: items per second, and CPU seconds per item (writer, all threads).
type Timed = (f64, (f64, f64));

/// The mean of the runs' rates and CPU times.
fn mean_of(runs: &[Timed]) -> Timed {
    let n = runs.len().max(1) as f64;
    let sum = runs.iter().fold((0.0, (0.0, 0.0)), |acc, r| {
        (acc.0 + r.0, (acc.1 .0 + r.1 .0, acc.1 .1 + r.1 .1))
    });
    (sum.0 / n, (sum.1 .0 / n, sum.1 .1 / n))
}

fn ingest(
    n: usize,
    skip_plain: bool,
    rounds: u32,
    slices: usize,
    dir: Option<&std::path::Path>,
    json: bool,
) -> Result<IngestResults, Error> {
    let tmp = tempfile::tempdir().map_err(|e| Error::Invalid(e.to_string()))?;
    let base = dir
        .map(|d| d.to_owned())
        .unwrap_or_else(|| tmp.path().to_owned());

    // Rounds alternate which store is filled first (plain, encrypted; encrypted,
    // plain; …): whichever runs second in a process has measured up to 20% faster or
    // slower, for reasons not found, which one order alone would put in the ratio.
    let rounds = if skip_plain { 1 } else { rounds };
    let (mut plain_runs, mut encrypted_runs) = (Vec::new(), Vec::new());
    let mut kept = None;
    for round in 0..rounds {
        let order: &[bool] = if round % 2 == 0 {
            &[false, true]
        } else {
            &[true, false]
        };
        for &encrypted in order {
            if !encrypted && skip_plain {
                continue;
            }
            let label = if encrypted { "encrypted" } else { "plain" };
            let store_dir = base.join(format!("{label}-{round}"));
            let encryption = if encrypted {
                Encryption::Key(CacheKey::generate()?)
            } else {
                Encryption::PlainForBenchmark
            };
            let ws = open_bench_workspace(&store_dir, encryption.clone())?;
            let run = timed_ingest_cpu(&ws, n, label, json)?;
            if encrypted {
                encrypted_runs.push(run);
                // The last encrypted store is the one searched below.
                if let Some((_, old_dir, _)) = kept.replace((ws, store_dir, encryption)) {
                    let _ = std::fs::remove_dir_all(old_dir);
                }
            } else {
                plain_runs.push(run);
                drop(ws);
                let _ = std::fs::remove_dir_all(store_dir);
            }
        }
    }
    let Some((ws, store_dir, encryption)) = kept else {
        return Err(Error::Invalid("no encrypted run".into()));
    };
    let (enc_rate, encrypted_cpu) = mean_of(&encrypted_runs);
    let plain = (!plain_runs.is_empty()).then(|| mean_of(&plain_runs));
    let side_by_side = if skip_plain || slices == 0 {
        None
    } else {
        Some(side_by_side(n, slices, &base.join("side-by-side"), json)?)
    };
    let (floor_rate, floor_cpu) = floor_ingest(&base.join("floor"), n, json)?;
    let _ = std::fs::remove_dir_all(base.join("floor"));
    let cache = store_dir.join(DB_FILE);
    let db_bytes = [cache.clone(), earshot_core::store::search::path(&cache)]
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum::<u64>();

    let mut latencies = Vec::new();
    let newest = SearchOptions {
        order: SearchOrder::Newest,
        limit: Some(50),
        before_id: None,
    };
    let ranked = SearchOptions {
        order: SearchOrder::Relevance,
        limit: Some(50),
        before_id: None,
    };
    // Words by frequency: the top of the list is in a large share of all items.
    let common: Vec<&str> = COMMON[..20].to_vec();
    let middling: Vec<&str> = COMMON[40..80].to_vec();
    let rare: Vec<String> = {
        let mut rng = Rng(7);
        (0..40)
            .map(|_| {
                let mut s = String::new();
                while s.len() < 6 {
                    s.clear();
                    word(&mut rng, &mut s);
                }
                s
            })
            .collect()
    };
    let phrases: Vec<String> = (0..20)
        .map(|i| format!("\"{} {}\"", COMMON[i % 10], COMMON[10 + i % 15]))
        .collect();
    let filtered: Vec<String> = middling
        .iter()
        .map(|w| format!("{w} network:bluesky"))
        .collect();
    let queries: Vec<(&str, Vec<String>, &SearchOptions)> = vec![
        (
            "search newest-first, very common word",
            common.iter().map(|s| s.to_string()).collect(),
            &newest,
        ),
        (
            "search newest-first, mid-frequency word",
            middling.iter().map(|s| s.to_string()).collect(),
            &newest,
        ),
        ("search newest-first, rare word", rare.clone(), &newest),
        ("search newest-first, phrase", phrases.clone(), &newest),
        (
            "search newest-first, word + network filter",
            filtered,
            &newest,
        ),
        (
            "search relevance (BM25), very common word",
            common.iter().map(|s| s.to_string()).collect(),
            &ranked,
        ),
        ("search relevance (BM25), rare word", rare, &ranked),
    ];
    for (name, qs, opts) in queries {
        let mut times = Vec::new();
        for _round in 0..3 {
            for q in &qs {
                let t = Instant::now();
                let hits = ws.search(q, opts)?;
                times.push(t.elapsed());
                std::hint::black_box(hits);
            }
        }
        latencies.push(latency(name, times));
    }
    let week_ago = newest_activity(&ws)? - 7 * 86_400_000;
    for (name, filter) in [
        ("first inbox page (all)", InboxFilter::default()),
        (
            "first inbox page (state open)",
            InboxFilter {
                state: Some(TriageState::Open),
                ..Default::default()
            },
        ),
        (
            "first inbox page (open, network, negative, lang en)",
            InboxFilter {
                state: Some(TriageState::Open),
                network: Some("mastodon".into()),
                sentiment: Some(Sentiment::Negative),
                lang: Some("en".into()),
                ..Default::default()
            },
        ),
        (
            "first inbox page (last 7 days, high priority)",
            InboxFilter {
                after: Some(week_ago),
                priority: Some(2),
                ..Default::default()
            },
        ),
        (
            "first inbox page (a week, ending a week ago)",
            InboxFilter {
                after: Some(week_ago - 7 * 86_400_000),
                before: Some(week_ago),
                ..Default::default()
            },
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            let page = ws.inbox(&filter)?;
            times.push(t.elapsed());
            std::hint::black_box(page);
        }
        latencies.push(latency(name, times));
    }
    // The search index built from the cache's items, as at the first open after
    // an upgrade from a version that kept it in the cache, or when it is lost.
    drop(ws);
    let cache = store_dir.join(DB_FILE);
    for file in earshot_core::store::search::files(&cache) {
        let _ = std::fs::remove_file(file);
    }
    let t = Instant::now();
    drop(Store::open(&cache, encryption)?);
    let index_rebuild_secs = t.elapsed().as_secs_f64();
    if !json {
        eprintln!("  search index rebuilt from the cache in {index_rebuild_secs:.1} s");
    }
    let plain_rate = plain.map(|(rate, _)| rate);
    Ok(IngestResults {
        index_rebuild_secs,
        items: n,
        encrypted_items_per_sec: enc_rate,
        plain_items_per_sec: plain_rate,
        encrypted_to_plain_ratio: plain_rate.map(|p| p / enc_rate),
        encrypted_cpu,
        plain_cpu: plain.map(|(_, cpu)| cpu),
        rounds: encrypted_runs.len(),
        encrypted_runs_items_per_sec: encrypted_runs.iter().map(|r| r.0).collect(),
        plain_runs_items_per_sec: plain_runs.iter().map(|r| r.0).collect(),
        side_by_side,
        floor_items_per_sec: floor_rate,
        floor_cpu,
        db_bytes,
        latencies,
    })
}

/// The encrypted/plain ratio with both stores filled at once.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SideBySide {
    slices: usize,
    encrypted_items_per_sec: f64,
    plain_items_per_sec: f64,
    /// Encrypted time over plain time.
    ratio: f64,
    /// Encrypted CPU over plain CPU, all threads.
    cpu_ratio: f64,
}

/// The same items ingested into a plain and an encrypted store in alternating
/// slices (plain first, then encrypted first, …), each store checkpointed after
/// its last. Other work on a shared machine comes and goes over tens of
/// seconds; slices a few seconds apart share it, where two whole ingests one
/// after the other do not. What it costs in exactness: each slice is an ingest
/// call of its own (two more single-batch transactions a slice, see
/// `ingest::BULK_AFTER`), and a store's WAL checkpoint still running when its
/// slice ends is counted in the other's time. Per-slice checkpoints would have
/// kept that apart, but their time, the same for both stores, drew the ratio
/// towards 1.
fn side_by_side(
    n: usize,
    slices: usize,
    dir: &std::path::Path,
    json: bool,
) -> Result<SideBySide, Error> {
    let stores = [
        open_bench_workspace(&dir.join("plain"), Encryption::PlainForBenchmark)?,
        open_bench_workspace(
            &dir.join("encrypted"),
            Encryption::Key(CacheKey::generate()?),
        )?,
    ];
    let (secs, cpu) = in_slices(n, slices, &stores, json)?;
    drop(stores);
    let _ = std::fs::remove_dir_all(dir);
    Ok(SideBySide {
        slices,
        encrypted_items_per_sec: n as f64 / secs[1],
        plain_items_per_sec: n as f64 / secs[0],
        ratio: secs[1] / secs[0],
        cpu_ratio: cpu[1] / cpu[0],
    })
}

/// The same `n` generated items ingested into both workspaces in alternating
/// slices, the first first, then the second first, …, each checkpointed after
/// its last (see [`side_by_side`] for why, and what it costs in exactness).
/// Returns each one's seconds and CPU seconds (all threads).
fn in_slices(
    n: usize,
    slices: usize,
    stores: &[earshot_core::Workspace; 2],
    json: bool,
) -> Result<([f64; 2], [f64; 2]), Error> {
    let mut items = [generate(n, 42), generate(n, 42)];
    let slice = n.div_ceil(slices);
    let (mut secs, mut cpu, mut stored) = ([0.0; 2], [0.0; 2], [0; 2]);
    for s in 0..slices {
        let order = if s % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let t = Instant::now();
            let used = CpuTime::now();
            let report = stores[i].ingest_with_progress(items[i].by_ref().take(slice), |_| {})?;
            if s + 1 == slices {
                stores[i].store().checkpoint()?;
            }
            secs[i] += t.elapsed().as_secs_f64();
            cpu[i] += used.since().process_s;
            stored[i] += report.inserted;
        }
        if !json {
            eprintln!(
                "  side by side: {} of {n} items in each store",
                stored[0].min(stored[1])
            );
        }
    }
    if stored != [n, n] {
        return Err(Error::Invalid(format!(
            "side by side: stored {} and {} of {n} items",
            stored[0], stored[1]
        )));
    }
    Ok((secs, cpu))
}

/// The tables of the floor: an item row with its id, remote id, text and time,
/// and an FTS5 index over the text as Earshot's own (external content, same
/// tokenizer, same automerge).
const FLOOR_SCHEMA: &str = "
    CREATE TABLE floor_items (
        id INTEGER PRIMARY KEY, remote_id TEXT NOT NULL, text TEXT NOT NULL,
        created_at INTEGER NOT NULL);
    CREATE VIRTUAL TABLE floor_fts USING fts5(text, content = 'floor_items',
        content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
    INSERT INTO floor_fts (floor_fts, rank) VALUES ('automerge', 16);";

/// The floor issue 2 quotes ("raw rusqlite row + FTS5 inserts"): the same items'
/// texts written as bare rows and FTS5 entries, 10,000 to a transaction, on one
/// thread, in an encrypted store opened as Earshot opens its cache (cipher, page
/// cache, WAL checkpoints). No analysis, threading, authors, conversations or
/// secondary indexes, so the ingest's rate over it says what those cost, in the
/// same run and on the same machine load.
fn floor_ingest(dir: &std::path::Path, n: usize, json: bool) -> Result<(f64, f64), Error> {
    let ws = open_bench_workspace(dir, Encryption::Key(CacheKey::generate()?))?;
    ws.store().write(|tx| tx.execute_batch(FLOOR_SCHEMA))?;
    let mut items = generate(n, 42);
    let (mut secs, mut cpu_s) = (0.0, 0.0);
    loop {
        // Each batch is made just before it is written (its memory warm, as in
        // ingest), and only the writing is timed.
        let batch: Vec<(i64, String, String)> = items
            .by_ref()
            .take(earshot_core::ingest::BATCH)
            .map(|item| {
                let text = match item.content {
                    Content::Text(t) => t,
                    Content::Html(h) => earshot_core::ingest::analyse::html_to_text(&h),
                };
                let id =
                    earshot_core::ingest::item_id(item.created_at, &item.network, &item.remote_id);
                (id, item.remote_id, text)
            })
            .collect();
        if batch.is_empty() {
            break;
        }
        let t = Instant::now();
        let cpu = CpuTime::now();
        ws.store().write(|tx| -> Result<(), Error> {
            let mut row = tx.prepare_cached(
                "INSERT INTO floor_items (id, remote_id, text, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (id, remote_id, text) in &batch {
                row.execute(rusqlite::params![id, remote_id, text, id >> 20])?;
            }
            let mut fts =
                tx.prepare_cached("INSERT INTO floor_fts (rowid, text) VALUES (?1, ?2)")?;
            for (id, _, text) in &batch {
                fts.execute(rusqlite::params![id, text])?;
            }
            Ok(())
        })?;
        secs += t.elapsed().as_secs_f64();
        cpu_s += cpu.since().thread_s;
    }
    let t = Instant::now();
    let cpu = CpuTime::now();
    ws.store().checkpoint()?;
    secs += t.elapsed().as_secs_f64();
    cpu_s += cpu.since().thread_s;
    if !json {
        eprintln!(
            "  floor: {:.0} items/s, CPU per item {:.1} µs",
            n as f64 / secs,
            cpu_s * 1e6 / n as f64
        );
    }
    Ok((n as f64 / secs, cpu_s / n as f64))
}

/// The newest conversation's last activity (the generated data ends near "now").
fn newest_activity(ws: &earshot_core::Workspace) -> Result<i64, Error> {
    Ok(ws
        .inbox(&InboxFilter {
            limit: Some(1),
            ..Default::default()
        })?
        .conversations
        .first()
        .map(|c| c.last_activity_at)
        .unwrap_or_default())
}

/// A generated rule over the generator's common words, of four shapes.
fn generated_rule(i: usize) -> earshot_core::rules::Rule {
    let w = |k: usize| COMMON[(i * 7 + k * 13) % COMMON.len()];
    let query = match i % 4 {
        0 => format!("{} {}", w(0), w(1)),
        1 => format!("\"{} {}\"", w(0), w(1)),
        2 => format!("{} NEAR/3 {}", w(0), w(1)),
        _ => format!("{} OR {} -{}", w(0), w(1), w(2)),
    };
    earshot_core::rules::Rule {
        id: 0,
        name: format!("bench {i}"),
        enabled: true,
        position: 0,
        conditions: earshot_core::rules::Conditions {
            query: Some(query),
            risk_words: i.is_multiple_of(10),
            ..Default::default()
        },
        actions: earshot_core::rules::Actions {
            tags: vec![format!("bench-{}", i % 20)],
            ..Default::default()
        },
        builtin: false,
    }
}

/// A workspace for the rules' bench, with `count` generated rules.
fn rules_workspace(dir: &std::path::Path, count: usize) -> Result<earshot_core::Workspace, Error> {
    let ws = open_bench_workspace(dir, Encryption::Key(CacheKey::generate()?))?;
    for i in 0..count {
        earshot_core::rules::save(&ws, &generated_rule(i))?;
    }
    Ok(ws)
}

fn rules_bench(n: usize, rules: usize, slices: usize, json: bool) -> Result<String, Error> {
    let tmp = tempfile::tempdir().map_err(|e| Error::Invalid(e.to_string()))?;
    let mut runs = Vec::new();
    for (label, count) in [("no rules", 0), ("with rules", rules)] {
        let ws = rules_workspace(&tmp.path().join(label), count)?;
        let (rate, (_, cpu)) = timed_ingest_cpu(&ws, n, label, json)?;
        let fired: i64 = ws.store().read(|c| -> Result<i64, Error> {
            Ok(c.query_row(
                "SELECT coalesce(sum(json_array_length(reason_ids)), 0) FROM item_reasons",
                [],
                |r| r.get(0),
            )?)
        })?;
        runs.push((rate, cpu * 1e6, fired));
    }
    let side = if slices == 0 {
        String::new()
    } else {
        let dir = tmp.path().join("side by side");
        let stores = [
            rules_workspace(&dir.join("no rules"), 0)?,
            rules_workspace(&dir.join("with rules"), rules)?,
        ];
        let (secs, cpu) = in_slices(n, slices, &stores, json)?;
        format!(
            "| side by side: a store without rules and one with them filled in {slices} alternating \
             slices of {} items | {:.0} / {:.0} items/s: the rules take {:.1} % more time, {:.1} % \
             more CPU | |\n",
            n.div_ceil(slices),
            n as f64 / secs[0],
            n as f64 / secs[1],
            (secs[1] / secs[0] - 1.0) * 100.0,
            (cpu[1] / cpu[0] - 1.0) * 100.0
        )
    };
    let now = earshot_core::clock::format_rfc3339_ms(earshot_core::clock::Clock::now_ms(
        &earshot_core::clock::SystemClock,
    ));
    let ((plain, plain_cpu, _), (with, with_cpu, fired)) = (runs[0], runs[1]);
    Ok(format!(
        "Measured {now} on {} with `earshot-cli bench rules --items {n} --rules {rules}` (release build), \
         1-minute load average {} at the end: end-to-end ingest into the encrypted store, once with no \
         rules and once with {rules} generated rules (words, phrases, NEAR/3, OR with NOT; a tenth also \
         need a risk word; each tags), in one run.\n\n\
         | measure | result | target |\n|---|---|---|\n\
         | ingest, no rules | {plain:.0} items/s ({plain_cpu:.1} µs CPU per item, all threads) | |\n\
         | ingest, {rules} rules ({fired} firings recorded) | {with:.0} items/s ({with_cpu:.1} µs CPU per item) | ≥ 35,000 items/s |\n\
         | cost of the rules | {:.1} % of ingest time, {:.1} % of its CPU | |\n{side}",
        machine(),
        load_average(),
        (plain / with - 1.0) * 100.0,
        (with_cpu / plain_cpu - 1.0) * 100.0
    ))
}

/// The key of a bench cache kept between runs: 64 hex digits in
/// `EARSHOT_BENCH_KEY` (never written anywhere by the bench). `option` names
/// what needs it, for the error.
pub(crate) fn key_from_env(option: &str) -> Result<CacheKey, Error> {
    std::env::var("EARSHOT_BENCH_KEY")
        .ok()
        .and_then(|hex| CacheKey::from_hex(hex.trim()))
        .ok_or_else(|| {
            Error::Invalid(format!(
                "{option} needs the cache's key, 64 hex digits, in EARSHOT_BENCH_KEY \
                 (e.g. from `openssl rand -hex 32`)"
            ))
        })
}

pub(crate) fn latency(name: &str, mut times: Vec<Duration>) -> Latency {
    times.sort();
    let at =
        |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    Latency {
        name: name.into(),
        runs: times.len(),
        p50_ms: at(0.5),
        p95_ms: at(0.95),
        max_ms: at(1.0),
    }
}

pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .map(|kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with("PRETTY_NAME=")).map(|l| {
                l.trim_start_matches("PRETTY_NAME=")
                    .trim_matches('"')
                    .to_owned()
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.into());
    format!("{cpu}, {cores} cores, {mem} RAM, {os}")
}

/// The 1-minute load average, as /proc/loadavg gives it ("?" elsewhere).
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn markdown(r: &IngestResults) -> String {
    let now = earshot_core::clock::format_rfc3339_ms(earshot_core::clock::Clock::now_ms(
        &earshot_core::clock::SystemClock,
    ));
    let mut s = String::new();
    s.push_str(&format!(
        "Measured {now} on {} with `earshot-cli bench ingest --items {} --rounds {}` (release \
         build); 1-minute load average {} at the end (other work shares the machine: CPU per \
         item varies far less between runs than items per second). Each round fills a plain and \
         an encrypted store, in alternating order; the ingest rows give the rounds' means.\n\n",
        machine(),
        r.items,
        r.rounds,
        load_average()
    ));
    s.push_str("| measure | result | target |\n|---|---|---|\n");
    let list = |values: &mut dyn Iterator<Item = f64>, decimals: usize| {
        values
            .map(|v| format!("{v:.decimals$}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    s.push_str(&format!(
        "| end-to-end ingest into the encrypted store, {} items | {:.0} items/s ({}) | ≥ 40,000 items/s |\n",
        r.items,
        r.encrypted_items_per_sec,
        list(&mut r.encrypted_runs_items_per_sec.iter().copied(), 0)
    ));
    if let (Some(p), Some(ratio)) = (r.plain_items_per_sec, r.encrypted_to_plain_ratio) {
        s.push_str(&format!(
            "| same ingest into a plain (unencrypted) store, same run | {p:.0} items/s ({}) | |\n",
            list(&mut r.plain_runs_items_per_sec.iter().copied(), 0)
        ));
        // Plain / encrypted time of each round.
        let each = list(
            &mut r
                .plain_runs_items_per_sec
                .iter()
                .zip(&r.encrypted_runs_items_per_sec)
                .map(|(p, e)| p / e),
            3,
        );
        s.push_str(&format!(
            "| encrypted / plain time ratio (each round's) | {ratio:.3} ({each}) | ≤ 1.1 |\n"
        ));
    }
    if let Some(side) = &r.side_by_side {
        s.push_str(&format!(
            "| encrypted / plain, side by side: both stores filled in {} alternating slices of {} items | {:.3} in time ({:.0} / {:.0} items/s), {:.3} in CPU | ≤ 1.1 |\n",
            side.slices,
            r.items.div_ceil(side.slices),
            side.ratio,
            side.encrypted_items_per_sec,
            side.plain_items_per_sec,
            side.cpu_ratio
        ));
    }
    let (writer, all) = r.encrypted_cpu;
    s.push_str(&format!(
        "| CPU per item, encrypted: writer thread / all threads | {:.1} µs / {:.1} µs | |\n",
        writer * 1e6,
        all * 1e6
    ));
    if let Some((pw, pa)) = r.plain_cpu {
        s.push_str(&format!(
            "| CPU per item, plain: writer thread / all threads | {:.1} µs / {:.1} µs | |\n",
            pw * 1e6,
            pa * 1e6
        ));
        s.push_str(&format!(
            "| encrypted / plain CPU ratio, all threads | {:.3} | |\n",
            all / pa
        ));
    }
    s.push_str(&format!(
        "| the floor, same run: bare item rows and their FTS5 entries, one thread, same texts and store settings | {:.0} items/s ({:.1} µs CPU per item) | |\n",
        r.floor_items_per_sec,
        r.floor_cpu * 1e6
    ));
    s.push_str(&format!(
        "| ingest / floor, items per second | {:.2} | 40,000 items/s is {:.2} of this floor |\n",
        r.encrypted_items_per_sec / r.floor_items_per_sec,
        40_000.0 / r.floor_items_per_sec
    ));
    s.push_str(&format!(
        "| database size (the cache and its search index) | {:.0} MiB | |\n",
        r.db_bytes as f64 / 1024.0 / 1024.0
    ));
    s.push_str(&format!(
        "| opening the cache with its search index missing (built from the items, as after an upgrade) | {:.1} s | |\n",
        r.index_rebuild_secs
    ));
    for l in &r.latencies {
        let target = if l.name.starts_with("search newest") {
            "p95 ≤ 10 ms"
        } else if l.name.starts_with("search relevance") {
            "p95 ≤ 100 ms"
        } else {
            "p95 ≤ 5 ms"
        };
        s.push_str(&format!(
            "| {} ({} runs, 50 results) | p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms | {target} |\n",
            l.name, l.runs, l.p50_ms, l.p95_ms, l.max_ms
        ));
    }
    s
}

/// With `--write FILE`, puts a bench's text into its section of FILE and says so.
fn write_to(file: Option<&std::path::Path>, name: &str, body: &str) -> Result<(), Error> {
    if let Some(path) = file {
        write_section(path, name, body)?;
        eprintln!("written to {}", path.display());
    }
    Ok(())
}

/// Replaces the text between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`.
pub fn write_section(path: &std::path::Path, name: &str, body: &str) -> Result<(), Error> {
    let start = format!("<!-- bench:{name}:start -->");
    let end = format!("<!-- bench:{name}:end -->");
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let block = format!("{start}\n{body}{end}");
    let new = match (old.find(&start), old.find(&end)) {
        (Some(a), Some(b)) if b > a => format!("{}{}{}", &old[..a], block, &old[b + end.len()..]),
        _ => format!("{}\n{}\n", old.trim_end(), block),
    };
    std::fs::write(path, new)
        .map_err(|e| Error::Invalid(format!("cannot write {}: {e}", path.display())))
}
