//! The encrypted local cache: SQLCipher through rusqlite, with FTS5.
//!
//! One writer connection and a small pool of readers, all opened with the same
//! raw 256-bit key (`PRAGMA key = "x'…'"`), so no passphrase derivation runs at
//! start-up. WAL journal, a busy timeout, temp data kept in memory, and a page
//! cache large enough that batched ingest is not starved.

mod checkpoint;
pub(crate) mod counts;
pub mod migrations;
pub mod search;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, Once};

use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction};
use zeroize::Zeroizing;

/// The database file's name inside a workspace directory.
pub const DB_FILE: &str = "earshot.db";

/// Page cache of the writer, in KiB. Ingest into a large FTS5 index is limited by
/// page-cache misses: at SQLCipher's default 2 MiB every miss is a decrypt.
const WRITER_CACHE_KIB: i64 = 64 * 1024;
/// Page cache of each reader, in KiB.
const READER_CACHE_KIB: i64 = 8 * 1024;
/// Checkpoint the WAL after this many pages (64 MiB) rather than SQLite's 1,000,
/// on connections other than the writers (whose checkpoints run beside them,
/// see [`checkpoint`]).
const WAL_AUTOCHECKPOINT_PAGES: i64 = checkpoint::COPY_FROM;
/// Page cache of a checkpoint thread's connection, in KiB: a checkpoint copies
/// frames from file to file, past the page cache.
const CHECKPOINTER_CACHE_KIB: i64 = 256;
/// Truncate the WAL back to this size after a checkpoint.
const WAL_SIZE_LIMIT_BYTES: i64 = 64 * 1024 * 1024;
/// Readers kept open for reuse.
const MAX_IDLE_READERS: usize = 4;

/// A random 256-bit key for the cache, wiped from memory when dropped.
#[derive(Clone)]
pub struct CacheKey(Zeroizing<[u8; 32]>);

impl CacheKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| StoreError::Random(e.to_string()))?;
        Ok(Self(bytes))
    }

    /// Parses the hex form kept in the vault.
    pub fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), bytes.as_mut()).ok()?;
        Some(Self(bytes))
    }

    /// The hex form kept in the vault. Never log it.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(<redacted>)")
    }
}

/// Whether the store is encrypted. `Plain` exists only so the ingest benchmark
/// can report the cost of encryption in the same run; nothing else opens a
/// plain store.
#[derive(Debug, Clone)]
pub enum Encryption {
    Key(CacheKey),
    #[doc(hidden)]
    PlainForBenchmark,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the encrypted cache at {path} cannot be unlocked with the key in the OS keyring: the \
         key does not match this file. Nothing was changed. If the keyring was restored from \
         another machine, restore the matching entry; otherwise `earshot-cli reset` moves the \
         unreadable cache aside and starts an empty one"
    )]
    WrongKey { path: PathBuf },
    #[error(
        "the cache at {path} was written by a newer Earshot (schema {found}, this build knows \
         {known}); update Earshot to open it"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("the system's random source failed: {0}")]
    Random(String),
    #[error("the cache at {path} could not be opened: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot remove {path}, a search index the cache's key does not open: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start a thread to checkpoint the {file}'s journal: {source}")]
    Thread {
        /// "cache" or "search index".
        file: &'static str,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// The store: one writer, readers on demand, and the search index's writer
/// ([`search`]).
pub struct Store {
    path: PathBuf,
    encryption: Encryption,
    writer: Mutex<Connection>,
    /// Callers waiting for the writer (see [`Store::writer_wanted`]).
    writer_waiting: AtomicUsize,
    readers: Mutex<Vec<Connection>>,
    index: Mutex<Connection>,
    /// Ingests under way, and whether one failed to index what it stored.
    indexing: Mutex<(usize, bool)>,
    #[cfg_attr(not(test), allow(dead_code))]
    repair: search::Repair,
    /// Checkpoints of the cache's WAL, beside its writer.
    cache_checkpoints: checkpoint::Checkpointer,
    /// Checkpoints of the index's WAL, beside its writer.
    index_checkpoints: checkpoint::Checkpointer,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, checks the key and
    /// brings the schema up to date.
    ///
    /// The search index is built or caught up here when it needs to be (see
    /// [`search`]): a first open after an upgrade from a cache without its own
    /// index file takes about as long as ingesting the items' text again.
    pub fn open(path: &Path, encryption: Encryption) -> Result<Self, StoreError> {
        Self::open_reporting(path, encryption, &mut |_, _| {})
    }

    /// [`Store::open`], reporting a build or catch-up of the search index as
    /// it goes (see [`search::Progress`]); nothing is reported when the index
    /// is up to date.
    pub fn open_reporting(
        path: &Path,
        encryption: Encryption,
        progress: search::Progress<'_>,
    ) -> Result<Self, StoreError> {
        let mut writer = open_connection(path, &encryption, WRITER_CACHE_KIB, true)?;
        migrations::migrate(&mut writer, path)?;
        let mut index = search::open_writer(path, &encryption)?;
        // The cache's writer does not attach the index: `BEGIN IMMEDIATE` locks
        // every attached file, and it would wait for the index's writer at each
        // batch. Building or catching up the index is done on a connection of
        // its own, before anything else runs.
        let repair = {
            let mut conn = open_connection(path, &encryption, WRITER_CACHE_KIB, false)?;
            search::attach(&conn, path, &encryption, WRITER_CACHE_KIB)?;
            search::bring_up_to_date(&mut conn, progress)?
        };
        let cache_checkpoints = checkpoint::Checkpointer::start(
            &mut writer,
            open_connection(path, &encryption, CHECKPOINTER_CACHE_KIB, false)?,
            "cache",
            checkpoint::LIMITS,
        )?;
        let index_checkpoints = checkpoint::Checkpointer::start(
            &mut index,
            open_connection(
                &search::path(path),
                &encryption,
                CHECKPOINTER_CACHE_KIB,
                false,
            )?,
            "search index",
            checkpoint::LIMITS,
        )?;
        Ok(Self {
            cache_checkpoints,
            index_checkpoints,
            path: path.to_owned(),
            encryption,
            writer: Mutex::new(writer),
            writer_waiting: AtomicUsize::new(0),
            readers: Mutex::new(Vec::new()),
            index: Mutex::new(index),
            indexing: Mutex::new((0, false)),
            repair,
        })
    }

    /// What opening did to the search index.
    #[cfg(test)]
    pub(crate) fn search_repair(&self) -> &search::Repair {
        &self.repair
    }

    /// Marks the start of an ingest that will add to the index with
    /// [`Store::index`]; [`Store::end_indexing`] must follow. Until every
    /// ingest under way has ended, the index file says it may be behind.
    pub(crate) fn begin_indexing(&self) -> Result<(), StoreError> {
        let mut indexing = lock(&self.indexing);
        if indexing.0 == 0 {
            search::set_pending(&lock(&self.index), true)?;
        }
        indexing.0 += 1;
        Ok(())
    }

    /// Ends what [`Store::begin_indexing`] began; `indexed` says whether all the
    /// ingest stored reached the index. If one did not, the index stays marked
    /// behind, and the next open catches it up.
    pub(crate) fn end_indexing(&self, indexed: bool) -> Result<(), StoreError> {
        let mut indexing = lock(&self.indexing);
        indexing.0 -= 1;
        indexing.1 |= !indexed;
        if indexing.0 == 0 && !indexing.1 {
            search::set_pending(&lock(&self.index), false)?;
        }
        Ok(())
    }

    /// Holds the index's write lock until the guard is dropped.
    #[cfg(test)]
    pub(crate) fn hold_index_for_test(&self) -> IndexHeld<'_> {
        let conn = lock(&self.index);
        conn.execute_batch("BEGIN IMMEDIATE")
            .expect("the index's lock");
        IndexHeld(conn)
    }

    /// Adds items' text to the search index in one transaction of its file.
    ///
    /// In order of id: FTS5 writes out what it holds in memory as a new segment
    /// whenever a rowid is lower than the one before. Networks page newest
    /// first, so in the order they came, 100,000 items took 49% more CPU to
    /// import (4.79 s against 3.22), for an index of many tiny segments.
    pub(crate) fn index<'a>(
        &self,
        rows: impl IntoIterator<Item = (i64, &'a str)>,
    ) -> Result<(), StoreError> {
        let mut rows: Vec<(i64, &str)> = rows.into_iter().collect();
        rows.sort_unstable_by_key(|&(id, _)| id);
        let mut conn = lock(&self.index);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO items_fts (rowid, text) VALUES (?1, ?2)")?;
            for (id, text) in rows {
                insert.execute(rusqlite::params![id, text])?;
            }
        }
        tx.commit()?;
        self.index_checkpoints.committed(&conn);
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_encrypted(&self) -> bool {
        matches!(self.encryption, Encryption::Key(_))
    }

    /// Runs `f` in a write transaction on the single writer; commits if it succeeds.
    pub fn write<T, E>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        self.cache_checkpoints.committed(&conn);
        Ok(value)
    }

    /// [`Store::write`] with SQLite's foreign-key checks off for the transaction,
    /// for ingest only.
    ///
    /// Ingest finds or creates every row an item refers to (its conversation,
    /// author, account) in the same transaction, so the checks can only confirm
    /// what it just did. They cost the bulk path dearly: a parent lookup per
    /// reference, and a statement journal (a copy of every page an update
    /// touches) on each conversation update. With the checks off, cascades do not
    /// run either: `f` must delete the children of any row it deletes itself.
    /// The ingest tests check `PRAGMA foreign_key_check` after their scenarios.
    pub(crate) fn write_unchecked<T, E>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut conn = self.writer();
        // The pragma is a no-op inside a transaction, hence around it; it is
        // turned back on whatever `f` did.
        conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        let result = (|| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })();
        if result.is_ok() {
            self.cache_checkpoints.committed(&conn);
        }
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
        result
    }

    /// The writer, once whoever holds it is done; meanwhile
    /// [`Store::writer_wanted`] says someone is waiting.
    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer_waiting.fetch_add(1, Ordering::Relaxed);
        let conn = lock(&self.writer);
        self.writer_waiting.fetch_sub(1, Ordering::Relaxed);
        conn
    }

    /// Whether someone is waiting for the writer: a long write (bulk ingest)
    /// commits what it has and lets them in.
    pub(crate) fn writer_wanted(&self) -> bool {
        self.writer_waiting.load(Ordering::Relaxed) > 0
    }

    /// Runs `f` on a reader connection (a consistent snapshot for its duration
    /// when `f` opens a transaction; single statements are atomic anyway).
    pub fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let conn = match lock(&self.readers).pop() {
            Some(conn) => conn,
            None => {
                let conn = open_connection(&self.path, &self.encryption, READER_CACHE_KIB, false)?;
                search::attach(&conn, &self.path, &self.encryption, READER_CACHE_KIB)
                    .map_err(StoreError::from)?;
                conn
            }
        };
        let result = f(&conn);
        let mut idle = lock(&self.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }

    /// Gives back the memory idle connections hold: closes the idle readers but
    /// one, and has SQLite free the page caches of that one and of the writer
    /// (unless it is writing). For a quiet moment, e.g. once start-up is over:
    /// the next reads fill the caches again.
    pub fn release_memory(&self) {
        let mut idle = lock(&self.readers);
        idle.truncate(1);
        for conn in idle.iter() {
            let _ = conn.execute_batch("PRAGMA shrink_memory;");
        }
        drop(idle);
        if let Ok(writer) = self.writer.try_lock() {
            let _ = writer.execute_batch("PRAGMA shrink_memory;");
        }
        if let Ok(index) = self.index.try_lock() {
            let _ = index.execute_batch("PRAGMA shrink_memory;");
        }
    }

    /// Checkpoints the WALs of the cache and of the search index into their
    /// files (used after large imports and on close).
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        // With the writer held, no commit can start the thread again between
        // its settling and the checkpoint, which would then find it busy.
        let writer = self.writer();
        self.cache_checkpoints.settle();
        writer.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        drop(writer);
        let index = lock(&self.index);
        self.index_checkpoints.settle();
        index.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}

/// The index's writer holding its lock (tests only).
#[cfg(test)]
pub(crate) struct IndexHeld<'a>(MutexGuard<'a, Connection>);

#[cfg(test)]
impl Drop for IndexHeld<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

/// `n` numbered SQL parameters from `?{first}` on: "?2, ?3, ?4".
pub(crate) fn numbered_marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows of a multi-row `VALUES`, `rows` of them with `columns` parameters
/// each: "(?, ?), (?, ?)".
pub(crate) fn value_rows(columns: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a connection leaves SQLite itself consistent (any open
    // transaction is rolled back when the guard's transaction drops), so recover.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Gives a connection the cache key and the cipher settings every Earshot cache uses.
pub(crate) fn unlock(conn: &Connection, key: &CacheKey) -> rusqlite::Result<()> {
    let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()));
    conn.execute_batch(&pragma)?;
    // Page authentication with HMAC-SHA256 rather than SQLCipher 4's default
    // SHA-512: as strong for a 256-bit key, and hardware-accelerated (SHA-NI)
    // on current x86 and ARM CPUs.
    conn.execute_batch("PRAGMA cipher_hmac_algorithm = HMAC_SHA256;")
}

/// Opens a connection, after SQLite and SQLCipher have finished setting up.
///
/// SQLite marks itself initialised before it runs SQLCipher's set-up
/// (`sqlcipher_extra_init`), so a second thread opening its first connection in
/// that gap is refused its key ("An error occurred with PRAGMA key"). The very
/// first connection of the process is therefore opened here, once, and every
/// other opener waits for it. Every connection the core opens comes through here.
pub(crate) fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    static SET_UP: Once = Once::new();
    SET_UP.call_once(|| {
        // Opening any connection runs the whole of SQLite's and SQLCipher's set-up
        // on this thread before returning; a failure here shows up again, with
        // its message, on the real open just below.
        if let Ok(conn) = Connection::open_in_memory() {
            // A database attached with a KEY (the search index, see `search`)
            // takes SQLCipher's process-wide defaults, not the settings of the
            // connection it is attached to, and a per-schema pragma after the
            // ATTACH does not take. So the default is Earshot's setting (see
            // `unlock`); were this to fail, attaching fails, nothing is weakened.
            let _ = conn.execute_batch("PRAGMA cipher_default_hmac_algorithm = HMAC_SHA256;");
        }
    });
    Connection::open_with_flags(path, flags)
}

fn open_connection(
    path: &Path,
    encryption: &Encryption,
    cache_kib: i64,
    create: bool,
) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = connect(path, flags).map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })?;
    if let Encryption::Key(key) = encryption {
        unlock(&conn, key)?;
    }
    // The first read of the schema is where a wrong key shows up.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            return Err(StoreError::WrongKey {
                path: path.to_owned(),
            })
        }
        Err(source) => {
            return Err(StoreError::Open {
                path: path.to_owned(),
                source,
            })
        }
    }
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -{cache_kib};
         PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES};
         PRAGMA journal_size_limit = {WAL_SIZE_LIMIT_BYTES};"
    ))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A fresh encrypted store in a temporary directory.
    pub fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = CacheKey::generate().expect("random key");
        let store = Store::open(&dir.path().join(DB_FILE), Encryption::Key(key)).expect("store");
        (dir, store)
    }

    /// How many items the search index finds for an FTS5 query.
    pub fn fts_count(store: &Store, query: &str) -> i64 {
        store
            .read(|c| {
                c.query_row(
                    "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?1",
                    [query],
                    |r| r.get(0),
                )
                .map_err(StoreError::from)
            })
            .expect("search")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_key_is_a_clear_error_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let store = Store::open(&path, Encryption::Key(CacheKey::generate().unwrap())).unwrap();
        store.checkpoint().unwrap();
        drop(store);
        let before = std::fs::read(&path).unwrap();
        let err = Store::open(&path, Encryption::Key(CacheKey::generate().unwrap())).unwrap_err();
        assert!(matches!(err, StoreError::WrongKey { .. }), "got {err:?}");
        assert!(err.to_string().contains("cannot be unlocked"));
        assert_eq!(
            before,
            std::fs::read(&path).unwrap(),
            "a wrong key must not touch the file"
        );
    }

    #[test]
    fn sql_parameter_lists_are_written_as_sqlite_reads_them() {
        assert_eq!(numbered_marks(2, 3), "?2, ?3, ?4");
        assert_eq!(value_rows(2, 3), "(?, ?), (?, ?), (?, ?)");
        assert_eq!(value_rows(1, 1), "(?)");
    }

    #[test]
    fn key_hex_round_trips_and_debug_is_redacted() {
        let key = CacheKey::generate().unwrap();
        let again = CacheKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(key.to_hex().as_str(), again.to_hex().as_str());
        assert_eq!(format!("{key:?}"), "CacheKey(<redacted>)");
        assert!(CacheKey::from_hex("not hex").is_none());
    }

    /// A write waiting for the writer is seen by the one holding it, which is
    /// how a bulk ingest knows to commit early.
    #[test]
    fn the_writer_sees_who_waits_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            &dir.path().join(DB_FILE),
            Encryption::Key(CacheKey::generate().unwrap()),
        )
        .unwrap();
        assert!(!store.writer_wanted());
        std::thread::scope(|scope| {
            let waiter = store
                .write(|_| {
                    let waiter = scope
                        .spawn(|| store.write(|tx| tx.execute_batch("CREATE TABLE waited (x)")));
                    let start = std::time::Instant::now();
                    while !store.writer_wanted() {
                        assert!(start.elapsed().as_secs() < 30, "no one seen waiting");
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    Ok::<_, rusqlite::Error>(waiter)
                })
                .unwrap();
            waiter.join().unwrap().unwrap();
        });
        assert!(!store.writer_wanted(), "no one waits once it has written");
    }
}
