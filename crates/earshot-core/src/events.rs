//! Events the core reports as work happens (new items, sync progress, alerts).
//! The desktop shell forwards them to the UI; the CLI ignores them.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum CoreEvent {
    /// An ingest stored new items.
    ItemsIngested { inserted: usize },
    /// A sync of one account advanced.
    SyncProgress {
        #[serde(rename = "accountId")]
        account_id: i64,
        done: u64,
        total: Option<u64>,
    },
    /// An account's sync changed state (syncing, idle, offline, …).
    SyncState {
        #[serde(rename = "accountId")]
        account_id: i64,
        state: crate::sync::SyncState,
        /// Why, when it is not going well (never holds a secret).
        detail: Option<String>,
        /// When the next attempt is due, Unix ms.
        #[serde(rename = "retryAt")]
        retry_at: Option<i64>,
    },
    /// An account's live stream connected or dropped (new items arrive at once
    /// while it is up; the engine reconnects and catches up when it drops).
    Stream {
        #[serde(rename = "accountId")]
        account_id: i64,
        connected: bool,
    },
    /// Something the manager should see now.
    Alert { message: String },
}

/// Where events go.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: CoreEvent);
}

/// Drops every event (the default).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _event: CoreEvent) {}
}
