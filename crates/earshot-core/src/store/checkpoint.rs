//! WAL checkpoints on a thread of their own.
//!
//! A checkpoint copies the pages committed to a WAL back into the database file
//! and syncs it: at ingest's pace that is 64 MiB of copying and a sync every few
//! batches. SQLite's automatic checkpoint runs it on the committing connection,
//! so the writer stopped for it. Here a [`Checkpointer`] watches each commit of
//! its writer (through the WAL hook) and hands the copying to a thread with a
//! connection of its own, in SQLite's `PASSIVE` mode, which never blocks the
//! writer; the writer goes on with its next batch.
//!
//! SQLite starts a WAL over from its beginning only in a write transaction that
//! begins once every frame has been copied, and a writer that never pauses
//! always has frames the thread has not copied yet. So when the WAL passes
//! [`RESTART_AT`] frames the writer copies the remainder itself, after its
//! commit: the frames the thread left, at most a few batches' worth where it
//! used to copy them all. Its next transaction then starts the WAL over (and
//! `journal_size_limit` truncates the file).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use rusqlite::Connection;

/// Frames committed and not yet copied (64 MiB at 4 KiB pages) before the
/// thread is asked to copy them: a batch of ingest dirties thousands of index
/// pages, and copying after every batch would copy the hot ones again and again.
pub(crate) const COPY_FROM: i64 = 16_384;
/// Frames in the WAL (256 MiB) past which the writer copies what is left, so
/// that the WAL starts over.
pub(crate) const RESTART_AT: i64 = 65_536;

/// When to copy, in frames.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Frames not yet copied before the thread copies them.
    pub copy_from: i64,
    /// Frames in the WAL past which the writer copies the rest itself.
    pub restart_at: i64,
}

pub(crate) const LIMITS: Limits = Limits {
    copy_from: COPY_FROM,
    restart_at: RESTART_AT,
};

#[derive(Default)]
struct State {
    /// The thread is copying.
    busy: bool,
    /// Frames of the WAL copied into the database file, as of the last checkpoint.
    copied: i64,
    /// Checkpoints the thread ran.
    #[cfg_attr(not(test), allow(dead_code))]
    runs: u64,
}

/// Watches one writer connection's commits and checkpoints its WAL beside it.
pub(crate) struct Checkpointer {
    limits: Limits,
    /// Frames in the WAL after the writer's last commit, from the WAL hook.
    frames: Arc<AtomicI64>,
    state: Arc<(Mutex<State>, Condvar)>,
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Checkpointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpointer")
            .field("frames", &self.frames.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn guard(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs a `PASSIVE` checkpoint: the frames of the WAL and how many of them are
/// now copied. A failure (an I/O error, say) is left for the next checkpoint,
/// as SQLite does with its automatic ones; commits are durable in the WAL.
fn copy(conn: &Connection) -> Option<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
    })
    .ok()
}

impl Checkpointer {
    /// Takes over `writer`'s checkpoints (its WAL hook replaces SQLite's
    /// automatic checkpoint); `own` is a connection to the same file, for the
    /// thread.
    pub(crate) fn start(
        writer: &mut Connection,
        own: Connection,
        name: &'static str,
        limits: Limits,
    ) -> Result<Self, super::StoreError> {
        let frames = Arc::new(AtomicI64::new(0));
        let seen = Arc::clone(&frames);
        writer.wal_hook(Some(
            move |_: &mut rusqlite::hooks::Wal, pages: std::ffi::c_int| {
                seen.store(i64::from(pages), Ordering::Relaxed);
                Ok(())
            },
        ))?;
        let state = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let (wake, woken) = sync_channel::<()>(1);
        let shared = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name(format!("checkpoint {name}"))
            .spawn(move || {
                for () in woken {
                    let done = copy(&own);
                    let (state, idle) = &*shared;
                    let mut state = guard(state);
                    state.busy = false;
                    state.runs += 1;
                    if let Some((_, copied)) = done {
                        state.copied = copied;
                    }
                    idle.notify_all();
                }
            })
            .map_err(|source| super::StoreError::Thread { file: name, source })?;
        Ok(Self {
            limits,
            frames,
            state,
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Called by the writer after each commit, with its connection.
    pub(crate) fn committed(&self, writer: &Connection) {
        let frames = self.frames.load(Ordering::Relaxed);
        let (state, idle) = &*self.state;
        let mut state = guard(state);
        if frames >= self.limits.restart_at {
            // The WAL is as long as it may grow: the writer waits for a copy
            // under way, then copies the rest itself.
            while state.busy {
                state = idle.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            if let Some((_, copied)) = copy(writer) {
                state.copied = copied;
            }
            return;
        }
        if state.busy {
            return;
        }
        if frames < state.copied {
            // The WAL started over since the last checkpoint.
            state.copied = 0;
        }
        if frames - state.copied >= self.limits.copy_from {
            if let Some(wake) = &self.wake {
                state.busy = wake.try_send(()).is_ok();
            }
        }
    }

    /// Waits for a checkpoint under way on the thread.
    pub(crate) fn settle(&self) {
        let (state, idle) = &*self.state;
        let mut state = guard(state);
        while state.busy {
            state = idle.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // The thread ends once its channel closes, after any copy under way.
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &std::path::Path) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        conn
    }

    impl Checkpointer {
        fn frames(&self) -> i64 {
            self.frames.load(Ordering::Relaxed)
        }

        fn runs(&self) -> u64 {
            guard(&self.state.0).runs
        }
    }

    /// Commits 40 rows of 3,000 bytes, ~45 frames of WAL, as a batch of ingest
    /// commits thousands.
    fn commit(writer: &mut Connection, checkpointer: &Checkpointer, n: i64) {
        let tx = writer.transaction().unwrap();
        for i in 0..40 {
            tx.execute(
                "INSERT INTO t (id, body) VALUES (?1, zeroblob(3000))",
                [n * 1000 + i],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        checkpointer.committed(writer);
    }

    /// A database with a table to fill, its writer, and a checkpointer for it.
    fn set_up(limits: Limits) -> (tempfile::TempDir, Connection, Checkpointer) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let mut writer = open(&path);
        writer
            .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
            .unwrap();
        let checkpointer = Checkpointer::start(&mut writer, open(&path), "test", limits).unwrap();
        (dir, writer, checkpointer)
    }

    #[test]
    fn the_thread_copies_and_the_wal_starts_over() {
        let (dir, mut writer, checkpointer) = set_up(Limits {
            copy_from: 100,
            restart_at: 400,
        });
        let mut most = 0;
        let mut restarts = 0;
        let mut before = 0;
        for n in 0..200 {
            commit(&mut writer, &checkpointer, n);
            let frames = checkpointer.frames();
            if frames < before {
                restarts += 1;
            }
            before = frames;
            most = most.max(frames);
        }
        checkpointer.settle();
        // Each commit adds ~45 frames; the WAL starts over once it passes 400,
        // however far behind the thread is.
        assert!(most < 400 + 50, "the WAL grew to {most} frames");
        assert!(restarts >= 10, "the WAL started over {restarts} times");
        assert!(checkpointer.runs() > 0, "the thread never copied");
        drop(checkpointer);
        drop(writer);
        // Everything committed is there, copied or still in the WAL.
        let conn = open(&dir.path().join("c.db"));
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 200 * 40);
    }

    #[test]
    fn the_thread_copies_what_the_writer_committed() {
        let (_dir, mut writer, checkpointer) = set_up(Limits {
            copy_from: 1,
            restart_at: i64::MAX,
        });
        for n in 0..50 {
            commit(&mut writer, &checkpointer, n);
        }
        checkpointer.settle();
        assert!(checkpointer.runs() > 0);
        let copied = guard(&checkpointer.state.0).copied;
        assert!(copied > 0 && copied <= checkpointer.frames());
    }
}
