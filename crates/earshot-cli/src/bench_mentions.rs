//! `earshot-cli bench mentions`: how long a mention takes from being posted on
//! the network to being in the inbox (stored), through the real sync engine and
//! connectors, on the local test servers (tests/servers/start.sh).
//!
//! Mastodon: with the live stream up, the time from the moment bob's post is
//! accepted to the moment the item is stored. Bluesky (no stream): the engine
//! polls every `--interval`; mentions are posted at random points of the
//! interval and the figure is compared with "the interval plus 1 s".

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use earshot_core::events::{CoreEvent, EventSink};
use earshot_core::sync::{Supervisor, SyncOptions};
use earshot_core::vault::{KeyringVault, Secret, Vault};
use earshot_core::{Error, Workspace};
use serde_json::json;

use crate::bench::{latency, machine, Latency};

/// Notes when an account's live stream is up, and when each urgent item was
/// announced: behind the desktop notifier (`--notify`), that is once its
/// notification has been shown (the notification service answered).
#[derive(Default)]
struct Watch {
    up: AtomicBool,
    urgent: Mutex<Vec<(String, Instant)>>,
}

impl EventSink for Watch {
    fn emit(&self, event: CoreEvent) {
        match event {
            CoreEvent::Stream { connected, .. } => self.up.store(connected, Ordering::SeqCst),
            CoreEvent::Urgent { items } => {
                let now = Instant::now();
                let mut urgent = self.urgent.lock().unwrap_or_else(|p| p.into_inner());
                urgent.extend(items.into_iter().map(|i| (i.text, now)));
            }
            _ => {}
        }
    }
}

impl Watch {
    fn announced(&self, marker: &str) -> Option<Instant> {
        let urgent = self.urgent.lock().unwrap_or_else(|p| p.into_inner());
        urgent
            .iter()
            .find(|(text, _)| text.contains(marker))
            .map(|(_, at)| *at)
    }
}

/// The sink a bench workspace reports to: `watch`, behind the real desktop
/// notifier when `notify`.
fn sink(watch: &Arc<Watch>, notify: bool) -> Arc<dyn EventSink> {
    if !notify {
        return watch.clone();
    }
    Arc::new(earshot_notify::NotifyingSink::new(
        watch.clone(),
        earshot_core::notify::NotifyPolicy::default(),
        earshot_notify::Desktop::new("Earshot bench"),
        Arc::new(earshot_core::clock::SystemClock),
    ))
}

/// Per run: from the server accepting the post to the item stored, and to its
/// urgent announcement (the notification shown, with `--notify`).
#[derive(Default)]
struct Times {
    stored: Vec<Duration>,
    notified: Vec<Duration>,
}

impl Times {
    async fn measure(
        &mut self,
        posted: reqwest::Response,
        ws: &Workspace,
        watch: &Watch,
        marker: &str,
        limit: Duration,
    ) -> Result<(), Error> {
        let accepted = Instant::now();
        if !posted.status().is_success() {
            return Err(Error::Invalid(format!(
                "posting a mention: {}",
                posted.status()
            )));
        }
        wait_stored(ws, marker, limit).await?;
        self.stored.push(accepted.elapsed());
        let start = Instant::now();
        loop {
            if let Some(at) = watch.announced(marker) {
                self.notified.push(at.saturating_duration_since(accepted));
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(5) {
                return Err(Error::Invalid(
                    "a mention with a risk word was stored but never announced as urgent (is the \
                     default rule on, and a notification service running?)"
                        .into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

fn servers(path: &Path) -> Result<HashMap<String, String>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Invalid(format!(
            "cannot read {}: {e}. Start the local servers first: tests/servers/start.sh",
            path.display()
        ))
    })?;
    Ok(text
        .lines()
        .filter_map(|l| l.strip_prefix("export ").unwrap_or(l).split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_owned(),
                v.trim().trim_matches(['"', '\'']).to_owned(),
            )
        })
        .collect())
}

fn var<'a>(env: &'a HashMap<String, String>, name: &str) -> Result<&'a str, Error> {
    env.get(name)
        .map(String::as_str)
        .ok_or_else(|| Error::Invalid(format!("{name} is missing from the servers' env file")))
}

fn failed(what: &str) -> impl Fn(reqwest::Error) -> Error + '_ {
    move |e| Error::Invalid(format!("{what}: {e}"))
}

fn stored(ws: &Workspace, marker: &str) -> Result<bool, Error> {
    ws.store().read(|c| -> Result<bool, Error> {
        Ok(c.query_row(
            "SELECT EXISTS (SELECT 1 FROM items WHERE text LIKE '%' || ?1 || '%')",
            [marker],
            |r| r.get(0),
        )?)
    })
}

async fn wait_stored(ws: &Workspace, marker: &str, limit: Duration) -> Result<Duration, Error> {
    let start = Instant::now();
    while !stored(ws, marker)? {
        if start.elapsed() > limit {
            return Err(Error::Invalid(format!(
                "a mention was not stored within {limit:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(start.elapsed())
}

/// Stores a signed-in account and starts syncing it.
fn supervise(
    ws: &Arc<Workspace>,
    signed_in: &earshot_core::accounts::SignedInAccount,
    credentials: &Secret,
    options: SyncOptions,
) -> Result<(earshot_core::accounts::Account, Supervisor), Error> {
    let account = ws.add_account(&KeyringVault, signed_in, credentials)?;
    let vault: Arc<dyn Vault> = Arc::new(KeyringVault);
    let connector = earshot_connectors::connect(
        &account.to_ref(),
        Arc::new(ws.credentials(vault, account.id)),
    )?;
    let supervisor = Supervisor::new(Arc::clone(ws), options);
    supervisor.start(connector);
    Ok((account, supervisor))
}

fn workspace(sink: Arc<dyn EventSink>) -> Result<(tempfile::TempDir, Arc<Workspace>), Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("cannot make a temporary workspace", e))?;
    let mut ws = Workspace::open(dir.path(), &KeyringVault)?;
    ws.set_event_sink(sink);
    Ok((dir, Arc::new(ws)))
}

async fn mastodon(
    env: &HashMap<String, String>,
    runs: usize,
    notify: bool,
) -> Result<(Latency, Latency), Error> {
    let server = var(env, "EARSHOT_TEST_MASTODON_URL")?;
    let watch = Arc::new(Watch::default());
    let (_dir, ws) = workspace(sink(&watch, notify))?;
    let token = Secret::new(var(env, "EARSHOT_TEST_MASTODON_ALICE_TOKEN")?);
    let (account, credentials) =
        earshot_connectors::mastodon::sign_in_with_token(server, &token).await?;
    let (account, supervisor) = supervise(&ws, &account, &credentials, SyncOptions::default())?;
    let start = Instant::now();
    while !watch.up.load(Ordering::SeqCst) {
        if start.elapsed() > Duration::from_secs(30) {
            return Err(Error::Invalid("the Mastodon stream did not connect".into()));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let client = reqwest::Client::new();
    let bob = var(env, "EARSHOT_TEST_MASTODON_BOB_TOKEN")?;
    let mut times = Times::default();
    for n in 0..runs {
        let marker = format!("bench-mastodon-{}-{n}", std::process::id());
        // "refund": the default rule makes it urgent, so it is announced.
        let posted = client
            .post(format!("{server}/api/v1/statuses"))
            .bearer_auth(bob)
            .json(&json!({ "status": format!("@alice latency refund {marker}") }))
            .send()
            .await
            .map_err(failed("posting a mention"))?;
        times
            .measure(posted, &ws, &watch, &marker, Duration::from_secs(10))
            .await?;
    }
    supervisor.shutdown().await;
    ws.remove_account(&KeyringVault, account.id)?;
    Ok((
        latency("Mastodon mention → stored, live stream", times.stored),
        latency(
            &format!("Mastodon mention → {}, live stream", announced(notify)),
            times.notified,
        ),
    ))
}

/// What the second measure of a run ends at.
fn announced(notify: bool) -> &'static str {
    if notify {
        "desktop notification shown"
    } else {
        "urgent event (no notifier)"
    }
}

async fn bluesky(
    env: &HashMap<String, String>,
    runs: usize,
    interval: Duration,
    notify: bool,
) -> Result<(Latency, Latency), Error> {
    let pds = var(env, "EARSHOT_TEST_BSKY_PDS")?;
    let watch = Arc::new(Watch::default());
    let (_dir, ws) = workspace(sink(&watch, notify))?;
    let alice = var(env, "EARSHOT_TEST_BSKY_ALICE_HANDLE")?;
    let password = Secret::new(var(env, "EARSHOT_TEST_BSKY_ALICE_APP_PASSWORD")?);
    let (account, credentials) =
        earshot_connectors::bluesky::sign_in(pds, alice, &password).await?;
    let alice_did = account.remote_user_id.clone().unwrap_or_default();
    let options = SyncOptions {
        poll_interval: interval,
        ..SyncOptions::default()
    };
    let (account, supervisor) = supervise(&ws, &account, &credentials, options)?;

    let client = reqwest::Client::new();
    let session: serde_json::Value = client
        .post(format!("{pds}/xrpc/com.atproto.server.createSession"))
        .json(&json!({
            "identifier": var(env, "EARSHOT_TEST_BSKY_BOB_HANDLE")?,
            "password": var(env, "EARSHOT_TEST_BSKY_BOB_PASSWORD")?,
        }))
        .send()
        .await
        .map_err(failed("signing in as bob"))?
        .json()
        .await
        .map_err(failed("signing in as bob"))?;
    let (bob_did, jwt) = (
        session["did"].as_str().unwrap_or_default().to_owned(),
        session["accessJwt"].as_str().unwrap_or_default().to_owned(),
    );
    let mut times = Times::default();
    for n in 0..runs {
        // A random point of the poll interval.
        let mut b = [0u8; 2];
        let _ = getrandom::fill(&mut b);
        let phase = interval.mul_f64(u16::from_le_bytes(b) as f64 / u16::MAX as f64);
        tokio::time::sleep(phase).await;
        let marker = format!("bench-bluesky-{}-{n}", std::process::id());
        let text = format!("@{alice} latency refund {marker}");
        let now = earshot_core::clock::format_rfc3339_ms(earshot_core::clock::Clock::now_ms(
            &earshot_core::clock::SystemClock,
        ));
        let posted = client
            .post(format!("{pds}/xrpc/com.atproto.repo.createRecord"))
            .bearer_auth(&jwt)
            .json(&json!({
                "repo": bob_did,
                "collection": "app.bsky.feed.post",
                "record": {
                    "$type": "app.bsky.feed.post",
                    "text": text,
                    "createdAt": now,
                    "facets": [{
                        "index": { "byteStart": 0, "byteEnd": alice.len() + 1 },
                        "features": [{ "$type": "app.bsky.richtext.facet#mention", "did": alice_did }],
                    }],
                },
            }))
            .send()
            .await
            .map_err(failed("posting a mention"))?;
        let limit = interval * 3 + Duration::from_secs(5);
        times.measure(posted, &ws, &watch, &marker, limit).await?;
    }
    supervisor.shutdown().await;
    ws.remove_account(&KeyringVault, account.id)?;
    let every = interval.as_secs();
    Ok((
        latency(
            &format!("Bluesky mention → stored, polling every {every} s"),
            times.stored,
        ),
        latency(
            &format!(
                "Bluesky mention → {}, polling every {every} s",
                announced(notify)
            ),
            times.notified,
        ),
    ))
}

pub fn run(
    env_file: &Path,
    runs: usize,
    interval: Duration,
    notify: bool,
    json: bool,
) -> Result<String, Error> {
    earshot_connectors::http::install_crypto_provider();
    let env = servers(env_file)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))?;
    let ((m, mn), (b, bn)) = rt.block_on(async {
        let m = mastodon(&env, runs, notify).await?;
        let b = bluesky(&env, runs, interval, notify).await?;
        Ok::<_, Error>((m, b))
    })?;
    if json {
        let text = serde_json::to_string_pretty(&[&m, &mn, &b, &bn])
            .map_err(|e| Error::Invalid(e.to_string()))?;
        println!("{text}");
    }
    let now = earshot_core::clock::format_rfc3339_ms(earshot_core::clock::Clock::now_ms(
        &earshot_core::clock::SystemClock,
    ));
    let mut s = format!(
        "Measured {now} on {} with `earshot-cli bench mentions --runs {runs} --interval {}{}` \
         (release build) against the local servers of tests/servers (mastodon-mock, \
         @atproto/dev-env), from the moment the server accepted the post to the moment the \
         item was in the store the inbox reads, and to the moment its desktop notification \
         was shown (`--notify`: the real notifier, over D-Bus to dunst, returned; \
         each mention has a risk word, so the default rule makes it urgent).\n\n",
        machine(),
        interval.as_secs(),
        if notify { " --notify" } else { "" }
    );
    s.push_str("| measure | result | target |\n|---|---|---|\n");
    for l in [&m, &mn] {
        s.push_str(&format!(
            "| {} ({} runs) | p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms | ≤ 1,000 ms |\n",
            l.name, l.runs, l.p50_ms, l.p95_ms, l.max_ms
        ));
    }
    for l in [&b, &bn] {
        s.push_str(&format!(
            "| {} ({} runs) | p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms | ≤ {} ms (interval + 1 s) |\n",
            l.name,
            l.runs,
            l.p50_ms,
            l.p95_ms,
            l.max_ms,
            interval.as_millis() + 1000
        ));
    }
    if !json {
        println!("{s}");
    }
    Ok(s)
}
