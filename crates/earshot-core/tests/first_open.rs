//! The first encrypted connections of a process, opened from many threads at once.
//!
//! SQLite marks itself initialised before SQLCipher's own set-up has finished, so
//! a thread that opens a connection in that window used to be refused its key
//! ("PRAGMA key … error"). This test runs in its own process (its own test
//! binary, one test) so that its threads really are the process's first.

// Test helpers fail loudly by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Barrier};

use earshot_core::store::{CacheKey, Encryption, Store};

#[test]
fn many_threads_opening_the_first_connections_all_get_their_key() {
    const THREADS: usize = 16;
    let dir = tempfile::tempdir().unwrap();
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let path = dir.path().join(format!("cache-{i}.db"));
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                let key = CacheKey::generate().unwrap();
                start.wait();
                Store::open(&path, Encryption::Key(key)).map(|_| ())
            })
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        if let Err(e) = handle.join().unwrap() {
            panic!("thread {i} could not open its encrypted store: {e}");
        }
    }
}
