//! Fetching listening sources: feeds, Hacker News, and searches on Bluesky and
//! Mastodon through a signed-in account's connector. What comes back goes to
//! [`earshot_core::listening::sources::record_poll`].

use std::collections::HashMap;
use std::sync::Arc;

use earshot_core::connector::{Connector, ConnectorError};
use earshot_core::listening::sources::{Fetched, Source, SourceKind};

use crate::{feeds, hackernews};

/// What polling needs besides the source: where Hacker News's search lives, and
/// a connector per network for searches (`"bluesky"`, `"mastodon"`).
#[derive(Clone)]
pub struct PollContext {
    pub hackernews_base: String,
    pub search: HashMap<String, Arc<dyn Connector>>,
}

impl Default for PollContext {
    fn default() -> Self {
        Self {
            hackernews_base: hackernews::DEFAULT_BASE.into(),
            search: HashMap::new(),
        }
    }
}

/// Fetches what is new from one source.
pub async fn fetch(
    source: &Source,
    ctx: &PollContext,
    now_ms: i64,
) -> Result<Fetched, ConnectorError> {
    match source.kind {
        SourceKind::Feed => feeds::fetch(source, now_ms).await,
        SourceKind::HackerNews => hackernews::search(&ctx.hackernews_base, source).await,
        SourceKind::BlueskySearch | SourceKind::MastodonSearch => {
            let network = if source.kind == SourceKind::BlueskySearch {
                "bluesky"
            } else {
                "mastodon"
            };
            let connector = ctx.search.get(network).ok_or(ConnectorError::Unsupported {
                network: network.into(),
                what: "searching without a signed-in account (add one first)",
            })?;
            let page = connector.search(&source.target, None).await?;
            Ok(Fetched {
                items: page.items,
                ..Default::default()
            })
        }
    }
}
