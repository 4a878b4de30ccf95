//! Ingest through the real path: idempotence, threading in any arrival order,
//! first responses, reopening, search.

use earshot_core::inbox::{InboxFilter, Snooze, TriageState};
use earshot_core::item::{Content, ItemKind, NewAuthor, NewItem};
use earshot_core::search::{SearchOptions, SearchOrder};
use earshot_core::Workspace;

fn item(
    network: &str,
    id: &str,
    parent: Option<&str>,
    root: Option<&str>,
    who: &str,
    at: i64,
    text: &str,
) -> NewItem {
    NewItem {
        network: network.into(),
        remote_id: id.into(),
        account_id: None,
        kind: if parent.is_some() {
            ItemKind::Reply
        } else {
            ItemKind::Mention
        },
        author: NewAuthor {
            handle: who.into(),
            display_name: Some(who.to_uppercase()),
            ..Default::default()
        },
        content: Content::Text(text.into()),
        created_at: at,
        parent_remote_id: parent.map(Into::into),
        root_remote_id: root.map(Into::into),
        url: None,
        lang: None,
        attachments: Vec::new(),
    }
}

fn only_conversation(ws: &Workspace) -> i64 {
    let page = ws.inbox(&InboxFilter::default()).unwrap();
    assert_eq!(
        page.conversations.len(),
        1,
        "expected one conversation: {:?}",
        page.conversations
    );
    page.conversations[0].id
}

const T: i64 = 1_790_000_000_000;

/// Ingest writes with SQLite's foreign-key checks off (it resolves every
/// reference itself) and keeps the status's row counts itself, so the threading
/// scenarios end by checking that nothing dangles and that the counts are the
/// tables' own.
fn assert_store_consistent(ws: &Workspace) {
    type Dangling = Vec<(String, i64, String)>;
    let (dangling, counted): (Dangling, [i64; 3]) = ws
        .store()
        .read(|c| -> Result<_, earshot_core::Error> {
            let mut stmt = c.prepare("PRAGMA foreign_key_check")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            let count = |table: &str| -> rusqlite::Result<i64> {
                c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            };
            Ok((
                rows.collect::<Result<Vec<_>, _>>()?,
                [count("items")?, count("conversations")?, count("authors")?],
            ))
        })
        .unwrap();
    assert!(
        dangling.is_empty(),
        "rows referring to nothing: {dangling:?}"
    );
    let kept = ws.status().unwrap();
    assert_eq!(
        [kept.items, kept.conversations, kept.authors],
        counted,
        "the kept counts of items, conversations and authors are the tables' own"
    );
}

#[test]
fn the_same_item_twice_is_stored_once() {
    let (_dir, ws) = crate::workspace();
    let items = vec![item("bluesky", "a", None, None, "x.test", T, "hello there")];
    let first = ws.ingest(items.clone()).unwrap();
    let second = ws.ingest(items).unwrap();
    assert_eq!(
        (first.inserted, second.inserted, second.duplicates),
        (1, 0, 1)
    );
    assert_eq!(ws.status().unwrap().items, 1);
    assert_eq!(
        ws.search("hello", &SearchOptions::default()).unwrap().len(),
        1,
        "indexed once"
    );
    assert_store_consistent(&ws);
}

#[test]
fn replies_arriving_before_their_parents_end_in_one_thread() {
    let (_dir, ws) = crate::workspace();
    // Mastodon notifications know only the parent: C then B then A.
    ws.ingest(vec![item(
        "mastodon",
        "C",
        Some("B"),
        None,
        "c@x",
        T + 2,
        "third",
    )])
    .unwrap();
    ws.ingest(vec![item(
        "mastodon",
        "B",
        Some("A"),
        None,
        "b@x",
        T + 1,
        "second",
    )])
    .unwrap();
    ws.ingest(vec![item("mastodon", "A", None, None, "a@x", T, "first")])
        .unwrap();
    let id = only_conversation(&ws);
    let thread = ws.conversation(id).unwrap();
    let order: Vec<(&str, u32)> = thread
        .items
        .iter()
        .map(|i| (i.remote_id.as_str(), i.depth))
        .collect();
    assert_eq!(order, vec![("A", 0), ("B", 1), ("C", 2)]);
    assert_eq!(thread.conversation.item_count, 3);
    assert_eq!(thread.conversation.unread_count, 3);
    assert_store_consistent(&ws);
}

#[test]
fn a_thread_arriving_in_any_order_within_one_batch_is_one_conversation() {
    // Parents known only by id (Mastodon): every order of a four-deep chain,
    // each in a single ingest call, so one batch creates, merges and settles.
    let chain = [
        ("A", None),
        ("B", Some("A")),
        ("C", Some("B")),
        ("D", Some("C")),
    ];
    let mut orders = vec![vec![0usize, 1, 2, 3]];
    // All 24 permutations (Heap's algorithm, iteratively).
    let mut p = [0usize, 1, 2, 3];
    let mut c = [0usize; 4];
    let mut i = 0;
    while i < 4 {
        if c[i] < i {
            if i % 2 == 0 {
                p.swap(0, i);
            } else {
                p.swap(c[i], i);
            }
            orders.push(p.to_vec());
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    assert_eq!(orders.len(), 24);
    for order in orders {
        let (_dir, ws) = crate::workspace();
        let items: Vec<NewItem> = order
            .iter()
            .map(|&k| {
                let (id, parent) = chain[k];
                item("mastodon", id, parent, None, "p@x", T + k as i64, id)
            })
            .collect();
        let report = ws.ingest(items).unwrap();
        assert_eq!(report.inserted, 4, "order {order:?}");
        let id = only_conversation(&ws);
        let thread = ws.conversation(id).unwrap();
        let depths: Vec<(&str, u32)> = thread
            .items
            .iter()
            .map(|i| (i.remote_id.as_str(), i.depth))
            .collect();
        assert_eq!(
            depths,
            vec![("A", 0), ("B", 1), ("C", 2), ("D", 3)],
            "order {order:?}"
        );
        assert_eq!(
            (
                thread.conversation.item_count,
                thread.conversation.unread_count
            ),
            (4, 4),
            "order {order:?}"
        );
        assert_eq!(thread.conversation.snippet, "D", "order {order:?}");
        assert_store_consistent(&ws);
    }
}

#[test]
fn a_merged_thread_keeps_its_tags_draft_and_saved_state_and_leaves_nothing_behind() {
    let (_dir, ws) = crate::workspace();
    // A reply to a reply arrives first and is triaged while its parent is unknown.
    ws.ingest(vec![item(
        "mastodon",
        "C",
        Some("B"),
        None,
        "c@x",
        T + 2,
        "third",
    )])
    .unwrap();
    let early = only_conversation(&ws);
    ws.tag(early, &["billing".into()], &[]).unwrap();
    ws.set_saved(early, true).unwrap();
    earshot_core::compose::save_draft(&ws, early, None, "thanks, looking into it").unwrap();
    // Its parent arrives, filed under its own parent: the two threads merge.
    ws.ingest(vec![item(
        "mastodon",
        "B",
        Some("A"),
        None,
        "b@x",
        T + 1,
        "second",
    )])
    .unwrap();
    ws.ingest(vec![item("mastodon", "A", None, None, "a@x", T, "first")])
        .unwrap();
    let id = only_conversation(&ws);
    let thread = ws.conversation(id).unwrap();
    assert_eq!(thread.items.len(), 3);
    assert_ne!(id, early, "the early thread merged into the later one");
    assert_eq!(thread.conversation.tags, vec!["billing".to_string()]);
    assert!(thread.conversation.saved);
    assert_eq!(
        earshot_core::compose::draft(&ws, id)
            .unwrap()
            .map(|d| d.body),
        Some("thanks, looking into it".to_string())
    );
    assert_store_consistent(&ws);
}

#[test]
fn bluesky_replies_with_a_root_join_it_in_any_order() {
    let (_dir, ws) = crate::workspace();
    ws.ingest(vec![
        item(
            "bluesky",
            "r2",
            Some("r1"),
            Some("root"),
            "b.test",
            T + 2,
            "reply two",
        ),
        item(
            "bluesky",
            "r1",
            Some("root"),
            Some("root"),
            "a.test",
            T + 1,
            "reply one",
        ),
    ])
    .unwrap();
    ws.ingest(vec![item(
        "bluesky",
        "root",
        None,
        None,
        "z.test",
        T,
        "the root post",
    )])
    .unwrap();
    let id = only_conversation(&ws);
    let d = ws.conversation(id).unwrap();
    assert_eq!(
        d.items.iter().map(|i| i.depth).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(
        d.conversation.snippet, "reply two",
        "the row shows the newest item"
    );
    assert_store_consistent(&ws);
}

#[test]
fn our_reply_sets_first_response_and_marks_earlier_items_read() {
    let (_dir, ws) = crate::workspace();
    let us = ws
        .ensure_account(
            "bluesky",
            "brand.test",
            None,
            earshot_core::accounts::AccountOrigin::Import,
        )
        .unwrap();
    let mut q = item(
        "bluesky",
        "q",
        None,
        None,
        "fan.test",
        T,
        "how do I export?",
    );
    q.account_id = Some(us);
    let a = item(
        "bluesky",
        "a",
        Some("q"),
        Some("q"),
        "brand.test",
        T + 90_000,
        "Settings, then Export",
    );
    ws.ingest(vec![q, a]).unwrap();
    let c = ws.conversation_summary(only_conversation(&ws)).unwrap();
    assert_eq!(c.first_response_at, Some(T + 90_000));
    assert_eq!(c.unread_count, 0, "our answer shows we read the question");
    assert_eq!(c.account_handle.as_deref(), Some("brand.test"));
    assert_eq!(
        c.author.handle, "fan.test",
        "the row names the person, not our account"
    );
    assert_eq!(
        c.snippet, "Settings, then Export",
        "and shows the newest text"
    );
    let d = ws.conversation(c.id).unwrap();
    assert!(d.items[1].from_us);
}

#[test]
fn new_replies_reopen_done_conversations_but_old_backfill_does_not() {
    let (_dir, ws) = crate::workspace();
    let now = ws.now();
    ws.ingest(vec![item(
        "bluesky",
        "p",
        None,
        None,
        "a.test",
        now - 10_000,
        "problem",
    )])
    .unwrap();
    let id = only_conversation(&ws);
    ws.set_state(id, TriageState::Done, None).unwrap();
    // An older item found by a backfill leaves it done.
    ws.ingest(vec![item(
        "bluesky",
        "old",
        Some("p"),
        Some("p"),
        "b.test",
        now - 5_000,
        "old",
    )])
    .unwrap();
    assert_eq!(
        ws.conversation_summary(id).unwrap().state,
        TriageState::Done
    );
    // A reply after the decision reopens it.
    ws.ingest(vec![item(
        "bluesky",
        "new",
        Some("p"),
        Some("p"),
        "a.test",
        now + 60_000,
        "still broken",
    )])
    .unwrap();
    assert_eq!(
        ws.conversation_summary(id).unwrap().state,
        TriageState::Open
    );

    ws.set_state(
        id,
        TriageState::Snoozed,
        Some(Snooze {
            until: None,
            until_reply: true,
        }),
    )
    .unwrap();
    assert_eq!(
        ws.conversation_summary(id).unwrap().state,
        TriageState::Snoozed
    );
    ws.ingest(vec![item(
        "bluesky",
        "newer",
        Some("p"),
        Some("p"),
        "a.test",
        now + 120_000,
        "hello?",
    )])
    .unwrap();
    assert_eq!(
        ws.conversation_summary(id).unwrap().state,
        TriageState::Open,
        "snoozed until reply wakes on a reply"
    );
}

#[test]
fn hostile_content_is_sanitised_before_it_is_stored() {
    let (_dir, ws) = crate::workspace();
    let mut evil = item("mastodon", "e", None, None, "e@x", T, "");
    evil.content = Content::Html(r#"<p>free pro <a href="javascript:steal()">here</a><script>alert(1)</script><img src=x onerror=alert(2)></p>"#.into());
    ws.ingest(vec![evil]).unwrap();
    let d = ws.conversation(only_conversation(&ws)).unwrap();
    let html = &d.items[0].html;
    for bad in ["javascript:", "<script", "onerror", "<img"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    assert_eq!(d.items[0].text, "free pro here");
}

#[test]
fn search_newest_first_with_filters_and_relevance() {
    let (_dir, ws) = crate::workspace();
    ws.ingest(vec![
        item(
            "bluesky",
            "1",
            None,
            None,
            "maria.test",
            T,
            "the sync is broken again",
        ),
        item(
            "mastodon",
            "2",
            None,
            None,
            "maria@x",
            T + 1,
            "sync sync sync broken",
        ),
        item(
            "bluesky",
            "3",
            None,
            None,
            "ben.test",
            T + 2,
            "sync works fine for me",
        ),
    ])
    .unwrap();
    let ids = |q: &str, order: SearchOrder| -> Vec<String> {
        ws.search(
            q,
            &SearchOptions {
                order,
                ..Default::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|h| h.item.remote_id)
        .collect()
    };
    assert_eq!(
        ids("sync", SearchOrder::Newest),
        vec!["3", "2", "1"],
        "newest first"
    );
    assert_eq!(ids("sync broken", SearchOrder::Newest), vec!["2", "1"]);
    assert_eq!(
        ids("\"sync is broken\"", SearchOrder::Newest),
        vec!["1"],
        "phrases"
    );
    assert_eq!(ids("sync -broken", SearchOrder::Newest), vec!["3"]);
    assert_eq!(
        ids("sync network:bluesky", SearchOrder::Newest),
        vec!["3", "1"]
    );
    assert_eq!(
        ids("from:maria", SearchOrder::Newest),
        vec!["2"],
        "from: matches a handle's user part"
    );
    assert_eq!(ids("from:maria.test", SearchOrder::Newest), vec!["1"]);
    // T is 2026-09-21T14:13:20Z: dates bound item ids.
    assert_eq!(ids("sync after:2026-09-21", SearchOrder::Newest).len(), 3);
    assert!(ids("sync after:2026-09-22", SearchOrder::Newest).is_empty());
    assert!(ids("sync before:2026-09-21", SearchOrder::Newest).is_empty());
    assert_eq!(ids("sync before:2026-09-22", SearchOrder::Newest).len(), 3);
    assert_eq!(
        ids("sync", SearchOrder::Relevance)[0],
        "2",
        "BM25 ranks the densest match first"
    );
    let hit = &ws.search("broken", &SearchOptions::default()).unwrap()[0];
    assert!(
        hit.snippet.contains('\u{E000}'),
        "snippets mark the match: {}",
        hit.snippet
    );
    // Each search cuts its own snippets, in either order (the index holds no
    // text: they are cut from the hits' own).
    for order in [SearchOrder::Newest, SearchOrder::Relevance] {
        let options = SearchOptions {
            order,
            ..SearchOptions::default()
        };
        let hits = ws.search("sync", &options).unwrap();
        assert_eq!(hits.len(), 3);
        for hit in &hits {
            assert!(
                hit.snippet.to_lowercase().contains("\u{E000}sync\u{E001}"),
                "{order:?}: {}",
                hit.snippet
            );
            assert!(!hit.snippet.contains("\u{E000}broken"), "{}", hit.snippet);
        }
    }
}

#[test]
fn inbox_pages_and_filters() {
    let (_dir, ws) = crate::workspace();
    let items: Vec<NewItem> = (0..25)
        .map(|i| {
            item(
                "bluesky",
                &format!("p{i}"),
                None,
                None,
                "a.test",
                T + i,
                &format!("post number {i}"),
            )
        })
        .collect();
    ws.ingest(items).unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = ws
            .inbox(&InboxFilter {
                limit: Some(10),
                cursor: cursor.clone(),
                ..Default::default()
            })
            .unwrap();
        seen.extend(page.conversations.iter().map(|c| c.last_activity_at));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 25, "paging returns every conversation once");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest activity first"
    );
    let first = ws.inbox(&InboxFilter::default()).unwrap().conversations[0].id;
    ws.tag(first, &["VIP".into()], &[]).unwrap();
    ws.set_saved(first, true).unwrap();
    let tagged = ws
        .inbox(&InboxFilter {
            tag: Some("vip".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(tagged.conversations.len(), 1);
    assert_eq!(tagged.conversations[0].tags, vec!["vip"]);
    let saved = ws
        .inbox(&InboxFilter {
            saved: Some(true),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(saved.conversations[0].id, first);
    assert!(ws
        .inbox(&InboxFilter {
            cursor: Some("nonsense".into()),
            ..Default::default()
        })
        .is_err());
}

#[test]
fn snoozes_end_on_the_injected_clock() {
    use std::sync::Arc;

    use earshot_core::clock::ManualClock;
    use earshot_core::vault::KeyringVault;

    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T + 1_000));
    let ws = Workspace::open_with_clock(dir.path(), &KeyringVault, clock.clone()).unwrap();
    ws.ingest(vec![item(
        "bluesky",
        "p",
        None,
        None,
        "a.test",
        T,
        "please call me back",
    )])
    .unwrap();
    let id = only_conversation(&ws);
    let hour = 3_600_000;
    let until = T + 1_000 + hour;
    assert!(
        ws.set_state(
            id,
            TriageState::Snoozed,
            Some(Snooze {
                until: Some(T),
                until_reply: false
            })
        )
        .is_err(),
        "a snooze must end in the future"
    );
    ws.set_state(
        id,
        TriageState::Snoozed,
        Some(Snooze {
            until: Some(until),
            until_reply: false,
        }),
    )
    .unwrap();
    clock.advance(hour - 1);
    assert_eq!(
        ws.wake_snoozed().unwrap(),
        0,
        "still snoozed one millisecond before the time"
    );
    assert_eq!(
        ws.conversation_summary(id).unwrap().state,
        TriageState::Snoozed
    );
    clock.advance(1);
    assert_eq!(ws.wake_snoozed().unwrap(), 1);
    let c = ws.conversation_summary(id).unwrap();
    assert_eq!(
        c.state,
        TriageState::Open,
        "back in the inbox when the snooze ends"
    );
    assert_eq!(c.snooze_until, None);
}
