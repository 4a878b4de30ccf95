//! `earshot-cli bench inbox`: the inbox's speed in the real app window, on a
//! workspace of generated items (1M by default) plus one 200-item thread.
//!
//! It starts the built app through `tauri-driver` (WebDriver), installs a probe
//! in the page (`bench_inbox.js`) and presses real keys: `j`/`k` (next
//! conversation painted, and the script each key costs), `Enter` on the 200-item
//! thread (thread painted), `Enter` in the search box (results painted), and `e`
//! then `z` (triage reflected, and undone). Times are the page's own clock, from
//! the keydown to just after the first frame that shows the change. Needs a
//! display and the keyring (see tests/bench/in-app.sh).

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use earshot_core::item::{Content, ItemKind, NewAuthor, NewItem};
use earshot_core::Error;
use serde::Serialize;
use serde_json::{json, Value};

use crate::bench::{latency, machine, Latency};

const PROBE: &str = include_str!("bench_inbox.js");
/// Items in the generated thread the bench opens.
pub const THREAD_ITEMS: usize = 200;

fn err(what: impl std::fmt::Display) -> Error {
    Error::Invalid(what.to_string())
}

/// One conversation of `n` items, newer than anything `bench::generate` makes
/// (so it is the inbox's first row): a root and replies, some to replies.
pub fn long_thread(n: usize) -> impl Iterator<Item = NewItem> + Send {
    // After the 90 days of generated items that start mid-November 2025.
    let start = 1_763_000_000_000i64 + 91 * 86_400_000;
    (0..n).map(move |i| {
        let remote_id = format!("bench-thread-{i}");
        let parent =
            (i > 0).then(|| format!("bench-thread-{}", if i % 5 == 0 { i - 1 } else { 0 }));
        NewItem {
            network: "bluesky".into(),
            remote_id,
            account_id: None,
            kind: if i == 0 {
                ItemKind::Mention
            } else {
                ItemKind::Reply
            },
            author: NewAuthor {
                handle: format!("thread{}.bsky.example", i % 17),
                display_name: Some(format!("Thread voice {}", i % 17)),
                url: None,
                avatar_url: None,
                followers: Some(100 + i as i64),
            },
            content: Content::Text(format!(
                "Reply {i}: the sync still drops my notes after the update, and export to \
                 markdown leaves the tags behind. Anyone else?"
            )),
            created_at: start + i as i64 * 60_000,
            root_remote_id: parent.as_ref().map(|_| "bench-thread-0".to_owned()),
            parent_remote_id: parent,
            url: None,
            lang: Some("en".into()),
            attachments: Vec::new(),
        }
    })
}

/// A W3C WebDriver session through tauri-driver (the listening bench drives it too).
pub(crate) struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
}

impl Driver {
    async fn call(
        http: &reqwest::Client,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
    ) -> Result<Value, Error> {
        let mut req = http.request(method.clone(), url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req
            .send()
            .await
            .map_err(|e| err(format!("{method} {url}: {e}")))?;
        let status = res.status();
        let value: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(err(format!("{method} {url}: {status} {}", value["value"])));
        }
        Ok(value["value"].clone())
    }

    pub(crate) async fn start(base: &str, app: &Path) -> Result<Self, Error> {
        let http = reqwest::Client::new();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "tauri:options": { "application": app.to_string_lossy() } } } });
        let value = Self::call(
            &http,
            reqwest::Method::POST,
            &format!("{base}/session"),
            Some(caps),
        )
        .await?;
        let session = value["sessionId"]
            .as_str()
            .ok_or_else(|| err("WebDriver gave no session id"))?
            .to_owned();
        Ok(Self {
            http,
            base: base.to_owned(),
            session,
        })
    }

    async fn cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Error> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        Self::call(&self.http, method, &url, body).await
    }

    pub(crate) async fn execute(&self, script: &str, args: Value) -> Result<Value, Error> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Runs `script` as an asynchronous script: it ends by calling its last argument.
    async fn execute_async(&self, script: &str, args: Value) -> Result<Value, Error> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Presses one key (a character, or a WebDriver key code such as "\u{E007}").
    pub(crate) async fn key(&self, key: &str) -> Result<(), Error> {
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
            { "type": "keyDown", "value": key }, { "type": "keyUp", "value": key } ] }] });
        self.cmd(reqwest::Method::POST, "/actions", Some(actions))
            .await?;
        Ok(())
    }

    pub(crate) async fn until(&self, what: &str, script: &str) -> Result<(), Error> {
        for _ in 0..600 {
            if self.execute(script, json!([])).await?.as_bool() == Some(true) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(err(format!("timed out waiting for {what}")))
    }

    pub(crate) async fn end(&self) {
        let _ = self.cmd(reqwest::Method::DELETE, "", None).await;
    }
}

/// One measured key press.
#[derive(Debug, Clone, Copy)]
struct Press {
    script_ms: f64,
    painted_ms: f64,
}

/// Arms the probe for `kind`, presses `key`, and waits for the measurement.
async fn measure(d: &Driver, kind: &str, arg: Value, key: &str) -> Result<Press, Error> {
    d.execute(
        "window.__earshotBench.arm(arguments[0], arguments[1])",
        json!([kind, arg]),
    )
    .await?;
    d.key(key).await?;
    // One script that returns when the probe has the measurement: polling the page every
    // few milliseconds through WebDriver would run script in it during the frames timed.
    let done = d
        .execute_async(
            "window.__earshotBench.wait(arguments[arguments.length - 1])",
            json!([]),
        )
        .await?;
    let m = done
        .as_array()
        .and_then(|a| a.first())
        .ok_or_else(|| err(format!("{kind}: no measurement")))?;
    let painted = m["painted"].as_f64().unwrap_or(-1.0);
    if std::env::var_os("EARSHOT_BENCH_TRACE").is_some() {
        eprintln!("{m}");
    }
    if painted < 0.0 {
        return Err(err(format!("{kind}: the change never showed")));
    }
    // A quiet moment between presses, as between a person's keys.
    tokio::time::sleep(Duration::from_millis(60)).await;
    Ok(Press {
        script_ms: m["script"].as_f64().unwrap_or(painted),
        painted_ms: painted,
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Measure {
    painted: Latency,
    script: Latency,
    target: &'static str,
}

fn summarise(name: &str, presses: &[Press], target: &'static str) -> Measure {
    let ms = |v: f64| Duration::from_secs_f64(v.max(0.0) / 1000.0);
    Measure {
        painted: latency(name, presses.iter().map(|p| ms(p.painted_ms)).collect()),
        script: latency(name, presses.iter().map(|p| ms(p.script_ms)).collect()),
        target,
    }
}

const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";
const HOME: &str = "\u{E011}";

async fn drive(d: &Driver, keys: usize, runs: usize, triage: usize) -> Result<Vec<Measure>, Error> {
    d.until(
        "the first inbox rows",
        "return document.querySelectorAll('[data-testid=\"conversation-row\"]').length > 0",
    )
    .await?;
    d.execute(PROBE, json!([])).await?;
    // Let start-up work (first paint report, sync status) settle.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut out = Vec::new();

    // j down through several pages, then k back up.
    let mut moves = Vec::new();
    for _ in 0..keys {
        moves.push(measure(d, "move", Value::Null, "j").await?);
    }
    for _ in 0..keys / 2 {
        moves.push(measure(d, "move", Value::Null, "k").await?);
    }
    out.push(summarise(
        &format!(
            "key press (j/k) to the next conversation painted ({keys} j, then {} k)",
            keys / 2
        ),
        &moves,
        "p95 ≤ 50 ms, script ≤ 10 ms per key",
    ));

    // The 200-item thread is the first row: open it, open its neighbour, and again.
    d.key(HOME).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut threads = Vec::new();
    for _ in 0..runs {
        threads.push(measure(d, "thread", json!(THREAD_ITEMS), ENTER).await?);
        d.key("j").await?;
        d.key(ENTER).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        d.key("k").await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    out.push(summarise(
        &format!("opening a {THREAD_ITEMS}-item thread (Enter to the screenful in view painted)"),
        &threads,
        "≤ 100 ms",
    ));

    // Search: type a query, measure Enter to results painted, Escape back to the list.
    let queries = [
        "sync",
        "refund",
        "export markdown",
        "\"charged twice\"",
        "crash network:bluesky",
        "login OR password",
        "offline",
        "dark mode",
    ];
    let mut searches = Vec::new();
    for i in 0..runs {
        let q = queries[i % queries.len()];
        d.key("/").await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        d.execute(
            "const e = document.querySelector('[data-testid=\"search-input\"]'); \
             e.value = arguments[0]; e.dispatchEvent(new Event('input', { bubbles: true }));",
            json!([q]),
        )
        .await?;
        searches.push(measure(d, "search", Value::Null, ENTER).await?);
        d.key(ESCAPE).await?;
        d.until(
            "the list after the search",
            "return document.querySelectorAll('[data-testid=\"search-result\"]').length === 0 \
             && document.querySelectorAll('[data-testid=\"conversation-row\"]').length > 0",
        )
        .await?;
        d.execute(
            "document.querySelector('[data-testid=\"conversation-row\"][aria-selected=\"true\"]')?.focus()",
            json!([]),
        )
        .await?;
    }
    out.push(summarise(
        "search results painted (Enter in the search box)",
        &searches,
        "≤ 150 ms",
    ));

    // Triage: e on a row deeper in the list, then z to put it back.
    let mut dones = Vec::new();
    let mut undos = Vec::new();
    for _ in 0..triage {
        d.key("j").await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let id = d
            .execute("return window.__earshotBench.selectedId()", json!([]))
            .await?;
        dones.push(measure(d, "triage", Value::Null, "e").await?);
        undos.push(measure(d, "undo", id, "z").await?);
    }
    out.push(summarise(
        "triage: e (done) reflected in the list",
        &dones,
        "≤ 30 ms",
    ));
    out.push(summarise(
        "undo: z reflected in the list",
        &undos,
        "≤ 30 ms",
    ));
    Ok(out)
}

fn start_driver(driver: &Path, data: &Path, port: u16) -> Result<Child, Error> {
    Command::new(driver)
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &(port + 1000).to_string(),
        ])
        .env("EARSHOT_DATA_DIR", data)
        // The window remembers its size in the config directory: keep the bench apart.
        .env("XDG_CONFIG_HOME", data.join("config"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| err(format!("cannot start {}: {e}", driver.display())))
}

/// Stops tauri-driver and what it started: killed alone, it leaves its
/// WebKitWebDriver running, holding every file the bench inherited open (a
/// lock taken around the bench, say).
fn stop_driver(child: &mut Child) {
    #[cfg(target_os = "linux")]
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{}/task", child.id())) {
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for pid in children.split_whitespace() {
                let _ = Command::new("kill").args(["-KILL", pid]).status();
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// How long a bench waits for the app's window to open in a WebDriver session.
const SESSION_START: Duration = Duration::from_secs(120);

/// What a bench does with the app once its window is up.
pub(crate) type Drive<'d, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + 'd>>;

/// Starts tauri-driver on the data directory, opens the app in a WebDriver
/// session, runs `drive` in it, then ends the session and stops the driver,
/// whatever `drive` returned.
pub(crate) fn with_app<T>(
    driver: &Path,
    data: &Path,
    app: &Path,
    drive: impl for<'d> FnOnce(&'d Driver) -> Drive<'d, T>,
) -> Result<T, Error> {
    let port = 4444 + (std::process::id() % 1000) as u16;
    let mut child = start_driver(driver, data, port)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))?;
    let base = format!("http://127.0.0.1:{port}");
    // reqwest needs a TLS provider even for plain HTTP to the local driver.
    earshot_connectors::http::install_crypto_provider();
    let result = rt.block_on(async {
        let http = reqwest::Client::new();
        let mut up = false;
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !up {
            return Err(err("tauri-driver did not start"));
        }
        // An app that never comes up (or one left running that holds the
        // single-instance lock) would otherwise keep the bench waiting for good.
        let d = tokio::time::timeout(SESSION_START, Driver::start(&base, app))
            .await
            .map_err(|_| {
                err(format!(
                    "the app's window did not open within {} s (is another Earshot \
                     still running on {}?)",
                    SESSION_START.as_secs(),
                    data.display()
                ))
            })??;
        let r = drive(&d).await;
        d.end().await;
        r
    });
    stop_driver(&mut child);
    result
}

/// What `bench inbox` runs on and how many times.
pub struct Options {
    pub items: usize,
    /// j presses (then half as many k).
    pub keys: usize,
    /// Runs of the thread and search measures.
    pub runs: usize,
    /// Presses of e, each followed by z.
    pub triage: usize,
    /// Keep the workspace here and reuse it (see `bench inbox --data-dir`).
    pub data_dir: Option<std::path::PathBuf>,
    /// Only generate the workspace in `data_dir`.
    pub generate_only: bool,
}

/// Generates `items` items and the long thread into the workspace at `data`, unless it
/// already holds them (a kept `--data-dir`).
fn fill(data: &Path, items: usize) -> Result<(), Error> {
    let ws = earshot_core::Workspace::open(data, &earshot_core::vault::KeyringVault)?;
    let want = (items + THREAD_ITEMS) as i64;
    let held: i64 = ws.store().read(|c| -> Result<i64, Error> {
        Ok(c.query_row("SELECT count(*) FROM items", [], |r| r.get(0))?)
    })?;
    if held == want {
        eprintln!("reusing the {held} items in {}", data.display());
        return Ok(());
    }
    if held != 0 {
        return Err(err(format!(
            "{} holds {held} items, not {want}: remove it or pass --items {}",
            data.display(),
            held - THREAD_ITEMS as i64
        )));
    }
    eprintln!("generating {items} items and a {THREAD_ITEMS}-item thread…");
    ws.ingest_with_progress(
        crate::bench::generate(items, 42).chain(long_thread(THREAD_ITEMS)),
        |_| {},
    )?;
    ws.store().checkpoint()?;
    Ok(())
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
        keys,
        runs,
        triage,
        ..
    } = *opts;
    let tmp = tempfile::tempdir().map_err(|e| err(e.to_string()))?;
    let data = crate::bench_window::kept_or_fresh(opts.data_dir.as_deref(), tmp.path(), "inbox")?;
    fill(&data, items)?;
    if opts.generate_only {
        return Ok(None);
    }
    let measures = with_app(driver, &data, app, |d| {
        Box::pin(drive(d, keys, runs, triage))
    })?;
    if json_out {
        let text = serde_json::to_string_pretty(&measures).map_err(|e| err(e.to_string()))?;
        println!("{text}");
    }
    let now = earshot_core::clock::format_rfc3339_ms(earshot_core::clock::Clock::now_ms(
        &earshot_core::clock::SystemClock,
    ));
    let mut md = format!(
        "Measured {now} on {} under Xvfb (software rendering) with `earshot-cli bench inbox \
         --items {items}` (release build): the real app through tauri-driver, real key \
         presses, on {items} generated items plus one {THREAD_ITEMS}-item thread. Times are the \
         page's own clock, from the keydown to just after the first frame that shows the \
         change; script is the keydown's task and microtasks.\n\n\
         | measure | painted | script | target |\n|---|---|---|---|\n",
        machine()
    );
    for m in &measures {
        md.push_str(&format!(
            "| {} ({} runs) | p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms | p50 {:.1} ms, p95 {:.1} ms | {} |\n",
            m.painted.name,
            m.painted.runs,
            m.painted.p50_ms,
            m.painted.p95_ms,
            m.painted.max_ms,
            m.script.p50_ms,
            m.script.p95_ms,
            m.target
        ));
    }
    if !json_out {
        println!("{md}");
    }
    Ok(Some(md))
}
