//! The listening dashboard's figures, per query and across queries, for a date
//! range: volume over time beside the previous period, sentiment, share of
//! voice, top authors, terms and hashtags, networks, languages, latest hits.
//!
//! Item ids encode their creation time ([`crate::ingest::item_id`]), so a date
//! range of hits is a range of the `listening_hits` primary key, and the volume
//! of the previous period needs no join at all. Everything else comes from one
//! pass over the range's hits joined to their items.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ingest::{first_item_id_at, item_id_time};
use crate::query::{Needle, Query, NEGATIVE_BELOW};
use crate::Workspace;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
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

fn band(s: f64) -> usize {
    if s <= NEGATIVE_BELOW {
        0
    } else if s >= -NEGATIVE_BELOW {
        2
    } else {
        1
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

struct PanelSpec<'a> {
    query_id: Option<i64>,
    name: String,
    rows: &'a [HitRow],
    labels: &'a Labels,
    previous: &'a [i64],
    /// The query's own words, left out of the top terms.
    own_words: HashSet<String>,
}

fn panel(
    c: &Connection,
    spec: PanelSpec<'_>,
    series: &Series,
    req: &DashboardRequest,
) -> Result<ListeningPanel> {
    let period = req.to - req.from;
    let mut volume: Vec<VolumePoint> = (0..series.len)
        .map(|i| VolumePoint {
            at: series.at(i),
            hits: 0,
            previous: 0,
        })
        .collect();
    let mut trend: Vec<([i64; 3], f64, i64)> = vec![([0; 3], 0.0, 0); series.len];
    let mut split = SentimentSplit::default();
    let mut authors: HashMap<i64, (i64, Option<i64>)> = HashMap::new();
    let mut networks: HashMap<u32, i64> = HashMap::new();
    let mut languages: HashMap<u32, i64> = HashMap::new();
    for row in spec.rows {
        let t = item_id_time(row.id);
        if let Some(i) = series.index(t) {
            volume[i].hits += 1;
            if let Some(s) = row.sentiment {
                let b = band(s);
                trend[i].0[b] += 1;
                trend[i].1 += s;
                trend[i].2 += 1;
            }
        }
        match row.sentiment.map(band) {
            Some(0) => split.negative += 1,
            Some(1) => split.neutral += 1,
            Some(_) => split.positive += 1,
            None => split.unknown += 1,
        }
        authors.entry(row.author_id).or_insert((0, None)).0 += 1;
        *networks.entry(row.network).or_default() += 1;
        *languages.entry(row.lang).or_default() += 1;
    }
    for &id in spec.previous {
        if let Some(i) = series.index(item_id_time(id) + period) {
            volume[i].previous += 1;
        }
    }
    let sentiment_trend = trend
        .into_iter()
        .enumerate()
        .map(|(i, (bands, sum, n))| SentimentPoint {
            at: series.at(i),
            negative: bands[0],
            neutral: bands[1],
            positive: bands[2],
            mean: (n > 0).then(|| sum / n as f64),
        })
        .collect();

    followers_of(c, &mut authors)?;
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
    let top_authors = author_stats(c, &by_volume[..by_volume.len().min(req.top)])?;
    let top_authors_by_reach = author_stats(c, &by_reach[..by_reach.len().min(req.top)])?;

    // Terms and hashtags from the newest hits' text.
    let mut terms: HashMap<String, i64> = HashMap::new();
    let mut tags: HashMap<String, i64> = HashMap::new();
    let sample = &spec.rows[spec.rows.len().saturating_sub(TERMS_SAMPLE)..];
    {
        let mut text_of = c.prepare_cached("SELECT text FROM items WHERE id = ?1")?;
        for row in sample {
            let text: String = text_of.query_row([row.id], |r| r.get(0))?;
            let mut seen: HashSet<String> = HashSet::new();
            for w in crate::query::words(&text) {
                if w.chars().count() >= 3
                    && !w.chars().all(|c| c.is_ascii_digit())
                    && !is_stopword(&w)
                    && !spec.own_words.contains(&w)
                    && seen.insert(w.clone())
                {
                    *terms.entry(w).or_default() += 1;
                }
            }
            for tag in hashtags(&text) {
                *tags.entry(tag).or_default() += 1;
            }
        }
    }

    let mut latest = Vec::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT i.id, i.conversation_id, i.network, a.handle, a.display_name,
                    substr(i.text, 1, 280), i.created_at, i.sentiment, i.url
             FROM items i JOIN authors a ON a.id = i.author_id WHERE i.id = ?1",
        )?;
        for row in spec.rows.iter().rev().take(req.latest) {
            latest.push(stmt.query_row([row.id], |r| {
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
            })?);
        }
    }

    Ok(ListeningPanel {
        query_id: spec.query_id,
        name: spec.name,
        total: spec.rows.len() as i64,
        previous_total: spec.previous.len() as i64,
        volume,
        sentiment: split,
        sentiment_trend,
        top_authors,
        top_authors_by_reach,
        top_terms: top_counts(terms, req.top),
        top_hashtags: top_counts(tags, req.top),
        terms_sampled: sample.len() as i64,
        networks: top_counts(spec.labels.named(networks), usize::MAX),
        languages: top_counts(spec.labels.named(languages), usize::MAX),
        latest,
    })
}

/// Fills in each author's followers: one lookup each for a few, one pass over
/// the authors table for many.
fn followers_of(c: &Connection, authors: &mut HashMap<i64, (i64, Option<i64>)>) -> Result<()> {
    if authors.len() < 2_000 {
        let mut stmt = c.prepare_cached("SELECT followers FROM authors WHERE id = ?1")?;
        for (id, (_, followers)) in authors.iter_mut() {
            *followers = stmt.query_row([id], |r| r.get(0)).optional()?.flatten();
        }
    } else {
        let mut stmt =
            c.prepare_cached("SELECT id, followers FROM authors WHERE followers IS NOT NULL")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(a) = authors.get_mut(&r.get::<_, i64>(0)?) {
                a.1 = r.get(1)?;
            }
        }
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
    let period = req.to - req.from;
    let (panels, share_of_voice) = ws.store().read(|c| -> Result<_> {
        let mut panels = Vec::new();
        let mut rows_of = Vec::new();
        let mut labels = Labels::default();
        let mut previous_of = Vec::new();
        for q in &chosen {
            rows_of.push(hit_rows(c, &mut labels, q.id, req.from, req.to)?);
            previous_of.push(hit_ids(c, q.id, req.from - period, req.from)?);
        }
        for (i, q) in chosen.iter().enumerate() {
            panels.push(panel(
                c,
                PanelSpec {
                    query_id: Some(q.id),
                    name: q.name.clone(),
                    rows: &rows_of[i],
                    labels: &labels,
                    previous: &previous_of[i],
                    own_words: own_words(&q.query),
                },
                &series,
                req,
            )?);
        }
        if chosen.len() > 1 {
            let mut rows: Vec<HitRow> = rows_of.iter().flatten().copied().collect();
            rows.sort_by_key(|r| r.id);
            rows.dedup_by_key(|r| r.id);
            let mut previous: Vec<i64> = previous_of.iter().flatten().copied().collect();
            previous.sort_unstable();
            previous.dedup();
            let own = chosen.iter().flat_map(|q| own_words(&q.query)).collect();
            panels.push(panel(
                c,
                PanelSpec {
                    query_id: None,
                    name: "All queries".into(),
                    rows: &rows,
                    labels: &labels,
                    previous: &previous,
                    own_words: own,
                },
                &series,
                req,
            )?);
        }
        let sum: i64 = rows_of.iter().map(|r| r.len() as i64).sum();
        let share = chosen
            .iter()
            .zip(&rows_of)
            .map(|(q, rows)| QueryShare {
                query_id: q.id,
                name: q.name.clone(),
                hits: rows.len() as i64,
                share: if sum > 0 {
                    rows.len() as f64 / sum as f64
                } else {
                    0.0
                },
            })
            .collect();
        Ok((panels, share))
    })?;
    let ids: Vec<i64> = chosen.iter().map(|q| q.id).collect();
    let spikes = super::spikes::spikes(ws, &ids, ws.now())?;
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
mod tests {
    use super::*;

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
