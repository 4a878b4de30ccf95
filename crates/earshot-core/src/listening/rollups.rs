//! Totals of hits kept beside them, so that the dashboard reads a row per hour
//! or per author and day over a long range instead of a row per hit:
//! per-(query, hour) totals by network and language (volume, sentiment,
//! networks, languages), and per-(query, day) hits of each author (the top
//! authors by volume and by reach).
//!
//! They are written in the same transaction as the hits they count (on ingest
//! and by a retroactive run), and dropped with their query. Hours and days are
//! UTC hours and days of the items' creation, so any range or bucket that starts
//! on an hour reads whole hours, and any range reads whole days' authors; the
//! dashboard reads the hits themselves for the rest.

use std::collections::HashMap;

use rusqlite::{params, Connection, Transaction};

use super::HitRow;
use crate::error::Result;
use crate::ingest::{first_item_id_at, item_id_time};
use crate::query::NEGATIVE_BELOW;

pub(crate) const HOUR: i64 = 3_600_000;
pub(crate) const DAY: i64 = 24 * HOUR;
/// Rollup rows per `INSERT` statement (9 values each).
const ROWS_PER_INSERT: usize = 200;
/// The label of hits without a network or language, as the dashboard shows it.
pub(crate) const UNKNOWN: &str = "unknown";

/// The start of the UTC hour holding `t` (Unix ms).
pub(crate) fn hour_of(t: i64) -> i64 {
    t.div_euclid(HOUR) * HOUR
}

/// The start of the UTC day holding `t` (Unix ms).
pub(crate) fn day_of(t: i64) -> i64 {
    t.div_euclid(DAY) * DAY
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

/// Hits of `rows` by (query, day, author), in key order: sorted, then counted
/// in runs (a batch holds tens of thousands of hits, a run hundreds of thousands).
fn author_totals(rows: &[HitRow<'_>]) -> Vec<((i64, i64, i64), i64)> {
    let mut keys: Vec<(i64, i64, i64)> = rows
        .iter()
        .map(|h| (h.query_id, day_of(item_id_time(h.item_id)), h.author_id))
        .collect();
    keys.sort_unstable();
    let mut out: Vec<((i64, i64, i64), i64)> = Vec::new();
    for key in keys {
        match out.last_mut() {
            Some((last, n)) if *last == key => *n += 1,
            _ => out.push((key, 1)),
        }
    }
    out
}

/// Adds newly stored hits to their hours' totals and to their authors' days.
pub(crate) fn add(tx: &Transaction<'_>, rows: &[HitRow<'_>]) -> Result<()> {
    add_authors(tx, rows)?;
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
            crate::store::value_rows(9, chunk.len())
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

/// Author-day rows per `INSERT` statement (4 values each).
const AUTHOR_ROWS_PER_INSERT: usize = 500;

fn add_authors(tx: &Transaction<'_>, rows: &[HitRow<'_>]) -> Result<()> {
    for chunk in author_totals(rows).chunks(AUTHOR_ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO listening_authors (query_id, day, author_id, hits) VALUES {}
             ON CONFLICT (query_id, day, author_id) DO UPDATE SET hits = hits + excluded.hits",
            crate::store::value_rows(4, chunk.len())
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 4);
        for ((query_id, day, author_id), hits) in chunk {
            values.extend([query_id as &dyn rusqlite::ToSql, day, author_id, hits]);
        }
        stmt.execute(values.as_slice())?;
    }
    Ok(())
}

/// The distinct (query, start of the hour or day) of `rows`.
fn spans_of(rows: &[HitRow<'_>], start_of: fn(i64) -> i64) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = rows
        .iter()
        .map(|h| (h.query_id, start_of(item_id_time(h.item_id))))
        .collect();
    spans.sort_unstable();
    spans.dedup();
    spans
}

/// Counts again, from the hits themselves, the hours and the authors' days of
/// `rows`' queries (for when some of them were already stored, so adding them
/// would count twice).
pub(crate) fn recount(tx: &Transaction<'_>, rows: &[HitRow<'_>]) -> Result<()> {
    let days = spans_of(rows, day_of);
    let mut delete =
        tx.prepare_cached("DELETE FROM listening_authors WHERE query_id = ?1 AND day = ?2")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO listening_authors (query_id, day, author_id, hits)
         SELECT ?1, ?2, coalesce(author_id, 0), count(*)
         FROM listening_hits WHERE query_id = ?1 AND item_id >= ?3 AND item_id < ?4
         GROUP BY 3",
    )?;
    for (query_id, day) in days {
        delete.execute(params![query_id, day])?;
        insert.execute(params![
            query_id,
            day,
            first_item_id_at(day),
            first_item_id_at(day + DAY)
        ])?;
    }
    let hours = spans_of(rows, hour_of);
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
    tx.execute(
        "DELETE FROM listening_authors WHERE query_id = ?1",
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

/// Adds a query's hits per author over the days starting in [from_day, to_day)
/// to `counts`.
pub(crate) fn read_authors(
    c: &Connection,
    query_id: i64,
    from_day: i64,
    to_day: i64,
    counts: &mut HashMap<i64, i64>,
) -> Result<()> {
    let mut stmt = c.prepare_cached(
        "SELECT author_id, hits FROM listening_authors
         WHERE query_id = ?1 AND day >= ?2 AND day < ?3",
    )?;
    let mut rows = stmt.query(params![query_id, from_day, to_day])?;
    while let Some(r) = rows.next()? {
        *counts.entry(r.get(0)?).or_default() += r.get::<_, i64>(1)?;
    }
    Ok(())
}
