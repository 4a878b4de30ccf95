//! Row counts the app shows (the workspace status), kept in `row_counts` by the
//! one writer of the rows they count (ingest) instead of counted on every look:
//! `count(*)` over a 1M-item cache reads and decrypts every page of an index.

use rusqlite::{params, Connection, Transaction};

/// The tables counted.
pub const COUNTED: [&str; 3] = ["items", "conversations", "authors"];

/// Adds `delta` to each named count (zeros are skipped), in the writer's transaction.
pub(crate) fn add(tx: &Transaction<'_>, deltas: &[(&str, i64)]) -> rusqlite::Result<()> {
    for &(name, delta) in deltas.iter().filter(|(_, d)| *d != 0) {
        debug_assert!(COUNTED.contains(&name), "{name} is not counted");
        // OR FAIL: a one-row write needs no statement journal (see ingest).
        tx.prepare_cached("UPDATE OR FAIL row_counts SET n = n + ?2 WHERE name = ?1")?
            .execute(params![name, delta])?;
    }
    Ok(())
}

/// The count of `name` (one of [`COUNTED`]).
pub(crate) fn get(conn: &Connection, name: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT n FROM row_counts WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// Each kept count beside the table's own `count(*)`.
    pub fn kept_and_counted(conn: &Connection) -> Vec<(&'static str, i64, i64)> {
        COUNTED
            .iter()
            .map(|&name| {
                let counted = conn
                    .query_row(&format!("SELECT count(*) FROM {name}"), [], |r| r.get(0))
                    .unwrap();
                (name, get(conn, name).unwrap(), counted)
            })
            .collect()
    }
}
