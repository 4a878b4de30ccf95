//! A workspace with known conversations and reply times, and every report
//! figure checked against the hand computation written beside it.

use std::sync::Arc;

use super::*;
use crate::accounts::AccountOrigin;
use crate::clock::{parse_rfc3339_ms, ManualClock};
use crate::contacts;
use crate::inbox::TriageState;
use crate::item::{Content, ItemKind, NewAuthor, NewItem};
use crate::vault::MemoryVault;

/// A share of voice as the test reads it: name, hits, share, previous hits and share.
type Share<'a> = (&'a str, i64, Option<f64>, i64, Option<f64>);

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn t(s: &str) -> i64 {
    parse_rfc3339_ms(s).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    ws: Workspace,
    clock: Arc<ManualClock>,
    masto: i64,
    bsky: i64,
}

#[allow(clippy::too_many_arguments)]
fn item(
    network: &str,
    account: i64,
    id: &str,
    handle: &str,
    name: &str,
    at: &str,
    parent: Option<&str>,
    text: &str,
) -> NewItem {
    NewItem {
        network: network.into(),
        remote_id: id.into(),
        account_id: Some(account),
        kind: if parent.is_some() {
            ItemKind::Reply
        } else {
            ItemKind::Mention
        },
        author: NewAuthor {
            handle: handle.into(),
            display_name: Some(name.into()),
            ..Default::default()
        },
        content: Content::Text(text.into()),
        created_at: t(at),
        parent_remote_id: parent.map(Into::into),
        root_remote_id: None,
        url: None,
        lang: Some("en".into()),
        attachments: Vec::new(),
    }
}

pub(super) const CAROL: &str = "Carol \"CJ\" <Jones> & Co";
pub(super) const FIRST_TEXT: &str = "Love the new release, \"really\"!\nHow do I export?";

/// The fixture's items (see [`fixture`]), as the networks sent them.
fn fixture_items(masto: i64, bsky: i64) -> Vec<NewItem> {
    let (m, b) = ("mastodon", "bluesky");
    let us_m = "brand@social.example";
    let us_b = "brand.bsky.social";
    vec![
        item(
            m,
            masto,
            "i1",
            "maria@social.example",
            "Maria Lopez",
            "2026-11-02T10:00:00Z",
            None,
            FIRST_TEXT,
        ),
        item(
            m,
            masto,
            "r1",
            us_m,
            "Brand",
            "2026-11-02T10:30:00Z",
            Some("i1"),
            "Settings, then Export.",
        ),
        item(
            m,
            masto,
            "i2",
            "maria@social.example",
            "Maria Lopez",
            "2026-11-02T11:00:00Z",
            Some("r1"),
            "Found it",
        ),
        item(
            m,
            masto,
            "i3",
            "bob@social.example",
            "Bob",
            "2026-11-06T16:00:00Z",
            None,
            "The sync is broken again",
        ),
        item(
            m,
            masto,
            "r2",
            us_m,
            "Brand",
            "2026-11-09T10:00:00Z",
            Some("i3"),
            "Fixed now, sorry",
        ),
        item(
            b,
            bsky,
            "i4",
            "carol.bsky.social",
            CAROL,
            "2026-11-07T12:00:00Z",
            None,
            "Great docs https://example.com/docs",
        ),
        item(
            b,
            bsky,
            "r3",
            us_b,
            "Brand",
            "2026-11-07T13:00:00Z",
            Some("i4"),
            "Thank you!",
        ),
        item(
            b,
            bsky,
            "i5",
            "dave.bsky.social",
            "Dave",
            "2026-11-03T08:00:00Z",
            None,
            "Is the API down?",
        ),
        item(
            b,
            bsky,
            "i7",
            "carol.bsky.social",
            CAROL,
            "2026-11-03T08:30:00Z",
            Some("i5"),
            "No, it works for me, try again",
        ),
        item(
            b,
            bsky,
            "i6",
            "maria.bsky.social",
            "Maria Lopez",
            "2026-11-04T15:00:00Z",
            None,
            "Thanks, you folks are wonderful",
        ),
        item(
            b,
            bsky,
            "r5",
            us_b,
            "Brand",
            "2026-11-05T10:00:00Z",
            Some("i6"),
            "Thank you Maria",
        ),
        item(
            m,
            masto,
            "p1",
            "bob@social.example",
            "Bob",
            "2026-10-27T09:00:00Z",
            None,
            "Login fails",
        ),
        item(
            m,
            masto,
            "pr1",
            us_m,
            "Brand",
            "2026-10-27T13:00:00Z",
            Some("p1"),
            "Try again now",
        ),
        item(
            b,
            bsky,
            "p2",
            "erin.bsky.social",
            "Erin",
            "2026-10-29T10:00:00Z",
            None,
            "Nice work",
        ),
    ]
}

/// The period is the week of Monday 2026-11-02 (UTC); the previous one the week before.
///
/// | conversation | account | first incoming | our first reply | done at |
/// |---|---|---|---|---|
/// | C1 | mastodon | Mon 11-02 10:00 (maria) | Mon 10:30 | Mon 12:00 |
/// | C2 | mastodon | Fri 11-06 16:00 (bob) | Mon 11-09 10:00 (next period) | |
/// | C3 | bluesky | Sat 11-07 12:00 (carol) | Sat 13:00 | |
/// | C4 | bluesky | Tue 11-03 08:00 (dave, a question; carol answers 08:30) | none | Tue 09:30 |
/// | C5 | bluesky | Wed 11-04 15:00 (maria on bluesky) | Thu 11-05 10:00 | |
/// | C6 | mastodon | Tue 10-27 09:00 (bob, previous week) | Tue 10-27 13:00 | |
/// | C7 | bluesky | Thu 10-29 10:00 (erin, previous week) | none | |
///
/// Sentiments are fixed by hand after ingest (the figures then do not depend on
/// the scorer): i1 +0.6, i2 0.0, i3 −0.5, i4 +0.3, i5 −0.2, i6 +0.8, i7 +0.1,
/// p1 −0.4, p2 +0.5.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t("2026-11-10T12:00:00Z")));
    let ws =
        Workspace::open_with_clock(dir.path(), &MemoryVault::default(), clock.clone()).unwrap();
    let masto = ws
        .ensure_account(
            "mastodon",
            "brand@social.example",
            Some("Brand"),
            AccountOrigin::Import,
        )
        .unwrap();
    let bsky = ws
        .ensure_account(
            "bluesky",
            "brand.bsky.social",
            Some("Brand"),
            AccountOrigin::Import,
        )
        .unwrap();
    ws.ingest(fixture_items(masto, bsky)).unwrap();

    ws.store()
        .write(|tx| -> Result<()> {
            for (remote, s) in [
                ("i1", 0.6),
                ("i2", 0.0),
                ("i3", -0.5),
                ("i4", 0.3),
                ("i5", -0.2),
                ("i6", 0.8),
                ("i7", 0.1),
                ("p1", -0.4),
                ("p2", 0.5),
            ] {
                tx.execute(
                    "UPDATE items SET sentiment = ?2 WHERE remote_id = ?1",
                    params![remote, s],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let f = Fixture {
        _dir: dir,
        ws,
        clock,
        masto,
        bsky,
    };
    f.clock.set(t("2026-11-02T12:00:00Z"));
    f.ws.set_state(f.conv("i1"), TriageState::Done, None)
        .unwrap();
    f.clock.set(t("2026-11-03T09:30:00Z"));
    f.ws.set_state(f.conv("i5"), TriageState::Done, None)
        .unwrap();
    f.clock.set(t("2026-11-10T12:00:00Z"));
    f.ws.tag(f.conv("i1"), &["billing".into()], &[]).unwrap();
    f.ws.tag(f.conv("i3"), &["bug".into()], &[]).unwrap();
    f.ws.tag(f.conv("i6"), &["praise".into()], &[]).unwrap();
    f.ws.tag(f.conv("p1"), &["bug".into()], &[]).unwrap();
    f
}

impl Fixture {
    fn conv(&self, remote: &str) -> i64 {
        contacts::tests_support::conversation_of(&self.ws, remote)
    }

    fn author(&self, network: &str, handle: &str) -> i64 {
        self.ws
            .store()
            .read(|c| contacts::find_author(c, network, handle))
            .unwrap()
            .unwrap()
    }

    fn week(&self) -> ReportQuery {
        ReportQuery {
            from: t("2026-11-02T00:00:00Z"),
            to: t("2026-11-09T00:00:00Z"),
            business_hours: Some(BusinessHours::parse("Mon-Fri 09:00-17:00").unwrap()),
            ..Default::default()
        }
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn every_figure_matches_the_hand_computation() {
    let f = fixture();
    let r = build(&f.ws, &f.week()).unwrap();
    assert_eq!(
        r.previous_from,
        t("2026-10-26T00:00:00Z"),
        "the week before"
    );
    let c = &r.overall.current;

    // Received: i1 i2 i3 i4 i5 i6 i7 = 7; ours in the week: r1 r3 r5 = 3 (r2 is next week's).
    assert_eq!((c.received, c.replies_sent), (7, 3));
    // Cohort: C1–C5 = 5; responded C1 C2 C3 C5 = 4 → 4/5 = 0.8.
    assert_eq!((c.conversations, c.responded), (5, 4));
    assert!(close(c.response_rate, 0.8));
    // First response in business hours (Mon–Fri 09–17 UTC):
    //   C1 10:00→10:30 = 30 min = 1,800,000
    //   C2 Fri 16:00→17:00 (1 h) + Mon 09:00→10:00 (1 h) = 2 h = 7,200,000
    //   C3 Sat 12:00→13:00, a weekend = 0
    //   C5 Wed 15:00→17:00 (2 h) + Thu 09:00→10:00 (1 h) = 3 h = 10,800,000
    // sorted [0, 1.8M, 7.2M, 10.8M]; median: rank 1.5 → 1.8M + 0.5 × 5.4M = 4,500,000;
    // p90: rank 2.7 → 7.2M + 0.7 × 3.6M = 9,720,000.
    assert_eq!(c.first_response_median_ms, Some(4_500_000));
    assert_eq!(c.first_response_p90_ms, Some(9_720_000));
    // Done: C1 10:00→12:00 = 7,200,000; C4 Tue 08:00 (before hours)→09:30 = 1,800,000.
    // sorted [1.8M, 7.2M]: median 4,500,000; p90: rank 0.9 → 1.8M + 0.9 × 5.4M = 6,660,000.
    assert_eq!(c.done, 2);
    assert_eq!(c.time_to_done_median_ms, Some(4_500_000));
    assert_eq!(c.time_to_done_p90_ms, Some(6_660_000));
    // Sentiment: +0.6 0.0 −0.5 +0.3 −0.2 +0.8 +0.1 → sum 1.1, mean 1.1 / 7;
    // positive (≥ 0.05) 0.6 0.3 0.8 0.1 = 4; neutral 0.0 = 1; negative = 2.
    assert!(close(c.sentiment_mean, 1.1 / 7.0));
    assert_eq!((c.positive, c.neutral, c.negative), (4, 1, 2));

    // The previous week: p1 p2 received, pr1 sent; C6 answered in 09:00→13:00 = 4 h
    // = 14,400,000, C7 not: 1/2; nothing done; sentiment (−0.4 + 0.5) / 2 = 0.05.
    let p = &r.overall.previous;
    assert_eq!(
        (p.received, p.replies_sent, p.conversations, p.responded),
        (2, 1, 2, 1)
    );
    assert!(close(p.response_rate, 0.5));
    assert_eq!(p.first_response_median_ms, Some(14_400_000));
    assert_eq!(p.first_response_p90_ms, Some(14_400_000));
    assert_eq!((p.done, p.time_to_done_median_ms), (0, None));
    assert!(close(p.sentiment_mean, 0.05));
    assert_eq!((p.positive, p.neutral, p.negative), (1, 0, 1));

    // Per network (each account is one network here, so the accounts match).
    let net = |n: &str| r.by_network.iter().find(|s| s.label == n).unwrap();
    let m = &net("mastodon").current;
    // mastodon: i1 i2 i3; r1; C1 C2 both answered; FRT [1.8M, 7.2M] → median 4.5M,
    // p90 1.8M + 0.9 × 5.4M = 6.66M; done C1 7.2M; sentiment (0.6 + 0 − 0.5) / 3.
    assert_eq!(
        (m.received, m.replies_sent, m.conversations, m.responded),
        (3, 1, 2, 2)
    );
    assert!(close(m.response_rate, 1.0));
    assert_eq!(
        (m.first_response_median_ms, m.first_response_p90_ms),
        (Some(4_500_000), Some(6_660_000))
    );
    assert_eq!(
        (m.time_to_done_median_ms, m.time_to_done_p90_ms),
        (Some(7_200_000), Some(7_200_000))
    );
    assert!(close(m.sentiment_mean, 0.1 / 3.0));
    let b = &net("bluesky").current;
    // bluesky: i4 i5 i6 i7; r3 r5; C3 C4 C5, answered C3 C5 = 2/3; FRT [0, 10.8M] →
    // median 5.4M, p90 0.9 × 10.8M = 9.72M; done C4 1.8M; sentiment 1.0 / 4 = 0.25.
    assert_eq!(
        (b.received, b.replies_sent, b.conversations, b.responded),
        (4, 2, 3, 2)
    );
    assert!(close(b.response_rate, 2.0 / 3.0));
    assert_eq!(
        (b.first_response_median_ms, b.first_response_p90_ms),
        (Some(5_400_000), Some(9_720_000))
    );
    assert_eq!(b.time_to_done_median_ms, Some(1_800_000));
    assert!(close(b.sentiment_mean, 0.25));
    assert_eq!((b.positive, b.neutral, b.negative), (3, 0, 1));
    assert_eq!(
        net("mastodon").previous.first_response_median_ms,
        Some(14_400_000)
    );
    assert_eq!(net("bluesky").previous.responded, 0);
    let acc = |id: i64| {
        r.by_account
            .iter()
            .find(|s| s.account_id == Some(id))
            .unwrap()
    };
    assert_eq!(acc(f.masto).current, net("mastodon").current);
    assert_eq!(acc(f.bsky).current, net("bluesky").current);
    assert_eq!(acc(f.masto).label, "mastodon brand@social.example");

    // The trend, one point a day: Mon i1 i2 (+0.6, 0.0 → mean 0.3), Tue i5 i7
    // (−0.2, +0.1 → −0.05), Wed i6 (+0.8), Thu none, Fri i3 (−0.5), Sat i4 (+0.3), Sun none.
    let trend: Vec<(i64, i64, i64, i64)> = r
        .sentiment_trend
        .iter()
        .map(|p| (p.items, p.positive, p.neutral, p.negative))
        .collect();
    assert_eq!(
        trend,
        vec![
            (2, 1, 1, 0),
            (2, 1, 0, 1),
            (1, 1, 0, 0),
            (0, 0, 0, 0),
            (1, 0, 0, 1),
            (1, 1, 0, 0),
            (0, 0, 0, 0)
        ]
    );
    assert_eq!(r.sentiment_trend[1].start, t("2026-11-03T00:00:00Z"));
    assert!(close(r.sentiment_trend[0].mean, 0.3));
    assert!(close(r.sentiment_trend[1].mean, -0.05));
    assert_eq!(r.sentiment_trend[3].mean, None);

    // Tags of the cohorts: billing C1; bug C2 (and C6 the week before); praise C5;
    // and the default rule's risk on C2 ('broken') and C4 ('down'): 2, listed first.
    let tags: Vec<(&str, i64, i64)> = r
        .tags
        .iter()
        .map(|t| (t.tag.as_str(), t.current, t.previous))
        .collect();
    assert_eq!(
        tags,
        vec![
            ("risk", 2, 0),
            ("billing", 1, 0),
            ("bug", 1, 1),
            ("praise", 1, 0)
        ]
    );

    // Advocates: carol praised twice (i4 +0.3, i7 +0.1), shared a link (i4) and
    // answered dave's question (i7 → i5): 2 + 2 × 1 + 1 = 5. Maria praised once on
    // each handle (i1 +0.6, i6 +0.8): two people of 1 until linked. Bob and dave: none.
    assert_eq!(r.advocates.len(), 3);
    let carol = &r.advocates[0];
    assert_eq!(
        (
            carol.name.as_str(),
            carol.praise,
            carol.answers,
            carol.shares,
            carol.score
        ),
        (CAROL, 2, 1, 1, 5)
    );
    assert_eq!(
        carol.reasons,
        vec![
            "2 posts praising",
            "answered 1 question from others",
            "shared 1 link"
        ]
    );
    assert_eq!(r.advocates[1].score, 1);

    // No listening queries: no share of voice.
    assert!(r.share_of_voice.is_none());
}

#[test]
fn linked_handles_count_as_one_advocate_and_share_of_voice_reads_listening_hits() {
    let f = fixture();
    let maria = contacts::link(
        &f.ws,
        &[
            Person::Author(f.author("mastodon", "maria@social.example")),
            Person::Author(f.author("bluesky", "maria.bsky.social")),
        ],
    )
    .unwrap();
    contacts::tag(&f.ws, Person::Contact(maria.id), &["vip".into()], &[]).unwrap();
    // Listening: "brand" heard i1 i4 i6 this week and p1 the week before;
    // "rival" heard i3 this week and p2 before.
    f.ws.store()
        .write(|tx| -> Result<()> {
            tx.execute_batch(
                "INSERT INTO listening_queries (id, name, query, created_at, updated_at)
                 VALUES (1, 'brand', 'brand', 0, 0), (2, 'rival', 'rival', 0, 0);",
            )?;
            for (q, remote) in [
                (1, "i1"),
                (1, "i4"),
                (1, "i6"),
                (1, "p1"),
                (2, "i3"),
                (2, "p2"),
            ] {
                tx.execute(
                    "INSERT INTO listening_hits (query_id, item_id)
                     SELECT ?1, id FROM items WHERE remote_id = ?2",
                    params![q, remote],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let r = build(&f.ws, &f.week()).unwrap();
    assert_eq!(r.advocates.len(), 2, "maria's two handles are one person");
    let m = &r.advocates[1];
    assert_eq!(
        (m.person, m.name.as_str(), m.praise, m.score),
        (Person::Contact(maria.id), "Maria Lopez", 2, 2)
    );
    assert_eq!(m.tags, vec!["vip".to_string()]);
    assert_eq!(
        m.handles,
        vec!["mastodon:maria@social.example", "bluesky:maria.bsky.social"]
    );

    // Shares: this week brand 3 of 4 = 0.75, rival 0.25; the week before 1 of 2 each.
    let sov = r.share_of_voice.expect("listening queries exist");
    let got: Vec<Share<'_>> = sov
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                v.hits,
                v.share,
                v.previous_hits,
                v.previous_share,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("brand", 3, Some(0.75), 1, Some(0.5)),
            ("rival", 1, Some(0.25), 1, Some(0.5))
        ]
    );

    // The same ranking on its own, for the advocates view.
    let alone = advocates(&f.ws, f.week().from, f.week().to, 10).unwrap();
    assert_eq!(alone, r.advocates);
}

#[test]
fn wall_clock_times_and_filters() {
    let f = fixture();
    let mut q = f.week();
    q.around_the_clock = true;
    let r = build(&f.ws, &q).unwrap();
    // Wall clock: C1 30 min = 1.8M, C3 1 h = 3.6M, C5 Wed 15:00→Thu 10:00 19 h = 68.4M,
    // C2 Fri 16:00→Mon 10:00 66 h = 237.6M. Median (3.6M + 68.4M) / 2 = 36M;
    // p90: rank 2.7 → 68.4M + 0.7 × 169.2M = 186,840,000.
    assert_eq!(r.business_hours, None);
    assert_eq!(r.overall.current.first_response_median_ms, Some(36_000_000));
    assert_eq!(r.overall.current.first_response_p90_ms, Some(186_840_000));

    q.around_the_clock = false;
    q.network = Some("bluesky".into());
    let r = build(&f.ws, &q).unwrap();
    assert_eq!(r.overall.current.received, 4, "only bluesky");
    assert_eq!(r.by_network.len(), 1);
    q.network = None;
    q.account_id = Some(f.masto);
    let r = build(&f.ws, &q).unwrap();
    assert_eq!(
        r.overall.current.conversations, 2,
        "only the mastodon account"
    );
    assert!(build(
        &f.ws,
        &ReportQuery {
            from: 5,
            to: 5,
            ..Default::default()
        }
    )
    .is_err());
}

#[test]
fn business_hours_parse_and_count() {
    let h = BusinessHours::parse("Mon-Fri 09:00-17:00 +01:00").unwrap();
    assert_eq!(h.days, vec![1, 2, 3, 4, 5]);
    assert_eq!(
        (h.start_minute, h.end_minute, h.utc_offset_minutes),
        (540, 1020, 60)
    );
    assert_eq!(h.describe(), "Mon–Fri 09:00–17:00 UTC+01:00");
    // 07:30 UTC is 08:30 in UTC+01:00: the clock starts at 09:00 local (08:00 UTC).
    assert_eq!(
        h.between(t("2026-11-02T07:30:00Z"), t("2026-11-02T08:45:00Z")),
        45 * MIN
    );
    // Friday 15:00 UTC (16:00 local) to Monday 08:30 UTC (09:30 local): 1 h + 30 min.
    assert_eq!(
        h.between(t("2026-11-06T15:00:00Z"), t("2026-11-09T08:30:00Z")),
        90 * MIN
    );
    // Two whole weeks: 2 × 5 × 8 h.
    assert_eq!(
        h.between(t("2026-11-02T00:00:00Z"), t("2026-11-16T00:00:00Z")),
        80 * HOUR
    );
    let sat = BusinessHours::parse("Sat,Sun 10:00-12:00 -05:00").unwrap();
    assert_eq!(sat.days, vec![6, 7]);
    assert_eq!(
        sat.between(t("2026-11-07T00:00:00Z"), t("2026-11-09T00:00:00Z")),
        4 * HOUR
    );
    assert!(BusinessHours::parse("Mon-Fri 17:00-09:00").is_err());
    assert!(BusinessHours::parse("weekdays").is_err());
    assert_eq!(percentile(&[], 0.5), None);
    assert_eq!(percentile(&[10], 0.9), Some(10));
}

#[test]
fn business_hours_are_a_setting() {
    let f = fixture();
    let h = BusinessHours::parse("Mon-Fri 09:00-17:00").unwrap();
    set_business_hours(&f.ws, Some(&h)).unwrap();
    assert_eq!(f.ws.store().read(business_hours).unwrap(), Some(h.clone()));
    let mut q = f.week();
    q.business_hours = None;
    let r = build(&f.ws, &q).unwrap();
    assert_eq!(r.business_hours, Some(h));
    assert_eq!(r.overall.current.first_response_median_ms, Some(4_500_000));
    set_business_hours(&f.ws, None).unwrap();
    assert_eq!(build(&f.ws, &q).unwrap().business_hours, None);
}

#[test]
fn csv_tables_round_trip_through_a_csv_reader() {
    let f = fixture();
    let r = build(&f.ws, &f.week()).unwrap();
    let tables = csv_tables(&r);
    let names: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec!["summary.csv", "sentiment.csv", "tags.csv", "advocates.csv"]
    );
    for (name, text) in &tables {
        assert!(
            text.starts_with('\u{feff}'),
            "{name}: a BOM so spreadsheets read UTF-8"
        );
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        for record in reader.records() {
            assert_eq!(
                record.unwrap().len(),
                headers.len(),
                "{name}: every row as wide as the header"
            );
        }
    }
    let advocates = &tables[3].1;
    let mut reader = csv::Reader::from_reader(advocates.as_bytes());
    assert_eq!(
        &reader.headers().unwrap()[0],
        "rank",
        "the BOM is not part of the first header"
    );
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[1], CAROL, "quotes, <, > and & survive");
    let summary = &tables[0].1;
    let mut reader = csv::Reader::from_reader(summary.as_bytes());
    let overall = reader.records().next().unwrap().unwrap();
    assert_eq!(
        (
            &overall[0],
            &overall[2],
            &overall[3],
            &overall[7],
            &overall[8],
            &overall[9]
        ),
        ("overall", "current", "7", "0.8000", "4500", "9720"),
        "first response in seconds"
    );

    // The conversations table carries the post text with a comma, quotes and a newline.
    let mut out = Vec::new();
    let n = write_conversations_csv(&f.ws, &f.week(), &mut out).unwrap();
    assert_eq!(n, 5);
    let stored: String =
        f.ws.store()
            .read(|c| -> Result<String> {
                Ok(
                    c.query_row("SELECT text FROM items WHERE remote_id = 'i1'", [], |r| {
                        r.get(0)
                    })?,
                )
            })
            .unwrap();
    assert!(stored.contains(",") && stored.contains('"') && stored.contains('\n'));
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[0][9], stored, "the post text comes back exactly");
    assert_eq!(
        &rows[0][6], "1800",
        "C1's first response, 30 business minutes"
    );
    assert_eq!(&rows[0][8], "billing");
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    assert_eq!(csv_field("plain"), "plain");
}

#[test]
fn the_html_report_is_one_self_contained_escaped_page() {
    let f = fixture();
    let r = build(&f.ws, &f.week()).unwrap();
    let page = html(&r, "Community report <week 45> & more");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<title>Community report &lt;week 45&gt; &amp; more</title>"));
    assert!(!page.contains("<script"), "no scripts");
    assert!(!page.contains("src="), "no external resources");
    assert!(!page.contains("<link"), "no stylesheets to fetch");
    assert!(
        page.contains("Carol &quot;CJ&quot; &lt;Jones&gt; &amp; Co"),
        "names are escaped"
    );
    assert!(!page.contains(CAROL), "never raw");
    assert!(page.contains("80 %"), "the response rate");
    assert!(
        page.contains("75 min"),
        "the median first response, 4.5M ms"
    );
    assert!(page.contains("Mon–Fri 09:00–17:00 UTC+00:00"));
    assert!(page.contains("2026-11-02 to 2026-11-08"));
}

/// The report's received items, replies and sentiment in `[from, to)`, counted
/// straight from the item rows (not through the report's index).
fn counted_from_rows(ws: &Workspace, from: i64, to: i64) -> (i64, i64, i64, i64, i64, f64) {
    ws.store()
        .read(|c| -> Result<_> {
            Ok(c.query_row(
                "SELECT count(*) FILTER (WHERE from_us = 0),
                        count(*) FILTER (WHERE from_us = 1),
                        count(*) FILTER (WHERE from_us = 0 AND sentiment >= 0.05),
                        count(*) FILTER (WHERE from_us = 0 AND sentiment > -0.05
                                                AND sentiment < 0.05),
                        count(*) FILTER (WHERE from_us = 0 AND sentiment <= -0.05),
                        coalesce(sum(sentiment) FILTER (WHERE from_us = 0), 0)
                 FROM items NOT INDEXED WHERE created_at >= ?1 AND created_at < ?2",
                params![from, to],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )?)
        })
        .unwrap()
}

/// The cohort of `[from, to)`: its conversations, those responded to and those
/// done, counted straight from the conversation rows (not through the report's index).
fn cohort_from_rows(ws: &Workspace, from: i64, to: i64) -> (i64, i64, i64) {
    ws.store()
        .read(|c| -> Result<_> {
            Ok(c.query_row(
                "SELECT count(*), count(first_response_at), count(*) FILTER (WHERE state = 'done')
                 FROM conversations NOT INDEXED
                 WHERE first_incoming_at >= ?1 AND first_incoming_at < ?2",
                params![from, to],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .unwrap()
}

/// Both periods' item and cohort figures of the report equal the rows' own count.
fn assert_figures_match_rows(f: &Fixture, why: &str) {
    let q = f.week();
    let r = build(&f.ws, &q).unwrap();
    for (figures, from, to) in [
        (&r.overall.current, q.from, q.to),
        (&r.overall.previous, r.previous_from, r.previous_to),
    ] {
        let (received, sent, positive, neutral, negative, sum) = counted_from_rows(&f.ws, from, to);
        assert_eq!(
            (
                figures.received,
                figures.replies_sent,
                figures.positive,
                figures.neutral,
                figures.negative
            ),
            (received, sent, positive, neutral, negative),
            "{why}: the report counts what the rows hold"
        );
        assert_eq!(
            (figures.conversations, figures.responded, figures.done),
            cohort_from_rows(&f.ws, from, to),
            "{why}: the report's cohort is what the conversation rows hold"
        );
        let scored = positive + neutral + negative;
        let mean = (scored > 0).then(|| sum / scored as f64);
        assert!(
            figures
                .sentiment_mean
                .zip(mean)
                .is_none_or(|(a, b)| (a - b).abs() < 1e-9)
                && figures.sentiment_mean.is_some() == mean.is_some(),
            "{why}: mean sentiment {:?} against {mean:?}",
            figures.sentiment_mean
        );
    }
}

#[test]
fn figures_stay_right_after_duplicates_triage_merges_edits_and_deletes() {
    let f = fixture();
    let before = build(&f.ws, &f.week()).unwrap();
    assert_figures_match_rows(&f, "the fixture");

    // Everything arrives again (a sync that overlaps the last): nothing changes.
    let again = f.ws.ingest(fixture_items(f.masto, f.bsky)).unwrap();
    assert_eq!(again.inserted, 0);
    assert_eq!(
        build(&f.ws, &f.week()).unwrap(),
        before,
        "duplicates count once"
    );

    // Triage: C1 reopened, so only C4 (1.8M) is done.
    f.ws.set_state(f.conv("i1"), TriageState::Open, None)
        .unwrap();
    let c = build(&f.ws, &f.week()).unwrap().overall.current;
    assert_eq!(
        (c.done, c.time_to_done_median_ms, c.time_to_done_p90_ms),
        (1, Some(1_800_000), Some(1_800_000))
    );
    assert_eq!(
        c.first_response_median_ms,
        Some(4_500_000),
        "the rest stays"
    );

    // A merge: m3 replies to m2 before m2 arrives, so it waits in a conversation
    // of its own (a sixth in the cohort) until m2, a reply to dave's i5, files both
    // under C4. C4 keeps its first incoming item (Tue 08:00): five conversations.
    let reply = |id: &str, handle: &str, at: &str, parent: &str, text: &str| {
        item(
            "bluesky",
            f.bsky,
            id,
            handle,
            handle,
            at,
            Some(parent),
            text,
        )
    };
    f.ws.ingest(vec![reply(
        "m3",
        "erin.bsky.social",
        "2026-11-05T14:00:00Z",
        "m2",
        "Same for me",
    )])
    .unwrap();
    let c = build(&f.ws, &f.week()).unwrap().overall.current;
    assert_eq!((c.received, c.conversations), (8, 6), "m3 waits on its own");
    f.ws.ingest(vec![reply(
        "m2",
        "frank.bsky.social",
        "2026-11-03T09:00:00Z",
        "i5",
        "It is down here too.",
    )])
    .unwrap();
    assert_eq!(f.conv("m3"), f.conv("i5"), "merged into C4");
    let r = build(&f.ws, &f.week()).unwrap();
    let c = &r.overall.current;
    assert_eq!((c.received, c.conversations, c.responded), (9, 5, 4));
    let bluesky = &r.by_network.iter().find(|s| s.label == "bluesky").unwrap();
    assert_eq!(
        (bluesky.current.received, bluesky.current.conversations),
        (6, 3)
    );
    // frank answered dave's question (i5): an advocate for it, whatever his tone.
    let frank = r
        .advocates
        .iter()
        .find(|a| a.handles == vec!["bluesky:frank.bsky.social".to_string()])
        .expect("frank answered a question");
    assert_eq!(frank.answers, 1);
    assert_figures_match_rows(&f, "after the merge");

    // Edits of an item's sentiment and a deleted item show at once.
    f.ws.store()
        .write(|tx| -> Result<()> {
            tx.execute(
                "UPDATE items SET sentiment = -0.9 WHERE remote_id = 'i6'",
                [],
            )?;
            tx.execute("DELETE FROM items WHERE remote_id = 'm3'", [])?;
            Ok(())
        })
        .unwrap();
    let c = build(&f.ws, &f.week()).unwrap().overall.current;
    assert_eq!(c.received, 8, "m3 deleted");
    assert_figures_match_rows(&f, "after an edit and a delete");
    let trend = build(&f.ws, &f.week()).unwrap().sentiment_trend;
    assert_eq!(
        (trend[2].items, trend[2].positive, trend[2].negative),
        (1, 0, 1),
        "Wednesday's i6 turned negative"
    );
}

#[test]
fn the_report_reads_items_and_conversations_through_covering_indexes() {
    let f = fixture();
    for q in [
        f.week(),
        ReportQuery {
            account_id: Some(f.masto),
            network: Some("mastodon".into()),
            ..f.week()
        },
    ] {
        for (sql, index, why) in [
            (
                items_sql(&q),
                "items_report",
                "a period's items are read from the index alone, not their rows and text",
            ),
            (
                conversations_sql(&q),
                "conversations_report",
                "only the periods' conversations are read, from the index alone",
            ),
        ] {
            let plan: Vec<String> =
                f.ws.store()
                    .read(|c| -> Result<Vec<String>> {
                        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                        let rows = stmt
                            .query_map(params![0, i64::MAX, q.account_id, q.network], |r| {
                                r.get::<_, String>(3)
                            })?;
                        Ok(rows.collect::<rusqlite::Result<_>>()?)
                    })
                    .unwrap();
            // A SEARCH: a range of the index, not a scan of all of it.
            assert!(
                plan.iter()
                    .any(|p| p.starts_with("SEARCH")
                        && p.contains(&format!("COVERING INDEX {index} "))),
                "{why}: {plan:?}"
            );
        }
    }
}

#[test]
fn pieces_cover_a_range_once_whatever_its_length() {
    for (from, to) in [(0, 1), (0, 3), (10, 17), (-100, 100), (0, 4_000_001)] {
        let p = pieces(from, to);
        assert!(
            p.len() as i64 <= PIECES,
            "{from}..{to}: at most {PIECES} pieces"
        );
        assert_eq!(
            p.first().map(|x| x.0),
            Some(from),
            "{from}..{to} starts at its start"
        );
        assert_eq!(
            p.last().map(|x| x.1),
            Some(to),
            "{from}..{to} ends at its end"
        );
        assert!(
            p.windows(2).all(|w| w[0].1 == w[1].0) && p.iter().all(|(a, b)| a < b),
            "{from}..{to}: each piece starts where the last ended: {p:?}"
        );
    }
    assert!(pieces(5, 5).is_empty(), "an empty range has no pieces");
}

#[test]
fn a_cohorts_periods_are_found_by_id_dense_or_spread_out() {
    let dense: Cohort = vec![(7, true), (5, false), (9, true)];
    let spread: Cohort = vec![(7, true), (5, false), (1 << 40, true)];
    for (cohort, what) in [(&dense, "dense"), (&spread, "spread out")] {
        let index = CohortIndex::new(cohort);
        assert_eq!(
            matches!(index, CohortIndex::Dense { .. }),
            what == "dense",
            "a byte per id only for ids close together"
        );
        for &(id, current) in cohort.iter() {
            let want = if current { CURRENT } else { PREVIOUS };
            assert_eq!(index.period(id), want, "{what}: conversation {id}");
        }
        for id in [i64::MIN, -1, 0, 4, 6, 8, 10, 1 << 41, i64::MAX] {
            assert_eq!(index.period(id), 0, "{what}: {id} is in neither cohort");
        }
    }
    assert_eq!(CohortIndex::new(&[]).period(1), 0, "no cohort");
}
