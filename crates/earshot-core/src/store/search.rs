//! The full-text index, in a file of its own beside the cache.
//!
//! FTS5 was a third of what the cache's one writer did per item. In a second
//! file it has a writer of its own: ingest stores a batch in the cache, and a
//! thread adds the batch's text to the index while the next batch is stored.
//! The file is encrypted with the same key and settings as the cache, and every
//! connection of the store attaches it as `search`, so queries name
//! `items_fts` as before.
//!
//! The index is contentless (`content = ''`): the text lives once, in the
//! cache. Snippets are cut by [`crate::search`] from the hits' text.
//!
//! The cache's writer does not attach the index (`BEGIN IMMEDIATE` would lock
//! it too, and the two writers would take turns). Nothing in Earshot deletes
//! an item or changes its text once stored; were an item deleted, its entry
//! would stay until the next catch-up, and searches, which join the items,
//! would not show it.
//!
//! Two files do not commit together, so the index is derived data the store
//! can always rebuild from the cache:
//! - `complete` is set once the index holds every item; a file without it
//!   (new, from an older Earshot, or removed) is built from the items at open.
//! - `pending` is set while an ingest's batches may be in the cache but not yet
//!   in the index. Found set at open (Earshot stopped mid-ingest), the items
//!   missing from the index are added and entries without an item removed.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};

use super::{Encryption, StoreError};

/// The index's file beside a cache file: `earshot.db` → `earshot-search.db`.
pub fn path(db: &Path) -> PathBuf {
    let stem = db
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    db.with_file_name(format!("{stem}-search.db"))
}

/// The index file and its WAL and shared-memory files.
pub fn files(db: &Path) -> [PathBuf; 3] {
    let index = path(db);
    let with = |suffix: &str| {
        let mut name = index.clone().into_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    [with("-wal"), with("-shm"), index]
}

const SCHEMA: &str = "
CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS search_state (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
";

/// Version of the index file's schema (its `user_version`).
const VERSION: i64 = 1;

/// Opens the index file for writing, creating it if needed. A file this key
/// does not open (left behind by a cache that was reset) is removed and made
/// anew: everything in it can be rebuilt from the cache.
pub(super) fn open_writer(db: &Path, encryption: &Encryption) -> Result<Connection, StoreError> {
    let conn = match super::open_connection(&path(db), encryption, WRITER_CACHE_KIB, true) {
        Err(StoreError::WrongKey { .. }) => {
            for file in files(db) {
                match std::fs::remove_file(&file) {
                    Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
                        return Err(StoreError::Io { path: file, source })
                    }
                    _ => {}
                }
            }
            super::open_connection(&path(db), encryption, WRITER_CACHE_KIB, true)?
        }
        other => other?,
    };
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == 0 {
        conn.execute_batch(SCHEMA)?;
        // Merge segments less eagerly than FTS5's default (4): bulk ingest spends
        // far less time rewriting the index; searches stay within their targets.
        conn.execute_batch("INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 16);")?;
        conn.pragma_update(None, "user_version", VERSION)?;
    }
    // FTS5 merges a level of 16 segments all at once when they pile up
    // (`crisismerge`, 16 by default), not a little at each commit as `automerge`
    // does: on the index's thread that held ingest up for ~2 s at a time at
    // ~550,000 items. Above `automerge`, merges stay incremental. Kept in the
    // index's config, so set on every open for files made before.
    conn.execute_batch("INSERT INTO items_fts (items_fts, rank) VALUES ('crisismerge', 64);")?;
    // FTS5 also writes out its in-memory terms whenever they pass `hashsize`
    // (1 MiB by default): two or three segments per batch of ingest, each to be
    // merged again. At 8 MiB a batch makes one. 1M items, four runs each,
    // alternating: 41,872 items/s on average against 40,105 (1 MiB); 4 and
    // 16 MiB were no better; searches unchanged.
    conn.execute_batch(&format!(
        "INSERT INTO items_fts (items_fts, rank) VALUES ('hashsize', {HASH_BYTES});"
    ))?;
    conn.execute_batch(&format!(
        "INSERT INTO items_fts (items_fts, rank) VALUES ('pgsz', {LEAF_BYTES});"
    ))?;
    // SQLCipher turns `secure_delete` on for every keyed connection: each page
    // FTS5 frees when it merges segments is overwritten with zeros, written
    // and encrypted once more. FAST still zeroes deleted content on the pages
    // being written anyway, and leaves freed pages as they were: encrypted,
    // like every page of the file, and holding postings that the merge has
    // just written again. 1M items: 94,729 frames committed to the plain
    // index's WAL, 138,017 to the encrypted one's with the setting on, 96,180
    // with FAST.
    conn.execute_batch("PRAGMA secure_delete = FAST;")?;
    Ok(conn)
}

/// Bytes FTS5 fills each leaf of the index with before starting the next.
///
/// FTS5's default, 4,050, is made to fit a 4,096-byte page with SQLite's own
/// overhead. SQLCipher keeps 48 bytes of each page for its IV and HMAC, so a
/// 4,050-byte leaf no longer fits: SQLite put 483 bytes of each in a shared
/// page and the rest in an overflow page, 1.125 pages per leaf, each
/// encrypted. Smaller by those 48 bytes, a leaf fits one page again: the index
/// of 1M generated items takes 194 MB against 214. Segments written before
/// keep their leaves until a merge rewrites them.
const LEAF_BYTES: i64 = 4050 - 48;

/// Memory FTS5 may hold terms in before writing them out, on the index's writer.
const HASH_BYTES: i64 = 8 << 20;

/// Page cache of the index's writer, in KiB.
const WRITER_CACHE_KIB: i64 = 32 * 1024;

/// Attaches the index to a connection of the cache as `search`, with the
/// cache's key and cipher settings.
pub(super) fn attach(
    conn: &Connection,
    db: &Path,
    encryption: &Encryption,
    cache_kib: i64,
) -> rusqlite::Result<()> {
    let file = path(db);
    let file = file.to_string_lossy();
    match encryption {
        Encryption::Key(key) => {
            let key = zeroize::Zeroizing::new(format!("x'{}'", key.to_hex().as_str()));
            // With the cipher settings of `super::connect`'s defaults.
            conn.execute(
                "ATTACH DATABASE ?1 AS search KEY ?2",
                params![file, key.as_str()],
            )?;
        }
        Encryption::PlainForBenchmark => {
            conn.execute("ATTACH DATABASE ?1 AS search KEY ''", [file])?;
        }
    }
    conn.execute_batch(&format!(
        "PRAGMA search.synchronous = NORMAL; PRAGMA search.cache_size = -{cache_kib};"
    ))
}

fn state(conn: &Connection, key: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row(
            "SELECT value FROM search.search_state WHERE key = ?1",
            [key],
            |r| r.get::<_, i64>(0),
        )
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(0),
            e => Err(e),
        })?
        != 0)
}

/// Sets `pending` in the index file, through its own writer.
pub(super) fn set_pending(index: &Connection, pending: bool) -> rusqlite::Result<()> {
    index
        .execute(
            "INSERT INTO search_state (key, value) VALUES ('pending', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [i64::from(pending)],
        )
        .map(drop)
}

/// What [`bring_up_to_date`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Repair {
    None,
    /// The index was built from every item.
    Built,
    /// An interrupted ingest's items were added.
    Caught,
}

/// Reports a build of the index at open: items indexed so far, and of how
/// many (unknown while a catch-up looks for what is missing).
pub type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

/// Items indexed between two reports of a build.
const PROGRESS_EVERY: u64 = 25_000;

/// Builds the index when it is not complete, or adds what an interrupted
/// ingest left out; on a connection to the cache with the index attached.
pub(super) fn bring_up_to_date(
    writer: &mut Connection,
    progress: Progress<'_>,
) -> Result<Repair, StoreError> {
    let repair = if !state(writer, "complete")? {
        Repair::Built
    } else if state(writer, "pending")? {
        Repair::Caught
    } else {
        return Ok(Repair::None);
    };
    let tx = writer.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    match repair {
        Repair::Built => {
            tx.execute_batch("INSERT INTO search.items_fts (items_fts) VALUES ('delete-all');")?;
            let total: i64 = tx.query_row("SELECT count(*) FROM main.items", [], |r| r.get(0))?;
            let total = total.unsigned_abs();
            progress(0, Some(total));
            let mut read = tx.prepare("SELECT id, text FROM main.items")?;
            let mut insert =
                tx.prepare("INSERT INTO search.items_fts (rowid, text) VALUES (?1, ?2)")?;
            let mut rows = read.query([])?;
            let mut done = 0;
            while let Some(row) = rows.next()? {
                // Text as SQLite holds it: nothing is decoded or copied.
                let text = rusqlite::types::ToSqlOutput::Borrowed(row.get_ref(1)?);
                insert.execute(rusqlite::params![row.get::<_, i64>(0)?, text])?;
                done += 1;
                if done % PROGRESS_EVERY == 0 {
                    progress(done, Some(total));
                }
            }
            progress(done, Some(done));
        }
        _ => {
            progress(0, None);
            tx.execute_batch(
                "INSERT INTO search.items_fts (rowid, text)
                    SELECT id, text FROM main.items
                    WHERE id NOT IN (SELECT rowid FROM search.items_fts);
                 DELETE FROM search.items_fts WHERE rowid NOT IN (SELECT id FROM main.items);",
            )?;
            progress(0, Some(0));
        }
    }
    tx.execute_batch(
        "INSERT OR REPLACE INTO search.search_state (key, value) VALUES ('complete', 1), ('pending', 0);",
    )?;
    tx.commit()?;
    Ok(repair)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CacheKey, Store, DB_FILE};

    use crate::store::testing::fts_count as count;

    /// A directory for a cache, the cache's path in it, and a new key.
    fn fresh() -> (tempfile::TempDir, PathBuf, Encryption) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        (dir, path, Encryption::Key(CacheKey::generate().unwrap()))
    }

    /// Items stored in the cache without reaching the index, as when Earshot
    /// stops between the two.
    fn store_unindexed(store: &Store, words: &[&str]) {
        store
            .write(|tx| {
                tx.execute_batch(
                    "INSERT OR IGNORE INTO authors (id, network, handle, updated_at)
                        VALUES (1, 'n', 'h', 0);
                     INSERT OR IGNORE INTO conversations
                        (id, network, root_key, last_activity_at, created_at)
                        VALUES (1, 'n', 'r', 0, 0);",
                )?;
                for (i, word) in words.iter().enumerate() {
                    tx.execute(
                        "INSERT INTO items (id, network, remote_id, conversation_id, author_id,
                            kind, text, html, created_at, ingested_at)
                         VALUES (?1, 'n', ?1, 1, 1, 'post', ?2, '', 0, 0)",
                        rusqlite::params![100 + i as i64, word],
                    )?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn an_interrupted_ingest_is_caught_up_at_the_next_open() {
        let (_dir, path, key) = fresh();
        let store = Store::open(&path, key.clone()).unwrap();
        store.index([(1, "stale entry")]).unwrap();
        store.begin_indexing().unwrap();
        store_unindexed(&store, &["zebra", "giraffe"]);
        assert_eq!(count(&store, "zebra"), 0);
        // Stopped here: `end_indexing` never runs.
        drop(store);

        let store = Store::open(&path, key.clone()).unwrap();
        assert_eq!(store.search_repair(), &Repair::Caught);
        assert_eq!(count(&store, "zebra"), 1);
        assert_eq!(count(&store, "giraffe"), 1);
        assert_eq!(count(&store, "stale"), 0, "entries without an item go");
        drop(store);
        let store = Store::open(&path, key).unwrap();
        assert_eq!(store.search_repair(), &Repair::None);
    }

    #[test]
    fn an_ingest_that_ends_leaves_nothing_to_catch_up_unless_one_failed() {
        let (_dir, path, key) = fresh();
        let store = Store::open(&path, key.clone()).unwrap();
        store.begin_indexing().unwrap();
        store.begin_indexing().unwrap();
        store.end_indexing(true).unwrap();
        store.end_indexing(true).unwrap();
        drop(store);
        let store = Store::open(&path, key.clone()).unwrap();
        assert_eq!(store.search_repair(), &Repair::None);

        store.begin_indexing().unwrap();
        store.begin_indexing().unwrap();
        store.end_indexing(false).unwrap();
        store.end_indexing(true).unwrap();
        drop(store);
        let store = Store::open(&path, key).unwrap();
        assert_eq!(store.search_repair(), &Repair::Caught);
    }

    #[test]
    fn a_missing_or_foreign_index_file_is_built_again_from_the_items() {
        let (_dir, path, key) = fresh();
        let store = Store::open(&path, key.clone()).unwrap();
        store_unindexed(&store, &["zebra"]);
        store.checkpoint().unwrap();
        drop(store);

        for file in files(&path) {
            let _ = std::fs::remove_file(file);
        }
        let store = Store::open(&path, key.clone()).unwrap();
        assert_eq!(store.search_repair(), &Repair::Built);
        assert_eq!(count(&store, "zebra"), 1);
        drop(store);

        // An index another key wrote (left behind by a reset cache).
        for file in files(&path) {
            let _ = std::fs::remove_file(file);
        }
        let other = Encryption::Key(CacheKey::generate().unwrap());
        drop(open_writer(&path, &other).unwrap());
        let store = Store::open(&path, key).unwrap();
        assert_eq!(store.search_repair(), &Repair::Built);
        assert_eq!(count(&store, "zebra"), 1);
    }

    #[test]
    fn opening_reports_the_progress_of_a_build_or_catch_up_and_nothing_else() {
        let (_dir, path, key) = fresh();
        let store = Store::open(&path, key.clone()).unwrap();
        let words: Vec<String> = (0..60_000).map(|i| format!("w{i}")).collect();
        store_unindexed(
            &store,
            &words.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        store.checkpoint().unwrap();
        drop(store);
        let open = |key: &Encryption| {
            let mut seen = Vec::new();
            let store = Store::open_reporting(&path, key.clone(), &mut |done, total| {
                seen.push((done, total))
            })
            .unwrap();
            (store, seen)
        };

        for file in files(&path) {
            let _ = std::fs::remove_file(file);
        }
        let (store, seen) = open(&key);
        assert_eq!(
            seen,
            [
                (0, Some(60_000)),
                (25_000, Some(60_000)),
                (50_000, Some(60_000)),
                (60_000, Some(60_000))
            ]
        );
        assert_eq!(count(&store, "w59999"), 1);
        store.begin_indexing().unwrap();
        drop(store);

        let (store, seen) = open(&key);
        assert_eq!(store.search_repair(), &Repair::Caught);
        assert_eq!(seen, [(0, None), (0, Some(0))]);
        drop(store);
        let (_, seen) = open(&key);
        assert_eq!(seen, [], "an index up to date reports nothing");
    }

    /// The cache's writer commits while the index's writer holds its file:
    /// the two never wait for each other (were the cache's writer to lock the
    /// index, this would wait out the busy timeout and fail).
    #[test]
    fn the_caches_writer_never_waits_for_the_index() {
        let (_dir, store) = crate::store::testing::temp_store();
        let held = store.hold_index_for_test();
        store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES ('k', 'v')
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [],
                )
            })
            .unwrap();
        drop(held);
        store.index([(7, "zebra crossing")]).unwrap();
        assert_eq!(count(&store, "zebra"), 1);
    }

    /// The merge and flush settings ingest's speed depends on are in the
    /// index's config, for files made before them too (set at every open).
    #[test]
    fn the_index_is_opened_with_its_merge_and_memory_settings() {
        let (_dir, store) = crate::store::testing::temp_store();
        let setting = |k: &str| -> i64 {
            store
                .read(|c| {
                    Ok::<_, StoreError>(c.query_row(
                        "SELECT v FROM search.items_fts_config WHERE k = ?1",
                        [k],
                        |r| r.get(0),
                    )?)
                })
                .unwrap()
        };
        assert_eq!(setting("automerge"), 16);
        assert_eq!(setting("crisismerge"), 64);
        assert_eq!(setting("hashsize"), HASH_BYTES);
        assert_eq!(setting("pgsz"), LEAF_BYTES);
        let secure_delete = |conn: &Connection| -> i64 {
            conn.query_row("PRAGMA secure_delete", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(secure_delete(&store.index.lock().unwrap()), 2, "FAST");
        assert_eq!(
            secure_delete(&store.writer.lock().unwrap()),
            1,
            "the cache's writer keeps SQLCipher's full secure delete"
        );
    }

    /// Items newest first, as networks page them, make one segment of the
    /// index per call, not one per item (FTS5 writes out what it holds
    /// whenever a rowid falls).
    #[test]
    fn items_indexed_newest_first_make_one_segment() {
        let (_dir, store) = crate::store::testing::temp_store();
        let texts: Vec<String> = (0..500).map(|i| format!("word{i} common")).collect();
        store
            .index((0..500).rev().map(|i| (i as i64 + 1, texts[i].as_str())))
            .unwrap();
        let segments: i64 = store
            .read(|c| {
                Ok::<_, StoreError>(c.query_row(
                    "SELECT count(DISTINCT segid) FROM search.items_fts_idx",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(segments, 1);
        assert_eq!(count(&store, "common"), 500);
        assert_eq!(count(&store, "word7"), 1);
    }
}
