//! Reports: what the work is worth, for a chosen period, computed locally.
//!
//! For a period `[from, to)` and the previous period of the same length:
//! volume received, replies sent, response rate, first-response time and time
//! to done (median and p90, counted in business hours when they are set),
//! sentiment of incoming items (split and trend), conversations by tag, top
//! advocates and listening share of voice; overall, per network and per
//! account. Exports as CSV tables ([`csv_tables`], [`write_conversations_csv`])
//! and as a one-page printable HTML report ([`html`]).
//!
//! Definitions, so every figure can be checked by hand:
//! - *received*: items not written by us, created in the period (by the item's account);
//! - *replies sent*: items written by us, created in the period;
//! - *conversations*: those whose first incoming item arrived in the period (by
//!   the conversation's account); the cohort the next four figures describe;
//! - *responded*: of those, the ones with a first response, whenever it came;
//! - *first-response time*: from the first incoming item to our first reply after it;
//! - *time to done*: from the first incoming item to being marked done, for the
//!   cohort's conversations that are done now;
//! - both times count only business hours when they are set, and their median
//!   and p90 interpolate between ranks like a spreadsheet's `PERCENTILE.INC`;
//! - *positive* / *negative*: sentiment ≥ 0.05 / ≤ −0.05, as the inbox's filter.

mod export;
mod save;

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::contacts::Person;
use crate::error::{Error, Result};
use crate::ingest::{first_item_id_at, item_id_time};
use crate::store::Store;
use crate::Workspace;

pub use export::{
    csv_field, csv_record, csv_tables, duration, escape_html, html, write_conversations_csv,
    write_csv_dir,
};
pub use save::save_file;
pub use save::{
    export_dir, export_dir_override, page_name, save_csv, save_html, save_html_as, SavedExport,
    EXPORT_DIR_ENV,
};

const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;
/// The settings key holding the business hours.
const BUSINESS_HOURS_KEY: &str = "reports.business_hours";
/// Sentiment at or above this is positive, at or below its negative is negative.
const POSITIVE: f64 = 0.05;
/// Advocates listed in a report.
pub const TOP_ADVOCATES: usize = 10;

/// The working week the response clocks run in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BusinessHours {
    /// Minutes east of UTC of the team's clock (60 for UTC+01:00, −300 for UTC−05:00).
    pub utc_offset_minutes: i32,
    /// Working days, 1 Monday … 7 Sunday.
    pub days: Vec<u8>,
    /// The working day, in minutes after local midnight: 09:00–17:00 is 540–1020.
    pub start_minute: u16,
    pub end_minute: u16,
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl BusinessHours {
    /// Parses `Mon-Fri 09:00-17:00 +01:00` (days, hours, UTC offset; the offset
    /// may be left out for UTC). Days may be listed (`Mon,Wed,Fri`) or a range.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::Invalid(format!(
                "'{text}' is not business hours ({why}): write them like 'Mon-Fri 09:00-17:00 +01:00'"
            ))
        };
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.len() < 2 || parts.len() > 3 {
            return Err(bad("days, hours and an optional UTC offset"));
        }
        let day = |name: &str| -> Result<u8> {
            let n = name.trim().to_lowercase();
            DAY_NAMES
                .iter()
                .position(|d| n.starts_with(d))
                .map(|i| i as u8 + 1)
                .ok_or_else(|| bad("unknown day"))
        };
        let mut days = Vec::new();
        for piece in parts[0].split(',') {
            match piece.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day(a)?, day(b)?);
                    let mut d = a;
                    loop {
                        days.push(d);
                        if d == b {
                            break;
                        }
                        d = d % 7 + 1;
                    }
                }
                None => days.push(day(piece)?),
            }
        }
        days.sort_unstable();
        days.dedup();
        let minute = |t: &str| -> Result<u16> {
            let (h, m) = t.split_once(':').ok_or_else(|| bad("hours as HH:MM"))?;
            let (h, m): (u16, u16) = (
                h.parse().map_err(|_| bad("hours as HH:MM"))?,
                m.parse().map_err(|_| bad("hours as HH:MM"))?,
            );
            if h > 24 || m > 59 || (h == 24 && m > 0) {
                return Err(bad("no such time"));
            }
            Ok(h * 60 + m)
        };
        let (start, end) = parts[1]
            .split_once('-')
            .ok_or_else(|| bad("hours as 09:00-17:00"))?;
        let (start_minute, end_minute) = (minute(start)?, minute(end)?);
        if end_minute <= start_minute {
            return Err(bad("the day must end after it starts"));
        }
        let utc_offset_minutes = match parts.get(2) {
            None => 0,
            Some(o) => {
                let o = o.trim_start_matches("UTC");
                let (sign, rest) = match o.chars().next() {
                    Some('+') => (1, &o[1..]),
                    Some('-') | Some('−') => {
                        (-1, &o[o.chars().next().map_or(1, char::len_utf8)..])
                    }
                    _ => return Err(bad("an offset like +01:00")),
                };
                let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
                let (h, m): (i32, i32) = (
                    h.parse().map_err(|_| bad("an offset like +01:00"))?,
                    m.parse().map_err(|_| bad("an offset like +01:00"))?,
                );
                if h > 14 || m > 59 {
                    return Err(bad("no such offset"));
                }
                sign * (h * 60 + m)
            }
        };
        Ok(Self {
            utc_offset_minutes,
            days,
            start_minute,
            end_minute,
        })
    }

    /// `Mon–Fri 09:00–17:00 UTC+01:00`.
    pub fn describe(&self) -> String {
        let name = |d: u8| {
            let n = DAY_NAMES[(d as usize).clamp(1, 7) - 1];
            let mut c = n.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        };
        let contiguous = self.days.windows(2).all(|w| w[1] == w[0] + 1);
        let days = match (self.days.first(), self.days.last()) {
            (Some(&a), Some(&b)) if contiguous && a != b => format!("{}–{}", name(a), name(b)),
            _ => self
                .days
                .iter()
                .map(|&d| name(d))
                .collect::<Vec<_>>()
                .join(","),
        };
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        let o = self.utc_offset_minutes;
        let sign = if o < 0 { '−' } else { '+' };
        format!(
            "{days} {}–{} UTC{sign}{:02}:{:02}",
            hm(self.start_minute),
            hm(self.end_minute),
            o.abs() / 60,
            o.abs() % 60
        )
    }

    /// Business milliseconds from a fixed Monday 00:00 (local) to `t`.
    fn since_origin(&self, t: i64) -> i64 {
        // 1970-01-01 was a Thursday: the Monday before is 3 days earlier.
        let local = t + i64::from(self.utc_offset_minutes) * 60_000 + 3 * DAY_MS;
        let weeks = local.div_euclid(WEEK_MS);
        let rest = local.rem_euclid(WEEK_MS);
        let (start, end) = (
            i64::from(self.start_minute) * 60_000,
            i64::from(self.end_minute) * 60_000,
        );
        let per_week = (end - start) * self.days.len() as i64;
        let mut partial = 0;
        for &d in &self.days {
            let day_start = (i64::from(d) - 1) * DAY_MS;
            let (a, b) = (day_start + start, day_start + end);
            partial += (rest.min(b) - a).max(0);
        }
        weeks * per_week + partial
    }

    /// Business milliseconds between two times (0 if `to` is before `from`).
    pub fn between(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        self.since_origin(to) - self.since_origin(from)
    }
}

/// Elapsed time between two instants: business hours when set, else wall clock.
pub fn elapsed(hours: Option<&BusinessHours>, from: i64, to: i64) -> i64 {
    match hours {
        Some(h) => h.between(from, to),
        None => (to - from).max(0),
    }
}

/// The workspace's business hours, if set.
pub fn business_hours(conn: &Connection) -> Result<Option<BusinessHours>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([BUSINESS_HOURS_KEY], |r| r.get(0))
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Sets (or with `None` clears) the workspace's business hours.
pub fn set_business_hours(ws: &Workspace, hours: Option<&BusinessHours>) -> Result<()> {
    ws.store().write(|tx| -> Result<()> {
        match hours {
            None => {
                tx.execute("DELETE FROM settings WHERE key = ?1", [BUSINESS_HOURS_KEY])?;
            }
            Some(h) => {
                if h.days.is_empty() || h.days.iter().any(|d| !(1..=7).contains(d)) {
                    return Err(Error::Invalid(
                        "business hours need working days 1–7".into(),
                    ));
                }
                if h.end_minute <= h.start_minute || h.end_minute > 1440 {
                    return Err(Error::Invalid(
                        "the working day must end after it starts, by 24:00".into(),
                    ));
                }
                let text = serde_json::to_string(h).map_err(|e| Error::Invalid(e.to_string()))?;
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![BUSINESS_HOURS_KEY, text],
                )?;
            }
        }
        Ok(())
    })
}

/// What to report on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, optional_fields = nullable)]
pub struct ReportQuery {
    /// Start of the period, Unix ms (included).
    pub from: i64,
    /// End of the period, Unix ms (excluded).
    pub to: i64,
    pub account_id: Option<i64>,
    pub network: Option<String>,
    /// Overrides the workspace's business hours for this report.
    pub business_hours: Option<BusinessHours>,
    /// Count around the clock even when business hours are set.
    pub around_the_clock: bool,
}

/// The figures of one scope (overall, a network, an account) in one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Figures {
    pub received: i64,
    pub replies_sent: i64,
    pub conversations: i64,
    pub responded: i64,
    /// `responded / conversations` (0–1), none without conversations.
    pub response_rate: Option<f64>,
    pub first_response_median_ms: Option<i64>,
    pub first_response_p90_ms: Option<i64>,
    pub done: i64,
    pub time_to_done_median_ms: Option<i64>,
    pub time_to_done_p90_ms: Option<i64>,
    /// Mean sentiment of the received items that have a score.
    pub sentiment_mean: Option<f64>,
    pub positive: i64,
    pub neutral: i64,
    pub negative: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ScopeKind {
    Overall,
    Network,
    Account,
}

/// One row of the report's main table: a scope, this period and the previous one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScopeFigures {
    pub kind: ScopeKind,
    /// `all`, the network's name, or the account's `network handle`.
    pub label: String,
    pub account_id: Option<i64>,
    pub current: Figures,
    pub previous: Figures,
}

/// Received items in one day (or week) of the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TrendPoint {
    /// Start of the bucket, Unix ms (local midnight in the business hours' offset).
    pub start: i64,
    pub items: i64,
    pub positive: i64,
    pub neutral: i64,
    pub negative: i64,
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TagCount {
    pub tag: String,
    /// Conversations of the period's cohort with this tag.
    pub current: i64,
    pub previous: i64,
}

/// A person who helps the brand, and why they rank where they do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Advocate {
    pub person: Person,
    pub name: String,
    /// `network:handle` of every handle that counted.
    pub handles: Vec<String>,
    /// The contact's tags, if they are a contact.
    pub tags: Vec<String>,
    /// Positive items (sentiment ≥ 0.05).
    pub praise: i64,
    /// Replies to another person's question (not ours).
    pub answers: i64,
    /// Items with a link that are not negative: sharing the brand.
    pub shares: i64,
    /// praise + 2 × answers + shares.
    pub score: i64,
    pub reasons: Vec<String>,
}

/// One listening query's share of everything the listening queries heard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VoiceShare {
    pub query_id: i64,
    pub name: String,
    pub hits: i64,
    /// hits / all queries' hits (0–1).
    pub share: Option<f64>,
    pub previous_hits: i64,
    pub previous_share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Report {
    pub from: i64,
    pub to: i64,
    pub previous_from: i64,
    pub previous_to: i64,
    pub account_id: Option<i64>,
    pub network: Option<String>,
    /// The business hours the times were counted in; none: around the clock.
    pub business_hours: Option<BusinessHours>,
    pub overall: ScopeFigures,
    pub by_network: Vec<ScopeFigures>,
    pub by_account: Vec<ScopeFigures>,
    /// Per day (per week for periods over 92 days), this period.
    pub sentiment_trend: Vec<TrendPoint>,
    pub tags: Vec<TagCount>,
    pub advocates: Vec<Advocate>,
    /// Listening queries' share of voice; none when there are no listening queries.
    pub share_of_voice: Option<Vec<VoiceShare>>,
    pub generated_at: i64,
}

/// Items of one scope key in one period, summed.
#[derive(Debug, Clone, Default)]
struct ItemSums {
    received: i64,
    replies_sent: i64,
    sentiment_sum: f64,
    sentiment_n: i64,
    positive: i64,
    neutral: i64,
    negative: i64,
}

impl ItemSums {
    fn add(&mut self, o: &ItemSums) {
        self.received += o.received;
        self.replies_sent += o.replies_sent;
        self.sentiment_sum += o.sentiment_sum;
        self.sentiment_n += o.sentiment_n;
        self.positive += o.positive;
        self.neutral += o.neutral;
        self.negative += o.negative;
    }
}

/// Conversations of one scope key in one period.
#[derive(Debug, Clone, Default)]
struct ConversationSums {
    conversations: i64,
    first_responses: Vec<i64>,
    to_done: Vec<i64>,
}

impl ConversationSums {
    fn add(&mut self, o: &ConversationSums) {
        self.conversations += o.conversations;
        self.first_responses.extend_from_slice(&o.first_responses);
        self.to_done.extend_from_slice(&o.to_done);
    }
}

/// (network, account, current period?)
type Key = (String, Option<i64>, bool);

/// The conversations of both periods' cohorts: (id, in the current period?).
type Cohort = Vec<(i64, bool)>;

/// The period whose cohort a conversation is in, by id: 0 neither, else one of these.
const PREVIOUS: u8 = 1;
const CURRENT: u8 = 2;

/// The cohorts, to look up a conversation's period in. Ingest numbers new
/// conversations from the largest id, so a cohort's ids are dense: a byte per id
/// from the smallest to the largest; a map when they are spread out further.
enum CohortIndex {
    Dense { first: i64, periods: Vec<u8> },
    Sparse(IdMap<i64, u8>),
}

impl CohortIndex {
    fn new(cohort: &[(i64, bool)]) -> Self {
        let period = |current: bool| if current { CURRENT } else { PREVIOUS };
        let (first, last) = cohort
            .iter()
            .fold((i64::MAX, i64::MIN), |(a, b), &(id, _)| {
                (a.min(id), b.max(id))
            });
        let span = last.abs_diff(first);
        if cohort.is_empty() || span > 4 * cohort.len() as u64 + 65_536 {
            return Self::Sparse(cohort.iter().map(|&(id, c)| (id, period(c))).collect());
        }
        let mut periods = vec![0; span as usize + 1];
        for &(id, c) in cohort {
            periods[id.abs_diff(first) as usize] = period(c);
        }
        Self::Dense { first, periods }
    }

    fn period(&self, id: i64) -> u8 {
        match self {
            Self::Dense { first, periods } => id
                .checked_sub(*first)
                .and_then(|at| usize::try_from(at).ok())
                .and_then(|at| periods.get(at).copied())
                .unwrap_or(0),
            Self::Sparse(periods) => periods.get(&id).copied().unwrap_or(0),
        }
    }
}

#[derive(Default)]
struct AuthorSums {
    praise: i64,
    shares: i64,
    answers: i64,
}

/// What one pass over a range of items found.
#[derive(Default)]
struct ItemPass {
    sums: HashMap<Key, ItemSums>,
    trend: IdMap<i64, TrendPoint>,
    authors: IdMap<i64, AuthorSums>,
    /// Questions not written by us: hash of (network, remote id) → author.
    questions: IdMap<u64, i64>,
    /// Replies not written by us in this period: (hash of the parent, author).
    replies: Vec<(u64, i64)>,
}

impl ItemPass {
    /// Adds another piece of the same period.
    fn merge(&mut self, o: ItemPass) {
        for (key, s) in o.sums {
            self.sums.entry(key).or_default().add(&s);
        }
        for (start, p) in o.trend {
            let t = self.trend.entry(start).or_default();
            t.items += p.items;
            t.positive += p.positive;
            t.neutral += p.neutral;
            t.negative += p.negative;
            t.mean = match (t.mean, p.mean) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
        }
        for (author, a) in o.authors {
            let s = self.authors.entry(author).or_default();
            s.praise += a.praise;
            s.shares += a.shares;
            s.answers += a.answers;
        }
        self.questions.extend(o.questions);
        self.replies.extend(o.replies);
    }
}

/// FNV-1a over (network, remote id): matches replies to questions without
/// keeping their ids' text.
fn remote_hash(network: &[u8], remote_id: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in network.iter().chain(&[0]).chain(remote_id) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A hash map keyed by ids or by hashes already made: one multiplication
/// (Fibonacci hashing) instead of SipHash, for the hundreds of thousands of
/// lookups a report makes. The keys are not chosen by an attacker.
type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
}

struct Period {
    from: i64,
    to: i64,
    current: bool,
}

fn bucket_start(t: i64, from: i64, offset_ms: i64, bucket: i64) -> i64 {
    // Buckets start at local midnight of the period's first day.
    let first = (from + offset_ms).div_euclid(DAY_MS) * DAY_MS - offset_ms;
    first + (t - first).div_euclid(bucket) * bucket
}

/// Finds the slot of a (network, account) key in a short list, allocating only
/// the first time a key is seen (a report has a handful of keys).
fn slot<T: Default>(
    keys: &mut Vec<(String, Option<i64>, T)>,
    network: &[u8],
    account: Option<i64>,
) -> usize {
    match keys
        .iter()
        .position(|(n, a, _)| *a == account && n.as_bytes() == network)
    {
        Some(i) => i,
        None => {
            keys.push((
                String::from_utf8_lossy(network).into_owned(),
                account,
                T::default(),
            ));
            keys.len() - 1
        }
    }
}

/// The text of a column, unchecked: a network's name, compared as bytes.
fn bytes<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r [u8]> {
    Ok(r.get_ref(i)?.as_bytes().map_err(rusqlite::Error::from)?)
}

/// The WHERE terms of a report's account and network (`?3`, `?4`): when one is
/// not set, its term tests only the parameter, which SQLite does once, not per row.
fn scope_terms(q: &ReportQuery) -> String {
    format!(
        "{} AND {}",
        if q.account_id.is_some() {
            "account_id = ?3"
        } else {
            "?3 IS NULL"
        },
        if q.network.is_some() {
            "network = ?4"
        } else {
            "?4 IS NULL"
        }
    )
}

/// The items of `[?1, ?2)` (ids), with every column the report reads, all of
/// them in the `items_report` index (a test checks the plan covers the query).
fn items_sql(q: &ReportQuery) -> String {
    format!(
        "SELECT id, network, account_id, author_id, from_us | (has_link << 1), sentiment,
                CASE WHEN instr(text, '?') > 0 THEN remote_id END, parent_remote_id
         FROM items INDEXED BY items_report
         WHERE id >= ?1 AND id < ?2 AND {}",
        scope_terms(q)
    )
}

/// One pass over the items of a period, through the `items_report` index,
/// which holds every column the report reads: no item row (and no post text)
/// is read. The author's column is fetched only when the row needs it.
fn items_pass(
    conn: &Connection,
    period: &Period,
    from_id: i64,
    to_id: i64,
    q: &ReportQuery,
    offset_ms: i64,
    bucket: i64,
) -> Result<ItemPass> {
    let mut pass = ItemPass::default();
    let mut stmt = conn.prepare_cached(&items_sql(q))?;
    let mut rows = stmt.query(params![from_id, to_id, q.account_id, q.network])?;
    let mut keys: Vec<(String, Option<i64>, ItemSums)> = Vec::new();
    while let Some(r) = rows.next()? {
        let network = bytes(r, 1)?;
        let account: Option<i64> = r.get(2)?;
        let flags: i64 = r.get(4)?;
        let (from_us, has_link) = (flags & 1 != 0, flags & 2 != 0);
        let i = slot(&mut keys, network, account);
        let sums = &mut keys[i].2;
        if from_us {
            sums.replies_sent += 1;
            continue;
        }
        sums.received += 1;
        let sentiment: Option<f64> = r.get(5)?;
        let band = sentiment.map(|s| {
            if s >= POSITIVE {
                1
            } else if s <= -POSITIVE {
                -1
            } else {
                0
            }
        });
        match band {
            Some(1) => sums.positive += 1,
            Some(-1) => sums.negative += 1,
            Some(_) => sums.neutral += 1,
            None => {}
        }
        if let Some(s) = sentiment {
            sums.sentiment_sum += s;
            sums.sentiment_n += 1;
        }
        let question = r
            .get_ref(6)?
            .as_bytes_or_null()
            .map_err(rusqlite::Error::from)?
            .map(|remote| remote_hash(network, remote));
        if !period.current {
            if let Some(question) = question {
                pass.questions.insert(question, r.get(3)?);
            }
            continue;
        }
        // The id holds the creation time (ingest::item_id).
        let created = item_id_time(r.get(0)?);
        let point = pass
            .trend
            .entry(bucket_start(created, period.from, offset_ms, bucket))
            .or_default();
        point.items += 1;
        match band {
            Some(1) => point.positive += 1,
            Some(-1) => point.negative += 1,
            Some(_) => point.neutral += 1,
            None => {}
        }
        if let Some(s) = sentiment {
            // The sum for now; divided into the mean at the end.
            point.mean = Some(point.mean.unwrap_or(0.0) + s);
        }
        let praise = band == Some(1);
        let share = has_link && sentiment.is_none_or(|s| s > -POSITIVE);
        let parent = r
            .get_ref(7)?
            .as_bytes_or_null()
            .map_err(rusqlite::Error::from)?
            .map(|parent| remote_hash(network, parent));
        if question.is_none() && !praise && !share && parent.is_none() {
            continue;
        }
        let author: i64 = r.get(3)?;
        if let Some(question) = question {
            pass.questions.insert(question, author);
        }
        if praise || share {
            let a = pass.authors.entry(author).or_default();
            a.praise += i64::from(praise);
            a.shares += i64::from(share);
        }
        if let Some(parent) = parent {
            pass.replies.push((parent, author));
        }
    }
    for (network, account, sums) in keys {
        pass.sums.insert((network, account, period.current), sums);
    }
    Ok(pass)
}

/// The conversations whose first incoming item arrived in `[?1, ?2)`, with every
/// column the report reads, all of them in the `conversations_report` index (a
/// test checks the plan covers the query).
fn conversations_sql(q: &ReportQuery) -> String {
    format!(
        "SELECT id, network, account_id, first_incoming_at, first_response_at,
                CASE WHEN state = 'done' THEN state_changed_at END
         FROM conversations INDEXED BY conversations_report
         WHERE first_incoming_at >= ?1 AND first_incoming_at < ?2 AND {}",
        scope_terms(q)
    )
}

/// The conversations whose first incoming item arrived in `[from, to)`, a piece
/// of the two periods: their sums per key, and the cohort (id, in the current
/// period?).
fn conversations_pass(
    conn: &Connection,
    current: &Period,
    (from, to): (i64, i64),
    q: &ReportQuery,
    hours: Option<&BusinessHours>,
) -> Result<(HashMap<Key, ConversationSums>, Cohort)> {
    let mut keys: Vec<(String, Option<i64>, [ConversationSums; 2])> = Vec::new();
    let mut cohort = Cohort::new();
    let mut stmt = conn.prepare_cached(&conversations_sql(q))?;
    let mut rows = stmt.query(params![from, to, q.account_id, q.network])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let first_in: i64 = r.get(3)?;
        let is_current = first_in >= current.from;
        cohort.push((id, is_current));
        let i = slot(&mut keys, bytes(r, 1)?, r.get(2)?);
        let sums = &mut keys[i].2[usize::from(is_current)];
        sums.conversations += 1;
        if let Some(response) = r.get::<_, Option<i64>>(4)? {
            sums.first_responses
                .push(elapsed(hours, first_in, response));
        }
        if let Some(done_at) = r.get::<_, Option<i64>>(5)? {
            sums.to_done.push(elapsed(hours, first_in, done_at));
        }
    }
    let mut out = HashMap::new();
    for (network, account, [previous, current]) in keys {
        out.insert((network.clone(), account, false), previous);
        out.insert((network, account, true), current);
    }
    Ok((out, cohort))
}

/// What the report reads from the store, before it is put together.
struct Passes {
    current: ItemPass,
    previous: ItemPass,
    conversations: HashMap<Key, ConversationSums>,
    cohort: CohortIndex,
    tagged: Vec<(String, Vec<i64>)>,
    share_of_voice: Option<Vec<VoiceShare>>,
}

/// One piece of the report's reading, on its own reader connection.
enum Task {
    /// Items of a period (current?) with ids in `[from, to)`.
    Items(bool, i64, i64),
    /// Conversations whose first incoming item arrived in `[from, to)`.
    Conversations(i64, i64),
    Tags,
    /// The listening queries' hits in both periods.
    Voice,
}

enum Read {
    Items(bool, ItemPass),
    Conversations(HashMap<Key, ConversationSums>, Cohort),
    Tags(Vec<(String, Vec<i64>)>),
    Voice(Option<Vec<VoiceShare>>),
}

/// Pieces each period's items and the conversations are read in, so the
/// readers (one per core) stay busy until the end.
const PIECES: i64 = 4;

/// `[from, to)` cut into at most [`PIECES`] ranges, the last one taking the
/// remainder.
fn pieces(from: i64, to: i64) -> Vec<(i64, i64)> {
    let step = ((to - from + PIECES - 1) / PIECES).max(1);
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        let end = if to - start < 2 * step {
            to
        } else {
            start + step
        };
        out.push((start, end));
        start = end;
    }
    out
}

/// Reads everything the report needs, in pieces spread over one reader per core.
fn passes(
    store: &Store,
    q: &ReportQuery,
    previous: &Period,
    current: &Period,
    hours: Option<&BusinessHours>,
    offset_ms: i64,
    bucket: i64,
) -> Result<Passes> {
    // The largest pieces first, so the last ones to finish are small: the
    // conversations (the more work per row), then the items.
    let mut tasks = Vec::new();
    for (from, to) in pieces(previous.from, current.to) {
        tasks.push(Task::Conversations(from, to));
    }
    for period in [current, previous] {
        for (from, to) in pieces(first_item_id_at(period.from), first_item_id_at(period.to)) {
            tasks.push(Task::Items(period.current, from, to));
        }
    }
    tasks.push(Task::Tags);
    tasks.push(Task::Voice);
    let run = |task: &Task| -> Result<Read> {
        store.read(|c| -> Result<Read> {
            Ok(match *task {
                Task::Items(is_current, from, to) => {
                    let period = if is_current { current } else { previous };
                    Read::Items(
                        is_current,
                        items_pass(c, period, from, to, q, offset_ms, bucket)?,
                    )
                }
                Task::Conversations(from, to) => {
                    let (sums, cohort) = conversations_pass(c, current, (from, to), q, hours)?;
                    Read::Conversations(sums, cohort)
                }
                Task::Tags => Read::Tags(tagged_conversations(c)?),
                Task::Voice => Read::Voice(share_of_voice(c, previous, current)),
            })
        })
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || -> Result<Vec<(usize, Read)>> {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(task) = tasks.get(i) else {
                return Ok(done);
            };
            done.push((i, run(task)?));
        }
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    let results: Vec<Result<Vec<(usize, Read)>>> = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut results = vec![work()];
        for h in helpers {
            results.push(
                h.join()
                    .unwrap_or_else(|_| Err(Error::Invalid("the report's reader stopped".into()))),
            );
        }
        results
    });
    let mut out = Passes {
        current: ItemPass::default(),
        previous: ItemPass::default(),
        conversations: HashMap::new(),
        cohort: CohortIndex::Sparse(IdMap::default()),
        tagged: Vec::new(),
        share_of_voice: None,
    };
    let mut reads: Vec<(usize, Read)> = results
        .into_iter()
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    // In task order, whichever reader read them: sums of sentiment come out the
    // same to the last bit on every run.
    reads.sort_unstable_by_key(|(i, _)| *i);
    let mut cohort = Cohort::new();
    for (_, read) in reads {
        match read {
            Read::Items(true, pass) => out.current.merge(pass),
            Read::Items(false, pass) => out.previous.merge(pass),
            Read::Conversations(sums, piece) => {
                for (key, s) in sums {
                    out.conversations.entry(key).or_default().add(&s);
                }
                cohort.extend(piece);
            }
            Read::Tags(tagged) => out.tagged = tagged,
            Read::Voice(voice) => out.share_of_voice = voice,
        }
    }
    out.cohort = CohortIndex::new(&cohort);
    Ok(out)
}

/// The `q`-quantile (0–1) of sorted values, interpolated between ranks as
/// spreadsheets' `PERCENTILE.INC` does, rounded to the millisecond.
pub fn percentile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    let v = sorted[lo] as f64 + (h - lo as f64) * (sorted[hi] - sorted[lo]) as f64;
    Some(v.round() as i64)
}

fn figures(items: &ItemSums, conversations: &ConversationSums) -> Figures {
    let mut frt = conversations.first_responses.clone();
    frt.sort_unstable();
    let mut done = conversations.to_done.clone();
    done.sort_unstable();
    let responded = frt.len() as i64;
    Figures {
        received: items.received,
        replies_sent: items.replies_sent,
        conversations: conversations.conversations,
        responded,
        response_rate: (conversations.conversations > 0)
            .then(|| responded as f64 / conversations.conversations as f64),
        first_response_median_ms: percentile(&frt, 0.5),
        first_response_p90_ms: percentile(&frt, 0.9),
        done: done.len() as i64,
        time_to_done_median_ms: percentile(&done, 0.5),
        time_to_done_p90_ms: percentile(&done, 0.9),
        sentiment_mean: (items.sentiment_n > 0)
            .then(|| items.sentiment_sum / items.sentiment_n as f64),
        positive: items.positive,
        neutral: items.neutral,
        negative: items.negative,
    }
}

fn scope(
    kind: ScopeKind,
    label: String,
    account_id: Option<i64>,
    items: &HashMap<Key, ItemSums>,
    conversations: &HashMap<Key, ConversationSums>,
    keep: impl Fn(&str, Option<i64>) -> bool,
) -> ScopeFigures {
    let period = |current: bool| {
        let mut i = ItemSums::default();
        for ((n, a, c), s) in items {
            if *c == current && keep(n, *a) {
                i.add(s);
            }
        }
        let mut cs = ConversationSums::default();
        for ((n, a, c), s) in conversations {
            if *c == current && keep(n, *a) {
                cs.add(s);
            }
        }
        figures(&i, &cs)
    };
    ScopeFigures {
        kind,
        label,
        account_id,
        current: period(true),
        previous: period(false),
    }
}

/// Computes the report. The two periods' items are read on two threads.
pub fn build(ws: &Workspace, q: &ReportQuery) -> Result<Report> {
    compute(ws.store(), q, ws.now())
}

/// The report over a store (what [`build`] does, for callers holding a store).
pub fn compute(store: &Store, q: &ReportQuery, now: i64) -> Result<Report> {
    if q.to <= q.from {
        return Err(Error::Invalid(
            "a report's period must end after it starts".into(),
        ));
    }
    let hours = if q.around_the_clock {
        None
    } else {
        match &q.business_hours {
            Some(h) => Some(h.clone()),
            None => store.read(business_hours)?,
        }
    };
    let len = q.to - q.from;
    let current = Period {
        from: q.from,
        to: q.to,
        current: true,
    };
    let previous = Period {
        from: q.from - len,
        to: q.from,
        current: false,
    };
    let offset_ms = hours
        .as_ref()
        .map_or(0, |h| i64::from(h.utc_offset_minutes) * 60_000);
    let bucket = if len > 92 * DAY_MS { WEEK_MS } else { DAY_MS };

    let Passes {
        current: mut cur,
        previous: prev,
        conversations,
        cohort,
        tagged,
        share_of_voice,
    } = passes(
        store,
        q,
        &previous,
        &current,
        hours.as_ref(),
        offset_ms,
        bucket,
    )?;

    let mut items = cur.sums.clone();
    items.extend(prev.sums);

    // Answers: replies in this period to a question someone else asked.
    let mut questions = prev.questions;
    questions.extend(cur.questions.drain());
    for (parent, author) in &cur.replies {
        if let Some(&asker) = questions.get(parent) {
            if asker != *author {
                cur.authors.entry(*author).or_default().answers += 1;
            }
        }
    }
    let tags = tag_counts(&tagged, &cohort);

    let (accounts, advocates) = store.read(|c| -> Result<_> {
        Ok((
            account_labels(c)?,
            rank_advocates(c, &cur.authors, TOP_ADVOCATES)?,
        ))
    })?;

    let overall = scope(
        ScopeKind::Overall,
        "all".into(),
        None,
        &items,
        &conversations,
        |_, _| true,
    );
    let mut networks: Vec<String> = items
        .keys()
        .map(|k| k.0.clone())
        .chain(conversations.keys().map(|k| k.0.clone()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    networks.sort();
    let by_network = networks
        .iter()
        .map(|n| {
            scope(
                ScopeKind::Network,
                n.clone(),
                None,
                &items,
                &conversations,
                |net, _| net == n,
            )
        })
        .collect();
    let mut account_ids: Vec<i64> = items
        .keys()
        .filter_map(|k| k.1)
        .chain(conversations.keys().filter_map(|k| k.1))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    account_ids.sort_unstable();
    let by_account = account_ids
        .iter()
        .map(|&id| {
            let label = accounts
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("account {id}"));
            scope(
                ScopeKind::Account,
                label,
                Some(id),
                &items,
                &conversations,
                |_, a| a == Some(id),
            )
        })
        .collect();

    let mut sentiment_trend = Vec::new();
    let mut start = bucket_start(q.from, q.from, offset_ms, bucket);
    while start < q.to {
        let mut p = cur.trend.remove(&start).unwrap_or_default();
        p.start = start;
        let scored = p.positive + p.neutral + p.negative;
        p.mean = p.mean.filter(|_| scored > 0).map(|sum| sum / scored as f64);
        sentiment_trend.push(p);
        start += bucket;
    }

    Ok(Report {
        from: q.from,
        to: q.to,
        previous_from: previous.from,
        previous_to: previous.to,
        account_id: q.account_id,
        network: q.network.clone(),
        business_hours: hours,
        overall,
        by_network,
        by_account,
        sentiment_trend,
        tags,
        advocates,
        share_of_voice,
        generated_at: now,
    })
}

fn account_labels(conn: &Connection) -> Result<HashMap<i64, String>> {
    let mut stmt = conn.prepare_cached("SELECT id, network, handle FROM accounts")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            format!("{} {}", r.get::<_, String>(1)?, r.get::<_, String>(2)?),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every tag with the conversations that carry it (`conversation_tags` in key order).
fn tagged_conversations(conn: &Connection) -> Result<Vec<(String, Vec<i64>)>> {
    let mut out: Vec<(String, Vec<i64>)> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT tag, conversation_id FROM conversation_tags ORDER BY tag, conversation_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let tag = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        let id: i64 = r.get(1)?;
        match out.last_mut() {
            Some((t, ids)) if t == tag => ids.push(id),
            _ => out.push((tag.to_owned(), vec![id])),
        }
    }
    Ok(out)
}

/// Conversations of each period's cohort with each tag, most used first.
fn tag_counts(tagged: &[(String, Vec<i64>)], cohort: &CohortIndex) -> Vec<TagCount> {
    let mut out: Vec<TagCount> = tagged
        .iter()
        .filter_map(|(tag, ids)| {
            let (mut current, mut previous) = (0, 0);
            for &id in ids {
                match cohort.period(id) {
                    CURRENT => current += 1,
                    PREVIOUS => previous += 1,
                    _ => {}
                }
            }
            (current + previous > 0).then(|| TagCount {
                tag: tag.clone(),
                current,
                previous,
            })
        })
        .collect();
    out.sort_by(|a, b| b.current.cmp(&a.current).then(a.tag.cmp(&b.tag)));
    out
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Groups authors' sums into people (a contact's handles count together) and
/// ranks them: the top `limit` with the reasons.
fn rank_advocates(
    conn: &Connection,
    authors: &IdMap<i64, AuthorSums>,
    limit: usize,
) -> Result<Vec<Advocate>> {
    let mut linked: HashMap<i64, i64> = HashMap::new();
    {
        let mut stmt =
            conn.prepare_cached("SELECT id, contact_id FROM authors WHERE contact_id IS NOT NULL")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            linked.insert(r.get(0)?, r.get(1)?);
        }
    }
    let mut people: HashMap<Person, (AuthorSums, Vec<i64>)> = HashMap::new();
    for (&author, s) in authors {
        let person = linked
            .get(&author)
            .map_or(Person::Author(author), |&c| Person::Contact(c));
        let e = people.entry(person).or_default();
        e.0.praise += s.praise;
        e.0.answers += s.answers;
        e.0.shares += s.shares;
        e.1.push(author);
    }
    let score = |s: &AuthorSums| s.praise + 2 * s.answers + s.shares;
    let mut ranked: Vec<(Person, AuthorSums, Vec<i64>)> = people
        .into_iter()
        .filter(|(_, (s, _))| score(s) > 0)
        .map(|(p, (s, a))| (p, s, a))
        .collect();
    let order = |p: &Person| match p {
        Person::Contact(id) => (0, *id),
        Person::Author(id) => (1, *id),
    };
    ranked.sort_by(|a, b| {
        score(&b.1)
            .cmp(&score(&a.1))
            .then(b.1.answers.cmp(&a.1.answers))
            .then(order(&a.0).cmp(&order(&b.0)))
    });
    ranked.truncate(limit);
    let mut out = Vec::with_capacity(ranked.len());
    for (person, s, mut author_ids) in ranked {
        author_ids.sort_unstable();
        let mut handles = Vec::new();
        let mut first_name = None;
        for id in &author_ids {
            let h = crate::contacts::author(conn, *id)?;
            first_name = first_name.or(h.name.clone().filter(|n| !n.trim().is_empty()));
            handles.push(format!("{}:{}", h.network, h.handle));
        }
        let (name, tags) = match person {
            Person::Contact(id) => {
                let c = crate::contacts::get(conn, id)?;
                (c.name, c.tags)
            }
            Person::Author(_) => (
                first_name.unwrap_or_else(|| handles.first().cloned().unwrap_or_default()),
                Vec::new(),
            ),
        };
        let mut reasons = Vec::new();
        if s.praise > 0 {
            reasons.push(format!("{} praising", plural(s.praise, "post", "posts")));
        }
        if s.answers > 0 {
            reasons.push(format!(
                "answered {}",
                plural(s.answers, "question from others", "questions from others")
            ));
        }
        if s.shares > 0 {
            reasons.push(format!("shared {}", plural(s.shares, "link", "links")));
        }
        out.push(Advocate {
            person,
            name,
            handles,
            tags,
            praise: s.praise,
            answers: s.answers,
            shares: s.shares,
            score: score(&s),
            reasons,
        });
    }
    Ok(out)
}

/// The people who most often praise, answer others' questions or share the
/// brand over `[from, to)`, ranked, with the reasons.
pub fn advocates(ws: &Workspace, from: i64, to: i64, limit: usize) -> Result<Vec<Advocate>> {
    let q = ReportQuery {
        from,
        to,
        around_the_clock: true,
        ..Default::default()
    };
    let period = Period {
        from,
        to,
        current: true,
    };
    ws.store().read(|c| {
        let (from_id, to_id) = (first_item_id_at(from), first_item_id_at(to));
        let mut pass = items_pass(c, &period, from_id, to_id, &q, 0, DAY_MS)?;
        let replies = std::mem::take(&mut pass.replies);
        for (parent, author) in replies {
            if let Some(&asker) = pass.questions.get(&parent) {
                if asker != author {
                    pass.authors.entry(author).or_default().answers += 1;
                }
            }
        }
        rank_advocates(c, &pass.authors, limit)
    })
}

/// Listening queries' hits in both periods; `None` when there are no queries
/// (or the listening tables are not there to read).
fn share_of_voice(
    conn: &Connection,
    previous: &Period,
    current: &Period,
) -> Option<Vec<VoiceShare>> {
    let read = || -> rusqlite::Result<Vec<(i64, String, i64, i64)>> {
        let mut stmt = conn.prepare(
            "SELECT q.id, q.name,
                    (SELECT count(*) FROM listening_hits h
                     WHERE h.query_id = q.id AND h.item_id >= ?2 AND h.item_id < ?3),
                    (SELECT count(*) FROM listening_hits h
                     WHERE h.query_id = q.id AND h.item_id >= ?1 AND h.item_id < ?2)
             FROM listening_queries q ORDER BY q.id",
        )?;
        let rows = stmt.query_map(
            params![
                first_item_id_at(previous.from),
                first_item_id_at(current.from),
                first_item_id_at(current.to)
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        rows.collect()
    };
    let rows = read().ok().filter(|r| !r.is_empty())?;
    let total: i64 = rows.iter().map(|r| r.2).sum();
    let total_prev: i64 = rows.iter().map(|r| r.3).sum();
    let share = |n: i64, of: i64| (of > 0).then(|| n as f64 / of as f64);
    let mut out: Vec<VoiceShare> = rows
        .into_iter()
        .map(|(query_id, name, hits, previous_hits)| VoiceShare {
            query_id,
            name,
            hits,
            share: share(hits, total),
            previous_hits,
            previous_share: share(previous_hits, total_prev),
        })
        .collect();
    out.sort_by(|a, b| b.hits.cmp(&a.hits).then(a.query_id.cmp(&b.query_id)));
    Some(out)
}

#[cfg(test)]
mod tests;
