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
mod rollups;
pub mod sources;
pub mod spikes;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::item::ItemKind;
use crate::query::{for_each_ascii_word_until, for_each_word_until, Doc, Query, QueryError, Words};
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
    /// Of which storing the hits (most of it while the items are still read).
    pub write_ms: u64,
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

/// A query's hits are counted from its hourly totals: a few thousand rows, not
/// every hit (the list is read each time the view opens).
const SELECT_QUERY: &str = "SELECT q.id, q.name, q.query, q.enabled, q.created_at, q.updated_at,
        (SELECT coalesce(sum(r.hits), 0) FROM listening_rollups r WHERE r.query_id = q.id)
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

/// Every query without counting its hits: for work that needs only ids, names
/// and texts.
pub(crate) fn list_uncounted(ws: &Workspace) -> Result<Vec<ListeningQuery>> {
    ws.store().read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT id, name, query, enabled, created_at, updated_at, 0 FROM listening_queries
             ORDER BY name, id",
        )?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
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
    let all = list_uncounted(ws)?;
    if let Ok(id) = id_or_name.parse::<i64>() {
        if all.iter().any(|q| q.id == id) {
            return get(ws, id);
        }
    }
    let found = all
        .into_iter()
        .find(|q| q.name.eq_ignore_ascii_case(id_or_name.trim()))
        .ok_or(Error::NotFound {
            what: "listening query",
            id: id_or_name.to_owned(),
        })?;
    get(ws, found.id)
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
        rollups::delete(tx, id)?;
        Ok(tx.execute("DELETE FROM listening_queries WHERE id = ?1", [id])?)
    })?;
    if n == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

/// Id ranges a run is split into; workers take them in turn.
const CHUNKS: i64 = 32;

/// The columns the matcher needs; the text, the author's handle and the other
/// fields only when the query looks at them (tokenising is most of a scan's cost).
fn candidate_columns(query: &Query) -> String {
    format!(
        "i.id, i.network, {}, {}, i.lang, i.sentiment, {}, {}, i.author_id",
        if query.uses_fields() { "i.kind" } else { "''" },
        if query.uses_words() { "i.text" } else { "''" },
        if query.uses_fields() {
            "i.has_link, i.parent_remote_id IS NOT NULL"
        } else {
            "0, 0"
        },
        if query.uses_author() {
            "(SELECT handle FROM authors a WHERE a.id = i.author_id)"
        } else {
            "NULL"
        }
    )
}

/// A hit found by a run, with what the dashboard reads beside it.
struct Hit {
    item_id: i64,
    author_id: i64,
    network: String,
    lang: Option<String>,
    sentiment: Option<f64>,
}

/// How a run decides a candidate: the query, and its words when whole words are
/// all it looks for in the text (then only they are looked for, without
/// collecting every word of every candidate).
struct Matching<'q> {
    query: &'q Query,
    plain_words: Option<Vec<String>>,
}

impl<'q> Matching<'q> {
    fn new(query: &'q Query) -> Self {
        Self {
            query,
            plain_words: query.plain_words(),
        }
    }

    /// The words of `text` the query needs to see: all of them, or only the
    /// query's own (each once), which decide a plain-words query alike.
    fn words(&self, text: &str) -> Words {
        if text.is_empty() {
            return Words::default();
        }
        let Some(wanted) = &self.plain_words else {
            return Words::split(text);
        };
        let mut found: Vec<&str> = Vec::new();
        // Returns whether every word wanted was found: the rest of the text
        // cannot change the answer then (a brand word is often the first word).
        let mut see = |w: &str, same: &dyn Fn(&str, &str) -> bool| {
            if let Some(q) = wanted.iter().find(|q| same(q, w)) {
                if !found.contains(&q.as_str()) {
                    found.push(q);
                }
            }
            found.len() == wanted.len()
        };
        // Most texts are ASCII: their words are compared where they stand.
        let ascii = for_each_ascii_word_until(text, |w| {
            see(w, &|q, w| q.len() == w.len() && q.eq_ignore_ascii_case(w))
        });
        if !ascii {
            for_each_word_until(text, |w| see(w, &|q, w| q == w));
        }
        found.into_iter().collect()
    }
}

fn candidate_matches(
    matching: &Matching<'_>,
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
        words: matching.words(text),
        network,
        author: author.unwrap_or_default(),
        lang,
        kind,
        has_link: r.get(6)?,
        is_reply: r.get::<_, bool>(7)? || kind == Some(ItemKind::Reply),
        sentiment: r.get(5)?,
    };
    if matching.query.matches(&doc) {
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
/// the candidates when the query needs a word; otherwise every item is scanned.
/// The items are split into id ranges matched on every core, each range one
/// short read; the calling thread stores each range's hits as soon as the
/// ranges before it are stored, in one write transaction for the run (ingest
/// waits for it), and calls `progress` as items are looked at.
pub fn run(ws: &Workspace, id: i64, mut progress: impl FnMut(RunProgress)) -> Result<RunReport> {
    let started = Instant::now();
    let stored = get(ws, id)?;
    let query = Query::parse(&stored.query)?;
    let fts = query.fts_prefilter();
    let (bounds, total) = ws.store().read(|c| -> Result<_> {
        // Apart: SQLite reads a lone min() or max() of the key from one end of
        // the table, but both in one statement from every row.
        let bounds: (Option<i64>, Option<i64>) = (
            c.query_row("SELECT min(id) FROM items", [], |r| r.get(0))?,
            c.query_row("SELECT max(id) FROM items", [], |r| r.get(0))?,
        );
        let total: i64 = match &fts {
            Some(f) => c.query_row(
                "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?1",
                [f],
                |r| r.get(0),
            )?,
            None => c.query_row("SELECT count(*) FROM items", [], |r| r.get(0))?,
        };
        Ok((bounds, total as u64))
    })?;
    progress(RunProgress {
        query_id: id,
        done: 0,
        total,
    });
    let columns = candidate_columns(&query);
    // In id order (FTS5's and the table's own: no sort), so that the hits of
    // ranges stored in range order are appended in key order.
    let sql = match &fts {
        Some(_) => format!(
            "SELECT {columns} FROM items_fts f JOIN items i ON i.id = f.rowid
             WHERE items_fts MATCH ?3 AND f.rowid BETWEEN ?1 AND ?2 AND i.from_us = 0
             ORDER BY f.rowid"
        ),
        None => format!(
            "SELECT {columns} FROM items i WHERE i.id BETWEEN ?1 AND ?2 AND i.from_us = 0
             ORDER BY i.id"
        ),
    };
    let done = AtomicU64::new(0);
    let matching = Matching::new(&query);
    let next = AtomicI64::new(0);
    // Reads one id range (the `k`-th) and returns its hits; `None` past the end.
    let read_range = |k: i64| -> Result<Option<Vec<Hit>>> {
        let (Some(lo), Some(hi)) = bounds else {
            return Ok(None);
        };
        let step = (hi - lo) / CHUNKS + 1;
        let from = lo.saturating_add(k.saturating_mul(step));
        if k > CHUNKS || from > hi {
            return Ok(None);
        }
        let to = from.saturating_add(step - 1).min(hi);
        let mut found = Vec::new();
        ws.store().read(|c| -> Result<()> {
            let mut stmt = c.prepare_cached(&sql)?;
            let mut rows = match &fts {
                Some(f) => stmt.query(params![from, to, f])?,
                None => stmt.query(params![from, to])?,
            };
            let mut seen = 0u64;
            while let Some(r) = rows.next()? {
                candidate_matches(&matching, r, &mut found)?;
                seen += 1;
                if seen.is_multiple_of(1_000) {
                    done.fetch_add(1_000, Ordering::Relaxed);
                }
            }
            done.fetch_add(seen % 1_000, Ordering::Relaxed);
            Ok(())
        })?;
        Ok(Some(found))
    };
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let mut write_time = std::time::Duration::ZERO;
    let mut hits = 0u64;
    let mut closed: Option<Instant> = None;
    // Without foreign-key checks: with them, each hit looked its item up, and
    // reading those item pages again cost as much as matching. The items are
    // never deleted; the query is checked here.
    ws.store().write_unchecked(|tx| -> Result<()> {
        tx.query_row(
            "SELECT 1 FROM listening_queries WHERE id = ?1",
            [id],
            |_| Ok(()),
        )
        .optional()?
        .ok_or_else(|| not_found(id))?;
        tx.execute("DELETE FROM listening_hits WHERE query_id = ?1", [id])?;
        rollups::delete(tx, id)?;
        let (send, ranges) = std::sync::mpsc::channel::<(i64, Vec<Hit>)>();
        std::thread::scope(|scope| -> Result<()> {
            let (read_range, next) = (&read_range, &next);
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    let send = send.clone();
                    scope.spawn(move || -> Result<()> {
                        loop {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            let Some(found) = read_range(k)? else {
                                return Ok(());
                            };
                            if send.send((k, found)).is_err() {
                                return Ok(());
                            }
                        }
                    })
                })
                .collect();
            drop(send);
            // Ranges finished out of order wait here for the ones before them.
            let mut waiting: std::collections::BTreeMap<i64, Vec<Hit>> = Default::default();
            let mut to_store = 0i64;
            let outcome = loop {
                match ranges.recv_timeout(std::time::Duration::from_millis(50)) {
                    Ok((k, found)) => {
                        waiting.insert(k, found);
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break Ok(()),
                }
                let write_started = Instant::now();
                let mut result = Ok(());
                while let Some(found) = waiting.remove(&to_store) {
                    hits += found.len() as u64;
                    result = store_run_hits(tx, id, &found);
                    to_store += 1;
                    if result.is_err() {
                        break;
                    }
                }
                write_time += write_started.elapsed();
                if result.is_err() {
                    break result;
                }
                progress(RunProgress {
                    query_id: id,
                    done: done.load(Ordering::Relaxed),
                    total,
                });
            };
            // A failed store stops the workers at their next range.
            next.store(CHUNKS + 1, Ordering::Relaxed);
            drop(ranges);
            for h in handles {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Invalid("a listening run failed".into())))?;
            }
            outcome
        })?;
        closed = Some(Instant::now());
        Ok(())
    })?;
    // The commit is storing too.
    write_time += closed.map_or_else(Default::default, |t| t.elapsed());
    let scanned = done.load(Ordering::Relaxed);
    progress(RunProgress {
        query_id: id,
        done: scanned,
        total: total.max(scanned),
    });
    Ok(RunReport {
        query_id: id,
        scanned,
        hits,
        used_index: fts.is_some(),
        elapsed_ms: started.elapsed().as_millis() as u64,
        write_ms: write_time.as_millis() as u64,
    })
}

/// Stores hits a run found.
fn store_run_hits(tx: &Transaction<'_>, query_id: i64, hits: &[Hit]) -> Result<()> {
    let rows: Vec<HitRow<'_>> = hits
        .iter()
        .map(|h| HitRow {
            query_id,
            item_id: h.item_id,
            author_id: h.author_id,
            network: &h.network,
            lang: h.lang.as_deref(),
            sentiment: h.sentiment,
        })
        .collect();
    store_hits(tx, &rows)
}

/// Hits per `INSERT` statement: one statement per row spends most of its time
/// in statement overhead, and larger ones than this gain nothing measurable.
const ROWS_PER_INSERT: usize = 500;

/// One hit row as stored, borrowing what it carries.
pub(crate) struct HitRow<'a> {
    pub query_id: i64,
    pub item_id: i64,
    pub author_id: i64,
    pub network: &'a str,
    pub lang: Option<&'a str>,
    pub sentiment: Option<f64>,
}

/// Stores hits, [`ROWS_PER_INSERT`] to a statement, and adds them to their
/// hours' totals (one upsert per query, hour, network and language).
pub(crate) fn store_hits(tx: &Transaction<'_>, rows: &[HitRow<'_>]) -> Result<()> {
    let mut stored = 0;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT OR IGNORE INTO listening_hits
                (query_id, item_id, author_id, network, lang, sentiment) VALUES {}",
            crate::store::value_rows(6, chunk.len())
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 6);
        for h in chunk {
            values.extend([
                &h.query_id as &dyn rusqlite::ToSql,
                &h.item_id,
                &h.author_id,
                &h.network,
                &h.lang,
                &h.sentiment,
            ]);
        }
        stored += stmt.execute(values.as_slice())?;
    }
    if stored == rows.len() {
        rollups::add(tx, rows)
    } else {
        // Some were there already (ingest never stores a hit twice, but nothing
        // else forbids it): count their hours again rather than twice.
        rollups::recount(tx, rows)
    }
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

#[cfg(test)]
mod tests;
