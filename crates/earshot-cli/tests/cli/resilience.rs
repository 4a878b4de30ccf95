//! Nothing is missed across an offline start, a dropped stream or a restart.
//!
//! The test runs its own Mastodon API server (the same mastodon-mock that
//! tests/servers/start.sh installs) behind a TCP proxy it can cut: the server
//! advertises the proxy as its address (so the live stream goes through it
//! too), and the sync engine, with the real connector and the real keyring,
//! only ever sees the proxy.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use earshot_core::events::{CoreEvent, EventSink};
use earshot_core::sync::{self, Supervisor, SyncOptions, SyncState};
use earshot_core::vault::{KeyringVault, Secret, Vault};
use earshot_core::Workspace;
use rusqlite::OptionalExtension;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
/// connection and refusing new ones), restored, or set to lose the answers to
/// posted statuses (the request reaches the server; its response never comes back).
struct Proxy {
    port: u16,
    mode: Arc<AtomicU8>,
    cut: broadcast::Sender<()>,
}

const UP: u8 = 0;
const DOWN: u8 = 1;
const LOSE_POST_ANSWERS: u8 = 2;

/// The requests that post a reply (Mastodon, Bluesky): their answers are lost.
const LOST_POSTS: [&[u8]; 2] = [
    b"POST /api/v1/statuses",
    b"POST /xrpc/com.atproto.repo.createRecord",
];

async fn relay(mut client: TcpStream, target: u16, lose_post_answers: bool) {
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await else {
        return;
    };
    if !lose_post_answers {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        return;
    }
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let posted = AtomicBool::new(false);
    let upstream = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = client_read.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            if LOST_POSTS
                .iter()
                .any(|needle| buf[..n].windows(needle.len()).any(|w| w == *needle))
            {
                posted.store(true, Ordering::SeqCst);
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let downstream = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = server_read.read(&mut buf).await.unwrap_or(0);
            // The answer to a post is lost: the connection just ends.
            if n == 0 || posted.load(Ordering::SeqCst) {
                return;
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
    }
}

impl Proxy {
    async fn start(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(UP));
        let (cut, _) = broadcast::channel(4);
        let (state, cuts) = (Arc::clone(&mode), cut.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let now = state.load(Ordering::SeqCst);
                if now == DOWN {
                    drop(client);
                    continue;
                }
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = relay(client, target, now == LOSE_POST_ANSWERS) => {}
                        _ = cut.recv() => {}
                    }
                });
            }
        });
        Self { port, mode, cut }
    }

    /// Switches mode. Open connections are closed so that the next requests see
    /// the new mode; the short wait lets clients notice before reusing one.
    async fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
        let _ = self.cut.send(());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    fn down(&self) {
        self.mode.store(DOWN, Ordering::SeqCst);
        let _ = self.cut.send(());
    }

    fn up(&self) {
        self.mode.store(UP, Ordering::SeqCst);
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

/// A private mastodon-mock behind a proxy, and a workspace signed in to it.
struct Rig {
    proxy: Proxy,
    mock_port: u16,
    _mock: Mock,
    _dir: tempfile::TempDir,
    ws: Arc<Workspace>,
    events: Arc<Recorder>,
    account: earshot_core::accounts::Account,
}

impl Rig {
    async fn new() -> Self {
        let mock_port = free_port();
        let proxy = Proxy::start(mock_port).await;
        let mock = tokio::task::spawn_blocking({
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
        Self {
            proxy,
            mock_port,
            _mock: mock,
            _dir: dir,
            ws,
            events,
            account,
        }
    }

    fn connector(&self) -> Arc<dyn earshot_core::connector::Connector> {
        let vault: Arc<dyn Vault> = Arc::new(KeyringVault);
        earshot_connectors::connect(
            &self.account.to_ref(),
            Arc::new(self.ws.credentials(vault, self.account.id)),
        )
        .unwrap()
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = self.ws.remove_account(&KeyringVault, self.account.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_missed_across_an_offline_start_a_dropped_stream_or_a_restart() {
    let rig = Rig::new().await;
    let (proxy, mock_port, ws, events) = (&rig.proxy, rig.mock_port, &rig.ws, &rig.events);
    let connect = || rig.connector();
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
    let supervisor = Supervisor::new(Arc::clone(ws), options.clone());
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
        || stored(ws, &format!("offline start {marker}")) == 1,
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
        stored(ws, &format!("live {marker}")) == 1
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
            stored(ws, &format!("while down one {marker}")) == 1
                && stored(ws, &format!("while down two {marker}")) == 1
        },
    )
    .await;

    // 4. Restart: the app stops, a mention arrives, the app starts again.
    supervisor.shutdown().await;
    bob_mentions_alice(mock_port, &format!("while stopped {marker}")).await;
    let supervisor = Supervisor::new(Arc::clone(ws), options);
    supervisor.start(connect());
    until(
        "the mention sent while stopped",
        Duration::from_secs(10),
        || stored(ws, &format!("while stopped {marker}")) == 1,
    )
    .await;
    supervisor.shutdown().await;

    assert_eq!(
        stored(ws, &marker),
        5,
        "every mention once: no gap, no duplicate"
    );
}

/// Replies bob's status got on the server, as (id, text).
async fn replies_to(mock_port: u16, status: &str) -> Vec<(String, String)> {
    let context: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "http://127.0.0.1:{mock_port}/api/v1/statuses/{status}/context"
        ))
        .bearer_auth(BOB)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    context["descendants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["in_reply_to_id"] == status)
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_owned(),
                d["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The conversation holding the item whose text contains `text`.
fn conversation_of(ws: &Workspace, text: &str) -> Option<i64> {
    ws.store()
        .read(|c| -> Result<Option<i64>, earshot_core::Error> {
            Ok(c.query_row(
                "SELECT conversation_id FROM items WHERE text LIKE '%' || ?1 || '%'",
                [text],
                |r| r.get(0),
            )
            .optional()?)
        })
        .unwrap()
}

fn make_due(ws: &Workspace) {
    ws.store()
        .write(|tx| -> Result<(), earshot_core::Error> {
            tx.execute("UPDATE outbox SET not_before = 0", [])?;
            Ok(())
        })
        .unwrap();
}

/// The composer's path on a real server: a saved reply with a variable and a
/// question, one reply taken back in its undo window, one sent; then a reply
/// whose answer is lost on the way back (the server got it), retried: the
/// server holds it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_from_saved_replies_are_undone_or_sent_exactly_once_even_when_the_answer_is_lost() {
    use earshot_core::{compose, outbox};
    let rig = Rig::new().await;
    let ws = &rig.ws;
    let marker = format!("outbox-{}", std::process::id());
    bob_mentions_alice(rig.mock_port, &format!("where is my order? {marker}")).await;
    let connector = rig.connector();
    sync::sync_account(ws, connector.as_ref(), &SyncOptions::default())
        .await
        .unwrap();
    let conversation = ws.inbox(&Default::default()).unwrap().conversations[0].id;
    let bob_status = ws.conversation(conversation).unwrap().items[0]
        .remote_id
        .split('@')
        .next()
        .unwrap()
        .to_owned();

    compose::save_reply_template(
        ws,
        "order",
        "Hi {author.handle}, order {?Order number} ships today. {my.handle}",
    )
    .unwrap();
    let template = &compose::saved_replies(ws).unwrap()[0];
    let mut context = compose::context(ws, conversation, None).unwrap();
    context
        .answers
        .insert("Order number".into(), "A-1042".into());
    let text = compose::fill(&template.body, &context).unwrap();
    assert!(text.starts_with("Hi @bob@127.0.0.1:"), "{text}");

    // Sent, then undone within its window: it never leaves.
    let undone =
        outbox::queue_reply_as(ws, conversation, &text, None, Duration::from_secs(5)).unwrap();
    outbox::cancel(ws, undone.id).unwrap();
    assert_eq!(
        compose::draft(ws, conversation).unwrap().unwrap().body,
        text
    );
    make_due(ws);
    assert!(outbox::send_due(ws, connector.as_ref())
        .await
        .unwrap()
        .is_empty());

    // Sent for real.
    let first = outbox::queue_reply(ws, conversation, &text).unwrap();
    let done = outbox::send_due(ws, connector.as_ref()).await.unwrap();
    assert_eq!(done[0].state, outbox::OutboxState::Sent, "{:?}", done[0]);
    let replies = replies_to(rig.mock_port, &bob_status).await;
    assert_eq!(replies.len(), 1, "the undone one never reached the server");
    assert!(replies[0].1.contains("A-1042"));

    // The server gets the next one, but its answer is lost on the way back.
    rig.proxy.set(LOSE_POST_ANSWERS).await;
    let second =
        outbox::queue_reply(ws, conversation, &format!("One more thing {marker}")).unwrap();
    let attempt = outbox::send_due(ws, connector.as_ref()).await.unwrap();
    assert_eq!(
        attempt[0].state,
        outbox::OutboxState::Queued,
        "{:?}",
        attempt[0]
    );
    assert_eq!(
        replies_to(rig.mock_port, &bob_status).await.len(),
        2,
        "the server has it: {:?}",
        attempt[0]
    );

    // Restored and retried with the same key: still one copy.
    rig.proxy.set(UP).await;
    make_due(ws);
    let retried = outbox::send_due(ws, connector.as_ref()).await.unwrap();
    assert_eq!(retried[0].id, second.id);
    assert_eq!(
        retried[0].state,
        outbox::OutboxState::Sent,
        "{:?}",
        retried[0]
    );
    let replies = replies_to(rig.mock_port, &bob_status).await;
    assert_eq!(replies.len(), 2, "exactly once: {replies:?}");
    assert_ne!(first.id, second.id);
    let thread = ws.conversation(conversation).unwrap();
    assert_eq!(
        thread.items.len(),
        3,
        "both replies are in the thread, once each"
    );
}

/// Alice's posts on the local Bluesky PDS that answer `parent` (read from her
/// repository: what the network holds, with no index in between).
async fn bluesky_replies(pds: &str, did: &str, parent: &str) -> Vec<String> {
    // Every page: other tests post as alice too, so hers can be past the first.
    let mut replies = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![
            ("repo", did.to_owned()),
            ("collection", "app.bsky.feed.post".to_owned()),
            ("limit", "100".to_owned()),
        ];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let page: serde_json::Value = reqwest::Client::new()
            .get(format!("{pds}/xrpc/com.atproto.repo.listRecords"))
            .query(&query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let records = page["records"].as_array().unwrap();
        replies.extend(
            records
                .iter()
                .filter(|r| r["value"]["reply"]["parent"]["uri"] == parent)
                .map(|r| r["value"]["text"].as_str().unwrap().to_owned()),
        );
        match page["cursor"].as_str() {
            Some(c) if !records.is_empty() => cursor = Some(c.to_owned()),
            _ => break,
        }
    }
    replies
}

/// The same on the local Bluesky network, through a proxy in front of its PDS:
/// a saved reply undone in its window never leaves, one is sent, and one whose
/// answer is lost on the way back (the PDS has it) is found there on retry
/// rather than posted again (its record key was chosen before the first try).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bluesky_replies_are_undone_or_sent_exactly_once_even_when_the_answer_is_lost() {
    use crate::networks::{bsky_login, servers, unique, var};
    use earshot_core::{compose, outbox};
    earshot_connectors::http::install_crypto_provider();
    let env = servers();
    let pds = var(&env, "EARSHOT_TEST_BSKY_PDS").to_owned();
    let alice = var(&env, "EARSHOT_TEST_BSKY_ALICE_HANDLE").to_owned();
    let pds_port = reqwest::Url::parse(&pds).unwrap().port().unwrap();
    let proxy = Proxy::start(pds_port).await;

    let dir = tempfile::tempdir().unwrap();
    let ws = Arc::new(Workspace::open(dir.path(), &KeyringVault).unwrap());
    let (signed_in, credentials) = earshot_connectors::bluesky::sign_in(
        &format!("http://127.0.0.1:{}", proxy.port),
        &alice,
        &Secret::new(var(&env, "EARSHOT_TEST_BSKY_ALICE_APP_PASSWORD")),
    )
    .await
    .unwrap();
    let alice_did = signed_in.remote_user_id.clone().unwrap();
    let account = ws
        .add_account(&KeyringVault, &signed_in, &credentials)
        .unwrap();
    let vault: Arc<dyn Vault> = Arc::new(KeyringVault);
    let connector = earshot_connectors::connect(
        &account.to_ref(),
        Arc::new(ws.credentials(vault, account.id)),
    )
    .unwrap();

    let marker = unique("bsky-outbox-");
    let root = tokio::task::spawn_blocking({
        let (env, alice, did, marker) = (
            env.clone(),
            alice.clone(),
            alice_did.clone(),
            marker.clone(),
        );
        move || {
            bsky_login(&env, "BOB").post(
                &format!("@{alice} my order is late {marker}"),
                Some((&alice, &did)),
                None,
            )
        }
    })
    .await
    .unwrap();
    let root_uri = root["uri"].as_str().unwrap().to_owned();
    let start = Instant::now();
    let conversation = loop {
        sync::sync_account(&ws, connector.as_ref(), &SyncOptions::default())
            .await
            .unwrap();
        // Not the inbox's newest conversation: other tests mention alice too,
        // and theirs can arrive after this one.
        if let Some(conversation) = conversation_of(&ws, &marker) {
            break conversation;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the mention never arrived"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    compose::save_reply_template(
        &ws,
        "late",
        "Sorry {author.handle}, order {?Order number} leaves today.",
    )
    .unwrap();
    let mut context = compose::context(&ws, conversation, None).unwrap();
    context.answers.insert("Order number".into(), "B-7".into());
    let text = compose::fill(&compose::saved_replies(&ws).unwrap()[0].body, &context).unwrap();
    assert!(text.starts_with("Sorry @bob"), "{text}");

    let undone =
        outbox::queue_reply_as(&ws, conversation, &text, None, Duration::from_secs(5)).unwrap();
    outbox::cancel(&ws, undone.id).unwrap();
    make_due(&ws);
    assert!(outbox::send_due(&ws, connector.as_ref())
        .await
        .unwrap()
        .is_empty());
    assert!(bluesky_replies(&pds, &alice_did, &root_uri)
        .await
        .is_empty());

    outbox::queue_reply(&ws, conversation, &text).unwrap();
    let done = outbox::send_due(&ws, connector.as_ref()).await.unwrap();
    assert_eq!(done[0].state, outbox::OutboxState::Sent, "{:?}", done[0]);
    assert_eq!(
        bluesky_replies(&pds, &alice_did, &root_uri).await,
        vec![text.as_str()],
        "the undone one never reached the network"
    );

    // The PDS gets the next one, but its answer is lost on the way back.
    proxy.set(LOSE_POST_ANSWERS).await;
    let second = format!("One more thing {marker}");
    let queued = outbox::queue_reply(&ws, conversation, &second).unwrap();
    let attempt = outbox::send_due(&ws, connector.as_ref()).await.unwrap();
    assert_eq!(attempt[0].id, queued.id);
    // Either the connector found its record at once (its reads still pass), or
    // the entry waits for a retry.
    if attempt[0].state != outbox::OutboxState::Sent {
        assert_eq!(
            attempt[0].state,
            outbox::OutboxState::Queued,
            "{:?}",
            attempt[0]
        );
        proxy.set(UP).await;
        make_due(&ws);
        let retried = outbox::send_due(&ws, connector.as_ref()).await.unwrap();
        assert_eq!(
            retried[0].state,
            outbox::OutboxState::Sent,
            "{:?}",
            retried[0]
        );
    }
    proxy.set(UP).await;
    let mut replies = bluesky_replies(&pds, &alice_did, &root_uri).await;
    replies.sort();
    let mut want = vec![text, second];
    want.sort();
    assert_eq!(replies, want, "each reply exactly once");
    let thread = ws.conversation(conversation).unwrap();
    assert_eq!(
        thread.items.len(),
        3,
        "both replies are in the thread, once each"
    );
    let _ = ws.remove_account(&KeyringVault, account.id);
}
