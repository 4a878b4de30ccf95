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
    /// Rules marked new items urgent (one event per ingest, in order).
    Urgent { items: Vec<UrgentItem> },
    /// The search index is being built as the workspace opens (the first
    /// start after an upgrade, or after Earshot stopped during a sync): items
    /// indexed so far, of how many (`None` while it looks for what is missing).
    /// It is done when `done` reaches `total`.
    SearchIndex { done: u64, total: Option<u64> },
    /// Something the manager should see now.
    Alert { message: String },
    /// Listening queries spiked, and the manager asked for a desktop
    /// notification of it (each spike also comes as an [`CoreEvent::Alert`]).
    Spikes {
        spikes: Vec<crate::listening::spikes::Spike>,
    },
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

/// An item a rule marked urgent: what a notification shows, and why.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UrgentItem {
    pub conversation_id: i64,
    /// The item's id (a string: it does not fit a JavaScript number).
    pub item_id: String,
    pub network: String,
    /// Display name, or handle.
    pub author: String,
    /// The start of its text.
    pub text: String,
    /// Why, as the rules said it ("urgent: a mention and 'refund'").
    pub reason: String,
    /// When it was written, Unix ms (the notifier skips a new account's backfill).
    pub created_at: i64,
}
