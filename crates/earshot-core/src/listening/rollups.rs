//! Per-(query, hour) totals of hits, by network and language: what the
//! dashboard's volume, sentiment, networks and languages read over a long
//! range, a row per hour instead of a row per hit.
//!
//! They are written in the same transaction as the hits they count (on ingest
//! and by a retroactive run), and dropped with their query. Hours are UTC hours
//! of the items' creation, so any range or bucket that starts on an hour reads
//! whole hours; the dashboard reads the hits themselves for the rest.

use std::collections::HashMap;

use rusqlite::{params, Connection, Transaction};

use super::HitRow;
use crate::error::Result;
use crate::ingest::{first_item_id_at, item_id_time};
use crate::query::NEGATIVE_BELOW;

pub(crate) const HOUR: i64 = 3_600_000;
/// Rollup rows per `INSERT` statement (9 values each).
const ROWS_PER_INSERT: usize = 200;
/// The label of hits without a network or language, as the dashboard shows it.
pub(crate) const UNKNOWN: &str = "unknown";

/// The start of the UTC hour holding `t` (Unix ms).
pub(crate) fn hour_of(t: i64) -> i64 {
    t.div_euclid(HOUR) * HOUR
}

/// One hour's totals for one query, network and language.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rollup {
    pub hour: i64,
    pub network: String,
    pub lang: String,
    pub hits: i64,
    /// Scored hits by band: negative, neutral, positive.
    pub bands: [i64; 3],
    /// The sum of the scored hits' sentiment.
    pub sentiment_sum: f64,
}

/// A sentiment's band: 0 negative, 1 neutral, 2 positive.
pub(crate) fn band(s: f64) -> usize {
    if s <= NEGATIVE_BELOW {
        0
    } else if s >= -NEGATIVE_BELOW {
        2
    } else {
        1
    }
}

type Key<'a> = (i64, i64, &'a str, &'a str);

/// Totals of `rows` by (query, hour, network, language), in key order.
fn totals<'a>(rows: &[HitRow<'a>]) -> Vec<(Key<'a>, i64, [i64; 3], f64)> {
    let mut by: HashMap<Key<'a>, (i64, [i64; 3], f64)> = HashMap::new();
    for h in rows {
        let key = (
            h.query_id,
            hour_of(item_id_time(h.item_id)),
            h.network,
            h.lang.unwrap_or(UNKNOWN),
        );
        let t = by.entry(key).or_default();
        t.0 += 1;
        if let Some(s) = h.sentiment {
            t.1[band(s)] += 1;
            t.2 += s;
        }
    }
    let mut out: Vec<_> = by
        .into_iter()
        .map(|(k, (n, bands, sum))| (k, n, bands, sum))
        .collect();
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Adds newly stored hits to their hours' totals.
pub(crate) fn add(tx: &Transaction<'_>, rows: &[HitRow<'_>]) -> Result<()> {
    for chunk in totals(rows).chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO listening_rollups
                (query_id, hour, network, lang, hits, negative, neutral, positive, sentiment_sum)
             VALUES {}
             ON CONFLICT (query_id, hour, network, lang) DO UPDATE SET
                hits = hits + excluded.hits,
                negative = negative + excluded.negative,
                neutral = neutral + excluded.neutral,
                positive = positive + excluded.positive,
                sentiment_sum = sentiment_sum + excluded.sentiment_sum",
            vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 9);
        for ((query_id, hour, network, lang), hits, bands, sum) in chunk {
            values.extend([
                query_id as &dyn rusqlite::ToSql,
                hour,
                network,
                lang,
                hits,
                &bands[0],
                &bands[1],
                &bands[2],
                sum,
            ]);
        }
        stmt.execute(values.as_slice())?;
    }
    Ok(())
}

/// Counts again, from the hits themselves, the hours of `rows`' queries (for
/// when some of them were already stored, so adding them would count twice).
pub(crate) fn recount(tx: &Transaction<'_>, rows: &[HitRow<'_>]) -> Result<()> {
    let mut hours: Vec<(i64, i64)> = rows
        .iter()
        .map(|h| (h.query_id, hour_of(item_id_time(h.item_id))))
        .collect();
    hours.sort_unstable();
    hours.dedup();
    let mut delete =
        tx.prepare_cached("DELETE FROM listening_rollups WHERE query_id = ?1 AND hour = ?2")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO listening_rollups
            (query_id, hour, network, lang, hits, negative, neutral, positive, sentiment_sum)
         SELECT ?1, ?2, coalesce(network, 'unknown'), coalesce(lang, 'unknown'), count(*),
                count(*) FILTER (WHERE sentiment <= ?5),
                count(*) FILTER (WHERE sentiment > ?5 AND sentiment < -?5),
                count(*) FILTER (WHERE sentiment >= -?5),
                coalesce(sum(sentiment), 0)
         FROM listening_hits WHERE query_id = ?1 AND item_id >= ?3 AND item_id < ?4
         GROUP BY 3, 4",
    )?;
    for (query_id, hour) in hours {
        delete.execute(params![query_id, hour])?;
        insert.execute(params![
            query_id,
            hour,
            first_item_id_at(hour),
            first_item_id_at(hour + HOUR),
            NEGATIVE_BELOW
        ])?;
    }
    Ok(())
}

/// Drops a query's totals (before a run stores its hits anew, or with the query).
pub(crate) fn delete(tx: &Transaction<'_>, query_id: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM listening_rollups WHERE query_id = ?1",
        [query_id],
    )?;
    Ok(())
}

/// A query's totals for the hours starting in [from_hour, to_hour).
pub(crate) fn read(
    c: &Connection,
    query_id: i64,
    from_hour: i64,
    to_hour: i64,
) -> Result<Vec<Rollup>> {
    let mut stmt = c.prepare_cached(
        "SELECT hour, network, lang, hits, negative, neutral, positive, sentiment_sum
         FROM listening_rollups WHERE query_id = ?1 AND hour >= ?2 AND hour < ?3",
    )?;
    let rows = stmt.query_map(params![query_id, from_hour, to_hour], |r| {
        Ok(Rollup {
            hour: r.get(0)?,
            network: r.get(1)?,
            lang: r.get(2)?,
            hits: r.get(3)?,
            bands: [r.get(4)?, r.get(5)?, r.get(6)?],
            sentiment_sum: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
