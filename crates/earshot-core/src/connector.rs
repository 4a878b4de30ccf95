//! The boundary every network sits behind.
//!
//! A connector turns one network's API into [`NewItem`]s and back: what is new
//! in a feed since a cursor, a whole thread, search, sending a reply, marking
//! read, and (where the network has it) a live stream. Connectors live in
//! `earshot-connectors`, which holds all HTTP; they never touch the store. The
//! sync engine ([`crate::sync`]) drives them, stores what they return, keeps
//! their cursors and respects the rate budgets and retry hints they report.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::item::NewItem;
use crate::vault::Secret;

/// A connector's failure, classified by what the caller should do about it.
/// Messages never contain a token or any other secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// The server refused our credentials: the account must sign in again.
    #[error("{network} refused the sign-in for {handle}: {message}. Sign in again (Settings → Accounts, or `earshot-cli account add`).")]
    Auth {
        network: String,
        handle: String,
        message: String,
    },
    /// Too many requests: wait `retry_after` (from the server when it said).
    #[error("{server} asked us to slow down (HTTP 429); retrying in {}s", retry_after.as_secs())]
    RateLimited {
        server: String,
        retry_after: Duration,
    },
    /// The server failed (5xx) or timed out: retry later with backoff.
    #[error("{server} failed: {message}")]
    Server { server: String, message: String },
    /// The server could not be reached at all (DNS, refused, no route).
    #[error("cannot reach {server}: {message}")]
    Offline { server: String, message: String },
    /// The server answered with something we cannot read (malformed, truncated
    /// or oversized). Nothing already stored is affected.
    #[error("{server} sent a response Earshot cannot read ({what}): {message}")]
    Malformed {
        server: String,
        what: String,
        message: String,
    },
    /// The server refused this request (4xx other than auth and rate limits),
    /// e.g. a reply that is too long or a deleted parent. Retrying will not help.
    #[error("{server} refused the request: {message}")]
    Refused { server: String, message: String },
    /// The network has no such feature.
    #[error("{network} does not support {what}")]
    Unsupported { network: String, what: &'static str },
}

impl ConnectorError {
    /// Whether waiting and trying again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Offline { .. }
        )
    }
}

/// The account a connector works for, as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRef {
    pub id: i64,
    pub network: String,
    /// The server's base URL (`https://mastodon.social`, a PDS URL, …).
    pub server: String,
    pub handle: String,
    /// The account's own id on its network (a DID, a numeric id), if known.
    pub remote_user_id: Option<String>,
}

/// What a request for a feed's new items carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRequest {
    /// Which feed: see [`Connector::feeds`].
    pub feed: String,
    /// The cursor saved after the last complete sync of this feed, if any.
    pub cursor: Option<String>,
    /// Where to continue within this sync (from the previous [`FeedPage`]).
    pub page: Option<String>,
    /// On a first sync (no cursor), how far back to read, in Unix ms.
    pub backfill_since: i64,
}

/// One page of a feed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedPage {
    pub items: Vec<NewItem>,
    /// Another page of this sync follows: pass it back as [`FeedRequest::page`].
    pub next_page: Option<String>,
    /// Save this cursor once `items` are stored. `None` while paging has not yet
    /// reached the point where saving one would be safe.
    pub cursor: Option<String>,
    /// How many items this sync will bring in total, when the network says.
    pub total: Option<u64>,
}

/// How much of the server's request budget is left (from its headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RateBudget {
    pub limit: u32,
    pub remaining: u32,
    /// When the budget refills, Unix ms.
    pub reset_at: i64,
}

/// How a network counts the length of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum LengthUnit {
    /// Unicode code points, links counted as a fixed length (Mastodon).
    Characters,
    /// Extended grapheme clusters (Bluesky).
    Graphemes,
}

/// The rules a reply must follow on this account's server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ComposeLimits {
    pub max_length: u32,
    pub unit: LengthUnit,
    /// Mastodon counts every link as this many characters.
    pub link_length: Option<u32>,
}

/// An account's compose limits, and whether its server stated them (or they
/// are the network's usual ones, the server being out of reach).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountLimits {
    pub limits: ComposeLimits,
    pub from_server: bool,
}

/// A reply to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingReply {
    /// The item replied to (its network id).
    pub parent_remote_id: String,
    /// The thread's root (its network id), if known.
    pub root_remote_id: Option<String>,
    pub text: String,
    /// Chosen once per outbox entry, before the first attempt: sending the same
    /// key twice must not post twice.
    pub idempotency_key: String,
    /// When the reply was queued, Unix ms (Bluesky derives its record key from it).
    pub queued_at: i64,
}

/// What the network made of a sent reply.
#[derive(Debug, Clone, PartialEq)]
pub struct SentReply {
    pub remote_id: String,
    pub url: Option<String>,
    /// The reply as an item, to store at once.
    pub item: Option<NewItem>,
}

/// Something a live stream delivered.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// The stream is connected: anything that arrived before now must be fetched.
    Connected,
    /// A new item, to store at once.
    Item(Box<NewItem>),
    /// Something changed; fetch the feed to see what.
    Poke,
}

/// An image as a server sent it, before the core checks its type and size
/// ([`crate::media`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMedia {
    /// The `Content-Type` the server named (parameters and all).
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Where a stream's events go; sending fails once nobody listens.
pub type StreamSink = tokio::sync::mpsc::Sender<StreamEvent>;

/// Credentials as kept in the vault: a connector-defined JSON document.
/// Connectors update it when the network rotates tokens.
pub trait CredentialStore: Send + Sync {
    fn load(&self) -> Result<Secret, ConnectorError>;
    fn save(&self, secret: &Secret) -> Result<(), ConnectorError>;
}

/// One network, for one account.
#[async_trait::async_trait]
pub trait Connector: Send + Sync {
    fn account(&self) -> &AccountRef;

    /// The feeds the sync engine reads, e.g. `["notifications", "conversations"]`.
    fn feeds(&self) -> Vec<String>;

    /// New items of a feed since its cursor, one page at a time.
    async fn fetch(&self, request: &FeedRequest) -> Result<FeedPage, ConnectorError>;

    /// The whole thread an item belongs to, root first.
    async fn thread(&self, remote_id: &str) -> Result<Vec<NewItem>, ConnectorError>;

    /// Posts matching a query, newest first, where the network has search.
    async fn search(&self, query: &str, page: Option<&str>) -> Result<FeedPage, ConnectorError>;

    /// Sends a reply.
    async fn reply(&self, reply: &OutgoingReply) -> Result<SentReply, ConnectorError>;

    /// Tells the network the account has read up to this item.
    async fn mark_read(&self, remote_id: &str) -> Result<(), ConnectorError>;

    /// The reply rules of this account's server.
    async fn limits(&self) -> Result<ComposeLimits, ConnectorError>;

    /// Whether [`Connector::stream`] does anything.
    fn can_stream(&self) -> bool {
        false
    }

    /// Runs a live stream until it drops or `sink` closes, sending
    /// [`StreamEvent::Connected`] first. Returns why it stopped.
    async fn stream(&self, sink: StreamSink) -> Result<(), ConnectorError> {
        let _ = sink;
        Err(ConnectorError::Unsupported {
            network: self.account().network.clone(),
            what: "streaming",
        })
    }

    /// Fetches an image an item or author refers to (an avatar, an attachment),
    /// refusing a body over `max_bytes`. Images are public: no credentials go
    /// with the request.
    async fn fetch_media(
        &self,
        url: &str,
        max_bytes: usize,
    ) -> Result<FetchedMedia, ConnectorError> {
        let _ = (url, max_bytes);
        Err(ConnectorError::Unsupported {
            network: self.account().network.clone(),
            what: "fetching media",
        })
    }

    /// The request budget left, as of the last response.
    fn rate_budget(&self) -> Option<RateBudget> {
        None
    }
}
