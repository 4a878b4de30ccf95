use std::sync::{Arc, Mutex};

use super::csv::{export, PanelKind};
use super::*;
use crate::clock::ManualClock;
use crate::events::{CoreEvent, EventSink};
use crate::item::{Content, NewAuthor, NewItem};
use crate::vault::MemoryVault;

const NOW: i64 = 1_795_429_800_000; // 2026-11-23 10:30 UTC
const HOUR: i64 = 3_600_000;

#[derive(Default)]
struct Events(Mutex<Vec<CoreEvent>>);

impl EventSink for Events {
    fn emit(&self, event: CoreEvent) {
        self.0.lock().unwrap().push(event);
    }
}

fn item(id: &str, handle: &str, text: &str, at: i64) -> NewItem {
    NewItem {
        network: "bluesky".into(),
        remote_id: id.into(),
        account_id: None,
        kind: ItemKind::Post,
        author: NewAuthor {
            handle: handle.into(),
            display_name: Some(handle.to_uppercase()),
            followers: Some(handle.len() as i64 * 100),
            ..Default::default()
        },
        content: Content::Text(text.into()),
        created_at: at,
        parent_remote_id: None,
        root_remote_id: None,
        url: None,
        lang: Some("en".into()),
        attachments: Vec::new(),
    }
}

fn open() -> (tempfile::TempDir, Workspace, Arc<Events>, Arc<ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(NOW));
    let mut ws =
        Workspace::open_with_clock(dir.path(), &MemoryVault::default(), clock.clone()).unwrap();
    let events = Arc::new(Events::default());
    ws.set_event_sink(events.clone());
    (dir, ws, events, clock)
}

fn input(name: &str, query: &str) -> QueryInput {
    QueryInput {
        name: name.into(),
        query: query.into(),
        enabled: true,
    }
}

fn hits(ws: &Workspace, id: i64) -> Vec<String> {
    ws.store()
        .read(|c| -> Result<Vec<String>> {
            let mut stmt = c.prepare(
                "SELECT i.remote_id FROM listening_hits h JOIN items i ON i.id = h.item_id
                 WHERE h.query_id = ?1 ORDER BY i.remote_id",
            )?;
            let rows = stmt.query_map([id], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap()
}

#[test]
fn queries_match_on_ingest_and_retroactively() {
    let (_d, ws, _e, _c) = open();
    ws.ingest(vec![
        item("1", "ana", "Earshot is great", NOW - 5 * HOUR),
        item("2", "bob", "my earshot refund never came", NOW - 4 * HOUR),
        item("3", "cy", "nothing to see", NOW - 3 * HOUR),
    ])
    .unwrap();
    // Created after the items arrived: matched over the cache at once.
    let mut seen = Vec::new();
    let (q, report) = create(&ws, &input("Brand", "earshot -refund"), |p| seen.push(p)).unwrap();
    assert_eq!(report.hits, 1);
    assert!(report.used_index, "a query with a word uses FTS5");
    assert_eq!(q.hits, 1);
    assert_eq!(hits(&ws, q.id), vec!["1"]);
    assert!(seen.last().is_some_and(|p| p.done == p.total), "{seen:?}");

    let (fields, report) = create(
        &ws,
        &input("Long authors", "author:bob OR author:cy"),
        |_| {},
    )
    .unwrap();
    assert!(!report.used_index, "a fields-only query scans");
    assert_eq!(hits(&ws, fields.id), vec!["2", "3"]);

    // New items are matched on ingest, in the same transaction.
    ws.ingest(vec![
        item("4", "dee", "EARSHOT rocks", NOW - HOUR),
        item("5", "bob", "earshot refund please", NOW - HOUR),
    ])
    .unwrap();
    assert_eq!(hits(&ws, q.id), vec!["1", "4"]);
    assert_eq!(hits(&ws, fields.id), vec!["2", "3", "5"]);

    // Editing the text matches again from scratch; a rename does not.
    let (q2, report) = update(&ws, q.id, &input("Brand", "earshot"), |_| {}).unwrap();
    assert!(report.is_some());
    assert_eq!(q2.hits, 4);
    let (_, report) = update(&ws, q.id, &input("Our brand", "earshot"), |_| {}).unwrap();
    assert!(report.is_none(), "a rename needs no run");

    // Disabled: no new hits; enabled again: it catches up.
    update(
        &ws,
        q.id,
        &QueryInput {
            enabled: false,
            ..input("Our brand", "earshot")
        },
        |_| {},
    )
    .unwrap();
    ws.ingest(vec![item("6", "eve", "earshot again", NOW)])
        .unwrap();
    assert_eq!(get(&ws, q.id).unwrap().hits, 4);
    update(&ws, q.id, &input("Our brand", "earshot"), |_| {}).unwrap();
    assert_eq!(get(&ws, q.id).unwrap().hits, 5);

    assert_eq!(find(&ws, "our BRAND").unwrap().id, q.id);
    delete(&ws, q.id).unwrap();
    assert!(matches!(get(&ws, q.id), Err(Error::NotFound { .. })));
    assert!(hits(&ws, q.id).is_empty(), "its hits go with it");
}

#[test]
fn bad_queries_are_refused_with_their_position() {
    let (_d, ws, _e, _c) = open();
    let err = create(&ws, &input("x", "refund OR"), |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("at character 10"), "{err}");
    assert!(
        create(&ws, &input(" ", "refund"), |_| {}).is_err(),
        "a name is needed"
    );
    let e = check("brand (a OR").unwrap_err();
    assert_eq!(e.position, 11);
}

#[test]
fn our_own_posts_are_never_hits() {
    let (_d, ws, _e, _c) = open();
    ws.ensure_account(
        "bluesky",
        "us.test",
        None,
        crate::accounts::AccountOrigin::Import,
    )
    .unwrap();
    let (q, _) = create(&ws, &input("Brand", "earshot"), |_| {}).unwrap();
    ws.ingest(vec![
        item("1", "us.test", "earshot news from us", NOW),
        item("2", "ana", "earshot news", NOW),
    ])
    .unwrap();
    assert_eq!(hits(&ws, q.id), vec!["2"]);
    run(&ws, q.id, |_| {}).unwrap();
    assert_eq!(hits(&ws, q.id), vec!["2"], "nor retroactively");
}

#[test]
fn index_and_scan_agree_on_tricky_text() {
    let (_d, ws, _e, _c) = open();
    let texts = [
        "Don't cancel",
        "dont cancel",
        "café crème",
        "cafe",
        "e-mail me",
        "email me",
        "refunds",
        "REFUND!",
        "card was charged",
        "card, then it was charged",
        "lumen's new app",
        "o'lumen",
        "lumen’s",
        "LUMEN-app",
        "\u{212A}elvin lumen",
        "kelvin",
        "İstanbul istanbul",
        "lúmen",
        "lumen\u{301} combined",
        "déjà vu",
    ];
    ws.ingest(
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| item(&i.to_string(), "ana", t, NOW - i as i64 * 1000))
            .collect(),
    )
    .unwrap();
    for query in [
        "don't",
        "cafe",
        "café",
        "e-mail",
        "refund*",
        "refund",
        "card NEAR/2 charged",
        "\"was charged\"",
        "cancel -don't",
        "lumen",
        "lumen OR kelvin",
        "kelvin",
        "istanbul",
        "lumen -app",
        "(cafe OR email) -me",
        "deja OR vu",
    ] {
        let (q, report) = create(&ws, &input(query, query), |_| {}).unwrap();
        assert!(report.used_index);
        let parsed = Query::parse(query).unwrap();
        let expected: Vec<String> = {
            let mut v: Vec<String> = texts
                .iter()
                .enumerate()
                .filter(|(_, t)| {
                    parsed.matches(&Doc {
                        words: crate::query::Words::split(t),
                        network: "bluesky",
                        ..Default::default()
                    })
                })
                .map(|(i, _)| i.to_string())
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            hits(&ws, q.id),
            expected,
            "{query}: FTS5 must never lose a match"
        );
    }
}

fn seeded() -> (
    tempfile::TempDir,
    Workspace,
    Arc<Events>,
    Arc<ManualClock>,
    i64,
    i64,
) {
    let (d, ws, e, c) = open();
    let (brand, _) = create(&ws, &input("Brand", "earshot"), |_| {}).unwrap();
    let (rival, _) = create(&ws, &input("Rival", "rivalapp"), |_| {}).unwrap();
    let mut items = Vec::new();
    // Two days of hits: 3 brand items a day before, 6 in the last day.
    for i in 0..3 {
        items.push(item(
            &format!("p{i}"),
            "ana",
            "earshot is #Great",
            NOW - 30 * HOUR - i * HOUR,
        ));
    }
    for i in 0..6 {
        let who = if i < 4 { "bob" } else { "carolyn" };
        let text = if i == 0 {
            "I hate earshot, awful refund"
        } else {
            "love earshot #great #Launch"
        };
        items.push(item(&format!("n{i}"), who, text, NOW - 2 * HOUR - i * HOUR));
    }
    items.push(item(
        "r1",
        "ana",
        "rivalapp and earshot, both good",
        NOW - 3 * HOUR,
    ));
    ws.ingest(items).unwrap();
    (d, ws, e, c, brand.id, rival.id)
}

fn last_day_by_hour() -> DashboardRequest {
    DashboardRequest {
        from: NOW - 24 * HOUR,
        to: NOW,
        bucket: Bucket::Hour,
        ..Default::default()
    }
}

#[test]
fn the_dashboard_counts_what_the_hits_say() {
    let (_d, ws, _e, _c, brand, rival) = seeded();
    let req = last_day_by_hour();
    let d = dashboard(&ws, &req).unwrap();
    assert_eq!(d.panels.len(), 3, "two queries and both together");
    let p = &d.panels[0];
    assert_eq!(p.query_id, Some(brand));
    assert_eq!(p.total, 7);
    assert_eq!(p.previous_total, 3);
    assert_eq!(p.volume.len(), 25, "10:00 to 10:30 the next day, by hour");
    assert_eq!(p.volume.iter().map(|v| v.hits).sum::<i64>(), 7);
    assert_eq!(p.volume.iter().map(|v| v.previous).sum::<i64>(), 3);
    assert_eq!(
        p.sentiment.negative + p.sentiment.neutral + p.sentiment.positive + p.sentiment.unknown,
        7
    );
    assert!(p.sentiment.negative >= 1, "{:?}", p.sentiment);
    assert_eq!(p.top_authors[0].handle, "bob");
    assert_eq!(
        p.top_authors_by_reach[0].handle, "carolyn",
        "most followers"
    );
    assert_eq!(p.top_hashtags[0].key, "great");
    assert!(
        !p.top_terms.iter().any(|t| t.key == "earshot"),
        "the query's own word says nothing: {:?}",
        p.top_terms
    );
    assert_eq!(
        p.top_terms[0].key, "great",
        "ties go by name: {:?}",
        p.top_terms
    );
    assert!(p.top_terms.iter().any(|t| t.key == "love" && t.count == 5));
    assert_eq!(
        p.networks,
        vec![dashboard::KeyCount {
            key: "bluesky".into(),
            count: 7
        }]
    );
    assert_eq!(p.latest.len(), 7);
    assert!(
        p.latest
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );
    assert!(p.latest[0].conversation_id > 0);

    let all = &d.panels[2];
    assert_eq!(all.query_id, None);
    assert_eq!(
        all.total, 7,
        "the rival item is also a brand item: counted once"
    );
    let sov: Vec<(i64, i64)> = d
        .share_of_voice
        .iter()
        .map(|s| (s.query_id, s.hits))
        .collect();
    assert_eq!(sov, vec![(brand, 7), (rival, 1)]);
    assert!((d.share_of_voice[0].share - 7.0 / 8.0).abs() < 1e-9);

    let one = dashboard(
        &ws,
        &DashboardRequest {
            query_ids: vec![rival],
            ..req.clone()
        },
    )
    .unwrap();
    assert_eq!(one.panels.len(), 1);

    let days = dashboard(
        &ws,
        &DashboardRequest {
            bucket: Bucket::Day,
            from: NOW - 7 * 24 * HOUR,
            ..req.clone()
        },
    )
    .unwrap();
    assert_eq!(days.panels[0].total, 10, "{:?}", days.panels[0].volume);

    assert!(dashboard(
        &ws,
        &DashboardRequest {
            to: req.from,
            ..req.clone()
        }
    )
    .is_err());
    assert!(
        dashboard(
            &ws,
            &DashboardRequest {
                from: 0,
                ..req.clone()
            }
        )
        .is_err(),
        "too many buckets"
    );
}

#[test]
fn panels_export_as_csv() {
    let (_d, ws, _e, _c, brand, _) = seeded();
    let req = last_day_by_hour();
    let d = dashboard(&ws, &req).unwrap();
    for kind in PanelKind::ALL {
        let csv = export(&d, kind, Some(brand)).unwrap();
        assert!(csv.ends_with("\r\n"), "{kind:?}");
        assert!(csv.lines().count() >= 2, "{kind:?}: {csv}");
    }
    let latest = export(&d, PanelKind::Latest, Some(brand)).unwrap();
    assert!(
        latest.contains("\"I hate earshot, awful refund\""),
        "{latest}"
    );
    assert!(export(&d, PanelKind::Volume, None)
        .unwrap()
        .starts_with("bucket_start,hits,previous_period_hits\r\n"));
    assert!(export(&d, PanelKind::Volume, Some(999)).is_err());
}

#[test]
fn a_spike_raises_one_alert() {
    let (_d, ws, events, clock) = open();
    let (q, _) = create(&ws, &input("Brand", "earshot"), |_| {}).unwrap();
    // A steady week: one hit every 6 hours.
    let mut items: Vec<NewItem> = (1..28)
        .map(|i| {
            item(
                &format!("w{i}"),
                "ana",
                "earshot",
                NOW - 2 * HOUR - i * 6 * HOUR,
            )
        })
        .collect();
    ws.ingest(std::mem::take(&mut items)).unwrap();
    assert!(spikes::spikes(&ws, &[q.id], NOW).unwrap().is_empty());
    let alerts = |e: &Events| {
        e.0.lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, CoreEvent::Alert { message } if message.contains("Spike")))
            .count()
    };
    assert_eq!(alerts(&events), 0);
    // Then twelve in the last hour.
    ws.ingest(
        (0..12)
            .map(|i| {
                item(
                    &format!("s{i}"),
                    "bob",
                    "earshot is down",
                    NOW - (i + 1) * 60_000,
                )
            })
            .collect(),
    )
    .unwrap();
    assert_eq!(alerts(&events), 1);
    let s = &spikes::spikes(&ws, &[q.id], NOW).unwrap()[0];
    assert_eq!(s.hits, 12);
    assert!(
        s.message().contains("Spike in \"Brand\": 12 hits"),
        "{}",
        s.message()
    );
    // More of the same spike: no second alert within the hour.
    ws.ingest(vec![item("s99", "bob", "earshot down", NOW)])
        .unwrap();
    assert_eq!(alerts(&events), 1);
    clock.advance(2 * HOUR);
    assert!(
        spikes::alert_spikes(&ws).unwrap().is_empty(),
        "the hour has passed: no spike now"
    );
    let d = dashboard(
        &ws,
        &DashboardRequest {
            from: NOW - HOUR,
            to: NOW + HOUR,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(d.spikes.is_empty());
    assert!(
        !events
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, CoreEvent::Spikes { .. })),
        "no notification unless the manager asked for one"
    );
}

#[test]
fn spikes_become_notifications_when_asked() {
    let (_d, ws, events, _clock) = open();
    let (q, _) = create(&ws, &input("Brand", "earshot"), |_| {}).unwrap();
    assert!(!spikes::notify(&ws).unwrap(), "off until turned on");
    spikes::set_notify(&ws, true).unwrap();
    assert!(spikes::notify(&ws).unwrap());
    ws.ingest(
        (0..6)
            .map(|i| {
                item(
                    &format!("s{i}"),
                    "bob",
                    "earshot is down",
                    NOW - (i + 1) * 60_000,
                )
            })
            .collect(),
    )
    .unwrap();
    let notified: Vec<Vec<i64>> = events
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            CoreEvent::Spikes { spikes } => Some(spikes.iter().map(|s| s.query_id).collect()),
            _ => None,
        })
        .collect();
    assert_eq!(notified, vec![vec![q.id]], "one notification for the spike");
}

#[test]
fn source_items_are_heard_but_stay_out_of_the_inbox() {
    let (_d, ws, events, _c) = open();
    let (q, _) = create(&ws, &input("Brand", "earshot"), |_| {}).unwrap();
    let src = sources::add(
        &ws,
        &sources::SourceInput {
            kind: sources::SourceKind::Feed,
            target: "https://blog.test/feed.xml".into(),
            name: None,
            interval_secs: Some(5),
        },
    )
    .unwrap();
    assert_eq!(
        src.interval_secs,
        sources::MIN_INTERVAL_SECS,
        "polite minimum"
    );
    let mut post = item("feed-1", "blog.test", "Earshot refund scandal", NOW);
    post.network = "rss".into();
    let report = sources::record_poll(
        &ws,
        &src,
        Ok(sources::Fetched {
            items: vec![post],
            etag: Some("\"v1\"".into()),
            ..Default::default()
        }),
    )
    .unwrap();
    assert_eq!(report.inserted, 1);
    assert_eq!(hits(&ws, q.id), vec!["feed-1"], "queries hear sources");
    let inbox = ws.inbox(&crate::inbox::InboxFilter::default()).unwrap();
    assert!(
        inbox.conversations.is_empty(),
        "a feed never floods the inbox"
    );
    assert!(
        !events
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, CoreEvent::Urgent { .. })),
        "rules do not run on sources: the risk word raised nothing"
    );
    let src = sources::get(&ws, src.id).unwrap();
    assert_eq!(src.etag.as_deref(), Some("\"v1\""));
    assert_eq!(src.items, 1);
    assert!(
        sources::due(&ws, NOW).unwrap().is_empty(),
        "polled just now"
    );

    // A reply through an account brings the conversation into the inbox.
    let mut reply = item("reply-1", "ana", "about that post", NOW + 1);
    reply.network = "rss".into();
    reply.parent_remote_id = Some("feed-1".into());
    ws.ingest(vec![reply]).unwrap();
    let inbox = ws.inbox(&crate::inbox::InboxFilter::default()).unwrap();
    assert_eq!(inbox.conversations.len(), 1);

    // A failed poll is kept and backs off; a 304 keeps the validators.
    sources::record_poll(&ws, &src, Err("the feed is not XML".into())).unwrap();
    let failed = sources::get(&ws, src.id).unwrap();
    assert_eq!(failed.failures, 1);
    assert_eq!(failed.last_error.as_deref(), Some("the feed is not XML"));
    sources::record_poll(
        &ws,
        &failed,
        Ok(sources::Fetched {
            not_modified: true,
            ..Default::default()
        }),
    )
    .unwrap();
    let ok = sources::get(&ws, src.id).unwrap();
    assert_eq!((ok.failures, ok.etag.as_deref()), (0, Some("\"v1\"")));
    sources::remove(&ws, src.id).unwrap();
    assert_eq!(hits(&ws, q.id), vec!["feed-1"], "what it brought stays");
}

#[test]
fn a_run_stores_many_hits_in_batches() {
    let (_d, ws, _e, _c) = open();
    ws.ingest(
        (0..250)
            .map(|i| {
                item(
                    &format!("m{i}"),
                    "ana",
                    "earshot again",
                    NOW - (i + 1) * 1000,
                )
            })
            .collect(),
    )
    .unwrap();
    let (q, report) = create(&ws, &input("Brand", "earshot"), |_| {}).unwrap();
    assert_eq!(
        (report.hits, q.hits),
        (250, 250),
        "two full batches and a part"
    );
    let d = dashboard(&ws, &last_day_by_hour()).unwrap();
    assert_eq!(
        d.panels[0].networks[0].count, 250,
        "stored with their network"
    );
    let broken: Vec<String> = ws
        .store()
        .read(|c| -> Result<Vec<String>> {
            let mut stmt = c.prepare("PRAGMA foreign_key_check")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap();
    assert!(
        broken.is_empty(),
        "stored without checks, yet every hit's item and query exist: {broken:?}"
    );
    delete(&ws, q.id).unwrap();
    assert!(
        matches!(run(&ws, q.id, |_| {}), Err(Error::NotFound { .. })),
        "a deleted query gets no hits"
    );
}

/// Every panel's figures with the hourly totals and the authors' days equal
/// those from the hits alone (sentiment means to rounding), whatever the
/// range's edges and buckets.
fn assert_totals_agree(ws: &Workspace, req: &DashboardRequest) {
    let round = |mut d: Dashboard| {
        for p in &mut d.panels {
            for point in &mut p.sentiment_trend {
                point.mean = point.mean.map(|m| (m * 1e9).round() / 1e9);
            }
        }
        d
    };
    let with = round(dashboard(ws, req).unwrap());
    dashboard::tests::HITS_ONLY.with(|h| h.set(true));
    let without = dashboard(ws, req);
    dashboard::tests::HITS_ONLY.with(|h| h.set(false));
    assert_eq!(with, round(without.unwrap()), "{req:?}");
}

/// A query's rows of hourly totals and of its authors' days.
fn rollup_rows(ws: &Workspace, query_id: i64) -> (i64, i64) {
    ws.store()
        .read(|c| -> Result<(i64, i64)> {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM listening_rollups WHERE query_id = ?1),
                        (SELECT count(*) FROM listening_authors WHERE query_id = ?1)",
                [query_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap()
}

#[test]
fn hourly_totals_agree_with_the_hits() {
    let (_d, ws, _e, _c) = open();
    // Created before the items: its totals are written on ingest.
    let (early, _) = create(&ws, &input("Early", "earshot OR lumen"), |_| {}).unwrap();
    let texts = [
        "I love earshot, it is wonderful",
        "earshot is broken and I want a refund",
        "lumen and earshot, fine",
        "earshot ok",
        "lumen terrible awful",
    ];
    let networks = ["bluesky", "mastodon", "rss"];
    let langs = [Some("en"), Some("fr"), None];
    let items: Vec<NewItem> = (0..600i64)
        .map(|i| {
            let mut it = item(
                &format!("t{i}"),
                &format!("user{}", i % 13),
                texts[i as usize % texts.len()],
                // Ten days back, every ~24 minutes, off the hour.
                NOW - i * 1_441_337,
            );
            it.network = networks[i as usize % 3].into();
            it.lang = langs[i as usize % 3].map(str::to_owned);
            it
        })
        .collect();
    ws.ingest(items).unwrap();
    // Created after: its totals are written by the retroactive run.
    let (late, _) = create(&ws, &input("Late", "earshot -refund"), |_| {}).unwrap();
    for q in [early.id, late.id] {
        let (hours, author_days) = rollup_rows(&ws, q);
        assert!(
            hours > 0 && author_days > 0,
            "written on ingest and by runs"
        );
    }

    for (days, bucket) in [(1, Bucket::Hour), (7, Bucket::Day), (10, Bucket::Week)] {
        for offset in [0, 60, -300, 330] {
            for to in [NOW, NOW - 30 * 60_000 - 7, NOW - 2 * 86_400_000] {
                let req = DashboardRequest {
                    query_ids: vec![],
                    from: to - days * 86_400_000,
                    to,
                    bucket,
                    utc_offset_minutes: offset,
                    ..Default::default()
                };
                assert_totals_agree(&ws, &req);
            }
        }
    }

    // Editing a query counts it again; a hit stored twice is counted once.
    update(&ws, early.id, &input("Early", "lumen"), |_| {}).unwrap();
    ws.store()
        .write(|tx| {
            store_hits(
                tx,
                &[HitRow {
                    query_id: early.id,
                    item_id: hits_of(&ws, early.id)[0],
                    author_id: 1,
                    network: "bluesky",
                    lang: Some("en"),
                    sentiment: Some(0.9),
                }],
            )
        })
        .unwrap();
    let req = DashboardRequest {
        from: NOW - 10 * 86_400_000,
        to: NOW,
        bucket: Bucket::Day,
        ..Default::default()
    };
    assert_totals_agree(&ws, &req);
    let d = dashboard(&ws, &req).unwrap();
    let total = d
        .panels
        .iter()
        .find(|p| p.query_id == Some(early.id))
        .unwrap()
        .total;
    assert_eq!(total, get(&ws, early.id).unwrap().hits);
    for q in list(&ws).unwrap() {
        assert_eq!(
            q.hits,
            hits_of(&ws, q.id).len() as i64,
            "the list counts from the hourly totals"
        );
    }

    delete(&ws, early.id).unwrap();
    assert_eq!(rollup_rows(&ws, early.id), (0, 0), "its totals go with it");
}

fn hits_of(ws: &Workspace, query_id: i64) -> Vec<i64> {
    ws.store()
        .read(|c| -> Result<Vec<i64>> {
            let mut stmt =
                c.prepare("SELECT item_id FROM listening_hits WHERE query_id = ?1 ORDER BY 1")?;
            let rows = stmt.query_map([query_id], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap()
}
