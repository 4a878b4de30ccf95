//! Listening: saved queries over everything Earshot has synced, their hits,
//! the dashboard's aggregates and spike alerts.
//!
//! A query matches every new item on ingest ([`matcher::QuerySet`], on the
//! analysis thread; the writer stores the hits in the batch's transaction) and,
//! when it is created or edited, every item already in the cache
//! ([`run`]: FTS5 finds the candidates where the query needs a word, the exact
//! matcher decides). Our own posts are never hits.

pub mod csv;
pub mod dashboard;
pub mod matcher;
pub mod sources;
pub mod spikes;

use std::time::Instant;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::item::ItemKind;
use crate::query::{words, Doc, Query, QueryError};
use crate::Workspace;

pub use dashboard::{dashboard, Bucket, Dashboard, DashboardRequest};
pub use matcher::QuerySet;

/// A saved listening query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ListeningQuery {
    pub id: i64,
    pub name: String,
    /// The query text, in the query language of [`crate::query`].
    pub query: String,
    /// Matched on ingest; a disabled query keeps its hits but gets no new ones.
    pub enabled: bool,
    /// Unix ms.
    pub created_at: i64,
    pub updated_at: i64,
    /// Items it matched.
    pub hits: i64,
}

/// What the manager types to create or edit a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueryInput {
    pub name: String,
    pub query: String,
    pub enabled: bool,
}

/// How far a retroactive run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunProgress {
    pub query_id: i64,
    /// Items looked at so far.
    pub done: u64,
    /// Items to look at: the FTS5 candidates, or every item for a scan.
    pub total: u64,
}

/// What a retroactive run did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunReport {
    pub query_id: i64,
    /// Items the exact matcher looked at.
    pub scanned: u64,
    /// Items it matched (the query's hits now).
    pub hits: u64,
    /// Whether the full-text index narrowed the candidates (else every item was scanned).
    pub used_index: bool,
    pub elapsed_ms: u64,
}

/// Whether a query parses: `Ok`, or where it is wrong and what was expected.
pub fn check(text: &str) -> std::result::Result<(), QueryError> {
    Query::check(text).map(|_| ())
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "listening query",
        id: id.to_string(),
    }
}

const SELECT_QUERY: &str = "SELECT q.id, q.name, q.query, q.enabled, q.created_at, q.updated_at,
        (SELECT count(*) FROM listening_hits h WHERE h.query_id = q.id)
     FROM listening_queries q";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ListeningQuery> {
    Ok(ListeningQuery {
        id: r.get(0)?,
        name: r.get(1)?,
        query: r.get(2)?,
        enabled: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        hits: r.get(6)?,
    })
}

/// Every query, by name.
pub fn list(ws: &Workspace) -> Result<Vec<ListeningQuery>> {
    ws.store().read(|c| {
        let mut stmt = c.prepare_cached(&format!("{SELECT_QUERY} ORDER BY q.name, q.id"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

pub fn get(ws: &Workspace, id: i64) -> Result<ListeningQuery> {
    ws.store().read(|c| {
        c.prepare_cached(&format!("{SELECT_QUERY} WHERE q.id = ?1"))?
            .query_row([id], from_row)
            .optional()?
            .ok_or_else(|| not_found(id))
    })
}

/// Finds a query by id or by name (what the CLI accepts).
pub fn find(ws: &Workspace, id_or_name: &str) -> Result<ListeningQuery> {
    let all = list(ws)?;
    if let Ok(id) = id_or_name.parse::<i64>() {
        if let Some(q) = all.iter().find(|q| q.id == id) {
            return Ok(q.clone());
        }
    }
    all.into_iter()
        .find(|q| q.name.eq_ignore_ascii_case(id_or_name.trim()))
        .ok_or(Error::NotFound {
            what: "listening query",
            id: id_or_name.to_owned(),
        })
}

fn validate(input: &QueryInput) -> Result<()> {
    if input.name.trim().is_empty() {
        return Err(Error::Invalid("a listening query needs a name".into()));
    }
    Query::parse(&input.query)?;
    Ok(())
}

/// Creates a query and matches it over the whole cache at once.
pub fn create(
    ws: &Workspace,
    input: &QueryInput,
    progress: impl FnMut(RunProgress),
) -> Result<(ListeningQuery, RunReport)> {
    validate(input)?;
    let now = ws.now();
    let id = ws.store().write(|tx| -> Result<i64> {
        Ok(tx
            .prepare_cached(
                "INSERT INTO listening_queries (name, query, enabled, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
            )?
            .query_row(
                params![input.name.trim(), input.query.trim(), input.enabled, now],
                |r| r.get(0),
            )?)
    })?;
    let report = run(ws, id, progress)?;
    Ok((get(ws, id)?, report))
}

/// Edits a query. A changed query text (or one enabled again, which missed what
/// came while it was off) is matched over the whole cache again; a rename is not.
pub fn update(
    ws: &Workspace,
    id: i64,
    input: &QueryInput,
    progress: impl FnMut(RunProgress),
) -> Result<(ListeningQuery, Option<RunReport>)> {
    validate(input)?;
    let before = get(ws, id)?;
    let now = ws.now();
    ws.store().write(|tx| -> Result<()> {
        tx.execute(
            "UPDATE listening_queries SET name = ?2, query = ?3, enabled = ?4, updated_at = ?5
             WHERE id = ?1",
            params![
                id,
                input.name.trim(),
                input.query.trim(),
                input.enabled,
                now
            ],
        )?;
        Ok(())
    })?;
    let rerun = before.query != input.query.trim() || (input.enabled && !before.enabled);
    let report = if rerun {
        Some(run(ws, id, progress)?)
    } else {
        None
    };
    Ok((get(ws, id)?, report))
}

/// Deletes a query and its hits.
pub fn delete(ws: &Workspace, id: i64) -> Result<()> {
    let n = ws.store().write(|tx| -> Result<usize> {
        tx.execute("DELETE FROM listening_hits WHERE query_id = ?1", [id])?;
        Ok(tx.execute("DELETE FROM listening_queries WHERE id = ?1", [id])?)
    })?;
    if n == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

/// Items the scan reads per statement: a pause for the writer between batches.
const SCAN_BATCH: i64 = 50_000;

/// The columns the matcher needs, for the FTS5 path (`?1` the MATCH expression)
/// and the scan (`?1` the last id seen). `?2`: read the author's handle.
const CANDIDATE_COLUMNS: &str = "i.id, i.network, i.kind, i.text, i.lang, i.sentiment, i.has_link,
        i.parent_remote_id IS NOT NULL,
        CASE WHEN ?2 THEN (SELECT handle FROM authors a WHERE a.id = i.author_id) END,
        i.author_id";

/// A hit found by a run, with what the dashboard reads beside it.
struct Hit {
    item_id: i64,
    author_id: i64,
    network: String,
    lang: Option<String>,
    sentiment: Option<f64>,
}

fn candidate_matches(
    query: &Query,
    r: &rusqlite::Row<'_>,
    hits: &mut Vec<Hit>,
) -> rusqlite::Result<()> {
    let id: i64 = r.get(0)?;
    let network = r.get_ref(1)?.as_str().unwrap_or_default();
    let kind = ItemKind::parse(r.get_ref(2)?.as_str().unwrap_or_default());
    let text = r.get_ref(3)?.as_str().unwrap_or_default();
    let lang = r.get_ref(4)?.as_str_or_null().ok().flatten();
    let author = r.get_ref(8)?.as_str_or_null().ok().flatten();
    let doc = Doc {
        words: words(text),
        network,
        author: author.unwrap_or_default(),
        lang,
        kind,
        has_link: r.get(6)?,
        is_reply: r.get::<_, bool>(7)? || kind == Some(ItemKind::Reply),
        sentiment: r.get(5)?,
    };
    if query.matches(&doc) {
        hits.push(Hit {
            item_id: id,
            author_id: r.get(9)?,
            network: network.to_owned(),
            lang: lang.map(str::to_owned),
            sentiment: doc.sentiment,
        });
    }
    Ok(())
}

/// Matches one query over every stored item and replaces its hits. FTS5 narrows
/// the candidates when the query needs a word; otherwise every item is scanned
/// in batches. `progress` is called as items are looked at.
pub fn run(ws: &Workspace, id: i64, mut progress: impl FnMut(RunProgress)) -> Result<RunReport> {
    let started = Instant::now();
    let stored = get(ws, id)?;
    let query = Query::parse(&stored.query)?;
    let uses_author = query.uses_author();
    let mut hits: Vec<Hit> = Vec::new();
    let mut scanned: u64 = 0;
    let used_index = match query.fts_prefilter() {
        Some(fts) => {
            ws.store().read(|c| -> Result<()> {
                let total: i64 = c.query_row(
                    "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?1",
                    [&fts],
                    |r| r.get(0),
                )?;
                let total = total as u64;
                progress(RunProgress {
                    query_id: id,
                    done: 0,
                    total,
                });
                let mut stmt = c.prepare(&format!(
                    "SELECT {CANDIDATE_COLUMNS} FROM items_fts f JOIN items i ON i.id = f.rowid
                     WHERE items_fts MATCH ?1 AND i.from_us = 0"
                ))?;
                let mut rows = stmt.query(params![fts, uses_author])?;
                while let Some(r) = rows.next()? {
                    candidate_matches(&query, r, &mut hits)?;
                    scanned += 1;
                    if scanned.is_multiple_of(20_000) {
                        progress(RunProgress {
                            query_id: id,
                            done: scanned,
                            total,
                        });
                    }
                }
                progress(RunProgress {
                    query_id: id,
                    done: scanned,
                    total: total.max(scanned),
                });
                Ok(())
            })?;
            true
        }
        None => {
            let total: i64 = ws.store().read(|c| -> Result<i64> {
                Ok(c.query_row("SELECT count(*) FROM items", [], |r| r.get(0))?)
            })?;
            let total = total as u64;
            let mut after = i64::MIN;
            loop {
                let (seen, last) = ws.store().read(|c| -> Result<(u64, Option<i64>)> {
                    let mut stmt = c.prepare_cached(&format!(
                        "SELECT {CANDIDATE_COLUMNS}, i.from_us FROM items i
                         WHERE i.id > ?1 ORDER BY i.id LIMIT {SCAN_BATCH}"
                    ))?;
                    let mut rows = stmt.query(params![after, uses_author])?;
                    let (mut seen, mut last) = (0u64, None);
                    while let Some(r) = rows.next()? {
                        seen += 1;
                        last = Some(r.get::<_, i64>(0)?);
                        if !r.get::<_, bool>(10)? {
                            candidate_matches(&query, r, &mut hits)?;
                        }
                    }
                    Ok((seen, last))
                })?;
                scanned += seen;
                progress(RunProgress {
                    query_id: id,
                    done: scanned,
                    total: total.max(scanned),
                });
                match last {
                    Some(l) if seen == SCAN_BATCH as u64 => after = l,
                    _ => break,
                }
            }
            false
        }
    };
    hits.sort_unstable_by_key(|h| h.item_id);
    ws.store().write(|tx| -> Result<()> {
        tx.execute("DELETE FROM listening_hits WHERE query_id = ?1", [id])?;
        let mut insert = tx.prepare_cached(INSERT_HIT)?;
        for h in &hits {
            insert.execute(params![
                id,
                h.item_id,
                h.author_id,
                h.network,
                h.lang,
                h.sentiment
            ])?;
        }
        Ok(())
    })?;
    Ok(RunReport {
        query_id: id,
        scanned,
        hits: hits.len() as u64,
        used_index,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// The enabled queries, compiled for ingest. A stored query that no longer
/// parses (written by a newer Earshot) is skipped and reported through `skip`.
pub(crate) fn query_set(
    c: &rusqlite::Connection,
    mut skip: impl FnMut(String),
) -> Result<QuerySet> {
    let mut stmt = c.prepare_cached(
        "SELECT id, name, query FROM listening_queries WHERE enabled = 1 ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut compiled = Vec::new();
    for row in rows {
        let (id, name, text) = row?;
        match Query::parse(&text) {
            Ok(q) => compiled.push((id, q)),
            Err(e) => skip(format!(
                "listening query \"{name}\": {e}; it is skipped until it is fixed"
            )),
        }
    }
    Ok(QuerySet::compile(compiled))
}

const INSERT_HIT: &str = "INSERT OR IGNORE INTO listening_hits
    (query_id, item_id, author_id, network, lang, sentiment) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// Stores the hits found on ingest for one item, in the batch's transaction.
pub(crate) fn record_hits(
    tx: &Transaction<'_>,
    item_id: i64,
    author_id: i64,
    a: &crate::ingest::analyse::Analysed,
) -> Result<()> {
    let mut stmt = tx.prepare_cached(INSERT_HIT)?;
    for q in &a.hits {
        stmt.execute(params![
            q,
            item_id,
            author_id,
            a.item.network,
            a.lang,
            a.sentiment
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
