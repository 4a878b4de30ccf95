//! Network connectors for Earshot.
//!
//! Each network gets one module here, behind the core's
//! [`earshot_core::connector::Connector`] trait, and one line in [`connect`].
//! All HTTP lives in this crate (see [`http`]); the core stays free of network
//! clients and the connectors never touch the store.

pub mod bluesky;
pub mod http;
pub mod mastodon;

use std::sync::Arc;

use earshot_core::connector::{AccountRef, Connector, ConnectorError, CredentialStore};

/// The networks this build can sign in to and sync.
pub const NETWORKS: &[&str] = &["mastodon", "bluesky"];

/// The connector for an account's network. Adding a network means adding its
/// module and one arm here.
pub fn connect(
    account: &AccountRef,
    credentials: Arc<dyn CredentialStore>,
) -> Result<Arc<dyn Connector>, ConnectorError> {
    Ok(match account.network.as_str() {
        "mastodon" => Arc::new(mastodon::Mastodon::new(account.clone(), credentials)?),
        "bluesky" => Arc::new(bluesky::Bluesky::new(account.clone(), credentials)?),
        other => {
            return Err(ConnectorError::Unsupported {
                network: other.to_owned(),
                what: "syncing (no connector in this build)",
            })
        }
    })
}
