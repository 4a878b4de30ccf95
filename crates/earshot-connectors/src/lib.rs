//! Network connectors for Earshot.
//!
//! Each network gets one module here, behind the core's
//! [`earshot_core::connector::Connector`] trait, and one line in [`connect`].
//! All HTTP lives in this crate (see [`http`]); the core stays free of network
//! clients and the connectors never touch the store.

pub mod bluesky;
pub mod feeds;
pub mod hackernews;
pub mod http;
pub mod listening;
pub mod mastodon;

use std::sync::Arc;

use earshot_core::connector::{AccountRef, Connector, ConnectorError, CredentialStore};

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

/// A network's usual compose limits, for when its server cannot be asked (no
/// connection, the demo workspace): Mastodon's stock 500 characters with links
/// as 23, Bluesky's 300 graphemes.
pub fn default_limits(network: &str) -> Option<earshot_core::connector::ComposeLimits> {
    use earshot_core::connector::{ComposeLimits, LengthUnit};
    match network {
        "mastodon" => Some(ComposeLimits {
            max_length: 500,
            unit: LengthUnit::Characters,
            link_length: Some(23),
        }),
        "bluesky" => Some(ComposeLimits {
            max_length: bluesky::facets::MAX_GRAPHEMES as u32,
            unit: LengthUnit::Graphemes,
            link_length: None,
        }),
        _ => None,
    }
}

/// How long a reply is, counted the way its network counts (Mastodon: characters,
/// every link as `limits.link_length`, a mention `@user@domain` as `@user`;
/// Bluesky: grapheme clusters), for the composer's counter.
pub fn reply_length(text: &str, limits: &earshot_core::connector::ComposeLimits) -> usize {
    match limits.unit {
        earshot_core::connector::LengthUnit::Graphemes => bluesky::facets::grapheme_count(text),
        earshot_core::connector::LengthUnit::Characters => {
            mastodon::compose::status_length(text, limits.link_length.unwrap_or(23) as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use earshot_core::connector::{ComposeLimits, LengthUnit};

    #[test]
    fn reply_length_counts_the_way_each_network_does() {
        let mastodon = ComposeLimits {
            max_length: 500,
            unit: LengthUnit::Characters,
            link_length: Some(23),
        };
        let bluesky = ComposeLimits {
            max_length: 300,
            unit: LengthUnit::Graphemes,
            link_length: None,
        };
        let text = "@maria@fosstodon.example see https://example.com/a/very/long/path 👨‍👩‍👧";
        assert_eq!(super::reply_length(text, &mastodon), 6 + 5 + 23 + 1 + 5);
        assert_eq!(
            super::reply_length("👨‍👩‍👧 ok", &bluesky),
            4,
            "a family emoji is one grapheme"
        );
    }
}
