//! The connector against a scripted PDS: sessions and renewals, paging,
//! unreadable pages, replies and their idempotency. Payloads follow the
//! lexicons (and the shapes the local dev-env network sends).

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use earshot_core::connector::{
    AccountRef, Connector, ConnectorError, FeedRequest, LengthUnit, OutgoingReply,
};
use earshot_core::item::{Content, ItemKind};
use earshot_core::vault::Secret;
use serde_json::{json, Value};

use super::fake_pds::{FakePds, MemoryStore, Reply, Request};
use super::model::format_time;
use super::{sign_in, tid, Bluesky};
use crate::http::now_ms;

const ALICE: &str = "did:plc:alice";
const BOB: &str = "did:plc:bob";

fn jwt(exp_secs: i64, id: &str) -> String {
    let enc = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.sig",
        enc(json!({"typ": "at+jwt", "alg": "HS256"})),
        enc(json!({"sub": ALICE, "exp": exp_secs, "jti": id}))
    )
}

fn in_an_hour(id: &str) -> String {
    jwt(now_ms() / 1000 + 3600, id)
}

fn credentials(access: &str, refresh: &str, app_password: Option<&str>) -> Value {
    let mut v = json!({"did": ALICE, "handle": "alice.test", "accessJwt": access,
        "refreshJwt": refresh});
    if let Some(p) = app_password {
        v["appPassword"] = json!(p);
    }
    v
}

fn connector(pds: &FakePds, store: Arc<MemoryStore>) -> Bluesky {
    let account = AccountRef {
        id: 7,
        network: "bluesky".into(),
        server: pds.url.clone(),
        handle: "alice.test".into(),
        remote_user_id: Some(ALICE.into()),
    };
    Bluesky::new(account, store).unwrap()
}

fn session_json(access: &str, refresh: &str) -> Value {
    json!({"did": ALICE, "handle": "alice.test", "accessJwt": access, "refreshJwt": refresh,
        "active": true, "email": "alice@earshot.test", "emailConfirmed": false})
}

fn author(handle: &str) -> Value {
    json!({"did": format!("did:plc:{}", &handle[..handle.find('.').unwrap()]),
        "handle": handle, "displayName": handle.to_uppercase(), "labels": [],
        "viewer": {"muted": false, "blockedBy": false}})
}

fn post_record(text: &str, reply: Option<(&str, &str)>, created_at: &str) -> Value {
    let mut r = json!({"$type": "app.bsky.feed.post", "text": text, "createdAt": created_at});
    if let Some((root, parent)) = reply {
        r["reply"] = json!({"root": {"uri": root, "cid": "bafyroot"},
            "parent": {"uri": parent, "cid": "bafyparent"}});
    }
    r
}

fn notification(reason: &str, rkey: &str, indexed_at: i64) -> Value {
    let uri = format!("at://{BOB}/app.bsky.feed.post/{rkey}");
    let root = format!("at://{ALICE}/app.bsky.feed.post/root");
    let reply = (reason == "reply").then_some((root.as_str(), root.as_str()));
    json!({"uri": uri, "cid": "bafy", "author": author("bob.test"), "reason": reason,
        "record": post_record(rkey, reply, &format_time(indexed_at)), "isRead": false,
        "indexedAt": format_time(indexed_at), "labels": []})
}

fn feed(cursor: Option<i64>, page: Option<String>, backfill_since: i64) -> FeedRequest {
    FeedRequest {
        feed: "notifications".into(),
        cursor: cursor.map(format_time),
        page,
        backfill_since,
    }
}

fn texts(items: &[earshot_core::item::NewItem]) -> Vec<String> {
    items
        .iter()
        .map(|i| match &i.content {
            Content::Text(t) | Content::Html(t) => t.clone(),
        })
        .collect()
}

/// A PDS that accepts one access token and serves `pages` of notifications
/// keyed by the request's cursor.
async fn notifications_pds(
    pages: Vec<(Option<&'static str>, Value)>,
) -> (FakePds, Arc<MemoryStore>) {
    let token = in_an_hour("a1");
    let store = MemoryStore::with(&credentials(&token, &in_an_hour("r1"), None));
    let pds = FakePds::start(move |r: &Request| {
        if r.token.as_deref() != Some(token.as_str()) {
            return Reply::error(400, "InvalidToken", "Token could not be verified");
        }
        let cursor = r.param("cursor");
        pages
            .iter()
            .find(|(c, _)| *c == cursor)
            .map(|(_, page)| Reply::ok(page.clone()))
            .unwrap_or_else(|| Reply::error(400, "InvalidRequest", "unknown cursor"))
    })
    .await;
    (pds, store)
}

#[tokio::test]
async fn sign_in_returns_the_account_and_keeps_the_app_password() {
    let pds = FakePds::start(|r: &Request| match r.nsid.as_str() {
        "com.atproto.server.createSession" => {
            if r.body["password"] == "app-pass-word" && r.body["identifier"] == "alice.test" {
                Reply::ok(session_json("ACCESS", "REFRESH"))
            } else {
                Reply::error(
                    401,
                    "AuthenticationRequired",
                    "Invalid identifier or password",
                )
            }
        }
        "app.bsky.actor.getProfile" => {
            assert_eq!(r.token.as_deref(), Some("ACCESS"));
            assert_eq!(r.param("actor"), Some(ALICE));
            Reply::ok(
                json!({"did": ALICE, "handle": "alice.test", "displayName": "Alice",
                "followersCount": 3}),
            )
        }
        _ => Reply::error(404, "MethodNotImplemented", ""),
    })
    .await;
    let (account, secret) = sign_in(
        &format!("{}/", pds.url),
        "@alice.test",
        &Secret::new("app-pass-word"),
    )
    .await
    .unwrap();
    assert_eq!(account.network, "bluesky");
    assert_eq!(account.server, pds.url, "no trailing slash");
    assert_eq!(account.handle, "alice.test");
    assert_eq!(account.display_name.as_deref(), Some("Alice"));
    assert_eq!(account.remote_user_id.as_deref(), Some(ALICE));
    let stored: Value = serde_json::from_str(secret.expose()).unwrap();
    assert_eq!(
        stored,
        credentials("ACCESS", "REFRESH", Some("app-pass-word"))
    );

    let e = sign_in(&pds.url, "alice.test", &Secret::new("account-password"))
        .await
        .unwrap_err();
    assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
    assert!(e.to_string().contains("Settings → App passwords"), "{e}");
    assert!(!e.to_string().contains("account-password"), "{e}");
}

#[test]
fn pds_addresses_are_normalised() {
    assert_eq!(
        super::normalise_pds("bsky.social").unwrap(),
        "https://bsky.social"
    );
    assert_eq!(
        super::normalise_pds(" https://bsky.social/ ").unwrap(),
        "https://bsky.social"
    );
    assert_eq!(
        super::normalise_pds("http://127.0.0.1:2583/xrpc").unwrap(),
        "http://127.0.0.1:2583"
    );
    assert!(super::normalise_pds("ftp://bsky.social").is_err());
    assert!(super::normalise_pds("https://").is_err());
}

#[tokio::test]
async fn notifications_are_listed_and_paged_with_the_cursor_saved_last() {
    let t0 = now_ms() - 3_600_000;
    let page1 = json!({"cursor": "c1", "notifications": [
        notification("mention", "m3", t0 + 3000),
        notification("like", "l1", t0 + 2500),
        {"uri": "at://broken", "reason": "mention"},
        notification("reply", "r2", t0 + 2000),
    ]});
    let page2 = json!({"cursor": "c2", "notifications": [
        notification("quote", "q1", t0 + 1000),
        notification("mention", "old", t0 - 86_400_000 - 1),
    ]});
    let (pds, store) = notifications_pds(vec![(None, page1), (Some("c1"), page2)]).await;
    let bsky = connector(&pds, store);
    let backfill = t0 - 86_400_000;

    let first = bsky.fetch(&feed(None, None, backfill)).await.unwrap();
    assert_eq!(texts(&first.items), vec!["m3", "r2"], "the like is no item");
    assert_eq!(
        bsky.skipped(),
        1,
        "the broken notification is skipped and counted"
    );
    assert_eq!(first.cursor, None, "nothing is saved before the last page");
    assert!(first.next_page.is_some());
    assert_eq!(first.items[0].kind, ItemKind::Mention);
    assert_eq!(first.items[1].kind, ItemKind::Reply);
    assert_eq!(
        first.items[1].root_remote_id.as_deref(),
        Some(format!("at://{ALICE}/app.bsky.feed.post/root").as_str())
    );

    let request = pds.calls("app.bsky.notification.listNotifications")[0].clone();
    assert_eq!(request.params("reasons"), vec!["mention", "reply", "quote"]);
    assert_eq!(request.param("limit"), Some("50"));
    assert_eq!(request.param("cursor"), None);

    let second = bsky
        .fetch(&feed(None, first.next_page, backfill))
        .await
        .unwrap();
    assert_eq!(
        texts(&second.items),
        vec!["q1"],
        "older than the backfill is left out"
    );
    assert_eq!(
        second.items[0].kind,
        ItemKind::Mention,
        "a quote is a mention"
    );
    assert_eq!(second.next_page, None);
    assert_eq!(
        second.cursor,
        Some(format_time(t0 + 3000)),
        "the first page's newest, though page 2 came last"
    );
    assert_eq!(
        pds.calls("app.bsky.notification.listNotifications")[1].param("cursor"),
        Some("c1")
    );
}

#[tokio::test]
async fn a_saved_cursor_stops_paging_below_it_and_is_kept_when_nothing_is_new() {
    let t0 = now_ms() - 3_600_000;
    let page = json!({"cursor": "c1", "notifications": [
        notification("mention", "late", t0 - 60_000),
        notification("mention", "seen", t0 - 3_600_000),
    ]});
    let (pds, store) = notifications_pds(vec![(None, page)]).await;
    let bsky = connector(&pds, store);
    let page = bsky.fetch(&feed(Some(t0), None, 0)).await.unwrap();
    assert_eq!(
        texts(&page.items),
        vec!["late"],
        "within the overlap: a post indexed late is still read"
    );
    assert_eq!(page.next_page, None, "stopped below the saved cursor");
    assert_eq!(
        page.cursor,
        Some(format_time(t0)),
        "the cursor never moves back"
    );
    assert_eq!(
        pds.calls("app.bsky.notification.listNotifications").len(),
        1
    );
}

#[tokio::test]
async fn unreadable_pages_are_malformed_errors() {
    type Scripted = fn() -> Reply;
    let replies: Vec<(&str, Scripted)> = vec![
        (
            "not JSON",
            (|| Reply::Raw {
                status: 200,
                headers: vec![],
                body: b"<html>oops</html>".to_vec(),
            }),
        ),
        (
            "truncated JSON",
            (|| Reply::Raw {
                status: 200,
                headers: vec![],
                body: br#"{"notifications": [{"uri": "at://x"#.to_vec(),
            }),
        ),
        (
            "cut short",
            (|| Reply::CutShort {
                declared: 5000,
                body: br#"{"notifications": ["#.to_vec(),
            }),
        ),
        (
            "oversized",
            (|| Reply::CutShort {
                declared: 9 * 1024 * 1024,
                body: b"{".to_vec(),
            }),
        ),
        (
            "wrong shape",
            (|| Reply::ok(json!({"notifications": "none"}))),
        ),
        ("no list", (|| Reply::ok(json!({"cursor": "x"})))),
    ];
    for (what, reply) in replies {
        let pds = FakePds::start(move |_: &Request| reply()).await;
        let store = MemoryStore::with(&credentials(&in_an_hour("a"), &in_an_hour("r"), None));
        let e = connector(&pds, store)
            .fetch(&feed(None, None, 0))
            .await
            .unwrap_err();
        assert!(
            matches!(e, ConnectorError::Malformed { .. }),
            "{what}: {e:?}"
        );
    }
}

/// A PDS that rotates tokens like the real one: each refresh spends the
/// refresh token. Returns the store and a log of which session calls ran.
struct Sessions {
    access: String,
    refresh: String,
    generation: u32,
    /// When set, createSession accepts only this password.
    password: Option<String>,
    refresh_refused: bool,
}

impl Default for Sessions {
    fn default() -> Self {
        Self {
            access: in_an_hour("a0"),
            refresh: in_an_hour("r0"),
            generation: 0,
            password: None,
            refresh_refused: false,
        }
    }
}

/// Credentials whose access token the PDS refuses, with its current refresh token.
fn stale_access(sessions: &Mutex<Sessions>, app_password: Option<&str>) -> Arc<MemoryStore> {
    let refresh = sessions.lock().unwrap().refresh.clone();
    MemoryStore::with(&credentials(&in_an_hour("stale"), &refresh, app_password))
}

async fn rotating_pds(sessions: Sessions) -> (FakePds, Arc<Mutex<Sessions>>) {
    let sessions = Arc::new(Mutex::new(sessions));
    let state = sessions.clone();
    let pds = FakePds::start(move |r: &Request| {
        let mut s = state.lock().unwrap();
        let rotate = |s: &mut Sessions| {
            s.generation += 1;
            s.access = in_an_hour(&format!("a{}", s.generation));
            s.refresh = in_an_hour(&format!("r{}", s.generation));
            Reply::ok(session_json(&s.access, &s.refresh))
        };
        match r.nsid.as_str() {
            "com.atproto.server.refreshSession" => {
                if s.refresh_refused || r.token.as_deref() != Some(s.refresh.as_str()) {
                    Reply::error(400, "ExpiredToken", "Token has been revoked")
                } else {
                    rotate(&mut s)
                }
            }
            "com.atproto.server.createSession" => {
                assert_eq!(r.body["identifier"], ALICE, "logs in again by DID");
                if Some(r.body["password"].as_str().unwrap_or_default()) == s.password.as_deref() {
                    s.refresh_refused = false;
                    rotate(&mut s)
                } else {
                    Reply::error(
                        401,
                        "AuthenticationRequired",
                        "Invalid identifier or password",
                    )
                }
            }
            _ if r.token.as_deref() != Some(s.access.as_str()) => {
                Reply::error(400, "ExpiredToken", "Token has expired")
            }
            _ => Reply::ok(json!({"notifications": []})),
        }
    })
    .await;
    (pds, sessions)
}

#[tokio::test]
async fn a_refused_access_token_is_refreshed_once_saved_and_the_call_retried() {
    let (pds, sessions) = rotating_pds(Sessions::default()).await;
    let r0 = sessions.lock().unwrap().refresh.clone();
    let store = stale_access(&sessions, Some("pw"));
    let bsky = connector(&pds, store.clone());
    bsky.fetch(&feed(None, None, 0)).await.unwrap();
    assert_eq!(pds.calls("com.atproto.server.refreshSession").len(), 1);
    assert!(
        pds.calls("com.atproto.server.createSession").is_empty(),
        "no new login"
    );
    let s = sessions.lock().unwrap();
    assert_eq!(
        store.json(),
        credentials(&s.access, &s.refresh, Some("pw")),
        "saved at once"
    );
    assert_eq!(
        pds.calls("com.atproto.server.refreshSession")[0]
            .token
            .as_deref(),
        Some(r0.as_str()),
        "refreshSession carries the refresh token as bearer"
    );
}

#[tokio::test]
async fn concurrent_calls_refresh_only_once() {
    let (pds, sessions) = rotating_pds(Sessions::default()).await;
    let bsky = connector(&pds, stale_access(&sessions, None));
    let request = feed(None, None, 0);
    let calls = (0..4).map(|_| bsky.fetch(&request));
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(
        pds.calls("com.atproto.server.refreshSession").len(),
        1,
        "a second refresh would spend the rotated token"
    );
}

#[tokio::test]
async fn a_token_about_to_expire_is_renewed_before_use() {
    let (pds, sessions) = rotating_pds(Sessions {
        access: jwt(now_ms() / 1000 + 30, "a0"),
        ..Sessions::default()
    })
    .await;
    let (a0, r0) = {
        let s = sessions.lock().unwrap();
        (s.access.clone(), s.refresh.clone())
    };
    let bsky = connector(&pds, MemoryStore::with(&credentials(&a0, &r0, None)));
    bsky.fetch(&feed(None, None, 0)).await.unwrap();
    let listed = pds.calls("app.bsky.notification.listNotifications");
    assert_eq!(
        listed.len(),
        1,
        "renewed before the call, not after a refusal"
    );
    assert_ne!(listed[0].token.as_deref(), Some(a0.as_str()));
    assert_eq!(pds.calls("com.atproto.server.refreshSession").len(), 1);
}

#[tokio::test]
async fn a_refused_refresh_token_logs_in_again_with_the_app_password() {
    let (pds, sessions) = rotating_pds(Sessions {
        password: Some("app-pw".into()),
        refresh_refused: true,
        ..Sessions::default()
    })
    .await;
    let store = MemoryStore::with(&credentials("garbage", "garbage", Some("app-pw")));
    let bsky = connector(&pds, store.clone());
    bsky.fetch(&feed(None, None, 0)).await.unwrap();
    assert_eq!(pds.calls("com.atproto.server.createSession").len(), 1);
    let s = sessions.lock().unwrap();
    assert_eq!(store.json()["refreshJwt"], json!(s.refresh));
}

#[tokio::test]
async fn an_expired_refresh_token_skips_straight_to_the_login() {
    let (pds, _) = rotating_pds(Sessions {
        password: Some("app-pw".into()),
        ..Sessions::default()
    })
    .await;
    let expired = jwt(now_ms() / 1000 - 10, "r");
    let bsky = connector(
        &pds,
        MemoryStore::with(&credentials(&expired, &expired, Some("app-pw"))),
    );
    bsky.fetch(&feed(None, None, 0)).await.unwrap();
    assert!(pds.calls("com.atproto.server.refreshSession").is_empty());
    assert_eq!(pds.calls("com.atproto.server.createSession").len(), 1);
}

#[tokio::test]
async fn without_a_usable_password_the_account_must_sign_in_again() {
    for password in [None, Some("revoked")] {
        let (pds, _) = rotating_pds(Sessions {
            password: Some("app-pw".into()),
            refresh_refused: true,
            ..Sessions::default()
        })
        .await;
        let store = MemoryStore::with(&credentials("SECRET-ACCESS", "SECRET-REFRESH", password));
        let bsky = connector(&pds, store);
        let e = bsky.fetch(&feed(None, None, 0)).await.unwrap_err();
        assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
        let shown = format!("{e} {e:?} {bsky:?}");
        for secret in ["SECRET-ACCESS", "SECRET-REFRESH", "revoked"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(
            pds.calls("com.atproto.server.createSession").len(),
            usize::from(password.is_some()),
            "one login attempt at most"
        );
    }
}

#[tokio::test]
async fn xrpc_errors_map_to_what_the_engine_does_next() {
    let pds = FakePds::start(|r: &Request| match r.param("cursor") {
        Some("rate") => Reply::Raw {
            status: 429,
            headers: vec![("retry-after", "12".into())],
            body: br#"{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}"#.to_vec(),
        },
        Some("auth") => Reply::error(401, "AuthenticationRequired", "Authentication Required"),
        Some("upstream") => Reply::error(502, "UpstreamFailure", "pipethrough network error"),
        _ => Reply::error(400, "InvalidRequest", "bad cursor"),
    })
    .await;
    let store = MemoryStore::with(&credentials(&in_an_hour("a"), &in_an_hour("r"), None));
    let bsky = connector(&pds, store);
    let page = |c: &str| serde_json::to_string(&json!({"cursor": c})).ok();
    let e = bsky.fetch(&feed(None, page("rate"), 0)).await.unwrap_err();
    assert_eq!(
        e,
        ConnectorError::RateLimited {
            server: pds.url.clone(),
            retry_after: std::time::Duration::from_secs(12)
        }
    );
    let e = bsky.fetch(&feed(None, page("auth"), 0)).await.unwrap_err();
    assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
    assert!(
        pds.calls("com.atproto.server.refreshSession").is_empty(),
        "not a token problem"
    );
    let e = bsky
        .fetch(&feed(None, page("upstream"), 0))
        .await
        .unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    let e = bsky.fetch(&feed(None, page("other"), 0)).await.unwrap_err();
    assert!(matches!(e, ConnectorError::Refused { .. }), "{e:?}");
}

#[tokio::test]
async fn the_rate_budget_comes_from_the_last_response() {
    let pds = FakePds::start(|_: &Request| Reply::Raw {
        status: 200,
        headers: vec![
            ("ratelimit-limit", "3000".into()),
            ("ratelimit-remaining", "2999".into()),
            ("ratelimit-reset", "1795464300".into()),
            ("ratelimit-policy", "3000;w=300".into()),
        ],
        body: br#"{"notifications": []}"#.to_vec(),
    })
    .await;
    let bsky = connector(
        &pds,
        MemoryStore::with(&credentials(&in_an_hour("a"), &in_an_hour("r"), None)),
    );
    assert_eq!(bsky.rate_budget(), None);
    bsky.fetch(&feed(None, None, 0)).await.unwrap();
    let budget = bsky.rate_budget().unwrap();
    assert_eq!(
        (budget.limit, budget.remaining, budget.reset_at),
        (3000, 2999, 1_795_464_300_000)
    );
}

#[tokio::test]
async fn threads_and_search_ask_the_appview() {
    let root = format!("at://{BOB}/app.bsky.feed.post/root");
    let view = |uri: &str, text: &str, reply: Option<(&str, &str)>| {
        json!({
            "uri": uri, "cid": "bafy", "author": author("bob.test"),
            "record": post_record(text, reply, "2025-11-22T10:00:00.000Z"),
            "indexedAt": "2025-11-22T10:00:00.000Z", "likeCount": 0
        })
    };
    let root_view = view(&root, "root", None);
    let reply_uri = format!("at://{BOB}/app.bsky.feed.post/reply");
    let reply_view = view(&reply_uri, "reply", Some((&root, &root)));
    let pds = FakePds::start(move |r: &Request| match r.nsid.as_str() {
        "app.bsky.feed.getPostThread" => Reply::ok(json!({"thread": {
            "$type": "app.bsky.feed.defs#threadViewPost", "post": reply_view,
            "parent": {"$type": "app.bsky.feed.defs#threadViewPost", "post": root_view},
            "replies": []}})),
        "app.bsky.feed.searchPosts" => Reply::ok(json!({"cursor": "50",
            "posts": [root_view, {"uri": "broken"}]})),
        _ => Reply::error(404, "MethodNotImplemented", ""),
    })
    .await;
    let bsky = connector(
        &pds,
        MemoryStore::with(&credentials(&in_an_hour("a"), &in_an_hour("r"), None)),
    );
    let thread = bsky.thread(&reply_uri).await.unwrap();
    assert_eq!(texts(&thread), vec!["root", "reply"]);
    let asked = &pds.calls("app.bsky.feed.getPostThread")[0];
    assert_eq!(asked.param("uri"), Some(reply_uri.as_str()));
    assert_eq!(
        (asked.param("depth"), asked.param("parentHeight")),
        (Some("50"), Some("80"))
    );

    let found = bsky.search("earshot \"quoted\"", None).await.unwrap();
    assert_eq!(texts(&found.items), vec!["root"]);
    assert_eq!(found.next_page.as_deref(), Some("50"));
    assert_eq!(found.total, None, "no hitsTotal");
    assert_eq!(found.cursor, None);
    let asked = &pds.calls("app.bsky.feed.searchPosts")[0];
    assert_eq!(asked.param("q"), Some("earshot \"quoted\""));
    assert_eq!(asked.param("limit"), Some("50"));
    bsky.search("x", Some("50")).await.unwrap();
    assert_eq!(
        pds.calls("app.bsky.feed.searchPosts")[1].param("cursor"),
        Some("50")
    );
}

/// A PDS for replies: the parent is carol's reply in bob's thread; records
/// written are kept, and a taken key fails as older PDSes do (500).
async fn reply_pds(lose_first_answer: bool) -> (FakePds, Arc<Mutex<Vec<Value>>>) {
    let records = Arc::new(Mutex::new(Vec::<Value>::new()));
    let kept = records.clone();
    let lost = Arc::new(Mutex::new(lose_first_answer));
    let root = format!("at://{BOB}/app.bsky.feed.post/root");
    let parent = "at://did:plc:carol/app.bsky.feed.post/carol1".to_owned();
    let pds = FakePds::start(move |r: &Request| match r.nsid.as_str() {
        "com.atproto.repo.getRecord" => {
            let records = kept.lock().unwrap();
            match records.iter().find(|w| w["rkey"] == r.param("rkey").unwrap()) {
                Some(w) => Reply::ok(json!({
                    "uri": format!("at://{ALICE}/app.bsky.feed.post/{}", w["rkey"].as_str().unwrap()),
                    "cid": "bafynew", "value": w["record"]})),
                None => Reply::error(400, "RecordNotFound", "Could not locate record"),
            }
        }
        "app.bsky.feed.getPosts" => {
            assert_eq!(r.params("uris"), vec![parent.as_str()]);
            Reply::ok(json!({"posts": [{
                "uri": parent, "cid": "bafycarol", "author": author("carol.test"),
                "record": {"$type": "app.bsky.feed.post", "text": "@alice.test hi",
                    "createdAt": "2025-11-22T10:00:00Z",
                    "reply": {"root": {"uri": root, "cid": "bafyroot"},
                              "parent": {"uri": root, "cid": "bafyroot"}}},
                "indexedAt": "2025-11-22T10:00:00Z"}]}))
        }
        "com.atproto.identity.resolveHandle" => match r.param("handle") {
            Some("carol.test") => Reply::ok(json!({"did": "did:plc:carol"})),
            _ => Reply::error(400, "InvalidRequest", "Unable to resolve handle"),
        },
        "com.atproto.repo.createRecord" => {
            let mut records = kept.lock().unwrap();
            if records.iter().any(|w| w["rkey"] == r.body["rkey"]) {
                return Reply::error(500, "InternalServerError", "Internal Server Error");
            }
            records.push(r.body.clone());
            let mut lost = lost.lock().unwrap();
            if *lost {
                *lost = false;
                return Reply::CutShort { declared: 100, body: b"{".to_vec() };
            }
            Reply::ok(json!({"uri": format!("at://{ALICE}/app.bsky.feed.post/{}",
                r.body["rkey"].as_str().unwrap()), "cid": "bafynew"}))
        }
        _ => Reply::error(404, "MethodNotImplemented", ""),
    })
    .await;
    (pds, records)
}

fn outgoing(text: &str) -> OutgoingReply {
    OutgoingReply {
        parent_remote_id: "at://did:plc:carol/app.bsky.feed.post/carol1".into(),
        root_remote_id: None,
        text: text.into(),
        idempotency_key: "outbox-42".into(),
        queued_at: 1_763_805_600_000,
    }
}

#[tokio::test]
async fn a_reply_names_root_and_parent_and_carries_facets() {
    let (pds, records) = reply_pds(false).await;
    let bsky = connector(
        &pds,
        MemoryStore::with(&credentials(&in_an_hour("a"), &in_an_hour("r"), None)),
    );
    let text = "Merci @carol.test ✨ and @nobody.test, see https://earshot.test/ü.";
    let sent = bsky.reply(&outgoing(text)).await.unwrap();

    let rkey = tid::for_reply(1_763_805_600_000, "outbox-42");
    assert_eq!(
        sent.remote_id,
        format!("at://{ALICE}/app.bsky.feed.post/{rkey}")
    );
    assert_eq!(
        sent.url.as_deref(),
        Some(format!("https://bsky.app/profile/alice.test/post/{rkey}").as_str())
    );
    let item = sent.item.unwrap();
    assert_eq!(item.kind, ItemKind::Reply);
    assert_eq!(
        item.parent_remote_id.as_deref(),
        Some("at://did:plc:carol/app.bsky.feed.post/carol1")
    );
    assert_eq!(
        item.root_remote_id.as_deref(),
        Some(format!("at://{BOB}/app.bsky.feed.post/root").as_str())
    );
    assert_eq!(item.author.handle, "alice.test");

    let written = records.lock().unwrap()[0].clone();
    assert_eq!(written["repo"], ALICE);
    assert_eq!(written["collection"], "app.bsky.feed.post");
    assert_eq!(written["rkey"], json!(rkey));
    let record = &written["record"];
    assert_eq!(record["$type"], "app.bsky.feed.post");
    assert_eq!(record["text"], text);
    assert_eq!(
        record["reply"]["parent"],
        json!({"uri": "at://did:plc:carol/app.bsky.feed.post/carol1", "cid": "bafycarol"})
    );
    assert_eq!(
        record["reply"]["root"],
        json!({"uri": format!("at://{BOB}/app.bsky.feed.post/root"), "cid": "bafyroot"})
    );
    let start = text.find("@carol").unwrap();
    let link = text.find("https").unwrap();
    assert_eq!(
        record["facets"],
        json!([
            {"index": {"byteStart": start, "byteEnd": start + 11},
             "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:carol"}]},
            {"index": {"byteStart": link, "byteEnd": text.len() - 1},
             "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://earshot.test/ü"}]},
        ]),
        "UTF-8 byte offsets; the unresolvable handle gets no facet"
    );
    assert!(super::model::parse_time(record["createdAt"].as_str().unwrap()).is_some());
}

#[tokio::test]
async fn sending_the_same_entry_again_does_not_post_twice() {
    let (pds, records) = reply_pds(false).await;
    let bsky = connector(
        &pds,
        MemoryStore::with(&credentials(&in_an_hour("a"), &in_an_hour("r"), None)),
    );
    let first = bsky.reply(&outgoing("once")).await.unwrap();
    let again = bsky.reply(&outgoing("once")).await.unwrap();
    assert_eq!(first.remote_id, again.remote_id);
    assert_eq!(records.lock().unwrap().len(), 1);
    assert_eq!(
        pds.calls("com.atproto.repo.createRecord").len(),
        1,
        "found, not re-created"
    );
}

#[tokio::test]
async fn a_lost_answer_is_recovered_from_the_record_itself() {
    let (pds, records) = reply_pds(true).await;
    let bsky = connector(
        &pds,
        MemoryStore::with(&credentials(&in_an_hour("a"), &in_an_hour("r"), None)),
    );
    let sent = bsky.reply(&outgoing("lost in transit")).await.unwrap();
    assert!(sent
        .remote_id
        .ends_with(&tid::for_reply(1_763_805_600_000, "outbox-42")));
    assert_eq!(records.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_reply_over_300_graphemes_is_refused_before_sending() {
    let (pds, _) = reply_pds(false).await;
    let bsky = connector(
        &pds,
        MemoryStore::with(&credentials(&in_an_hour("a"), &in_an_hour("r"), None)),
    );
    let e = bsky.reply(&outgoing(&"👨‍👩‍👧".repeat(301))).await.unwrap_err();
    assert!(matches!(e, ConnectorError::Refused { .. }), "{e:?}");
    assert!(
        e.to_string().contains("301") && e.to_string().contains("300"),
        "{e}"
    );
    assert!(pds.requests().is_empty(), "nothing was sent");
    bsky.reply(&outgoing(&"👨‍👩‍👧".repeat(300))).await.unwrap();
}

#[tokio::test]
async fn mark_read_updates_the_seen_time_and_limits_are_graphemes() {
    let pds = FakePds::start(|_: &Request| Reply::Raw {
        status: 200,
        headers: vec![],
        body: vec![],
    })
    .await;
    let bsky = connector(
        &pds,
        MemoryStore::with(&credentials(&in_an_hour("a"), &in_an_hour("r"), None)),
    );
    let before = now_ms();
    bsky.mark_read("at://x/app.bsky.feed.post/1").await.unwrap();
    let call = &pds.calls("app.bsky.notification.updateSeen")[0];
    assert_eq!(call.method, "POST");
    let seen = super::model::parse_time(call.body["seenAt"].as_str().unwrap()).unwrap();
    assert!(seen >= before - 1, "seenAt is now");

    let limits = bsky.limits().await.unwrap();
    assert_eq!(
        (limits.max_length, limits.unit, limits.link_length),
        (300, LengthUnit::Graphemes, None)
    );
    assert_eq!(bsky.feeds(), vec!["notifications"]);
    assert!(!bsky.can_stream());
}

/// A payload recorded from the local dev-env network (tests/servers).
fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/bluesky/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn recorded_notifications_become_items() {
    let page = fixture("listNotifications.json");
    let (pds, store) = notifications_pds(vec![(None, page)]).await;
    let bsky = connector(&pds, store);
    let result = bsky.fetch(&feed(None, None, 0)).await.unwrap();
    let kinds: Vec<_> = result.items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ItemKind::Mention,
            ItemKind::Reply,
            ItemKind::Mention,
            ItemKind::Mention
        ],
        "quote, reply, mention in a reply, mention; the follow and the like are no items"
    );
    assert_eq!(bsky.skipped(), 0);
    assert_eq!(result.cursor.as_deref(), Some("2026-11-22T20:32:41.648Z"));
    assert_eq!(result.next_page, None, "the recorded page had no cursor");

    let bob_post = &result.items[3];
    assert_eq!(
        texts(std::slice::from_ref(bob_post)),
        vec!["Héllo @alice.test, can you look at the release notes? 🙏"]
    );
    assert_eq!(bob_post.root_remote_id, None);
    assert_eq!(bob_post.author.display_name.as_deref(), Some("Bob"));
    let carol = &result.items[2];
    assert_eq!(
        carol.root_remote_id.as_deref(),
        Some(bob_post.remote_id.as_str()),
        "same thread"
    );
    assert_eq!(
        carol.parent_remote_id.as_deref(),
        Some(bob_post.remote_id.as_str())
    );
    assert_eq!(
        carol.url.as_deref(),
        Some("https://bsky.app/profile/carol.test/post/3n2whkdrz3k2l")
    );
    assert_eq!(
        carol.created_at,
        super::model::parse_time("2026-11-22T20:32:34.940Z").unwrap()
    );
}

#[test]
fn a_recorded_thread_flattens_root_first() {
    let thread = fixture("getPostThread.json");
    let parsed = super::model::flatten_thread(&thread["thread"], 7);
    assert_eq!(
        texts(&parsed.items),
        vec![
            "Héllo @alice.test, can you look at the release notes? 🙏",
            "+1 @alice.test the notes need a pass",
            "On it, thanks both!",
        ]
    );
    assert_eq!(parsed.skipped, 0);
    let root = parsed.items[0].remote_id.clone();
    assert!(parsed.items[1..]
        .iter()
        .all(|i| i.root_remote_id.as_deref() == Some(root.as_str())));
}

#[test]
fn a_recorded_session_is_read() {
    let session: super::session::Tokens =
        serde_json::from_value(fixture("createSession.json")).unwrap();
    assert_eq!(session.did, "did:plc:c52cdm6irxruqpg57jelmwnd");
    assert_eq!(session.handle, "alice.test");
}

#[tokio::test]
async fn notified_posts_with_images_get_their_attachments_from_get_posts() {
    let t0 = now_ms() - 3_600_000;
    let mut with_image = notification("mention", "pic", t0 + 2000);
    with_image["record"]["embed"] = json!({"$type": "app.bsky.embed.images", "images": [
        {"alt": "the error", "image": {"$type": "blob", "ref": {"$link": "bafkreiimg"},
         "mimeType": "image/png", "size": 1234}}]});
    let page = json!({"notifications": [with_image, notification("mention", "plain", t0 + 1000)]});
    let token = in_an_hour("a1");
    let store = MemoryStore::with(&credentials(&token, &in_an_hour("r1"), None));
    let uri = format!("at://{BOB}/app.bsky.feed.post/pic");
    let pds = FakePds::start(move |r: &Request| match r.nsid.as_str() {
        "app.bsky.notification.listNotifications" => Reply::ok(page.clone()),
        "app.bsky.feed.getPosts" => {
            assert_eq!(r.params("uris"), vec![uri.as_str()], "only the post with media");
            Reply::ok(json!({"posts": [{
                "uri": uri, "cid": "bafy", "author": author("bob.test"),
                "record": post_record("pic", None, "2025-11-22T10:00:00Z"),
                "embed": {"$type": "app.bsky.embed.images#view", "images": [{
                    "thumb": "https://cdn.test/img/feed_thumbnail/plain/did:plc:bob/bafkreiimg@jpeg",
                    "fullsize": "https://cdn.test/img/feed_fullsize/plain/did:plc:bob/bafkreiimg@jpeg",
                    "alt": "the error", "aspectRatio": {"width": 800, "height": 600}}]},
                "indexedAt": "2025-11-22T10:00:00Z"}]}))
        }
        _ => Reply::error(404, "MethodNotImplemented", ""),
    })
    .await;
    let bsky = connector(&pds, store);
    let page = bsky
        .fetch(&feed(None, None, t0 - 86_400_000))
        .await
        .unwrap();
    assert_eq!(texts(&page.items), vec!["pic", "plain"]);
    let a = &page.items[0].attachments;
    assert_eq!(a.len(), 1);
    assert_eq!(
        a[0].preview_url.as_deref(),
        Some("https://cdn.test/img/feed_thumbnail/plain/did:plc:bob/bafkreiimg@jpeg")
    );
    assert_eq!(a[0].alt.as_deref(), Some("the error"));
    assert!(page.items[1].attachments.is_empty());
    assert_eq!(pds.calls("app.bsky.feed.getPosts").len(), 1);
}
