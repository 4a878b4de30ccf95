//! Whole-workspace tests of the core, on the real OS keyring.
//!
//! Run them through `make test` (or `scripts/with-keyring.sh cargo test`), which
//! starts a private D-Bus session with gnome-keyring unlocked.

// Test helpers fail loudly by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod demo;
mod encryption;
mod filters;
mod ingest;

use std::path::Path;

use earshot_core::vault::KeyringVault;
use earshot_core::Workspace;

/// A new workspace in a temporary directory, keyed from the real keyring.
pub fn workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = open(dir.path());
    (dir, ws)
}

pub fn open(dir: &Path) -> Workspace {
    match Workspace::open(dir, &KeyringVault) {
        Ok(ws) => ws,
        Err(e) => panic!(
            "these tests need the real Secret Service; run them with `make test` or \
             `scripts/with-keyring.sh cargo test`: {e}"
        ),
    }
}
