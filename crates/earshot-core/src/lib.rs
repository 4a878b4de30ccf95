//! Earshot's core: everything the desktop app and the CLI share.
//!
//! Domain types, the encrypted store (SQLCipher + FTS5, forward-only
//! migrations), the vault over the OS keyring, ingest (sanitise, language,
//! sentiment, threading), the inbox and triage, and search. No Tauri and no
//! HTTP client here: the core builds and tests without a display or network.

pub mod accounts;
pub mod attachments;
pub mod clock;
pub mod compose;
pub mod connector;
pub mod contacts;
pub mod demo;
pub mod error;
pub mod events;
pub mod import;
pub mod inbox;
pub mod ingest;
pub mod instance;
pub mod item;
pub mod links;
pub mod listening;
pub mod media;
pub mod notify;
pub mod outbox;
pub mod query;
pub mod reports;
pub mod rules;
pub mod saved;
pub mod search;
pub mod session;
pub mod store;
pub mod sync;
pub mod vault;
pub mod workspace;

pub use error::{Error, Result};
pub use workspace::{default_data_dir, Workspace, WorkspaceStatus};
