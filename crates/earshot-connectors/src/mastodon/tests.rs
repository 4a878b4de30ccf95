//! Tests of the Mastodon connector on payloads shaped as Mastodon's
//! documentation shows them, served by a small scripted HTTP server so that
//! paging, errors and the sign-in run through the real client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use earshot_core::connector::{
    AccountRef, Connector, ConnectorError, CredentialStore, FeedRequest, OutgoingReply, StreamEvent,
};
use earshot_core::item::{Content, ItemKind};
use earshot_core::vault::Secret;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::model::{cmp_ids, link_param, parse_link_header, InstanceInfo, KindRule, Mapper};
use super::*;

const TOKEN: &str = "tok-SECRET-123";

// ---------------------------------------------------------------- fake server

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: HashMap<String, String>,
    form: Vec<(String, String)>,
}

impl Req {
    fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn f(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

enum Body {
    Full(Vec<u8>),
    /// Says `Content-Length: n` but sends these bytes and closes.
    Short(usize, Vec<u8>),
    /// Sends chunks with pauses, then stays open.
    Stream(Vec<(Duration, Vec<u8>)>),
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

fn ok(value: Value) -> Resp {
    Resp {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Body::Full(value.to_string().into_bytes()),
    }
}

fn status(code: u16, value: Value) -> Resp {
    Resp {
        status: code,
        ..ok(value)
    }
}

fn raw(bytes: &[u8]) -> Resp {
    Resp {
        status: 200,
        headers: vec![],
        body: Body::Full(bytes.to_vec()),
    }
}

impl Resp {
    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = Arc<dyn Fn(&Req) -> Resp + Send + Sync>;

struct Server {
    base: String,
    log: Arc<Mutex<Vec<Req>>>,
}

impl Server {
    fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }
    /// The one POST the connector sent.
    fn posted(&self) -> Req {
        let mut posts = self.requests().into_iter().filter(|r| r.method == "POST");
        let post = posts.next().expect("a POST");
        assert!(posts.next().is_none(), "one POST only");
        post
    }
    fn host(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }
}

async fn serve(handler: impl Fn(&Req) -> Resp + Send + Sync + 'static) -> Server {
    let handler: Handler = Arc::new(handler);
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let server_log = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let log = server_log.clone();
            tokio::spawn(async move { answer(stream, handler, log).await });
        }
    });
    Server { base, log }
}

async fn answer(mut stream: tokio::net::TcpStream, handler: Handler, log: Arc<Mutex<Vec<Req>>>) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(p) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap().split(' ');
    let method = first.next().unwrap().to_owned();
    let target = first.next().unwrap().to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + len {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let body = &data[head_end..];
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let pairs = |s: &[u8]| -> Vec<(String, String)> {
        url::form_urlencoded::parse(s)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let req = Req {
        method,
        path: path.to_owned(),
        query: pairs(query.as_bytes()),
        form: pairs(body),
        headers,
    };
    let resp = handler(&req);
    log.lock().unwrap().push(req);
    let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", resp.status);
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    match resp.body {
        Body::Full(bytes) => {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&bytes).await;
        }
        Body::Short(claimed, bytes) => {
            head.push_str(&format!("Content-Length: {claimed}\r\n\r\n"));
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&bytes).await;
        }
        Body::Stream(chunks) => {
            head.push_str("Content-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            for (pause, chunk) in chunks {
                tokio::time::sleep(pause).await;
                let framed = [
                    format!("{:x}\r\n", chunk.len()).into_bytes(),
                    chunk,
                    b"\r\n".to_vec(),
                ]
                .concat();
                if stream.write_all(&framed).await.is_err() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
    let _ = stream.shutdown().await;
}

// ---------------------------------------------------------------- payloads

struct Creds(Mutex<Secret>);

impl CredentialStore for Creds {
    fn load(&self) -> Result<Secret, ConnectorError> {
        Ok(self.0.lock().unwrap().clone())
    }
    fn save(&self, secret: &Secret) -> Result<(), ConnectorError> {
        *self.0.lock().unwrap() = secret.clone();
        Ok(())
    }
}

fn creds(json: &str) -> Arc<dyn CredentialStore> {
    Arc::new(Creds(Mutex::new(Secret::new(json))))
}

fn connector(server: &Server) -> Mastodon {
    connector_on(&server.base)
}

/// A connector whose account is on `base` (a server that need not exist).
fn connector_on(base: &str) -> Mastodon {
    let host = base.split("://").nth(1).unwrap_or(base);
    let account = AccountRef {
        id: 7,
        network: "mastodon".into(),
        server: base.to_owned(),
        handle: format!("alice@{host}"),
        remote_user_id: Some("1".into()),
    };
    Mastodon::new(
        account,
        creds(&format!(r#"{{"access_token":"{TOKEN}","client_id":"c"}}"#)),
    )
    .unwrap()
}

fn account(id: &str, acct: &str) -> Value {
    json!({
        "id": id,
        "username": acct.split('@').next().unwrap(),
        "acct": acct,
        "display_name": format!("{acct} name"),
        "locked": false,
        "bot": false,
        "created_at": "2016-03-16T14:34:26.392Z",
        "note": "<p>bio</p>",
        "url": format!("https://mastodon.example/@{acct}"),
        "avatar": "https://files.example/avatar.gif",
        "avatar_static": "https://files.example/avatar.png",
        "header": "https://files.example/header.png",
        "header_static": "https://files.example/header.png",
        "followers_count": 320_472,
        "following_count": 453,
        "statuses_count": 61_163,
        "last_status_at": "2019-12-05",
        "emojis": [],
        "fields": []
    })
}

/// A status as the documentation's example shows it.
fn status_json(id: &str, author: Value) -> Value {
    json!({
        "id": id,
        "created_at": "2019-12-08T03:48:33.901Z",
        "in_reply_to_id": null,
        "in_reply_to_account_id": null,
        "sensitive": false,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": format!("https://mastodon.example/users/bob/statuses/{id}"),
        "url": format!("https://mastodon.example/@bob/{id}"),
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "favourited": false,
        "reblogged": false,
        "muted": false,
        "bookmarked": false,
        "content": "<p><span class=\"h-card\"><a href=\"https://x/@alice\" class=\"u-url mention\">@<span>alice</span></a></span> how do I export?</p>",
        "reblog": null,
        "application": {"name": "Web", "website": null},
        "account": author,
        "media_attachments": [],
        "mentions": [{"id": "1", "username": "alice", "url": "https://x/@alice", "acct": "alice"}],
        "tags": [],
        "emojis": [],
        "card": null,
        "poll": null
    })
}

fn notification(id: &str, kind: &str, created_at: &str, status: Option<Value>) -> Value {
    let mut n = json!({
        "id": id,
        "type": kind,
        "created_at": created_at,
        "account": account("2", "bob"),
    });
    if let Some(s) = status {
        n["status"] = s;
    }
    n
}

fn mapper() -> Mapper {
    Mapper {
        host: "127.0.0.1:4000".into(),
        account_id: 7,
        me: Some("1".into()),
    }
}

// ---------------------------------------------------------------- mapping

#[test]
fn a_mention_notification_becomes_a_mention_item() {
    let n = notification(
        "34975861",
        "mention",
        "2019-12-08T03:48:34.000Z",
        Some(status_json("103270115826048975", account("2", "bob"))),
    );
    let entry = mapper().notification(n);
    assert_eq!(entry.page_id.as_deref(), Some("34975861"));
    assert!(!entry.malformed);
    let item = entry.item.expect("a mention is an item");
    assert_eq!(item.network, "mastodon");
    assert_eq!(item.remote_id, "103270115826048975@127.0.0.1:4000");
    assert_eq!(item.account_id, Some(7));
    assert_eq!(item.kind, ItemKind::Mention);
    assert_eq!(
        item.author.handle, "bob@127.0.0.1:4000",
        "a local acct is qualified"
    );
    assert_eq!(item.author.display_name.as_deref(), Some("bob name"));
    assert_eq!(
        item.author.url.as_deref(),
        Some("https://mastodon.example/@bob")
    );
    assert_eq!(
        item.author.avatar_url.as_deref(),
        Some("https://files.example/avatar.png"),
        "the static avatar, not the animated one"
    );
    assert_eq!(item.author.followers, Some(320_472));
    let Content::Html(html) = &item.content else {
        panic!("Mastodon content is HTML")
    };
    assert!(
        html.contains(
            r#"<a href="https://x/@alice" class="u-url mention">@<span>alice</span></a>"#
        ),
        "content is passed on unsanitised (the core sanitises): {html}"
    );
    assert_eq!(item.created_at, 1_575_776_913_901);
    assert_eq!(
        item.url.as_deref(),
        Some("https://mastodon.example/@bob/103270115826048975")
    );
    assert_eq!(item.lang.as_deref(), Some("en"));
    assert_eq!(item.parent_remote_id, None);
    assert_eq!(item.root_remote_id, None);
}

#[test]
fn a_reply_points_at_its_parent_and_never_at_a_root() {
    let mut s = status_json("20", account("2", "bob@other.social"));
    s["in_reply_to_id"] = json!("19");
    s["in_reply_to_account_id"] = json!("1");
    let item = mapper()
        .status_value(s, KindRule::Notification)
        .unwrap()
        .unwrap();
    assert_eq!(item.kind, ItemKind::Reply);
    assert_eq!(item.parent_remote_id.as_deref(), Some("19@127.0.0.1:4000"));
    assert_eq!(
        item.root_remote_id, None,
        "the core threads by parent chains"
    );
    assert_eq!(
        item.author.handle, "bob@other.social",
        "a remote acct stays as it is"
    );
}

#[test]
fn a_direct_status_is_a_dm_wherever_it_is_read() {
    let mut s = status_json("21", account("2", "bob"));
    s["visibility"] = json!("direct");
    s["in_reply_to_id"] = json!("19");
    for rule in [KindRule::Notification, KindRule::Infer, KindRule::Search] {
        let item = mapper().status_value(s.clone(), rule).unwrap().unwrap();
        assert_eq!(item.kind, ItemKind::Dm, "{rule:?}");
    }
}

#[test]
fn kinds_in_threads_and_searches() {
    let m = mapper();
    let mentions_me = status_json("1", account("2", "bob"));
    let mut other = status_json("2", account("2", "bob"));
    other["mentions"] = json!([]);
    let infer = |v: &Value| {
        m.status_value(v.clone(), KindRule::Infer)
            .unwrap()
            .unwrap()
            .kind
    };
    assert_eq!(infer(&mentions_me), ItemKind::Mention);
    assert_eq!(infer(&other), ItemKind::Post);
    let search = m
        .status_value(mentions_me, KindRule::Search)
        .unwrap()
        .unwrap();
    assert_eq!(search.kind, ItemKind::Post, "search results are posts");
}

#[test]
fn a_reblog_notification_or_boost_is_not_a_conversation() {
    let boost = status_json("30", account("3", "carol"));
    let mut wrapper = status_json("31", account("3", "carol"));
    wrapper["reblog"] = boost.clone();
    let entry = mapper().notification(notification(
        "40",
        "reblog",
        "2019-12-08T03:48:34.000Z",
        Some(boost),
    ));
    assert_eq!(entry.item, None);
    assert!(!entry.malformed, "another type is not malformed");
    assert_eq!(
        entry.page_id.as_deref(),
        Some("40"),
        "but it still moves the cursor"
    );
    assert_eq!(mapper().status_value(wrapper, KindRule::Search), Ok(None));
}

#[test]
fn a_content_warning_is_shown_before_the_content_escaped() {
    let mut s = status_json("22", account("2", "bob"));
    s["spoiler_text"] = json!("spoilers <b>& more</b>");
    s["content"] = json!("<p>the butler did it</p>");
    let item = mapper().status_value(s, KindRule::Infer).unwrap().unwrap();
    assert_eq!(
        item.content,
        Content::Html(
            "<p>CW: spoilers &lt;b&gt;&amp; more&lt;/b&gt;</p><p>the butler did it</p>".into()
        )
    );
}

#[test]
fn missing_optional_fields_are_tolerated() {
    let s = json!({
        "id": "23",
        "created_at": "2019-12-08T03:48:33Z",
        "account": {"acct": "bob", "display_name": "", "followers_count": null},
        "in_reply_to_id": null,
        "language": null,
        "visibility": null,
        "mentions": null,
        "a_field_from_the_future": {"x": 1}
    });
    let item = mapper()
        .status_value(s, KindRule::Notification)
        .unwrap()
        .unwrap();
    assert_eq!(item.kind, ItemKind::Mention);
    assert_eq!(item.content, Content::Html(String::new()));
    assert_eq!(item.author.display_name, None, "an empty name is no name");
    assert_eq!(
        (item.url, item.lang, item.author.followers),
        (None, None, None)
    );
}

#[test]
fn the_uri_stands_in_for_a_missing_url() {
    let mut s = status_json("24", account("2", "bob"));
    s["url"] = Value::Null;
    let item = mapper().status_value(s, KindRule::Infer).unwrap().unwrap();
    assert_eq!(
        item.url.as_deref(),
        Some("https://mastodon.example/users/bob/statuses/24")
    );
}

#[test]
fn a_status_missing_a_required_field_is_skipped() {
    for field in ["id", "account", "created_at"] {
        let mut s = status_json("25", account("2", "bob"));
        s.as_object_mut().unwrap().remove(field);
        assert!(
            mapper().status_value(s.clone(), KindRule::Infer).is_err(),
            "{field}"
        );
        let entry = mapper().notification(notification(
            "50",
            "mention",
            "2019-12-08T03:48:34Z",
            Some(s),
        ));
        assert!(entry.malformed && entry.item.is_none(), "{field}");
        assert_eq!(entry.page_id.as_deref(), Some("50"));
    }
    let mut s = status_json("26", account("2", "bob"));
    s["created_at"] = json!("yesterday");
    assert!(mapper().status_value(s, KindRule::Infer).is_err());
    let no_status =
        mapper().notification(notification("51", "mention", "2019-12-08T03:48:34Z", None));
    assert!(no_status.malformed);
    let mut deleted = notification("52", "mention", "2019-12-08T03:48:34Z", None);
    deleted["status"] = Value::Null;
    let deleted = mapper().notification(deleted);
    assert!(
        !deleted.malformed && deleted.item.is_none(),
        "a deleted status is no error"
    );
    assert!(mapper().notification(json!("not an object")).malformed);
}

#[test]
fn a_conversation_is_its_last_status_as_a_dm() {
    let mut last = status_json("60", account("2", "bob"));
    last["visibility"] = json!("direct");
    let c = json!({"id": "418450", "unread": true, "accounts": [account("2", "bob")], "last_status": last});
    let entry = mapper().conversation(c);
    assert_eq!(
        entry.page_id.as_deref(),
        Some("60"),
        "conversations page by last status"
    );
    assert_eq!(entry.item.unwrap().kind, ItemKind::Dm);
    let empty = mapper().conversation(json!({"id": "1", "accounts": [], "last_status": null}));
    assert!(empty.item.is_none() && !empty.malformed);
}

#[test]
fn link_headers_are_parsed_as_mastodon_sends_them() {
    let header = r#"<https://mastodon.example/api/v1/notifications?max_id=34975535&types%5B%5D=mention>; rel="next", <https://mastodon.example/api/v1/notifications?min_id=34975861>; rel="prev""#;
    let links = parse_link_header(header);
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].1, vec!["next"]);
    assert_eq!(
        link_param(Some(header), "next", "max_id").as_deref(),
        Some("34975535")
    );
    assert_eq!(
        link_param(Some(header), "prev", "min_id").as_deref(),
        Some("34975861")
    );
    assert_eq!(link_param(Some(header), "next", "min_id"), None);
    assert_eq!(link_param(None, "next", "max_id"), None);
    // Unquoted, several relations, odd spacing, and garbage.
    let odd =
        "<http://a/x?max_id=5>;rel=next ,<http://a/y?max_id=9>; title=\"a, b\"; rel=\"prev last\"";
    assert_eq!(
        link_param(Some(odd), "next", "max_id").as_deref(),
        Some("5")
    );
    assert_eq!(
        link_param(Some(odd), "last", "max_id").as_deref(),
        Some("9")
    );
    assert!(parse_link_header("<unterminated; rel=next").is_empty());
    assert_eq!(
        link_param(Some("<not a url>; rel=next"), "next", "max_id"),
        None
    );
}

#[test]
fn ids_compare_as_numbers() {
    use std::cmp::Ordering::*;
    assert_eq!(cmp_ids("9", "10"), Less);
    assert_eq!(cmp_ids("103270115826048975", "99999999999999999"), Greater);
    assert_eq!(cmp_ids("007", "7"), Equal);
    assert_eq!(
        cmp_ids("9eFz", "9eG0"),
        Less,
        "non-numeric ids compare as text"
    );
}

#[test]
fn instance_settings_fall_back_to_mastodon_defaults() {
    let parse =
        |v: Value| InstanceInfo::from(serde_json::from_value::<model::Instance>(v).unwrap());
    let full = parse(json!({"domain": "x", "configuration": {
        "urls": {"streaming": "wss://streaming.mastodon.example"},
        "statuses": {"max_characters": 1000, "max_media_attachments": 4, "characters_reserved_per_url": 30}
    }}));
    assert_eq!(full.max_characters, 1000);
    assert_eq!(full.characters_reserved_per_url, 30);
    assert_eq!(
        full.streaming.as_deref(),
        Some("https://streaming.mastodon.example"),
        "SSE runs over https on the WebSocket host"
    );
    assert_eq!(parse(json!({})), InstanceInfo::default());
    let ws = parse(json!({"configuration": {"urls": {"streaming": "ws://127.0.0.1:4000"}}}));
    assert_eq!(ws.streaming.as_deref(), Some("http://127.0.0.1:4000"));
}

#[test]
fn servers_are_normalised_and_plain_http_is_for_loopback_only() {
    assert_eq!(
        normalise_server("mastodon.social").unwrap(),
        "https://mastodon.social"
    );
    assert_eq!(
        normalise_server(" https://Mastodon.Social/about/ ").unwrap(),
        "https://mastodon.social"
    );
    assert_eq!(
        normalise_server("http://127.0.0.1:4000/").unwrap(),
        "http://127.0.0.1:4000"
    );
    assert!(normalise_server("http://mastodon.social").is_err());
    assert!(normalise_server("ftp://x").is_err());
    assert!(normalise_server("").is_err());
    assert_eq!(
        host_of("https://mastodon.social:443").unwrap(),
        "mastodon.social"
    );
}

#[test]
fn hashtag_queries_are_one_tag_alone() {
    assert_eq!(hashtag("#earshot"), Some("earshot"));
    assert_eq!(hashtag(" #café_2 "), Some("café_2"));
    assert_eq!(hashtag("#a #b"), None);
    assert_eq!(hashtag("#"), None);
    assert_eq!(hashtag("earshot"), None);
}

#[test]
fn replies_never_widen_the_audience() {
    assert_eq!(reply_visibility(Some("public")), "public");
    assert_eq!(reply_visibility(Some("unlisted")), "unlisted");
    assert_eq!(reply_visibility(Some("private")), "private");
    assert_eq!(reply_visibility(Some("direct")), "direct");
    assert_eq!(reply_visibility(Some("local")), "private");
    assert_eq!(reply_visibility(None), "private");
}

// ---------------------------------------------------------------- connector

fn page_of(ids: std::ops::RangeInclusive<u64>, created_at: &str) -> Vec<Value> {
    ids.rev()
        .map(|i| {
            notification(
                &i.to_string(),
                "mention",
                created_at,
                Some(status_json(&(1000 + i).to_string(), account("2", "bob"))),
            )
        })
        .collect()
}

fn request(feed: &str, cursor: Option<&str>, page: Option<String>) -> FeedRequest {
    FeedRequest {
        feed: feed.into(),
        cursor: cursor.map(str::to_owned),
        page,
        backfill_since: 0,
    }
}

#[tokio::test]
async fn the_token_is_sent_as_a_bearer_header_and_never_shown() {
    let server = serve(|_| ok(json!([]))).await;
    let m = connector(&server);
    m.fetch(&request("notifications", None, None))
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs[0].headers["authorization"], format!("Bearer {TOKEN}"));
    assert!(reqs[0].query.iter().all(|(_, v)| !v.contains(TOKEN)));
    assert_eq!(reqs[0].q("types[]"), Some("mention"));
    assert_eq!(reqs[0].q("limit"), Some("40"));
    assert!(!format!("{m:?}").contains(TOKEN));
}

#[tokio::test]
async fn unreadable_credentials_ask_for_a_sign_in_without_quoting_them() {
    let server = serve(|_| ok(json!([]))).await;
    let account = connector(&server).account.clone();
    for stored in [
        r#"{"access_token": 12345678}"#,
        r#"{"access_token": " "}"#,
        "tok-SECRET",
    ] {
        let e = Mastodon::new(account.clone(), creds(stored)).unwrap_err();
        assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
        assert!(!e.to_string().contains("12345678") && !e.to_string().contains("SECRET"));
    }
}

#[tokio::test]
async fn a_first_sync_pages_back_to_the_backfill_horizon_and_saves_the_cursor_last() {
    let server = serve(|req| {
        let recent = "2024-05-02T00:00:00Z";
        let old = "2024-04-01T00:00:00Z";
        match req.q("max_id") {
            None => ok(json!(page_of(161..=200, recent))).header(
                "Link",
                "<http://h/api/v1/notifications?max_id=161>; rel=\"next\", <http://h/api/v1/notifications?min_id=200>; rel=\"prev\"",
            ),
            // No Link header: the connector uses the last id.
            Some("161") => ok(json!(page_of(121..=160, recent))),
            Some("121") => {
                let mut page = page_of(101..=120, recent);
                page.extend(page_of(81..=100, old));
                ok(json!(page))
            }
            Some(other) => panic!("read past the horizon: max_id={other}"),
        }
    })
    .await;
    let m = connector(&server);
    let horizon = 1_714_000_000_000; // 2024-04-24
    let mut req = FeedRequest {
        backfill_since: horizon,
        ..request("notifications", None, None)
    };
    let mut pages = Vec::new();
    loop {
        let page = m.fetch(&req).await.unwrap();
        let next = page.next_page.clone();
        pages.push(page);
        match next {
            Some(next) => req.page = Some(next),
            None => break,
        }
    }
    assert_eq!(pages.len(), 3);
    assert_eq!(
        pages[0].cursor, None,
        "no cursor before the backfill is complete"
    );
    assert_eq!(pages[1].cursor, None);
    assert_eq!(
        pages[2].cursor.as_deref(),
        Some("200"),
        "the newest id of the first page"
    );
    let counts: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(
        counts,
        vec![40, 40, 20],
        "items older than the horizon are left out"
    );
}

#[tokio::test]
async fn later_syncs_page_forward_from_the_cursor_saving_as_they_go() {
    let server = serve(|req| match req.q("min_id") {
        Some("100") => ok(json!(page_of(101..=140, "2024-05-02T00:00:00Z"))),
        Some("140") => ok(json!(page_of(141..=145, "2024-05-02T00:00:00Z"))),
        other => panic!("unexpected min_id {other:?}"),
    })
    .await;
    let m = connector(&server);
    let first = m
        .fetch(&request("notifications", Some("100"), None))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 40);
    assert_eq!(
        first.cursor.as_deref(),
        Some("140"),
        "saved after each page"
    );
    let second = m
        .fetch(&request("notifications", Some("100"), first.next_page))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 5);
    assert_eq!(second.cursor.as_deref(), Some("145"));
    assert_eq!(second.next_page, None, "a short page is the last");
}

#[tokio::test]
async fn an_empty_forward_page_keeps_the_cursor() {
    let server = serve(|_| ok(json!([]))).await;
    let page = connector(&server)
        .fetch(&request("conversations", Some("77"), None))
        .await
        .unwrap();
    assert!(page.items.is_empty() && page.next_page.is_none());
    assert_eq!(page.cursor.as_deref(), Some("77"));
    assert_eq!(server.requests()[0].path, "/api/v1/conversations");
}

#[tokio::test]
async fn a_server_repeating_a_page_does_not_loop() {
    let server = serve(|_| {
        ok(json!(page_of(1..=40, "2030-01-01T00:00:00Z")))
            .header("Link", "<http://h/x?max_id=40>; rel=\"next\"")
    })
    .await;
    let m = connector(&server);
    let first = m
        .fetch(&request("notifications", None, None))
        .await
        .unwrap();
    let second = m
        .fetch(&request("notifications", None, first.next_page.clone()))
        .await
        .unwrap();
    assert!(first.next_page.is_some());
    assert_eq!(second.next_page, None, "max_id 40 again is no progress");
    assert_eq!(second.cursor.as_deref(), Some("40"));
}

#[tokio::test]
async fn one_bad_entry_is_skipped_and_counted_not_the_page() {
    let server = serve(|_| {
        let mut page = page_of(1..=2, "2030-01-01T00:00:00Z");
        let mut bad = status_json("9", account("2", "bob"));
        bad.as_object_mut().unwrap().remove("created_at");
        page.push(notification(
            "3",
            "mention",
            "2030-01-01T00:00:00Z",
            Some(bad),
        ));
        page.push(json!(42));
        ok(json!(page))
    })
    .await;
    let m = connector(&server);
    let page = m
        .fetch(&request("notifications", None, None))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(m.skipped_entries(), 2);
    assert_eq!(
        page.cursor.as_deref(),
        Some("3"),
        "the skipped entry still moved the cursor"
    );
}

#[tokio::test]
async fn malformed_truncated_and_oversized_pages_are_malformed_errors() {
    type Case = (&'static str, fn() -> Resp);
    let cases: Vec<Case> = vec![
        ("not json", || raw(b"<html>Bad gateway</html>")),
        ("truncated json", || raw(br#"[{"id": "1", "type": "men"#)),
        ("an object", || ok(json!({"error": "nope"}))),
        ("cut short", || Resp {
            status: 200,
            headers: vec![],
            body: Body::Short(1000, b"[{\"id\":".to_vec()),
        }),
        ("oversized", || Resp {
            status: 200,
            headers: vec![],
            body: Body::Short(9 * 1024 * 1024, b"[".to_vec()),
        }),
    ];
    for (name, make) in cases {
        let server = serve(move |_| make()).await;
        let e = connector(&server)
            .fetch(&request("notifications", None, None))
            .await
            .unwrap_err();
        assert!(
            matches!(e, ConnectorError::Malformed { .. }),
            "{name}: {e:?}"
        );
    }
}

#[tokio::test]
async fn http_failures_are_classified() {
    let server = serve(|req| match req.path.as_str() {
        "/api/v1/notifications" => status(401, json!({"error": "The access token is invalid"})),
        "/api/v1/conversations" => {
            status(429, json!({"error": "Too many requests"})).header("Retry-After", "12")
        }
        _ => status(503, json!({})),
    })
    .await;
    let m = connector(&server);
    let auth = m
        .fetch(&request("notifications", None, None))
        .await
        .unwrap_err();
    assert!(matches!(auth, ConnectorError::Auth { .. }), "{auth:?}");
    assert!(auth.to_string().contains("access token is invalid"));
    let slow = m
        .fetch(&request("conversations", None, None))
        .await
        .unwrap_err();
    assert_eq!(
        slow,
        ConnectorError::RateLimited {
            server: server.base.clone(),
            retry_after: Duration::from_secs(12)
        }
    );
    let down = m.thread(&format!("5@{}", server.host())).await.unwrap_err();
    assert!(matches!(down, ConnectorError::Server { .. }), "{down:?}");
    let unknown = m.fetch(&request("home", None, None)).await.unwrap_err();
    assert!(matches!(unknown, ConnectorError::Unsupported { .. }));
}

#[tokio::test]
async fn rate_budget_comes_from_the_last_headers() {
    let server = serve(|_| {
        ok(json!([]))
            .header("X-RateLimit-Limit", "300")
            .header("X-RateLimit-Remaining", "297")
            .header("X-RateLimit-Reset", "2030-01-01T00:05:00.000Z")
    })
    .await;
    let m = connector(&server);
    assert_eq!(m.rate_budget(), None);
    m.fetch(&request("notifications", None, None))
        .await
        .unwrap();
    let b = m.rate_budget().unwrap();
    assert_eq!((b.limit, b.remaining), (300, 297));
}

#[tokio::test]
async fn a_thread_is_ancestors_the_status_and_descendants_root_first() {
    let server = serve(|req| match req.path.as_str() {
        "/api/v1/statuses/12" => {
            let mut s = status_json("12", account("2", "bob"));
            s["in_reply_to_id"] = json!("11");
            ok(s)
        }
        "/api/v1/statuses/12/context" => {
            let root = status_json("10", account("3", "carol"));
            let mut mid = status_json("11", account("1", "alice"));
            mid["in_reply_to_id"] = json!("10");
            let mut after = status_json("13", account("3", "carol"));
            after["in_reply_to_id"] = json!("12");
            let mut broken = status_json("14", account("3", "carol"));
            broken.as_object_mut().unwrap().remove("id");
            ok(json!({"ancestors": [root, mid], "descendants": [after, broken]}))
        }
        other => panic!("unexpected {other}"),
    })
    .await;
    let m = connector(&server);
    let items = m.thread(&format!("12@{}", server.host())).await.unwrap();
    let ids: Vec<&str> = items
        .iter()
        .map(|i| i.remote_id.split('@').next().unwrap())
        .collect();
    assert_eq!(ids, vec!["10", "11", "12", "13"]);
    assert!(items.iter().all(|i| i.root_remote_id.is_none()));
    assert_eq!(items[0].kind, ItemKind::Mention, "the root mentions us");
    assert_eq!(items[1].author.handle, format!("alice@{}", server.host()));
    assert_eq!(m.skipped_entries(), 1);
    let elsewhere = m.thread("12@mastodon.social").await.unwrap_err();
    assert!(matches!(elsewhere, ConnectorError::Refused { .. }));
}

#[tokio::test]
async fn a_hashtag_reads_its_timeline_and_text_uses_search() {
    let server = serve(|req| match req.path.as_str() {
        "/api/v1/timelines/tag/caf%C3%A9" => {
            let statuses: Vec<Value> = (1..=40)
                .rev()
                .map(|i| status_json(&i.to_string(), account("2", "bob")))
                .collect();
            ok(json!(statuses))
        }
        "/api/v2/search" => ok(json!({
            "accounts": [],
            "hashtags": [],
            "statuses": [status_json("5", account("2", "bob"))]
        })),
        other => panic!("unexpected {other}"),
    })
    .await;
    let m = connector(&server);
    let tag = m.search("#café", None).await.unwrap();
    assert_eq!(tag.items.len(), 40);
    assert!(tag.items.iter().all(|i| i.kind == ItemKind::Post));
    assert_eq!(tag.next_page.as_deref(), Some("1"), "paging by max_id");
    m.search("#café", Some("1")).await.unwrap();
    assert_eq!(server.requests()[1].q("max_id"), Some("1"));

    let text = m.search("export \"csv\"", None).await.unwrap();
    assert_eq!(text.items.len(), 1);
    assert_eq!(text.next_page, None);
    let req = server.requests().pop().unwrap();
    assert_eq!(req.q("q"), Some("export \"csv\""));
    assert_eq!(req.q("type"), Some("statuses"));
    assert_eq!(req.q("resolve"), Some("false"));
    assert_eq!(req.q("offset"), Some("0"));
}

fn reply_server(visibility: &'static str, max_characters: u32) -> impl Fn(&Req) -> Resp {
    move |req| match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/api/v1/statuses/19") => {
            let mut s = status_json("19", account("2", "bob"));
            s["visibility"] = json!(visibility);
            ok(s)
        }
        ("GET", "/api/v2/instance") => ok(json!({"configuration": {"statuses": {
            "max_characters": max_characters, "characters_reserved_per_url": 23
        }}})),
        ("POST", "/api/v1/statuses") => {
            let mut s = status_json("20", account("1", "alice"));
            s["in_reply_to_id"] = json!(req.f("in_reply_to_id"));
            s["visibility"] = json!(req.f("visibility"));
            s["content"] = json!(format!("<p>{}</p>", req.f("status").unwrap_or_default()));
            ok(s)
        }
        other => panic!("unexpected {other:?}"),
    }
}

fn outgoing(parent: String, text: &str) -> OutgoingReply {
    OutgoingReply {
        parent_remote_id: parent,
        root_remote_id: None,
        text: text.into(),
        idempotency_key: "key-1".into(),
        queued_at: 0,
    }
}

#[tokio::test]
async fn a_reply_mentions_the_author_keeps_the_visibility_and_is_idempotent() {
    for visibility in ["public", "unlisted", "private", "direct"] {
        let server = serve(reply_server(visibility, 500)).await;
        let m = connector(&server);
        let sent = m
            .reply(&outgoing(format!("19@{}", server.host()), "glad it helped"))
            .await
            .unwrap();
        let post = server.posted();
        assert_eq!(post.f("status"), Some("@bob glad it helped"));
        assert_eq!(post.f("in_reply_to_id"), Some("19"));
        assert_eq!(post.f("visibility"), Some(visibility));
        assert_eq!(post.headers["idempotency-key"], "key-1");
        assert_eq!(sent.remote_id, format!("20@{}", server.host()));
        assert!(sent.url.is_some());
        let item = sent.item.unwrap();
        assert_eq!(item.parent_remote_id, Some(format!("19@{}", server.host())));
        let expected = if visibility == "direct" {
            ItemKind::Dm
        } else {
            ItemKind::Reply
        };
        assert_eq!(item.kind, expected);
    }
}

#[tokio::test]
async fn a_reply_that_already_mentions_the_author_is_sent_as_written() {
    let server = serve(reply_server("public", 500)).await;
    let m = connector(&server);
    m.reply(&outgoing(
        format!("19@{}", server.host()),
        "thanks @Bob, fixed",
    ))
    .await
    .unwrap();
    let post = server.posted();
    assert_eq!(post.f("status"), Some("thanks @Bob, fixed"));
}

#[tokio::test]
async fn a_reply_too_long_is_refused_before_sending() {
    let server = serve(reply_server("public", 30)).await;
    let m = connector(&server);
    // "@bob " (5) + 20 + a link (23) = 48 > 30.
    let text = format!("{} https://example.com/{}", "x".repeat(19), "y".repeat(300));
    let e = m
        .reply(&outgoing(format!("19@{}", server.host()), &text))
        .await
        .unwrap_err();
    let ConnectorError::Refused { message, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(
        message.contains("48 characters") && message.contains("allows 30"),
        "{message}"
    );
    assert!(
        server.requests().iter().all(|r| r.method != "POST"),
        "nothing was sent"
    );
    // Exactly at the limit is fine: "@bob " + "k " + 23 = 30.
    m.reply(&outgoing(
        format!("19@{}", server.host()),
        "k https://e.example/long",
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn limits_are_read_once() {
    let server = serve(|_| {
        ok(json!({"configuration": {"statuses": {"max_characters": 5000, "characters_reserved_per_url": 23}}}))
    })
    .await;
    let m = connector(&server);
    for _ in 0..3 {
        let l = m.limits().await.unwrap();
        assert_eq!((l.max_length, l.link_length), (5000, Some(23)));
        assert_eq!(l.unit, earshot_core::connector::LengthUnit::Characters);
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn limits_default_on_a_server_without_v2_instance() {
    let server = serve(|_| status(404, json!({"error": "Record not found"}))).await;
    let l = connector(&server).limits().await.unwrap();
    assert_eq!((l.max_length, l.link_length), (500, Some(23)));
}

#[tokio::test]
async fn mark_read_moves_the_notifications_marker_to_the_newest_seen() {
    let server = serve(|req| match req.path.as_str() {
        "/api/v1/notifications" => ok(json!(page_of(5..=9, "2030-01-01T00:00:00Z"))),
        "/api/v1/markers" => ok(json!({})),
        other => panic!("unexpected {other}"),
    })
    .await;
    let m = connector(&server);
    m.mark_read("1005@x").await.unwrap();
    assert!(server.requests().is_empty(), "nothing known: nothing sent");
    m.fetch(&request("notifications", None, None))
        .await
        .unwrap();
    m.mark_read("1005@x").await.unwrap();
    let marker = server.requests().pop().unwrap();
    assert_eq!(marker.method, "POST");
    assert_eq!(marker.f("notifications[last_read_id]"), Some("9"));
}

// ---------------------------------------------------------------- images

/// An image server on 127.0.0.1: a PNG, a redirect to it, and redirects to
/// addresses off the public internet (0.0.0.0 reaches this machine, so even a
/// redirect followed by mistake would stay here).
async fn image_server() -> (Server, Vec<u8>) {
    let png = earshot_core::demo::png_rgb(4, 4, |x, y| [x as u8 * 60, y as u8 * 60, 90]);
    let served = png.clone();
    let server = serve(move |req| match req.path.as_str() {
        "/avatar.png" => raw(&served).header("Content-Type", "image/png"),
        "/moved.png" => status(302, json!({})).header("Location", "/avatar.png"),
        "/away.png" => {
            let port = req.headers["host"].rsplit(':').next().unwrap_or("80");
            status(302, json!({})).header("Location", &format!("http://0.0.0.0:{port}/avatar.png"))
        }
        _ => status(404, json!({"error": "Record not found"})),
    })
    .await;
    (server, png)
}

fn assert_private(err: ConnectorError, what: &str) {
    match &err {
        ConnectorError::Refused { message, .. } => assert!(
            message.contains("private network address; images there are not fetched"),
            "{what}: {message}"
        ),
        other => panic!("{what}: refused as a private address, not {other:?}"),
    }
}

#[tokio::test]
async fn images_on_a_private_address_are_fetched_only_for_the_server_itself() {
    let (server, png) = image_server().await;
    let image = format!("{}/avatar.png", server.base);

    let own = connector(&server).fetch_media(&image, 1024).await.unwrap();
    assert_eq!(own.bytes, png, "the account's own server serves its images");
    assert_eq!(own.content_type, "image/png");

    // A post on another server names this loopback image: a request into the
    // manager's own machine or network, refused before it is sent.
    for base in ["https://mastodon.example", "https://10.1.2.3"] {
        let other = connector_on(base);
        assert_private(other.fetch_media(&image, 1024).await.unwrap_err(), base);
        let port = server.base.rsplit(':').next().unwrap();
        // By name too: localhost resolves to loopback, which the resolver drops.
        let named = format!("https://localhost:{port}/avatar.png");
        assert_private(other.fetch_media(&named, 1024).await.unwrap_err(), &named);
    }
    assert_eq!(
        server.requests().len(),
        1,
        "only the account's own server was asked"
    );
}

#[tokio::test]
async fn a_redirect_to_a_private_address_is_not_followed() {
    let (server, png) = image_server().await;
    let m = connector(&server);
    let moved = m
        .fetch_media(&format!("{}/moved.png", server.base), 1024)
        .await
        .unwrap();
    assert_eq!(
        moved.bytes, png,
        "a redirect on the same server is followed"
    );

    let err = m
        .fetch_media(&format!("{}/away.png", server.base), 1024)
        .await
        .unwrap_err();
    assert_private(err, "a redirect to 0.0.0.0");
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/moved.png", "/avatar.png", "/away.png"],
        "the refused redirect was never requested"
    );
}

// ---------------------------------------------------------------- streaming

fn sse_notification(id: &str, status_id: &str) -> Vec<u8> {
    let n = notification(
        id,
        "mention",
        "2030-01-01T00:00:00Z",
        Some(status_json(status_id, account("2", "bob"))),
    );
    format!("event: notification\ndata: {n}\n\n").into_bytes()
}

#[tokio::test]
async fn the_stream_connects_delivers_mentions_and_stops_when_nobody_listens() {
    let server = serve(|req| match req.path.as_str() {
        "/api/v2/instance" => {
            ok(json!({"configuration": {"urls": {"streaming": "wss://elsewhere.invalid"}}}))
        }
        "/api/v1/streaming/user/notification" => {
            let event = sse_notification("70", "700");
            let (a, b) = event.split_at(25);
            let follow = notification("71", "follow", "2030-01-01T00:00:00Z", None);
            Resp {
                status: 200,
                headers: vec![],
                body: Body::Stream(vec![
                    (Duration::ZERO, b":connected\n\n".to_vec()),
                    (Duration::from_millis(20), a.to_vec()),
                    (Duration::from_millis(20), b.to_vec()),
                    (
                        Duration::ZERO,
                        format!("event: notification\ndata: {follow}\n\n").into_bytes(),
                    ),
                    (
                        Duration::ZERO,
                        b"event: update\ndata: {}\n\n:thump\n".to_vec(),
                    ),
                    (
                        Duration::ZERO,
                        b"event: notification\ndata: {not json\n\n".to_vec(),
                    ),
                ]),
            }
        }
        other => panic!("unexpected {other}"),
    })
    .await;
    // The instance names a streaming host the test cannot reach; this
    // connector is pointed at the test server instead.
    let m = connector(&server);
    m.instance
        .set(InstanceInfo::default())
        .expect("not yet read");
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let run = tokio::spawn(async move {
        let result = m.stream(tx).await;
        (result, m)
    });
    assert_eq!(rx.recv().await, Some(StreamEvent::Connected));
    let Some(StreamEvent::Item(item)) = rx.recv().await else {
        panic!("a mention arrives as an item")
    };
    assert_eq!(item.remote_id, format!("700@{}", server.host()));
    assert_eq!(item.kind, ItemKind::Mention);
    assert_eq!(
        rx.recv().await,
        Some(StreamEvent::Poke),
        "an unreadable event asks for a fetch"
    );
    drop(rx);
    let (result, m) = tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .expect("the stream returns once the sink is closed")
        .unwrap();
    assert_eq!(result, Ok(()));
    assert_eq!(
        m.newest_notification.lock().unwrap().as_deref(),
        Some("71"),
        "stream notifications move the read marker too"
    );
    let stream_req = server.requests().pop().unwrap();
    assert_eq!(
        stream_req.headers["authorization"],
        format!("Bearer {TOKEN}")
    );
}

#[tokio::test]
async fn the_stream_falls_back_to_the_user_stream_and_reads_conversations() {
    let server = serve(|req| match req.path.as_str() {
        "/api/v2/instance" => ok(json!({})),
        "/api/v1/streaming/user/notification" => status(404, json!({"error": "Not found"})),
        "/api/v1/streaming/user" => {
            let mut last = status_json("80", account("2", "bob"));
            last["visibility"] = json!("direct");
            let c = json!({"id": "1", "unread": true, "accounts": [], "last_status": last});
            Resp {
                status: 200,
                headers: vec![],
                body: Body::Stream(vec![(
                    Duration::ZERO,
                    format!("event: conversation\ndata: {c}\n\n").into_bytes(),
                )]),
            }
        }
        other => panic!("unexpected {other}"),
    })
    .await;
    let m = connector(&server);
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let run = tokio::spawn(async move { m.stream(tx).await });
    assert_eq!(rx.recv().await, Some(StreamEvent::Connected));
    let Some(StreamEvent::Item(item)) = rx.recv().await else {
        panic!("a conversation arrives as an item")
    };
    assert_eq!(item.kind, ItemKind::Dm);
    drop(rx);
    assert_eq!(run.await.unwrap(), Ok(()));
}

#[tokio::test]
async fn a_refused_stream_is_an_auth_error() {
    let server = serve(|req| match req.path.as_str() {
        "/api/v2/instance" => ok(json!({})),
        _ => status(401, json!({"error": "Error: Invalid access token"})),
    })
    .await;
    let (tx, _rx) = tokio::sync::mpsc::channel(8);
    let e = connector(&server).stream(tx).await.unwrap_err();
    assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
}

#[tokio::test]
async fn a_silent_stream_is_dead() {
    let (tx, _rx) = tokio::sync::mpsc::channel(8);
    let body = futures_util::stream::pending::<Result<Vec<u8>, String>>();
    let e = stream::pump(body, &tx, Duration::from_millis(50), "s", |_| None)
        .await
        .unwrap_err();
    assert!(e.is_transient(), "the engine reconnects: {e:?}");
    assert!(e.to_string().contains("sent nothing"), "{e}");
}

#[tokio::test]
async fn an_ended_or_oversized_stream_is_an_error() {
    let (tx, _rx) = tokio::sync::mpsc::channel(8);
    let ended = futures_util::stream::iter(vec![Ok::<_, String>(b":hi\n".to_vec())]);
    let e = stream::pump(ended, &tx, Duration::from_secs(5), "s", |_| None)
        .await
        .unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    let big = vec![b'x'; stream::MAX_EVENT_BYTES + 10];
    let chunks = futures_util::stream::iter(vec![Ok::<_, String>(b"data: ".to_vec()), Ok(big)]);
    let e = stream::pump(chunks, &tx, Duration::from_secs(5), "s", |_| None)
        .await
        .unwrap_err();
    assert!(matches!(e, ConnectorError::Malformed { .. }), "{e:?}");
}

// ---------------------------------------------------------------- sign-in

fn verify_response(req: &Req, token: &str) -> Resp {
    if req.headers.get("authorization").map(String::as_str) == Some(&format!("Bearer {token}")) {
        ok(account("109", "alice"))
    } else {
        status(401, json!({"error": "The access token is invalid"}))
    }
}

#[tokio::test]
async fn a_pasted_token_signs_in_as_user_at_host() {
    let server = serve(|req| verify_response(req, TOKEN)).await;
    let (account, secret) = sign_in_with_token(&format!("{}/", server.base), &Secret::new(TOKEN))
        .await
        .unwrap();
    assert_eq!(account.network, "mastodon");
    assert_eq!(account.server, server.base);
    assert_eq!(account.handle, format!("alice@{}", server.host()));
    assert_eq!(account.display_name.as_deref(), Some("alice name"));
    assert_eq!(account.remote_user_id.as_deref(), Some("109"));
    let doc: Value = serde_json::from_str(secret.expose()).unwrap();
    assert_eq!(doc, json!({"access_token": TOKEN}));

    let e = sign_in_with_token(&server.base, &Secret::new("wrong"))
        .await
        .unwrap_err();
    assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
    assert!(!e.to_string().contains("wrong"));
}

/// A server playing Mastodon's OAuth endpoints, checking PKCE for real.
fn oauth_server(challenge: Arc<Mutex<Option<String>>>) -> impl Fn(&Req) -> Resp {
    move |req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/api/v1/apps") => {
            assert_eq!(req.f("client_name"), Some("Earshot"));
            assert_eq!(req.f("scopes"), Some("read write"));
            let redirect = req.f("redirect_uris").unwrap();
            assert!(redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/callback"));
            ok(
                json!({"id": "1", "name": "Earshot", "client_id": "cid", "client_secret": "csecret",
                      "redirect_uri": redirect}),
            )
        }
        ("POST", "/oauth/token") => {
            let verifier = req.f("code_verifier").unwrap_or_default();
            let expected = challenge.lock().unwrap().clone().unwrap();
            if oauth::pkce_challenge(verifier) != expected
                || req.f("code") != Some("the-code")
                || req.f("grant_type") != Some("authorization_code")
                || req.f("client_secret") != Some("csecret")
                || req.f("redirect_uri").is_none()
            {
                return status(400, json!({"error": "invalid_grant"}));
            }
            ok(
                json!({"access_token": "fresh-token", "token_type": "Bearer", "scope": "read write"}),
            )
        }
        ("GET", "/api/v1/accounts/verify_credentials") => verify_response(req, "fresh-token"),
        other => panic!("unexpected {other:?}"),
    }
}

/// Plays the browser: reads the authorize URL and calls the redirect URI.
fn browser(
    challenge: Arc<Mutex<Option<String>>>,
    answer: impl Fn(&str) -> String + Send + 'static,
) -> impl FnOnce(&str) -> Result<(), String> {
    move |url: &str| {
        let url = url::Url::parse(url).unwrap();
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["response_type"], "code");
        *challenge.lock().unwrap() = Some(q["code_challenge"].clone());
        let target = format!("{}?{}", q["redirect_uri"], answer(&q["state"]));
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let _ = client.get(target).send().await;
        });
        Ok(())
    }
}

#[tokio::test]
async fn the_browser_sign_in_runs_pkce_to_a_token() {
    let challenge = Arc::new(Mutex::new(None));
    let server = serve(oauth_server(challenge.clone())).await;
    let (account, secret) = sign_in_with_browser(
        &server.base,
        browser(challenge, |state| format!("code=the-code&state={state}")),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(account.handle, format!("alice@{}", server.host()));
    let doc: Value = serde_json::from_str(secret.expose()).unwrap();
    assert_eq!(
        doc,
        json!({"access_token": "fresh-token", "client_id": "cid", "client_secret": "csecret"})
    );
}

#[tokio::test]
async fn the_browser_sign_in_refuses_a_wrong_state_and_a_denial() {
    let challenge = Arc::new(Mutex::new(None));
    let server = serve(oauth_server(challenge.clone())).await;
    let e = sign_in_with_browser(
        &server.base,
        browser(challenge.clone(), |_| "code=the-code&state=forged".into()),
        Duration::from_secs(10),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("state does not match"), "{e}");
    assert!(
        server.requests().iter().all(|r| r.path != "/oauth/token"),
        "a forged answer's code is never exchanged"
    );

    let e = sign_in_with_browser(
        &server.base,
        browser(challenge, |state| {
            format!("error=access_denied&error_description=nope&state={state}")
        }),
        Duration::from_secs(10),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
    assert!(e.to_string().contains("access denied"), "{e}");
}

#[tokio::test]
async fn the_browser_sign_in_times_out_and_reports_a_browser_that_would_not_open() {
    let challenge = Arc::new(Mutex::new(None));
    let server = serve(oauth_server(challenge)).await;
    let e = sign_in_with_browser(&server.base, |_| Ok(()), Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no answer came back within"), "{e}");
    let e = sign_in_with_browser(
        &server.base,
        |_| Err("no browser".into()),
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("no browser") && e.to_string().contains("/oauth/authorize"));
}
