//! The listening dashboard's figures, per query and across queries, for a date
//! range: volume over time beside the previous period, sentiment, share of
//! voice, top authors, terms and hashtags, networks, languages, latest hits.
//!
//! Item ids encode their creation time ([`crate::ingest::item_id`]), so a date
//! range of hits is a range of the `listening_hits` primary key. A query's
//! volume, sentiment, networks and languages come from its hourly totals
//! ([`super::rollups`]) for the whole hours of the range and from its hits for
//! the rest; its authors (on a second thread) from their per-day counts for the
//! whole UTC days of the range and from its hits for the rest; terms and the
//! latest hits from the newest hits' items. The panel of several queries
//! together counts each item once, so it reads their hits.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::rollups::{self, band, DAY, HOUR};
use crate::error::{Error, Result};
use crate::ingest::{first_item_id_at, item_id_time};
use crate::query::{Needle, Query};
use crate::Workspace;

const WEEK: i64 = 7 * DAY;
/// Most buckets one request may ask for (a year by hour is 8,760).
const MAX_BUCKETS: i64 = 10_000;
/// Top terms and hashtags are counted over at most this many of the newest hits.
pub const TERMS_SAMPLE: usize = 2_000;

/// The width of one point of a time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Bucket {
    Hour,
    #[default]
    Day,
    /// Weeks start on Monday.
    Week,
}

impl Bucket {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "hour" => Self::Hour,
            "day" => Self::Day,
            "week" => Self::Week,
            _ => return None,
        })
    }

    fn ms(self) -> i64 {
        match self {
            Self::Hour => HOUR,
            Self::Day => DAY,
            Self::Week => WEEK,
        }
    }

    /// The start of the bucket holding `t`, at the manager's UTC offset.
    pub fn start(self, t: i64, utc_offset_ms: i64) -> i64 {
        // 1970-01-01 was a Thursday: shift by three days so weeks start on Monday.
        let shift = utc_offset_ms + if self == Self::Week { 3 * DAY } else { 0 };
        (t + shift).div_euclid(self.ms()) * self.ms() - shift
    }
}

/// What the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, optional_fields = nullable)]
pub struct DashboardRequest {
    /// The queries; empty for every enabled one.
    pub query_ids: Vec<i64>,
    /// Unix ms, inclusive.
    pub from: i64,
    /// Unix ms, exclusive.
    pub to: i64,
    pub bucket: Bucket,
    /// Buckets start at the manager's local hour, midnight or Monday.
    pub utc_offset_minutes: i32,
    /// Rows in each top list.
    pub top: usize,
    /// Latest hits listed.
    pub latest: usize,
}

impl Default for DashboardRequest {
    fn default() -> Self {
        Self {
            query_ids: Vec::new(),
            from: 0,
            to: 0,
            bucket: Bucket::Day,
            utc_offset_minutes: 0,
            top: 10,
            latest: 20,
        }
    }
}

/// One point of the volume series, with the same point of the previous period.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VolumePoint {
    /// The bucket's start, Unix ms.
    pub at: i64,
    pub hits: i64,
    /// Hits in the bucket one period earlier (the range's length before).
    pub previous: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SentimentSplit {
    pub negative: i64,
    pub neutral: i64,
    pub positive: i64,
    /// Hits without a score.
    pub unknown: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SentimentPoint {
    pub at: i64,
    pub negative: i64,
    pub neutral: i64,
    pub positive: i64,
    /// Mean score of the bucket's hits (−1 … 1), if any was scored.
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuthorStat {
    pub author_id: i64,
    pub network: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub followers: Option<i64>,
    /// Their hits in the range.
    pub hits: i64,
}

/// A label and how often it occurs (a term, a hashtag, a network, a language).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyCount {
    pub key: String,
    pub count: i64,
}

/// A hit as the latest-hits list shows it; opening it opens its conversation.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LatestHit {
    /// The item's id (a string: it does not fit a JavaScript number).
    pub item_id: String,
    pub conversation_id: i64,
    pub network: String,
    pub author_handle: String,
    pub author_name: Option<String>,
    /// The start of its text.
    pub text: String,
    pub created_at: i64,
    pub sentiment: Option<f64>,
    pub url: Option<String>,
}

/// The figures of one query, or of all the requested queries together.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ListeningPanel {
    /// `None` for the panel of all requested queries together (each item once).
    pub query_id: Option<i64>,
    pub name: String,
    pub total: i64,
    /// Hits in the previous period of the same length.
    pub previous_total: i64,
    pub volume: Vec<VolumePoint>,
    pub sentiment: SentimentSplit,
    pub sentiment_trend: Vec<SentimentPoint>,
    pub top_authors: Vec<AuthorStat>,
    /// The authors of the range's hits with the most followers.
    pub top_authors_by_reach: Vec<AuthorStat>,
    pub top_terms: Vec<KeyCount>,
    pub top_hashtags: Vec<KeyCount>,
    /// How many of the newest hits terms and hashtags were counted over.
    pub terms_sampled: i64,
    pub networks: Vec<KeyCount>,
    pub languages: Vec<KeyCount>,
    /// Newest first.
    pub latest: Vec<LatestHit>,
}

/// One query's part of the voice: its hits over all the requested queries' hits.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueryShare {
    pub query_id: i64,
    pub name: String,
    pub hits: i64,
    /// 0 … 1; the shares add up to 1 (an item two queries match counts for both).
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Dashboard {
    pub from: i64,
    pub to: i64,
    pub bucket: Bucket,
    /// One panel per query, then one for all of them together when there are several.
    pub panels: Vec<ListeningPanel>,
    pub share_of_voice: Vec<QueryShare>,
    /// Queries whose last hour is far above their usual level, now.
    pub spikes: Vec<super::spikes::Spike>,
}

/// One hit as the pass over the range reads it; network and language are
/// indexes into [`Labels`] (a range holds hundreds of thousands of hits and a
/// handful of distinct labels).
#[derive(Debug, Clone, Copy)]
struct HitRow {
    id: i64,
    sentiment: Option<f64>,
    author_id: i64,
    network: u32,
    lang: u32,
}

/// The distinct networks and languages of the hits read.
#[derive(Default)]
struct Labels {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Labels {
    fn id(&mut self, label: &str) -> u32 {
        if let Some(&i) = self.index.get(label) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(label.to_owned());
        self.index.insert(label.to_owned(), i);
        i
    }

    fn named(&self, counts: HashMap<u32, i64>) -> HashMap<String, i64> {
        counts
            .into_iter()
            .map(|(i, n)| (self.names[i as usize].clone(), n))
            .collect()
    }
}

/// The buckets of a range: their starts.
struct Series {
    start: i64,
    step: i64,
    len: usize,
}

impl Series {
    fn new(req: &DashboardRequest) -> Result<Self> {
        let offset = i64::from(req.utc_offset_minutes) * 60_000;
        let start = req.bucket.start(req.from, offset);
        let step = req.bucket.ms();
        let len = (req.to - start + step - 1).div_euclid(step);
        if len > MAX_BUCKETS {
            return Err(Error::Invalid(format!(
                "the range holds {len} buckets: choose a wider bucket or a shorter range (at most {MAX_BUCKETS})"
            )));
        }
        Ok(Self {
            start,
            step,
            len: len.max(0) as usize,
        })
    }

    fn index(&self, t: i64) -> Option<usize> {
        let i = (t - self.start).div_euclid(self.step);
        (0..self.len as i64).contains(&i).then_some(i as usize)
    }

    fn at(&self, i: usize) -> i64 {
        self.start + i as i64 * self.step
    }
}

fn hit_rows(
    c: &Connection,
    labels: &mut Labels,
    query_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<HitRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT item_id, sentiment, author_id, network, lang FROM listening_hits
         WHERE query_id = ?1 AND item_id >= ?2 AND item_id < ?3",
    )?;
    let mut rows = stmt.query(params![
        query_id,
        first_item_id_at(from),
        first_item_id_at(to)
    ])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let network = r.get_ref(3)?.as_str_or_null().ok().flatten();
        let lang = r.get_ref(4)?.as_str_or_null().ok().flatten();
        out.push(HitRow {
            id: r.get(0)?,
            sentiment: r.get(1)?,
            author_id: r.get::<_, Option<i64>>(2)?.unwrap_or_default(),
            network: labels.id(network.unwrap_or("unknown")),
            lang: labels.id(lang.unwrap_or("unknown")),
        });
    }
    Ok(out)
}

fn hit_ids(c: &Connection, query_id: i64, from: i64, to: i64) -> Result<Vec<i64>> {
    let mut stmt = c.prepare_cached(
        "SELECT item_id FROM listening_hits
         WHERE query_id = ?1 AND item_id >= ?2 AND item_id < ?3",
    )?;
    let rows = stmt.query_map(
        params![query_id, first_item_id_at(from), first_item_id_at(to)],
        |r| r.get(0),
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn top_counts(counts: HashMap<String, i64>, top: usize) -> Vec<KeyCount> {
    let mut v: Vec<KeyCount> = counts
        .into_iter()
        .map(|(key, count)| KeyCount { key, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v.truncate(top);
    v
}

/// Words too common to say anything about a topic.
const STOPWORDS: &[&str] = &[
    "the", "and", "for", "you", "that", "this", "with", "are", "was", "but", "not", "have", "has",
    "had", "its", "it's", "i'm", "from", "they", "their", "them", "what", "when", "where", "who",
    "why", "how", "all", "any", "can", "could", "would", "should", "will", "just", "about", "into",
    "out", "our", "your", "yours", "his", "her", "she", "him", "there", "here", "then", "than",
    "been", "being", "were", "does", "did", "doing", "don't", "can't", "won't", "isn't", "also",
    "very", "more", "most", "some", "such", "only", "own", "same", "too", "now", "one", "get",
    "got", "like", "really", "still", "even", "which", "these", "those", "over", "after", "before",
    "because", "while", "again", "off", "via", "http", "https", "www", "com", "les", "des", "une",
    "est", "pas", "que", "qui", "und", "der", "die", "das", "ist", "nicht", "mit", "los", "las",
    "por", "para", "con", "una", "del",
];

fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w)
}

/// `#tag`s in a text, lower-cased, without the '#'.
fn hashtags(text: &str) -> impl Iterator<Item = String> + '_ {
    text.match_indices('#').filter_map(move |(i, _)| {
        let before_ok = text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '&');
        let tag: String = text[i + 1..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        (before_ok && !tag.is_empty() && !tag.chars().all(|c| c.is_ascii_digit()))
            .then(|| tag.to_lowercase())
    })
}

/// What a pass over hits (or their hourly totals) adds up for one panel.
struct Tally {
    volume: Vec<VolumePoint>,
    /// Per bucket: scored hits by band, their sentiment's sum, how many were scored.
    trend: Vec<([i64; 3], f64, i64)>,
    split: SentimentSplit,
    networks: HashMap<u32, i64>,
    languages: HashMap<u32, i64>,
    total: i64,
    previous_total: i64,
}

impl Tally {
    fn new(series: &Series) -> Self {
        Self {
            volume: (0..series.len)
                .map(|i| VolumePoint {
                    at: series.at(i),
                    hits: 0,
                    previous: 0,
                })
                .collect(),
            trend: vec![([0; 3], 0.0, 0); series.len],
            split: SentimentSplit::default(),
            networks: HashMap::new(),
            languages: HashMap::new(),
            total: 0,
            previous_total: 0,
        }
    }

    /// Adds `hits` hits at `t`, of which `bands` were scored (summing to `sum`).
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        series: &Series,
        t: i64,
        hits: i64,
        bands: [i64; 3],
        sum: f64,
        network: u32,
        lang: u32,
    ) {
        let scored: i64 = bands.iter().sum();
        self.total += hits;
        if let Some(i) = series.index(t) {
            self.volume[i].hits += hits;
            let point = &mut self.trend[i];
            for (k, n) in bands.iter().enumerate() {
                point.0[k] += n;
            }
            point.1 += sum;
            point.2 += scored;
        }
        self.split.negative += bands[0];
        self.split.neutral += bands[1];
        self.split.positive += bands[2];
        self.split.unknown += hits - scored;
        *self.networks.entry(network).or_default() += hits;
        *self.languages.entry(lang).or_default() += hits;
    }

    fn add_hit(&mut self, series: &Series, row: &HitRow) {
        let mut bands = [0; 3];
        if let Some(s) = row.sentiment {
            bands[band(s)] = 1;
        }
        let sum = row.sentiment.unwrap_or(0.0);
        self.add(
            series,
            item_id_time(row.id),
            1,
            bands,
            sum,
            row.network,
            row.lang,
        );
    }

    /// Adds `hits` hits of the previous period at `t` (shown `period` later).
    fn add_previous(&mut self, series: &Series, t: i64, hits: i64, period: i64) {
        self.previous_total += hits;
        if let Some(i) = series.index(t + period) {
            self.volume[i].previous += hits;
        }
    }

    fn sentiment_trend(&self, series: &Series) -> Vec<SentimentPoint> {
        self.trend
            .iter()
            .enumerate()
            .map(|(i, (bands, sum, n))| SentimentPoint {
                at: series.at(i),
                negative: bands[0],
                neutral: bands[1],
                positive: bands[2],
                mean: (*n > 0).then(|| sum / *n as f64),
            })
            .collect()
    }
}

/// Whether totals may stand for hits at all (tests turn them off on their
/// thread, to compare the two).
fn totals_allowed() -> bool {
    #[cfg(test)]
    if tests::HITS_ONLY.with(|h| h.get()) {
        return false;
    }
    true
}

/// Whether hourly totals can stand for the hits of whole hours: every bucket
/// (and, shifted by `shift`, every previous-period hour) starts on an hour.
fn whole_hours_fit(req: &DashboardRequest, shift: i64) -> bool {
    totals_allowed()
        && (i64::from(req.utc_offset_minutes) * 60_000) % HOUR == 0
        && shift % HOUR == 0
}

/// A span of time, Unix ms: [start, end).
type Span = (i64, i64);

/// The parts of [from, to): hits before the first whole `unit` (a UTC hour or
/// day), the whole units, hits after the last one. `None` when no whole unit
/// fits in the range.
fn split_whole(from: i64, to: i64, unit: i64) -> Option<(Span, Span, Span)> {
    let first = (from + unit - 1).div_euclid(unit) * unit;
    let last = to.div_euclid(unit) * unit;
    (first < last).then_some(((from, first), (first, last), (last, to)))
}

/// Adds one query's hits in [from, to) to `tally`: hourly totals for whole
/// hours where they fit the buckets, the hits themselves for the rest.
fn tally_query(
    c: &Connection,
    tally: &mut Tally,
    labels: &mut Labels,
    series: &Series,
    req: &DashboardRequest,
    query_id: i64,
) -> Result<()> {
    let period = req.to - req.from;
    let parts = |from: i64, to: i64, shift: i64| match split_whole(from, to, HOUR) {
        Some((head, whole, tail)) if whole_hours_fit(req, shift) => (vec![head, tail], Some(whole)),
        _ => (vec![(from, to)], None),
    };
    let (exact, whole) = parts(req.from, req.to, 0);
    for (from, to) in exact {
        for row in hit_rows(c, labels, query_id, from, to)? {
            tally.add_hit(series, &row);
        }
    }
    if let Some((from, to)) = whole {
        for r in rollups::read(c, query_id, from, to)? {
            let (network, lang) = (labels.id(&r.network), labels.id(&r.lang));
            tally.add(
                series,
                r.hour,
                r.hits,
                r.bands,
                r.sentiment_sum,
                network,
                lang,
            );
        }
    }
    let (exact, whole) = parts(req.from - period, req.from, period);
    for (from, to) in exact {
        for id in hit_ids(c, query_id, from, to)? {
            tally.add_previous(series, item_id_time(id), 1, period);
        }
    }
    if let Some((from, to)) = whole {
        for r in rollups::read(c, query_id, from, to)? {
            tally.add_previous(series, r.hour, r.hits, period);
        }
    }
    Ok(())
}

/// Hits per author in [from, to): from the authors' per-day counts for the
/// whole UTC days (when `by_day`), from the hits for the rest.
fn author_counts(
    c: &Connection,
    query_id: i64,
    from: i64,
    to: i64,
    by_day: bool,
) -> Result<HashMap<i64, i64>> {
    let mut out: HashMap<i64, i64> = HashMap::new();
    match split_whole(from, to, DAY).filter(|_| by_day) {
        Some((head, (first, last), tail)) => {
            rollups::read_authors(c, query_id, first, last, &mut out)?;
            for (from, to) in [head, tail] {
                hit_authors(c, query_id, from, to, &mut out)?;
            }
        }
        None => hit_authors(c, query_id, from, to, &mut out)?,
    }
    Ok(out)
}

/// Adds the hits per author in [from, to), counted from the hits, to `counts`.
fn hit_authors(
    c: &Connection,
    query_id: i64,
    from: i64,
    to: i64,
    counts: &mut HashMap<i64, i64>,
) -> Result<()> {
    if from >= to {
        return Ok(());
    }
    let mut stmt = c.prepare_cached(
        "SELECT author_id FROM listening_hits
         WHERE query_id = ?1 AND item_id >= ?2 AND item_id < ?3",
    )?;
    let mut rows = stmt.query(params![
        query_id,
        first_item_id_at(from),
        first_item_id_at(to)
    ])?;
    while let Some(r) = rows.next()? {
        let author = r.get::<_, Option<i64>>(0)?.unwrap_or_default();
        *counts.entry(author).or_default() += 1;
    }
    Ok(())
}

/// The newest `n` hits of a query in [from, to), newest first.
fn newest_ids(c: &Connection, query_id: i64, from: i64, to: i64, n: usize) -> Result<Vec<i64>> {
    let mut stmt = c.prepare_cached(
        "SELECT item_id FROM listening_hits
         WHERE query_id = ?1 AND item_id >= ?2 AND item_id < ?3
         ORDER BY item_id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(
        params![
            query_id,
            first_item_id_at(from),
            first_item_id_at(to),
            n as i64
        ],
        |r| r.get(0),
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The top authors by hits and by reach, from each author's hits.
fn top_authors(
    c: &Connection,
    counts: HashMap<i64, i64>,
    top: usize,
    followers: Option<&HashMap<i64, i64>>,
) -> Result<(Vec<AuthorStat>, Vec<AuthorStat>)> {
    let mut authors: HashMap<i64, (i64, Option<i64>)> =
        counts.into_iter().map(|(id, n)| (id, (n, None))).collect();
    followers_of(c, &mut authors, followers)?;
    let mut by_volume: Vec<(i64, i64, Option<i64>)> = authors
        .iter()
        .map(|(&id, &(hits, followers))| (id, hits, followers))
        .collect();
    by_volume.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    let mut by_reach: Vec<(i64, i64, Option<i64>)> = by_volume
        .iter()
        .copied()
        .filter(|a| a.2.is_some())
        .collect();
    by_reach.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    Ok((
        author_stats(c, &by_volume[..by_volume.len().min(top)])?,
        author_stats(c, &by_reach[..by_reach.len().min(top)])?,
    ))
}

/// Terms and hashtags in the text of `ids`, each counted once per hit.
fn terms_of(
    c: &Connection,
    ids: &[i64],
    own_words: &HashSet<String>,
) -> Result<(HashMap<String, i64>, HashMap<String, i64>)> {
    let mut terms: HashMap<String, i64> = HashMap::new();
    let mut tags: HashMap<String, i64> = HashMap::new();
    let mut text_of = c.prepare_cached("SELECT text FROM items WHERE id = ?1")?;
    let mut seen: HashSet<String> = HashSet::new();
    for &id in ids {
        let Some(text) = text_of
            .query_row([id], |r| r.get::<_, String>(0))
            .optional()?
        else {
            continue;
        };
        seen.clear();
        crate::query::for_each_word(&text, |w| {
            if w.chars().count() >= 3
                && !w.chars().all(|c| c.is_ascii_digit())
                && !is_stopword(w)
                && !own_words.contains(w)
                && !seen.contains(w)
            {
                seen.insert(w.to_owned());
                *terms.entry(w.to_owned()).or_default() += 1;
            }
        });
        for tag in hashtags(&text) {
            *tags.entry(tag).or_default() += 1;
        }
    }
    Ok((terms, tags))
}

/// The hits `ids` as the latest-hits list shows them, in that order.
fn latest_hits(c: &Connection, ids: &[i64]) -> Result<Vec<LatestHit>> {
    let mut stmt = c.prepare_cached(
        "SELECT i.id, i.conversation_id, i.network, a.handle, a.display_name,
                substr(i.text, 1, 280), i.created_at, i.sentiment, i.url
         FROM items i JOIN authors a ON a.id = i.author_id WHERE i.id = ?1",
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let hit = stmt
            .query_row([id], |r| {
                Ok(LatestHit {
                    item_id: r.get::<_, i64>(0)?.to_string(),
                    conversation_id: r.get(1)?,
                    network: r.get(2)?,
                    author_handle: r.get(3)?,
                    author_name: r.get(4)?,
                    text: r.get(5)?,
                    created_at: r.get(6)?,
                    sentiment: r.get(7)?,
                    url: r.get(8)?,
                })
            })
            .optional()?;
        out.extend(hit);
    }
    Ok(out)
}

/// What a panel shows besides its tally.
struct Extras {
    authors: (Vec<AuthorStat>, Vec<AuthorStat>),
    terms: (HashMap<String, i64>, HashMap<String, i64>),
    terms_sampled: usize,
    latest: Vec<LatestHit>,
}

fn assemble(
    query_id: Option<i64>,
    name: String,
    tally: Tally,
    labels: &Labels,
    extras: Extras,
    series: &Series,
    req: &DashboardRequest,
) -> ListeningPanel {
    let sentiment_trend = tally.sentiment_trend(series);
    ListeningPanel {
        query_id,
        name,
        total: tally.total,
        previous_total: tally.previous_total,
        volume: tally.volume,
        sentiment: tally.split,
        sentiment_trend,
        top_authors: extras.authors.0,
        top_authors_by_reach: extras.authors.1,
        top_terms: top_counts(extras.terms.0, req.top),
        top_hashtags: top_counts(extras.terms.1, req.top),
        terms_sampled: extras.terms_sampled as i64,
        networks: top_counts(labels.named(tally.networks), usize::MAX),
        languages: top_counts(labels.named(tally.languages), usize::MAX),
        latest: extras.latest,
    }
}

/// One query's panel. Its authors are counted on a second thread while this
/// one adds up the hourly totals, terms and latest hits (and, for many hits,
/// reads every author's followers).
fn query_panel(
    ws: &Workspace,
    q: &super::ListeningQuery,
    series: &Series,
    req: &DashboardRequest,
) -> Result<ListeningPanel> {
    let by_day = totals_allowed();
    std::thread::scope(|scope| {
        let counts = scope.spawn(|| {
            ws.store()
                .read(|c| author_counts(c, q.id, req.from, req.to, by_day))
        });
        ws.store().read(|c| -> Result<_> {
            let mut labels = Labels::default();
            let mut tally = Tally::new(series);
            tally_query(c, &mut tally, &mut labels, series, req, q.id)?;
            let newest = newest_ids(c, q.id, req.from, req.to, TERMS_SAMPLE.max(req.latest))?;
            let sample = &newest[..newest.len().min(TERMS_SAMPLE)];
            let terms = terms_of(c, sample, &own_words(&q.query))?;
            let latest = latest_hits(c, &newest[..newest.len().min(req.latest)])?;
            // Many hits have many authors: read every author's followers here
            // while the other thread counts (else a lookup each, after).
            let followers = (tally.total >= MANY_HITS)
                .then(|| all_followers(c))
                .transpose()?;
            let counts = counts
                .join()
                .unwrap_or_else(|_| Err(Error::Invalid("the dashboard's authors failed".into())))?;
            let authors = top_authors(c, counts, req.top, followers.as_ref())?;
            Ok(assemble(
                Some(q.id),
                q.name.clone(),
                tally,
                &labels,
                Extras {
                    authors,
                    terms,
                    terms_sampled: sample.len(),
                    latest,
                },
                series,
                req,
            ))
        })
    })
}

/// The panel of several queries together: each item once, so it reads their hits.
fn together_panel(
    c: &Connection,
    chosen: &[super::ListeningQuery],
    series: &Series,
    req: &DashboardRequest,
) -> Result<ListeningPanel> {
    let period = req.to - req.from;
    let mut labels = Labels::default();
    let mut rows: Vec<HitRow> = Vec::new();
    let mut previous: Vec<i64> = Vec::new();
    for q in chosen {
        rows.extend(hit_rows(c, &mut labels, q.id, req.from, req.to)?);
        previous.extend(hit_ids(c, q.id, req.from - period, req.from)?);
    }
    rows.sort_by_key(|r| r.id);
    rows.dedup_by_key(|r| r.id);
    previous.sort_unstable();
    previous.dedup();
    let mut tally = Tally::new(series);
    let mut counts: HashMap<i64, i64> = HashMap::new();
    for row in &rows {
        tally.add_hit(series, row);
        *counts.entry(row.author_id).or_default() += 1;
    }
    for &id in &previous {
        tally.add_previous(series, item_id_time(id), 1, period);
    }
    let newest: Vec<i64> = rows
        .iter()
        .rev()
        .take(TERMS_SAMPLE.max(req.latest))
        .map(|r| r.id)
        .collect();
    let sample = &newest[..newest.len().min(TERMS_SAMPLE)];
    let own: HashSet<String> = chosen.iter().flat_map(|q| own_words(&q.query)).collect();
    let extras = Extras {
        authors: top_authors(c, counts, req.top, None)?,
        terms: terms_of(c, sample, &own)?,
        terms_sampled: sample.len(),
        latest: latest_hits(c, &newest[..newest.len().min(req.latest)])?,
    };
    Ok(assemble(
        None,
        "All queries".into(),
        tally,
        &labels,
        extras,
        series,
        req,
    ))
}

/// Authors at which their followers are read in one pass over the authors
/// table rather than one lookup each (the pass costs about as much).
const FOLLOWERS_IN_ONE_PASS: usize = 10_000;
/// A query's hits in range at which its authors are taken to be many (without
/// waiting to count them).
const MANY_HITS: i64 = 10_000;

/// Every author's followers, where known: one pass over the authors table.
fn all_followers(c: &Connection) -> Result<HashMap<i64, i64>> {
    let mut stmt =
        c.prepare_cached("SELECT id, followers FROM authors WHERE followers IS NOT NULL")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Fills in each author's followers: from `known` (see [`all_followers`]), or
/// one lookup each for a few, or one pass over the authors table for many.
fn followers_of(
    c: &Connection,
    authors: &mut HashMap<i64, (i64, Option<i64>)>,
    known: Option<&HashMap<i64, i64>>,
) -> Result<()> {
    if let Some(known) = known {
        for (id, (_, followers)) in authors.iter_mut() {
            *followers = known.get(id).copied();
        }
    } else if authors.len() < FOLLOWERS_IN_ONE_PASS {
        let mut stmt = c.prepare_cached("SELECT followers FROM authors WHERE id = ?1")?;
        for (id, (_, followers)) in authors.iter_mut() {
            *followers = stmt.query_row([id], |r| r.get(0)).optional()?.flatten();
        }
    } else {
        return followers_of(c, authors, Some(&all_followers(c)?));
    }
    Ok(())
}

fn author_stats(c: &Connection, authors: &[(i64, i64, Option<i64>)]) -> Result<Vec<AuthorStat>> {
    let mut stmt = c.prepare_cached(
        "SELECT network, handle, display_name, followers FROM authors WHERE id = ?1",
    )?;
    authors
        .iter()
        .map(|&(id, hits, _)| {
            Ok(stmt.query_row([id], |r| {
                Ok(AuthorStat {
                    author_id: id,
                    network: r.get(0)?,
                    handle: r.get(1)?,
                    display_name: r.get(2)?,
                    followers: r.get(3)?,
                    hits,
                })
            })?)
        })
        .collect()
}

fn own_words(query: &str) -> HashSet<String> {
    Query::parse(query)
        .map(|q| {
            q.required()
                .into_iter()
                .flatten()
                .filter_map(|n| match n {
                    Needle::Word(w) => Some(w),
                    Needle::Prefix(_) => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The dashboard for the requested queries and range.
pub fn dashboard(ws: &Workspace, req: &DashboardRequest) -> Result<Dashboard> {
    if req.to <= req.from {
        return Err(Error::Invalid(
            "the dashboard's range must end after it starts".into(),
        ));
    }
    let series = Series::new(req)?;
    let all = super::list_uncounted(ws)?;
    let chosen: Vec<super::ListeningQuery> = if req.query_ids.is_empty() {
        all.into_iter().filter(|q| q.enabled).collect()
    } else {
        req.query_ids
            .iter()
            .map(|id| {
                all.iter()
                    .find(|q| q.id == *id)
                    .cloned()
                    .ok_or(Error::NotFound {
                        what: "listening query",
                        id: id.to_string(),
                    })
            })
            .collect::<Result<_>>()?
    };
    let ids: Vec<i64> = chosen.iter().map(|q| q.id).collect();
    // Spikes look at the last week whatever the range, and the panel of all
    // the queries together reads their hits: each on a thread of its own, while
    // this one builds the queries' panels (which leave a core mostly idle).
    let (panels, spikes) = std::thread::scope(|scope| -> Result<_> {
        let spikes = scope.spawn(|| super::spikes::spikes(ws, &ids, ws.now()));
        let together = (chosen.len() > 1).then(|| {
            scope.spawn(|| {
                ws.store()
                    .read(|c| together_panel(c, &chosen, &series, req))
            })
        });
        let mut panels = Vec::new();
        for q in &chosen {
            panels.push(query_panel(ws, q, &series, req)?);
        }
        if let Some(together) = together {
            panels.push(together.join().unwrap_or_else(|_| {
                Err(Error::Invalid("the panel of all queries failed".into()))
            })?);
        }
        let spikes = spikes
            .join()
            .unwrap_or_else(|_| Err(Error::Invalid("the spike check failed".into())))?;
        Ok((panels, spikes))
    })?;
    let sum: i64 = panels.iter().take(chosen.len()).map(|p| p.total).sum();
    let share_of_voice = chosen
        .iter()
        .zip(&panels)
        .map(|(q, p)| QueryShare {
            query_id: q.id,
            name: q.name.clone(),
            hits: p.total,
            share: if sum > 0 {
                p.total as f64 / sum as f64
            } else {
                0.0
            },
        })
        .collect();
    Ok(Dashboard {
        from: req.from,
        to: req.to,
        bucket: req.bucket,
        panels,
        share_of_voice,
        spikes,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    thread_local! {
        /// Makes this thread's dashboards read every hit, not the hourly totals:
        /// what the totals must agree with.
        pub(in crate::listening) static HITS_ONLY: std::cell::Cell<bool> =
            const { std::cell::Cell::new(false) };
    }

    #[test]
    fn buckets_start_at_local_boundaries() {
        // 2026-11-23 (a Monday) 10:30 UTC.
        let t = 1_795_429_800_000;
        assert_eq!(Bucket::Hour.start(t, 0), t - 30 * 60_000);
        assert_eq!(Bucket::Day.start(t, 0), t - 10 * HOUR - 30 * 60_000);
        assert_eq!(
            Bucket::Week.start(t, 0),
            Bucket::Day.start(t, 0),
            "weeks start on Monday"
        );
        assert_eq!(
            Bucket::Day.start(t, 12 * HOUR),
            t - 10 * HOUR - 30 * 60_000 + 12 * HOUR - DAY,
            "22:30 local is still Monday, which began at 12:00 UTC on Sunday"
        );
    }

    #[test]
    fn hashtags_are_found_and_normalised() {
        let tags: Vec<String> =
            hashtags("Love #Earshot and #rust_lang! not a#b, &#39; #2026 #é").collect();
        assert_eq!(tags, vec!["earshot", "rust_lang", "é"]);
    }
}
