//! The round trip on real local servers (tests/servers/start.sh, which
//! `make test` runs): someone mentions our account and someone else replies in
//! the thread; `earshot-cli sync` brings the conversation in whole; `earshot-cli
//! reply` answers it; the server holds the answer under the right parent.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{cli, ok_json};

/// The variables tests/servers/start.sh wrote.
pub fn servers() -> HashMap<String, String> {
    let dir = std::env::var("EARSHOT_SERVERS_DIR").unwrap_or_else(|_| {
        let cache = std::env::var("XDG_CACHE_HOME")
            .unwrap_or_else(|_| format!("{}/.cache", std::env::var("HOME").unwrap()));
        format!("{cache}/earshot/servers/run")
    });
    let text = std::fs::read_to_string(Path::new(&dir).join("env")).unwrap_or_else(|e| {
        panic!("start the test servers: tests/servers/start.sh (make test does it): {dir}/env: {e}")
    });
    text.lines()
        .filter_map(|l| l.strip_prefix("export ").unwrap_or(l).split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_owned(),
                v.trim().trim_matches(['"', '\'']).to_owned(),
            )
        })
        .collect()
}

pub fn var<'a>(env: &'a HashMap<String, String>, name: &str) -> &'a str {
    env.get(name)
        .unwrap_or_else(|| panic!("{name} is missing from the servers' env file"))
}

/// Runs the CLI with `stdin` piped in.
pub fn cli_stdin(dir: &Path, args: &[&str], stdin: &str) -> Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_earshot-cli"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .arg("--json")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "earshot-cli {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn http() -> reqwest::blocking::Client {
    earshot_connectors::http::install_crypto_provider();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Polls `check` until it returns Some, for at most `within`.
fn eventually<T>(within: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(start.elapsed() < within, "gave up after {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The conversation holding an item, found through the inbox and the thread.
fn conversation_with(dir: &Path, network: &str, text: &str) -> Option<(i64, Value)> {
    let inbox = ok_json(dir, &["inbox", "--network", network, "--limit", "100"]);
    for row in inbox["conversations"].as_array()? {
        let id = row["id"].as_i64()?;
        let thread = ok_json(dir, &["thread", &id.to_string()]);
        let has = thread["items"]
            .as_array()?
            .iter()
            .any(|i| i["text"].as_str().is_some_and(|t| t.contains(text)));
        if has {
            return Some((id, thread));
        }
    }
    None
}

/// No file in the data directory (cache, WAL, shm, workspace.json) holds `secret`.
fn assert_no_file_holds(dir: &Path, secret: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds a secret",
                path.display()
            );
        }
    }
}

/// Adds our Mastodon account (alice, by token on stdin).
pub fn add_mastodon(d: &Path, env: &HashMap<String, String>) -> Value {
    let server = var(env, "EARSHOT_TEST_MASTODON_URL");
    let args = [
        "account",
        "add",
        "mastodon",
        "--server",
        server,
        "--token-stdin",
    ];
    cli_stdin(d, &args, var(env, "EARSHOT_TEST_MASTODON_ALICE_TOKEN"))
}

/// Adds our Bluesky account (alice, by app password on stdin).
pub fn add_bluesky(d: &Path, env: &HashMap<String, String>) -> Value {
    let pds = var(env, "EARSHOT_TEST_BSKY_PDS");
    let alice = var(env, "EARSHOT_TEST_BSKY_ALICE_HANDLE");
    let args = [
        "account", "add", "bluesky", "--server", pds, "--handle", alice,
    ];
    cli_stdin(d, &args, var(env, "EARSHOT_TEST_BSKY_ALICE_APP_PASSWORD"))
}

/// Syncs until the round trip's thread (bob's question, carol's reply) is in the
/// inbox, whole and root first; returns its conversation.
fn synced_thread(d: &Path, network: &str, marker: &str, within: Duration) -> i64 {
    let (conversation, thread) = eventually(within, || {
        ok_json(d, &["sync", "--once"]);
        conversation_with(d, network, &format!("same here since Tuesday {marker}"))
    });
    let texts = texts(&thread);
    assert!(
        texts[0].contains("is the export broken"),
        "the whole thread, root first: {texts:?}"
    );
    assert_eq!(texts.len(), 2, "{texts:?}");
    conversation
}

/// Answers a conversation through `earshot-cli reply`; the network took it.
fn reply_from_cli(d: &Path, conversation: i64, marker: &str) -> Value {
    let sent = cli_stdin(
        d,
        &["reply", &conversation.to_string()],
        &format!("Thanks both, we are on it {marker}"),
    );
    assert_eq!(sent["state"], "sent", "{sent}");
    sent
}

fn texts(thread: &Value) -> Vec<String> {
    thread["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub fn unique(tag: &str) -> String {
    format!(
        "{tag}{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros()
    )
}

// Mastodon

fn mastodon_post(env: &HashMap<String, String>, who: &str, body: Value) -> Value {
    let token = var(env, &format!("EARSHOT_TEST_MASTODON_{who}_TOKEN"));
    let response = http()
        .post(format!(
            "{}/api/v1/statuses",
            var(env, "EARSHOT_TEST_MASTODON_URL")
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().unwrap()
}

#[test]
fn mastodon_round_trip_sync_thread_reply() {
    let env = servers();
    let server = var(&env, "EARSHOT_TEST_MASTODON_URL");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let added = add_mastodon(d, &env);
    assert!(added["message"].as_str().unwrap().contains("Signed in"));
    let accounts = ok_json(d, &["account", "list"]);
    assert_eq!(accounts[0]["network"], "mastodon");
    let token = var(&env, "EARSHOT_TEST_MASTODON_ALICE_TOKEN");
    let listed = serde_json::to_string(&accounts).unwrap();
    assert!(!listed.contains(token), "account rows never hold the token");

    // Bob mentions alice; carol answers in bob's thread, mentioning alice.
    let marker = unique("mastodon-rt-");
    let root = mastodon_post(
        &env,
        "BOB",
        json!({ "status": format!("@alice is the export broken? {marker}") }),
    );
    let reply = mastodon_post(
        &env,
        "CAROL",
        json!({
            "status": format!("@alice @bob same here since Tuesday {marker}"),
            "in_reply_to_id": root["id"],
        }),
    );

    let conversation = synced_thread(d, "mastodon", &marker, Duration::from_secs(20));

    // Answer from Earshot; the server has it under carol's reply.
    let sent = reply_from_cli(d, conversation, &marker);
    let url = sent["remoteUrl"].as_str().unwrap();
    let id = url.rsplit('/').next().unwrap();
    let status: Value = http()
        .get(format!("{server}/api/v1/statuses/{id}"))
        .bearer_auth(token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        status["in_reply_to_id"], reply["id"],
        "answered the newest reply"
    );
    assert!(status["content"].as_str().unwrap().contains("we are on it"));

    // The answer is in the conversation at once, as ours.
    let thread = ok_json(d, &["thread", &conversation.to_string()]);
    assert_eq!(thread["items"].as_array().unwrap().len(), 3);
    assert_no_file_holds(d, token);

    // Removing the account deletes its keyring entry and keeps the conversation.
    let account = accounts[0]["id"].as_i64().unwrap().to_string();
    ok_json(d, &["account", "remove", &account]);
    assert_eq!(
        ok_json(d, &["account", "list"]).as_array().unwrap().len(),
        0
    );
    assert!(conversation_with(d, "mastodon", &marker).is_some());
}

// Bluesky

pub struct Xrpc {
    pds: String,
    did: String,
    jwt: String,
}

pub fn bsky_login(env: &HashMap<String, String>, who: &str) -> Xrpc {
    let pds = var(env, "EARSHOT_TEST_BSKY_PDS").to_owned();
    let session: Value = http()
        .post(format!("{pds}/xrpc/com.atproto.server.createSession"))
        .json(&json!({
            "identifier": var(env, &format!("EARSHOT_TEST_BSKY_{who}_HANDLE")),
            "password": var(env, &format!("EARSHOT_TEST_BSKY_{who}_PASSWORD")),
        }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    Xrpc {
        pds,
        did: session["did"].as_str().unwrap().to_owned(),
        jwt: session["accessJwt"].as_str().unwrap().to_owned(),
    }
}

impl Xrpc {
    pub fn post(&self, text: &str, mention: Option<(&str, &str)>, reply: Option<Value>) -> Value {
        let mut record = json!({
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
        });
        if let Some((handle, did)) = mention {
            let start = text.find(&format!("@{handle}")).unwrap();
            record["facets"] = json!([{
                "index": { "byteStart": start, "byteEnd": start + handle.len() + 1 },
                "features": [{ "$type": "app.bsky.richtext.facet#mention", "did": did }],
            }]);
        }
        if let Some(reply) = reply {
            record["reply"] = reply;
        }
        let response = http()
            .post(format!("{}/xrpc/com.atproto.repo.createRecord", self.pds))
            .bearer_auth(&self.jwt)
            .json(
                &json!({ "repo": self.did, "collection": "app.bsky.feed.post", "record": record }),
            )
            .send()
            .unwrap();
        assert!(
            response.status().is_success(),
            "{}",
            response.text().unwrap()
        );
        response.json().unwrap()
    }

    fn get(&self, method: &str, query: &[(&str, &str)]) -> Value {
        http()
            .get(format!("{}/xrpc/{method}", self.pds))
            .bearer_auth(&self.jwt)
            .query(query)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

#[test]
fn bluesky_round_trip_sync_thread_reply() {
    let env = servers();
    let alice = var(&env, "EARSHOT_TEST_BSKY_ALICE_HANDLE");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    add_bluesky(d, &env);
    let alice_did = ok_json(d, &["account", "list"])[0]["remoteUserId"]
        .as_str()
        .unwrap()
        .to_owned();

    let bob = bsky_login(&env, "BOB");
    let carol = bsky_login(&env, "CAROL");
    let marker = unique("bsky-rt-");
    let root = bob.post(
        &format!("@{alice} is the export broken? {marker}"),
        Some((alice, &alice_did)),
        None,
    );
    let refs = json!({ "uri": root["uri"], "cid": root["cid"] });
    let reply = carol.post(
        &format!("@{alice} same here since Tuesday {marker}"),
        Some((alice, &alice_did)),
        Some(json!({ "root": refs, "parent": refs })),
    );

    let conversation = synced_thread(d, "bluesky", &marker, Duration::from_secs(30));

    reply_from_cli(d, conversation, &marker);
    assert_no_file_holds(d, var(&env, "EARSHOT_TEST_BSKY_ALICE_APP_PASSWORD"));

    // Read it back from the network: parent is carol's reply, root is bob's post.
    let found = eventually(Duration::from_secs(10), || {
        let thread = carol.get(
            "app.bsky.feed.getPostThread",
            &[("uri", reply["uri"].as_str().unwrap()), ("depth", "5")],
        );
        thread["thread"]["replies"]
            .as_array()
            .and_then(|r| r.first().cloned())
    });
    let record = &found["post"]["record"];
    assert!(record["text"].as_str().unwrap().contains("we are on it"));
    assert_eq!(record["reply"]["parent"]["uri"], reply["uri"]);
    assert_eq!(record["reply"]["root"]["uri"], root["uri"]);
}

/// `kill -9` in the middle of a first sync, then a full one: every mention is
/// there exactly once.
#[test]
fn a_sync_killed_mid_way_resumes_with_no_gap_and_no_duplicate() {
    let env = servers();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    add_mastodon(d, &env);
    let marker = unique("kill9-");
    const MENTIONS: usize = 130;
    for n in 0..MENTIONS {
        mastodon_post(
            &env,
            "BOB",
            json!({ "status": format!("@alice question {n} {marker}") }),
        );
    }

    let mut child = Command::new(env!("CARGO_BIN_EXE_earshot-cli"))
        .arg("--data-dir")
        .arg(d)
        .args(["sync", "--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // Killed as soon as the first page is stored.
    let first = lines.next().unwrap().unwrap();
    let first_progress = if first.contains("fetched") {
        first
    } else {
        lines
            .find(|l| l.as_ref().is_ok_and(|l| l.contains("fetched")))
            .unwrap()
            .unwrap()
    };
    child.kill().unwrap();
    let _ = child.wait();
    assert!(first_progress.contains("fetched"), "{first_progress}");

    ok_json(d, &["sync", "--once"]);
    let hits = ok_json(d, &["search", &format!("\"{marker}\""), "--limit", "1000"]);
    let mut seen: Vec<String> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["item"]["text"].as_str().unwrap().to_owned())
        .collect();
    let before = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(before, seen.len(), "no duplicate");
    assert_eq!(seen.len(), MENTIONS, "no gap");
    let _ = cli(d, &["status"]);
}

/// `triage --save` asks for the whole conversation; the next `sync --once`
/// fetches the reply that never mentioned alice, so it reads whole offline.
#[test]
fn a_saved_conversation_is_fetched_whole_by_the_next_sync() {
    let env = servers();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    add_mastodon(d, &env);

    let marker = unique("saved-whole-");
    let root = mastodon_post(
        &env,
        "BOB",
        json!({ "status": format!("@alice do exports keep accents? {marker}") }),
    );
    mastodon_post(
        &env,
        "CAROL",
        json!({ "status": format!("no, they do not {marker}"), "in_reply_to_id": root["id"] }),
    );
    let (conversation, thread) = eventually(Duration::from_secs(20), || {
        ok_json(d, &["sync", "--once"]);
        conversation_with(d, "mastodon", &format!("keep accents? {marker}"))
    });
    assert_eq!(texts(&thread).len(), 1, "the sync heard only the mention");

    let id = conversation.to_string();
    ok_json(d, &["triage", &id, "--save"]);
    ok_json(d, &["sync", "--once"]);
    let thread = ok_json(d, &["thread", &id]);
    let texts = texts(&thread);
    assert_eq!(texts.len(), 2, "saving brought carol's reply: {texts:?}");
    assert!(texts[1].contains(&format!("they do not {marker}")));
}
