//! Listening sources end to end: a real HTTP server on 127.0.0.1 serves RSS and
//! Atom feeds (with ETag and Last-Modified, answering 304 to a conditional GET)
//! and a Hacker News search shaped as Algolia's; the CLI adds queries and
//! sources, polls, and the dashboard shows hits from each. A query created
//! after the items arrived matches them at once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::{cli, ok_json};

const RSS: &str = include_str!("../../../../tests/fixtures/feeds/rss.xml");
const ATOM: &str = include_str!("../../../../tests/fixtures/feeds/atom.xml");
const HN: &str = r#"{"hits":[
  {"objectID":"46000002","author":"pat","comment_text":"Switched to <i>Lumen</i>, sync is fast now","created_at_i":1795420860,"parent_id":46000001,"story_id":46000001,"_tags":["comment","author_pat","story_46000001"]},
  {"objectID":"46000001","author":"sam","title":"Lumen 3.0 is out","url":"https://lumen.example/3","created_at_i":1795420800,"_tags":["story","author_sam","story_46000001"]}
],"nbHits":2,"page":0,"hitsPerPage":100}"#;
const ATOM_MODIFIED: &str = "Mon, 23 Nov 2026 09:00:00 GMT";

/// What the server saw: path → the conditional headers of each request.
type Seen = Arc<Mutex<Vec<(String, HashMap<String, String>)>>>;

/// A small real HTTP/1.1 server: one request per connection.
fn serve() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let mut headers = HashMap::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_lowercase(), v.trim().to_owned());
                }
            }
            let path = target.split('?').next().unwrap_or("").to_owned();
            log.lock().unwrap().push((target.clone(), headers.clone()));
            let (status, extra, body): (&str, String, &str) = match path.as_str() {
                "/rss.xml"
                    if headers.get("if-none-match").map(String::as_str) == Some("\"rss-1\"") =>
                {
                    ("304 Not Modified", "ETag: \"rss-1\"\r\n".into(), "")
                }
                "/rss.xml" => (
                    "200 OK",
                    "ETag: \"rss-1\"\r\nContent-Type: application/rss+xml\r\n".into(),
                    RSS,
                ),
                "/atom.xml"
                    if headers.get("if-modified-since").map(String::as_str)
                        == Some(ATOM_MODIFIED) =>
                {
                    ("304 Not Modified", String::new(), "")
                }
                "/atom.xml" => (
                    "200 OK",
                    format!(
                        "Last-Modified: {ATOM_MODIFIED}\r\nContent-Type: application/atom+xml\r\n"
                    ),
                    ATOM,
                ),
                "/api/v1/search_by_date" => {
                    ("200 OK", "Content-Type: application/json\r\n".into(), HN)
                }
                "/broken.xml" => (
                    "200 OK",
                    "Content-Type: text/html\r\n".into(),
                    "<html><body>Moved!</body></html>",
                ),
                _ => ("404 Not Found", String::new(), "not here"),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, seen)
}

fn poll(d: &std::path::Path, base: &str, all: bool) -> Vec<Value> {
    let mut args = vec!["source", "poll", "--json", "--hackernews-base", base];
    if all {
        args.push("--all");
    }
    let out = cli(d, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

const RANGE: [&str; 4] = ["--from", "2026-11-01", "--to", "2026-12-01"];

fn dashboard(d: &std::path::Path, queries: &[&str]) -> Value {
    let mut args = vec!["listen", "dashboard"];
    args.extend_from_slice(queries);
    args.extend_from_slice(&RANGE);
    ok_json(d, &args)
}

#[test]
fn feeds_and_hacker_news_are_heard_and_matched_retroactively() {
    let (base, seen) = serve();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let brand = ok_json(d, &["listen", "add", "Brand", "lumen"]);
    assert_eq!(brand["run"]["hits"], 0, "nothing in the cache yet");
    for (kind, target) in [
        ("feed", format!("{base}/rss.xml")),
        ("feed", format!("{base}/atom.xml")),
        ("hackernews", "lumen".to_owned()),
    ] {
        ok_json(d, &["source", "add", kind, &target]);
    }

    let reports = poll(d, &base, false);
    assert_eq!(reports.len(), 3, "every new source is due: {reports:?}");
    for r in &reports {
        assert!(r["error"].is_null(), "{r}");
        assert_eq!(r["inserted"], 2, "two items from each source: {r}");
    }

    // The brand query heard every source, on ingest.
    let dash = dashboard(d, &["Brand"]);
    let panel = &dash["panels"][0];
    let networks: HashMap<String, i64> = panel["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_owned(),
                c["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        networks.get("rss"),
        Some(&3),
        "both feeds are network rss: {networks:?}"
    );
    assert_eq!(networks.get("hackernews"), Some(&2), "{networks:?}");
    let latest = panel["latest"].as_array().unwrap();
    assert!(latest
        .iter()
        .all(|h| h["conversationId"].as_i64().unwrap() > 0));
    assert!(
        latest
            .iter()
            .any(|h| h["url"] == "https://weekly.example/lumen-3"),
        "hits keep their links: {latest:?}"
    );
    let html = latest
        .iter()
        .map(|h| h["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !html.contains("alert(1)"),
        "feed scripts never reach the text"
    );

    // Feeds do not flood the inbox.
    let inbox = ok_json(d, &["inbox"]);
    assert!(
        inbox["conversations"].as_array().unwrap().is_empty(),
        "{inbox}"
    );

    // A query written after the items arrived matches them at once.
    let rival = ok_json(
        d,
        &["listen", "add", "Rival", "rivalapp OR \"rival notes\""],
    );
    assert_eq!(rival["run"]["hits"], 1, "{rival}");
    let both = dashboard(d, &["Brand", "Rival"]);
    let shares: Vec<i64> = both["shareOfVoice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["hits"].as_i64().unwrap())
        .collect();
    assert_eq!(shares, vec![5, 1]);

    // Polling again: nothing is due; forced, the feeds answer 304 to the validators.
    assert!(poll(d, &base, false).is_empty(), "intervals are kept");
    let again = poll(d, &base, true);
    let not_modified = again.iter().filter(|r| r["notModified"] == true).count();
    assert_eq!(not_modified, 2, "{again:?}");
    let log = seen.lock().unwrap();
    let conditional = |path: &str, header: &str| {
        log.iter()
            .filter(|(t, h)| t == path && h.contains_key(header))
            .count()
    };
    assert_eq!(conditional("/rss.xml", "if-none-match"), 1);
    assert_eq!(conditional("/atom.xml", "if-modified-since"), 1);
    let hn: Vec<&String> = log
        .iter()
        .filter(|(t, _)| t.starts_with("/api/v1/search_by_date"))
        .map(|(t, _)| t)
        .collect();
    assert!(
        hn[1].contains("numericFilters=created_at_i%3E1795420860"),
        "the second search asks only for newer items: {hn:?}"
    );
    drop(log);

    // A feed that turned into a web page fails clearly, and the rest go on.
    ok_json(d, &["source", "add", "feed", &format!("{base}/broken.xml")]);
    let reports = poll(d, &base, false);
    assert_eq!(reports.len(), 1);
    let error = reports[0]["error"].as_str().unwrap();
    assert!(error.contains("not an RSS or Atom feed"), "{error}");
    let list = ok_json(d, &["source", "list"]);
    let broken = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["target"].as_str().unwrap().ends_with("/broken.xml"))
        .unwrap();
    assert_eq!(broken["failures"], 1);
}

/// Searches on the real local networks (tests/servers/start.sh) as sources: bob
/// posts on Mastodon and Bluesky without mentioning us; a query hears both
/// through `mastodon-search` and `bluesky-search` sources, and the inbox stays empty.
#[test]
fn network_searches_are_heard() {
    use super::networks::{add_bluesky, add_mastodon, bsky_login, servers, unique, var};
    let env = servers();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    add_mastodon(d, &env);
    add_bluesky(d, &env);
    let marker = unique("lumenprobe");

    earshot_connectors::http::install_crypto_provider();
    let posted = reqwest::blocking::Client::new()
        .post(format!(
            "{}/api/v1/statuses",
            var(&env, "EARSHOT_TEST_MASTODON_URL")
        ))
        .bearer_auth(var(&env, "EARSHOT_TEST_MASTODON_BOB_TOKEN"))
        .json(&serde_json::json!({ "status": format!("Trying {marker} on my phone") }))
        .send()
        .unwrap();
    assert!(posted.status().is_success(), "{}", posted.status());
    bsky_login(&env, "BOB").post(&format!("Loving {marker} so far"), None, None);

    ok_json(d, &["listen", "add", "Probe", &marker]);
    ok_json(d, &["source", "add", "mastodon-search", &marker]);
    ok_json(d, &["source", "add", "bluesky-search", &marker]);

    // The AppView indexes a post within a second or so: poll until both are heard.
    let start = std::time::Instant::now();
    let networks = loop {
        let reports = poll(d, "http://127.0.0.1:9", true);
        assert!(reports.iter().all(|r| r["error"].is_null()), "{reports:?}");
        let probe = ok_json(d, &["listen", "list"]);
        let hits = probe[0]["hits"].as_i64().unwrap();
        if hits >= 2 {
            let dash = ok_json(d, &["listen", "dashboard", "Probe", "--days", "1"]);
            break dash["panels"][0]["networks"].clone();
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "only {hits} hits after 20 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let keys: Vec<&str> = networks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"mastodon") && keys.contains(&"bluesky"),
        "{keys:?}"
    );
    let inbox = ok_json(d, &["inbox"]);
    assert!(
        inbox["conversations"].as_array().unwrap().is_empty(),
        "search results stay out of the inbox: {inbox}"
    );
}
