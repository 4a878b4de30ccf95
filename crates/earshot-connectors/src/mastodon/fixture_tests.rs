//! Parser tests on payloads the local mastodon-mock server really sent
//! (recorded by `tests/servers/capture_fixtures.py`). Its HTML does not link
//! mentions, so the documentation-shaped payloads in `tests.rs` cover that.

use earshot_core::item::ItemKind;
use serde_json::Value;

use super::model::{self, link_param, InstanceInfo, KindRule, Mapper};
use super::stream::{interpret, Meaning, SseParser, MAX_EVENT_BYTES};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/mastodon/",
            $name
        ))
    };
}

/// The recording's server: ids and local handles are qualified with it.
fn mapper() -> Mapper {
    Mapper {
        host: "127.0.0.1:41713".into(),
        account_id: 1,
        me: None,
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn every_mention_notification_becomes_an_item_and_nothing_else_does() {
    let entries: Vec<_> = model::parse_array(fixture!("notifications_all.json").as_bytes())
        .unwrap()
        .into_iter()
        .map(|v| mapper().notification(v))
        .collect();
    assert_eq!(entries.len(), 7);
    assert!(
        entries.iter().all(|e| !e.malformed),
        "no entry is malformed"
    );
    assert!(
        entries.iter().all(|e| e.page_id.is_some()),
        "every entry moves the cursor, favourites and follows too"
    );
    let items: Vec<_> = entries.into_iter().filter_map(|e| e.item).collect();
    let summary: Vec<(&str, ItemKind, &str)> = items
        .iter()
        .map(|i| (i.remote_id.as_str(), i.kind, i.author.handle.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "1795379456482@127.0.0.1:41713",
                ItemKind::Mention,
                "carol@127.0.0.1:41713"
            ),
            (
                "1795379456479@127.0.0.1:41713",
                ItemKind::Mention,
                "carol@127.0.0.1:41713"
            ),
            (
                "1795379456471@127.0.0.1:41713",
                ItemKind::Dm,
                "bob@127.0.0.1:41713"
            ),
            (
                "1795379456461@127.0.0.1:41713",
                ItemKind::Reply,
                "carol@127.0.0.1:41713"
            ),
            (
                "1795379456457@127.0.0.1:41713",
                ItemKind::Mention,
                "bob@127.0.0.1:41713"
            ),
        ]
    );
    assert_eq!(
        items[3].parent_remote_id.as_deref(),
        Some("1795379456457@127.0.0.1:41713")
    );
    assert!(items.iter().all(|i| i.root_remote_id.is_none()));
    assert!(items.iter().all(|i| i.created_at > 1_795_000_000_000));
    assert_eq!(
        items[4].url.as_deref(),
        Some("http://127.0.0.1:41713/@bob/1795379456457")
    );
}

#[test]
fn the_recorded_link_and_rate_limit_headers_are_read() {
    let headers = json(fixture!("notifications_mentions_page.headers.json"));
    let link = headers["link"].as_str();
    assert_eq!(
        link_param(link, "next", "max_id").as_deref(),
        Some("1795379456480")
    );
    assert_eq!(
        link_param(link, "prev", "min_id").as_deref(),
        Some("1795379456483")
    );
    let mut map = reqwest::header::HeaderMap::new();
    for (k, v) in headers.as_object().unwrap() {
        map.insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.as_str().unwrap().parse().unwrap(),
        );
    }
    let budget = crate::http::rate_budget(&map, 0).unwrap();
    assert_eq!((budget.limit, budget.remaining), (3000, 2989));
    assert_eq!(budget.reset_at, 1_795_379_757_000, "epoch seconds here");
}

#[test]
fn a_conversation_is_read_as_its_last_direct_status() {
    let list = model::parse_array(fixture!("conversations.json").as_bytes()).unwrap();
    let entry = mapper().conversation(list.into_iter().next().unwrap());
    assert_eq!(entry.page_id.as_deref(), Some("1795379456471"));
    let item = entry.item.unwrap();
    assert_eq!(item.kind, ItemKind::Dm);
    assert_eq!(item.author.handle, "bob@127.0.0.1:41713");
}

#[test]
fn a_recorded_context_and_status_parse() {
    let mut context = json(fixture!("status_context.json"));
    for list in ["ancestors", "descendants"] {
        for status in context[list].as_array_mut().unwrap().drain(..) {
            let item = mapper().status_value(status, KindRule::Infer).unwrap();
            assert!(item.is_some(), "{list}");
        }
    }
    let status = json(fixture!("status_with_mention.json"));
    let item = mapper()
        .status_value(status, KindRule::Infer)
        .unwrap()
        .unwrap();
    assert_eq!(item.remote_id, "1795379456457@127.0.0.1:41713");
    assert_eq!(item.lang, None, "mastodon-mock sends language: null");
}

#[test]
fn the_recorded_instance_gives_limits_and_the_streaming_host() {
    let instance: model::Instance = serde_json::from_str(fixture!("instance_v2.json")).unwrap();
    let info = InstanceInfo::from(instance);
    assert_eq!(info.max_characters, 500);
    assert_eq!(info.characters_reserved_per_url, 23);
    assert_eq!(info.streaming.as_deref(), Some("http://127.0.0.1:41713"));
}

#[test]
fn the_recorded_user_stream_yields_its_mentions() {
    let bytes = fixture!("streaming_user.sse").as_bytes();
    // Small chunks, as a slow network delivers them.
    let mut parser = SseParser::new(MAX_EVENT_BYTES);
    let events: Vec<_> = bytes
        .chunks(7)
        .flat_map(|c| parser.feed(c).unwrap())
        .collect();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names.iter().filter(|n| **n == "notification").count(), 7);
    assert_eq!(names.iter().filter(|n| **n == "update").count(), 1);
    let mut items = Vec::new();
    let mut newest = None;
    for event in &events {
        let (meaning, id) = interpret(&mapper(), event);
        newest = model::newer(newest, id.as_deref());
        match meaning {
            Meaning::Item(item) => items.push(item),
            Meaning::Poke => panic!("every recorded event is readable"),
            Meaning::Ignore => {}
        }
    }
    assert_eq!(
        items.len(),
        5,
        "the five mentions; follow, favourite, update ignored"
    );
    assert_eq!(newest.as_deref(), Some("1795379456483"));
}
