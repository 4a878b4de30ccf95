//! Nothing is missed across an offline start, a dropped stream or a restart.
//!
//! The test runs its own Mastodon API server (the same mastodon-mock that
//! tests/servers/start.sh installs) behind a TCP proxy it can cut: the server
//! advertises the proxy as its address (so the live stream goes through it
//! too), and the sync engine, with the real connector and the real keyring,
//! only ever sees the proxy.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use earshot_core::events::{CoreEvent, EventSink};
use earshot_core::sync::{Supervisor, SyncOptions, SyncState};
use earshot_core::vault::{KeyringVault, Secret, Vault};
use earshot_core::Workspace;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

const ALICE: &str = "resilience-alice-token";
const BOB: &str = "resilience-bob-token";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A TCP proxy to 127.0.0.1:`target` that can be cut (closing every open
/// connection and refusing new ones) and restored.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: broadcast::Sender<()>,
}

impl Proxy {
    async fn start(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = broadcast::channel(4);
        let (state, cuts) = (Arc::clone(&up), cut.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !state.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.recv() => {}
                    }
                });
            }
        });
        Self { port, up, cut }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        let _ = self.cut.send(());
    }

    fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// mastodon-mock on its own port, advertising `domain` (the proxy).
struct Mock {
    child: Child,
    _dir: tempfile::TempDir,
}

fn mock_binary() -> PathBuf {
    let cache = std::env::var("XDG_CACHE_HOME")
        .unwrap_or_else(|_| format!("{}/.cache", std::env::var("HOME").unwrap()));
    let bin = PathBuf::from(cache).join("earshot/servers/mastodon-venv/bin/mastodon_mock");
    assert!(
        bin.exists(),
        "{} is missing: run tests/servers/start.sh (make test does it)",
        bin.display()
    );
    bin
}

impl Mock {
    fn start(port: u16, domain_port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("mastodon.toml");
        std::fs::write(
            &config,
            format!(
                r#"domain = "127.0.0.1:{domain_port}"
url_scheme = "http"
[server]
host = "127.0.0.1"
port = {port}
[database]
path = ":memory:"
[[seed.accounts]]
username = "alice"
access_token = "{ALICE}"
[[seed.accounts]]
username = "bob"
access_token = "{BOB}"
"#
            ),
        )
        .unwrap();
        let child = Command::new(mock_binary())
            .args(["serve", "--config"])
            .arg(&config)
            .args(["--log-level", "warning"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mock = Self { child, _dir: dir };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "mastodon-mock did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        mock
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        // mastodon-mock ignores SIGTERM once a stream has connected; SIGINT twice stops it.
        for _ in 0..2 {
            let _ = Command::new("kill")
                .args(["-INT", &self.child.id().to_string()])
                .status();
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Keeps every event, for the test to wait on.
#[derive(Default)]
struct Recorder(Mutex<Vec<CoreEvent>>);

impl EventSink for Recorder {
    fn emit(&self, event: CoreEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Recorder {
    fn count(&self, f: impl Fn(&CoreEvent) -> bool) -> usize {
        self.0.lock().unwrap().iter().filter(|e| f(e)).count()
    }
}

async fn until(what: &str, within: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    start.elapsed()
}

fn stored(ws: &Workspace, text: &str) -> usize {
    ws.store()
        .read(|c| -> Result<usize, earshot_core::Error> {
            Ok(c.query_row(
                "SELECT count(*) FROM items WHERE text LIKE '%' || ?1 || '%'",
                [text],
                |r| r.get::<_, i64>(0),
            )? as usize)
        })
        .unwrap()
}

async fn bob_mentions_alice(mock_port: u16, text: &str) {
    earshot_connectors::http::install_crypto_provider();
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{mock_port}/api/v1/statuses"))
        .bearer_auth(BOB)
        .json(&json!({ "status": format!("@alice {text}") }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_missed_across_an_offline_start_a_dropped_stream_or_a_restart() {
    let mock_port = free_port();
    let proxy = Proxy::start(mock_port).await;
    let _mock = tokio::task::spawn_blocking({
        let domain = proxy.port;
        move || Mock::start(mock_port, domain)
    })
    .await
    .unwrap();
    let server = format!("http://127.0.0.1:{}", proxy.port);

    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(Recorder::default());
    let mut ws = Workspace::open(dir.path(), &KeyringVault).unwrap();
    ws.set_event_sink(events.clone());
    let ws = Arc::new(ws);
    let (account, credentials) =
        earshot_connectors::mastodon::sign_in_with_token(&server, &Secret::new(ALICE))
            .await
            .unwrap();
    let account = ws
        .add_account(&KeyringVault, &account, &credentials)
        .unwrap();
    let vault: Arc<dyn Vault> = Arc::new(KeyringVault);
    let connect = || {
        earshot_connectors::connect(
            &account.to_ref(),
            Arc::new(ws.credentials(Arc::clone(&vault), account.id)),
        )
        .unwrap()
    };
    let options = SyncOptions {
        min_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_secs(1),
        ..SyncOptions::default()
    };
    let marker = format!("resilience-{}", std::process::id());
    let is_stream = |up: bool| move |e: &CoreEvent| matches!(e, CoreEvent::Stream { connected, .. } if *connected == up);

    // 1. Offline start: the server is unreachable when sync starts, and a mention
    //    arrives meanwhile. Once it is reachable the mention comes in.
    proxy.down();
    bob_mentions_alice(mock_port, &format!("offline start {marker}")).await;
    let supervisor = Supervisor::new(Arc::clone(&ws), options.clone());
    supervisor.start(connect());
    until("an offline state", Duration::from_secs(10), || {
        events.count(|e| {
            matches!(
                e,
                CoreEvent::SyncState {
                    state: SyncState::Offline,
                    ..
                }
            )
        }) > 0
    })
    .await;
    proxy.up();
    until(
        "the mention sent while offline",
        Duration::from_secs(10),
        || stored(&ws, &format!("offline start {marker}")) == 1,
    )
    .await;

    // 2. Live: with the stream up, a mention is stored as it is posted.
    until("the live stream", Duration::from_secs(10), || {
        events.count(is_stream(true)) >= 1
    })
    .await;
    let posted = Instant::now();
    bob_mentions_alice(mock_port, &format!("live {marker}")).await;
    until("the live mention", Duration::from_secs(5), || {
        stored(&ws, &format!("live {marker}")) == 1
    })
    .await;
    eprintln!(
        "live mention stored {:?} after it was posted",
        posted.elapsed()
    );

    // 3. The stream drops; two mentions arrive while it is down; both come in
    //    after it reconnects.
    proxy.down();
    until("the stream to drop", Duration::from_secs(10), || {
        events.count(is_stream(false)) >= 1
    })
    .await;
    bob_mentions_alice(mock_port, &format!("while down one {marker}")).await;
    bob_mentions_alice(mock_port, &format!("while down two {marker}")).await;
    proxy.up();
    until(
        "the mentions sent while the stream was down",
        Duration::from_secs(15),
        || {
            stored(&ws, &format!("while down one {marker}")) == 1
                && stored(&ws, &format!("while down two {marker}")) == 1
        },
    )
    .await;

    // 4. Restart: the app stops, a mention arrives, the app starts again.
    supervisor.shutdown().await;
    bob_mentions_alice(mock_port, &format!("while stopped {marker}")).await;
    let supervisor = Supervisor::new(Arc::clone(&ws), options);
    supervisor.start(connect());
    until(
        "the mention sent while stopped",
        Duration::from_secs(10),
        || stored(&ws, &format!("while stopped {marker}")) == 1,
    )
    .await;
    supervisor.shutdown().await;

    assert_eq!(
        stored(&ws, &marker),
        5,
        "every mention once: no gap, no duplicate"
    );
    ws.remove_account(&KeyringVault, account.id).unwrap();
}
