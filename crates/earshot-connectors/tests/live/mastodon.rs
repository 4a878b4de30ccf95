//! The Mastodon connector against the local mastodon-mock server: alice signs
//! in (with her token, and through the browser flow) and hears bob; bob acts
//! through plain REST calls, as another client would. The server is shared
//! with other tests, so every test finds its own statuses by a unique marker,
//! never by counting what is there.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use earshot_connectors::mastodon::{sign_in_with_browser, sign_in_with_token, Mastodon};
use earshot_core::accounts::SignedInAccount;
use earshot_core::connector::{
    AccountRef, Connector, ConnectorError, CredentialStore, FeedRequest, OutgoingReply, StreamEvent,
};
use earshot_core::item::{Content, ItemKind, NewItem};
use earshot_core::vault::Secret;
use serde_json::{json, Value};

use crate::server_env;

struct Vault(Mutex<Secret>);

impl CredentialStore for Vault {
    fn load(&self) -> Result<Secret, ConnectorError> {
        Ok(self.0.lock().unwrap().clone())
    }

    fn save(&self, secret: &Secret) -> Result<(), ConnectorError> {
        *self.0.lock().unwrap() = secret.clone();
        Ok(())
    }
}

fn url() -> String {
    server_env("EARSHOT_TEST_MASTODON_URL")
}

fn domain() -> String {
    server_env("EARSHOT_TEST_MASTODON_DOMAIN")
}

/// A marker no other test (or earlier run) wrote.
fn marker(what: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap();
    format!("{what}{}", hex::encode(bytes))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn html(item: &NewItem) -> &str {
    match &item.content {
        Content::Html(h) | Content::Text(h) => h,
    }
}

/// Alice, signed in with her token, as the app would hold her.
async fn alice() -> (SignedInAccount, Mastodon) {
    let token = Secret::new(server_env("EARSHOT_TEST_MASTODON_ALICE_TOKEN"));
    let (account, secret) = sign_in_with_token(&url(), &token).await.unwrap();
    let connector = connector_for(&account, secret);
    (account, connector)
}

fn connector_for(account: &SignedInAccount, secret: Secret) -> Mastodon {
    let account_ref = AccountRef {
        id: 1,
        network: account.network.clone(),
        server: account.server.clone(),
        handle: account.handle.clone(),
        remote_user_id: account.remote_user_id.clone(),
    };
    Mastodon::new(account_ref, Arc::new(Vault(Mutex::new(secret)))).unwrap()
}

/// Another client of the same server: plain REST calls with a bearer token.
struct Client {
    http: reqwest::Client,
    token: String,
}

impl Client {
    fn new(user: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            token: server_env(&format!("EARSHOT_TEST_MASTODON_{user}_TOKEN")),
        }
    }

    async fn post(&self, status: &str, visibility: &str) -> Value {
        let response = self
            .http
            .post(format!("{}/api/v1/statuses", url()))
            .bearer_auth(&self.token)
            .form(&[("status", status), ("visibility", visibility)])
            .send()
            .await
            .unwrap();
        response.error_for_status().unwrap().json().await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", url()))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        response.error_for_status().unwrap().json().await.unwrap()
    }
}

/// Reads a whole feed the way the sync engine does: pages until none is
/// left, returning the items and the cursor to save.
async fn sync(m: &Mastodon, feed: &str, cursor: Option<String>) -> (Vec<NewItem>, Option<String>) {
    let mut request = FeedRequest {
        feed: feed.into(),
        cursor: cursor.clone(),
        page: None,
        backfill_since: now_ms() - 3_600_000,
    };
    let mut items = Vec::new();
    let mut saved = cursor;
    loop {
        let page = m.fetch(&request).await.unwrap();
        items.extend(page.items);
        if page.cursor.is_some() {
            saved = page.cursor;
        }
        match page.next_page {
            Some(next) => request.page = Some(next),
            None => return (items, saved),
        }
    }
}

#[tokio::test]
async fn a_token_sign_in_hears_a_mention_reads_its_thread_and_replies_once() {
    let (account, m) = alice().await;
    assert_eq!(account.network, "mastodon");
    assert_eq!(account.handle, format!("alice@{}", domain()));
    assert_eq!(account.server, url());
    let (_, cursor) = sync(&m, "notifications", None).await;

    let bob = Client::new("BOB");
    let mark = marker("export-question-");
    let asked = bob
        .post(&format!("@alice how do I export to CSV? {mark}"), "public")
        .await;
    let asked_id = asked["id"].as_str().unwrap().to_owned();

    let (items, new_cursor) = sync(&m, "notifications", cursor.clone()).await;
    let item = items
        .iter()
        .find(|i| html(i).contains(&mark))
        .expect("the mention is fetched from the cursor on");
    assert_eq!(item.remote_id, format!("{asked_id}@{}", domain()));
    assert_eq!(item.kind, ItemKind::Mention);
    assert_eq!(item.author.handle, format!("bob@{}", domain()));
    assert_eq!(item.account_id, Some(1));
    assert!(item.root_remote_id.is_none());
    assert!(
        new_cursor.is_some() && new_cursor != cursor,
        "the cursor moved: {cursor:?} → {new_cursor:?}"
    );

    let thread = m.thread(&item.remote_id).await.unwrap();
    assert!(thread.iter().any(|i| i.remote_id == item.remote_id));

    let reply = OutgoingReply {
        parent_remote_id: item.remote_id.clone(),
        root_remote_id: None,
        text: "Settings → Export, then CSV.".into(),
        idempotency_key: marker("key-"),
        queued_at: now_ms(),
    };
    let sent = m.reply(&reply).await.unwrap();
    let reply_id = sent.remote_id.split('@').next().unwrap().to_owned();
    let stored = bob.get(&format!("/api/v1/statuses/{reply_id}")).await;
    assert_eq!(stored["in_reply_to_id"], json!(asked_id));
    assert_eq!(stored["visibility"], "public", "the parent's visibility");
    assert!(
        stored["content"]
            .as_str()
            .unwrap()
            .contains("@bob Settings"),
        "the author is mentioned so the server notifies him: {}",
        stored["content"]
    );
    let item = sent.item.expect("the sent reply as an item");
    assert_eq!(item.kind, ItemKind::Reply);
    assert_eq!(item.author.handle, account.handle);

    // The outbox retries with the same key: the server must not post twice.
    let again = m.reply(&reply).await.unwrap();
    assert_eq!(
        again.remote_id, sent.remote_id,
        "the same key gives the same status"
    );
    let context = bob
        .get(&format!("/api/v1/statuses/{asked_id}/context"))
        .await;
    assert_eq!(
        context["descendants"].as_array().unwrap().len(),
        1,
        "one reply, not two"
    );

    // Marking read moves the notifications marker to the newest seen.
    m.mark_read(&sent.remote_id).await.unwrap();
    let alice_rest = Client::new("ALICE");
    let markers = alice_rest
        .get("/api/v1/markers?timeline[]=notifications")
        .await;
    assert_eq!(
        markers["notifications"]["last_read_id"].as_str(),
        new_cursor.as_deref()
    );

    assert!(m.rate_budget().is_some(), "the server sends X-RateLimit-*");
}

#[tokio::test]
async fn limits_come_from_the_server_and_a_long_reply_is_refused_unsent() {
    let (_, m) = alice().await;
    let limits = m.limits().await.unwrap();
    assert_eq!((limits.max_length, limits.link_length), (500, Some(23)));

    let bob = Client::new("BOB");
    let mark = marker("long-");
    let asked = bob.post(&format!("@alice {mark}"), "public").await;
    let asked_id = asked["id"].as_str().unwrap();
    let reply = OutgoingReply {
        parent_remote_id: format!("{asked_id}@{}", domain()),
        root_remote_id: None,
        text: "x".repeat(496),
        idempotency_key: marker("key-"),
        queued_at: now_ms(),
    };
    let e = m.reply(&reply).await.unwrap_err();
    assert!(
        matches!(&e, ConnectorError::Refused { message, .. } if message.contains("501") && message.contains("500")),
        "{e:?}"
    );
    let context = bob
        .get(&format!("/api/v1/statuses/{asked_id}/context"))
        .await;
    assert_eq!(context["descendants"], json!([]), "nothing was sent");
}

#[tokio::test]
async fn a_direct_message_arrives_as_a_dm_in_conversations() {
    let (_, m) = alice().await;
    let bob = Client::new("BOB");
    let mark = marker("dm-");
    bob.post(&format!("@alice a private question {mark}"), "direct")
        .await;
    let (items, cursor) = sync(&m, "conversations", None).await;
    let item = items
        .iter()
        .find(|i| html(i).contains(&mark))
        .expect("the DM is in the conversations");
    assert_eq!(item.kind, ItemKind::Dm);
    assert!(cursor.is_some(), "a first sync ends with a cursor");
    let (notifications, _) = sync(&m, "notifications", None).await;
    let as_mention = notifications
        .iter()
        .find(|i| html(i).contains(&mark))
        .expect("the DM also notifies as a mention");
    assert_eq!(as_mention.kind, ItemKind::Dm, "and is still a DM there");
    assert_eq!(as_mention.remote_id, item.remote_id, "one item, two feeds");
}

#[tokio::test]
async fn search_finds_a_hashtag_and_text() {
    let (_, m) = alice().await;
    let tag = marker("earshotlive");
    let bob = Client::new("BOB");
    bob.post(&format!("release notes are out #{tag}"), "public")
        .await;
    let by_tag = m.search(&format!("#{tag}"), None).await.unwrap();
    assert_eq!(by_tag.items.len(), 1, "the hashtag timeline");
    assert_eq!(by_tag.items[0].kind, ItemKind::Post);
    let by_text = m.search(&tag, None).await.unwrap();
    assert!(
        by_text.items.iter().any(|i| html(i).contains(&tag)),
        "full-text search"
    );
}

/// Waits for the first streamed item whose HTML holds `mark`.
async fn next_item_with(
    rx: &mut tokio::sync::mpsc::Receiver<StreamEvent>,
    mark: &str,
) -> Box<NewItem> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(StreamEvent::Item(item))) if html(&item).contains(mark) => return item,
            Ok(Some(_)) => {}
            Ok(None) => panic!("the stream ended"),
            Err(_) => panic!("no streamed item within 10 s"),
        }
    }
}

#[tokio::test]
async fn a_mention_streams_in_promptly() {
    let (_, m) = alice().await;
    let m = Arc::new(m);
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let streaming = m.clone();
    let run = tokio::spawn(async move { streaming.stream(tx).await });
    let connected = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap();
    assert_eq!(connected, Some(StreamEvent::Connected));

    let bob = Client::new("BOB");
    let mut latencies = Vec::new();
    for round in 0..5 {
        let mark = marker("live-");
        let started = Instant::now();
        let visibility = if round == 4 { "direct" } else { "public" };
        bob.post(&format!("@alice streamed {mark}"), visibility)
            .await;
        let item = next_item_with(&mut rx, &mark).await;
        latencies.push(started.elapsed());
        let expected = if visibility == "direct" {
            ItemKind::Dm
        } else {
            ItemKind::Mention
        };
        assert_eq!(item.kind, expected);
        assert_eq!(item.author.handle, format!("bob@{}", domain()));
    }
    latencies.sort();
    eprintln!(
        "mastodon stream latency, post sent → item received (5 rounds): min {:?}, median {:?}, max {:?}",
        latencies[0], latencies[2], latencies[4]
    );
    assert!(
        latencies[4] < Duration::from_secs(5),
        "streamed within 5 s: {latencies:?}"
    );

    // Closing the sink ends the stream cleanly.
    drop(rx);
    let result = tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .expect("the stream stops once nobody listens")
        .unwrap();
    assert_eq!(result, Ok(()));
}

/// Plays the browser against mastodon-mock, whose authorize page is an
/// account picker that would redirect with `code=mockcode_<user>`.
fn mock_browser(user: &'static str) -> impl FnOnce(&str) -> Result<(), String> {
    move |authorize: &str| {
        let parsed = url::Url::parse(authorize).map_err(|e| e.to_string())?;
        let query: std::collections::HashMap<String, String> =
            parsed.query_pairs().into_owned().collect();
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(query["scope"], "read write");
        let callback = format!(
            "{}?code=mockcode_{user}&state={}",
            query["redirect_uri"], query["state"]
        );
        tokio::spawn(async move {
            let page = reqwest::get(callback).await.unwrap().text().await.unwrap();
            assert!(page.contains("You can close this window"), "{page}");
        });
        Ok(())
    }
}

#[tokio::test]
async fn the_browser_sign_in_gets_a_working_token() {
    let started = Instant::now();
    let (account, secret) =
        sign_in_with_browser(&url(), mock_browser("alice"), Duration::from_secs(20))
            .await
            .unwrap();
    eprintln!("mastodon browser sign-in (mock): {:?}", started.elapsed());
    assert_eq!(account.handle, format!("alice@{}", domain()));
    let stored: Value = serde_json::from_str(secret.expose()).unwrap();
    assert!(stored["access_token"].is_string());
    assert!(stored["client_id"].is_string() && stored["client_secret"].is_string());
    let m = connector_for(&account, secret);
    m.fetch(&FeedRequest {
        feed: "notifications".into(),
        cursor: None,
        page: None,
        backfill_since: now_ms(),
    })
    .await
    .expect("the new token reads notifications");
}
