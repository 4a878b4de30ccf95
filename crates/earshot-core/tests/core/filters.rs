//! The inbox's filters, each alone and with search; saved views; the author panel.

use earshot_core::inbox::{InboxFilter, Sentiment, TriageState};
use earshot_core::item::{Content, ItemKind, NewAuthor, NewItem};
use earshot_core::search::SearchOptions;
use earshot_core::Workspace;

const T: i64 = 1_790_000_000_000;
const DAY: i64 = 86_400_000;

fn post(network: &str, id: &str, who: &str, at: i64, text: &str, lang: &str) -> NewItem {
    NewItem {
        network: network.into(),
        remote_id: id.into(),
        account_id: None,
        kind: ItemKind::Mention,
        author: NewAuthor {
            handle: who.into(),
            display_name: Some(who.to_uppercase()),
            followers: Some(1200),
            ..Default::default()
        },
        content: Content::Text(text.into()),
        created_at: at,
        parent_remote_id: None,
        root_remote_id: None,
        url: None,
        lang: Some(lang.into()),
        attachments: Vec::new(),
    }
}

/// Four conversations, one per day: two negative, one positive, one neutral.
fn fixture() -> (tempfile::TempDir, Workspace, Vec<i64>) {
    let (dir, ws) = crate::workspace();
    // These tests set tags and priorities by hand; the default rules (which tag
    // and prioritise risky mentions) would add their own.
    for rule in ws.store().read(earshot_core::rules::list).unwrap() {
        earshot_core::rules::delete(&ws, rule.id).unwrap();
    }
    ws.ingest(vec![
        post(
            "mastodon",
            "m1",
            "maria@fosstodon.example",
            T,
            "refund please, this is terrible and broken",
            "en",
        ),
        post(
            "bluesky",
            "b1",
            "ola.bsky.social",
            T + DAY,
            "I love the new sync, great work",
            "en",
        ),
        post(
            "mastodon",
            "m2",
            "maria@fosstodon.example",
            T + 2 * DAY,
            "le remboursement est terrible, horrible",
            "fr",
        ),
        post(
            "bluesky",
            "b2",
            "kim.bsky.social",
            T + 3 * DAY,
            "the refund arrived on tuesday",
            "en",
        ),
    ])
    .unwrap();
    let ids: Vec<i64> = ws
        .inbox(&InboxFilter::default())
        .unwrap()
        .conversations
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids.len(), 4, "one conversation per post");
    // ids are newest first: b2, m2, b1, m1
    (dir, ws, ids)
}

fn listed(ws: &Workspace, filter: InboxFilter) -> Vec<i64> {
    ws.inbox(&filter)
        .unwrap()
        .conversations
        .iter()
        .map(|c| c.id)
        .collect()
}

fn searched(ws: &Workspace, query: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = ws
        .search(query, &SearchOptions::default())
        .unwrap()
        .iter()
        .map(|h| h.conversation_id)
        .collect();
    ids.dedup();
    ids
}

#[test]
fn each_filter_narrows_the_inbox() {
    let (_dir, ws, ids) = fixture();
    let [b2, m2, b1, m1] = ids[..] else {
        unreachable!()
    };
    ws.set_priority(m2, 3).unwrap();
    ws.set_priority(b1, 2).unwrap();
    ws.set_priority(b2, 0).unwrap();
    ws.set_state(m1, TriageState::Pending, None).unwrap();
    ws.set_saved(b1, true).unwrap();
    ws.mark_read(b2).unwrap();
    ws.tag(m2, &["billing".into()], &[]).unwrap();
    ws.tag(m1, &["billing".into(), "angry".into()], &[])
        .unwrap();
    assert_eq!(
        ws.tags().unwrap(),
        vec!["billing", "angry"],
        "the most used tag first"
    );
    ws.tag(m1, &[], &["billing".into(), "angry".into()])
        .unwrap();

    let f = InboxFilter::default;
    let cases: Vec<(InboxFilter, Vec<i64>, &str)> = vec![
        (
            InboxFilter {
                priority: Some(2),
                ..f()
            },
            vec![m2, b1],
            "priority is 'this or higher'",
        ),
        (
            InboxFilter {
                priority: Some(3),
                ..f()
            },
            vec![m2],
            "urgent only",
        ),
        (
            InboxFilter {
                sentiment: Some(Sentiment::Negative),
                ..f()
            },
            vec![m2, m1],
            "negative",
        ),
        (
            InboxFilter {
                sentiment: Some(Sentiment::Positive),
                ..f()
            },
            vec![b1],
            "positive",
        ),
        (
            InboxFilter {
                sentiment: Some(Sentiment::Neutral),
                ..f()
            },
            vec![b2],
            "neutral",
        ),
        (
            InboxFilter {
                lang: Some("FR".into()),
                ..f()
            },
            vec![m2],
            "languages compare in lower case",
        ),
        (
            InboxFilter {
                after: Some(T + DAY),
                ..f()
            },
            vec![b2, m2, b1],
            "after is inclusive",
        ),
        (
            InboxFilter {
                before: Some(T + DAY),
                ..f()
            },
            vec![m1],
            "before is exclusive",
        ),
        (
            InboxFilter {
                after: Some(T + DAY),
                before: Some(T + 3 * DAY),
                ..f()
            },
            vec![m2, b1],
            "a date range",
        ),
        (
            InboxFilter {
                network: Some("bluesky".into()),
                ..f()
            },
            vec![b2, b1],
            "network",
        ),
        (
            InboxFilter {
                state: Some(TriageState::Pending),
                ..f()
            },
            vec![m1],
            "state",
        ),
        (
            InboxFilter {
                saved: Some(true),
                ..f()
            },
            vec![b1],
            "saved",
        ),
        (
            InboxFilter {
                unread: Some(false),
                ..f()
            },
            vec![b2],
            "read",
        ),
        (
            InboxFilter {
                tag: Some("#Billing".into()),
                ..f()
            },
            vec![m2],
            "tag",
        ),
        (
            InboxFilter {
                network: Some("mastodon".into()),
                sentiment: Some(Sentiment::Negative),
                lang: Some("en".into()),
                state: Some(TriageState::Pending),
                ..f()
            },
            vec![m1],
            "filters combine with AND",
        ),
    ];
    for (filter, expected, why) in cases {
        assert_eq!(listed(&ws, filter.clone()), expected, "{why}: {filter:?}");
    }
    assert!(
        ws.inbox(&InboxFilter {
            priority: Some(4),
            ..f()
        })
        .is_err(),
        "priority stops at 3"
    );
}

#[test]
fn filters_combine_with_full_text_search() {
    let (_dir, ws, ids) = fixture();
    let [b2, m2, _b1, m1] = ids[..] else {
        unreachable!()
    };
    ws.set_priority(m1, 2).unwrap();
    assert_eq!(searched(&ws, "refund"), vec![b2, m1]);
    let cases = [
        (
            InboxFilter {
                network: Some("mastodon".into()),
                ..Default::default()
            },
            vec![m1],
        ),
        (
            InboxFilter {
                sentiment: Some(Sentiment::Neutral),
                ..Default::default()
            },
            vec![b2],
        ),
        (
            InboxFilter {
                priority: Some(2),
                ..Default::default()
            },
            vec![m1],
        ),
        (
            InboxFilter {
                after: Some(T + DAY),
                ..Default::default()
            },
            vec![b2],
        ),
        (
            InboxFilter {
                before: Some(T + DAY),
                ..Default::default()
            },
            vec![m1],
        ),
        (
            InboxFilter {
                state: Some(TriageState::Open),
                unread: Some(true),
                ..Default::default()
            },
            vec![b2, m1],
        ),
        (
            InboxFilter {
                saved: Some(false),
                lang: Some("en".into()),
                ..Default::default()
            },
            vec![b2, m1],
        ),
    ];
    for (filter, expected) in cases {
        let query = format!("refund {}", filter.search_terms());
        assert_eq!(
            searched(&ws, &query),
            expected,
            "search within the filters: {query}"
        );
    }
    assert_eq!(searched(&ws, "terrible lang:fr"), vec![m2]);
}

#[test]
fn saved_views_are_kept_renamed_and_deleted() {
    let (dir, ws, _ids) = fixture();
    let filter = InboxFilter {
        network: Some("mastodon".into()),
        sentiment: Some(Sentiment::Negative),
        cursor: Some("1:1".into()),
        limit: Some(10),
        ..Default::default()
    };
    let saved = ws.save_view("  Angry   Mastodon ", &filter).unwrap();
    assert_eq!(saved.name, "Angry Mastodon", "names are trimmed");
    assert_eq!(saved.filter.cursor, None, "a view keeps no page position");
    ws.save_view(
        "billing",
        &InboxFilter {
            tag: Some("billing".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(ws.save_view(" ", &filter).is_err(), "a view needs a name");
    drop(ws);
    let ws = crate::open(dir.path());
    let views = ws.views().unwrap();
    assert_eq!(
        views.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        vec!["Angry Mastodon", "billing"],
        "views outlive the session, listed by name"
    );
    assert_eq!(views[0].filter.sentiment, Some(Sentiment::Negative));
    assert_eq!(
        listed(&ws, views[0].filter.clone()).len(),
        2,
        "a view lists like its filters"
    );
    assert!(
        ws.rename_view("Angry Mastodon", "billing").is_err(),
        "names stay unique"
    );
    ws.rename_view("Angry Mastodon", "Upset").unwrap();
    assert!(ws.rename_view("nothing", "x").is_err());
    ws.delete_view("billing").unwrap();
    assert!(
        ws.delete_view("billing").is_err(),
        "deleting twice says it is gone"
    );
    let views = ws.views().unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].name, "Upset");
    assert_eq!(views[0].filter.network.as_deref(), Some("mastodon"));
}

#[test]
fn the_author_panel_lists_their_other_conversations() {
    let (_dir, ws, ids) = fixture();
    let [b2, m2, _b1, m1] = ids[..] else {
        unreachable!()
    };
    let panel = ws.author_panel(m2).unwrap();
    assert_eq!(panel.network, "mastodon");
    assert_eq!(panel.author.handle, "maria@fosstodon.example");
    assert_eq!(
        panel.author.name.as_deref(),
        Some("MARIA@FOSSTODON.EXAMPLE")
    );
    assert_eq!(panel.author.followers, Some(1200));
    assert_eq!(
        panel.conversations.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![m1],
        "the same handle's other conversation, not this one"
    );
    assert!(!panel.more);
    assert!(
        ws.author_panel(b2).unwrap().conversations.is_empty(),
        "kim wrote once"
    );
    assert!(ws.author_panel(987_654).is_err());
}
