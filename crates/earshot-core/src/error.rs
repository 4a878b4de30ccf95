//! The core's error type.

use std::path::PathBuf;

use crate::connector::ConnectorError;
use crate::store::StoreError;
use crate::vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the encrypted cache at {path} cannot be unlocked: its key is not in the OS keyring \
         (entry '{entry}' of service 'earshot'). If the keyring was reset or restored, put the \
         entry back and try again; otherwise `earshot-cli reset` moves the unreadable cache aside \
         (nothing is deleted) and starts an empty one"
    )]
    CacheKeyMissing { path: PathBuf, entry: String },
    #[error("the workspace at {path} is damaged: {detail}")]
    Workspace { path: PathBuf, detail: String },
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error(transparent)]
    Connector(#[from] crate::connector::ConnectorError),
    #[error("{0}")]
    Invalid(String),
    /// The person stopped a long-running step (waiting for a browser sign-in).
    #[error("{0} was cancelled")]
    Cancelled(&'static str),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sql(e))
    }
}

impl Error {
    /// A stable code for errors the UI acts on (offering a reset, an unlock, …);
    /// `None` for errors it only shows.
    pub fn code(&self) -> Option<ErrorCode> {
        Some(match self {
            Self::Vault(VaultError::Locked { .. }) => ErrorCode::KeyringLocked,
            Self::Vault(VaultError::Unavailable { .. }) => ErrorCode::KeyringUnavailable,
            Self::CacheKeyMissing { .. } => ErrorCode::CacheKeyMissing,
            Self::Store(StoreError::WrongKey { .. }) => ErrorCode::CacheWrongKey,
            Self::Store(StoreError::TooNew { .. }) => ErrorCode::CacheTooNew,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Connector(ConnectorError::Auth { .. }) => ErrorCode::NeedsSignIn,
            Self::Connector(ConnectorError::Offline { .. }) => ErrorCode::Offline,
            Self::Cancelled(_) => ErrorCode::Cancelled,
            _ => return None,
        })
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

/// The codes of errors the UI acts on, mirrored as a TypeScript union so the UI
/// never matches on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// The keyring is locked: ask the manager to unlock it.
    KeyringLocked,
    /// No keyring service: say what to install.
    KeyringUnavailable,
    /// The cache key is gone from the keyring: offer the reset.
    CacheKeyMissing,
    /// The keyring's key does not open the cache: offer the reset.
    CacheWrongKey,
    /// A newer Earshot wrote the cache: ask for an update.
    CacheTooNew,
    NotFound,
    /// A network refused an account's credentials: offer to sign in again.
    NeedsSignIn,
    /// A server cannot be reached: show the offline state.
    Offline,
    /// The person cancelled the step: nothing to show.
    Cancelled,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
