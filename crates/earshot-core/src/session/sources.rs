//! Polling listening sources while the app runs: a task of the session that
//! looks every little while for the sources that are due (each on its own
//! interval, backing off after failures: [`sources::next_poll_at`]) and ingests
//! what they bring, in whatever workspace is shown.
//!
//! Fetching is the connectors crate's; the caller passes it in
//! ([`FetchSource`]) as it passes `connect`, so the core holds no HTTP client.
//! Searches on Bluesky and Mastodon go through the first signed-in account of
//! each network.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{lock, syncs, Session};
use crate::connector::{Connector, ConnectorError};
use crate::error::{Error, Result};
use crate::listening::sources::{self, Fetched, PollReport, Source, SourceKind};

/// A connector per network (`"bluesky"`, `"mastodon"`) for the sources that search.
pub type SearchConnectors = HashMap<String, Arc<dyn Connector>>;

/// Fetches what is new from one source (the connectors crate's `listening::fetch`).
pub type FetchSource = dyn Fn(
        Source,
        Arc<SearchConnectors>,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<Fetched, ConnectorError>> + Send>>
    + Send
    + Sync;

/// How often the poller looks for due sources (each has its own, longer interval).
pub const POLL_TICK: Duration = Duration::from_secs(30);

pub(super) struct Poller {
    fetch: Arc<FetchSource>,
    task: tokio::task::AbortHandle,
}

impl Poller {
    pub(super) fn stop(&self) {
        self.task.abort();
    }
}

impl Session {
    /// Starts polling the sources that are due every `tick` (replacing a poller
    /// already running). The task stops with [`Session::shutdown`].
    pub fn start_polling_sources(self: &Arc<Self>, fetch: Arc<FetchSource>, tick: Duration) {
        let weak: Weak<Session> = Arc::downgrade(self);
        let task = self.config.runtime.spawn(async move {
            let mut every = tokio::time::interval(tick);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(session) = weak.upgrade() else {
                    return;
                };
                // A failing source records its own error; a failing store is told
                // once per tick and tried again at the next.
                if let Err(e) = session.poll_sources(None).await {
                    session.workspace().emit(crate::events::CoreEvent::Alert {
                        message: format!("listening sources could not be polled: {e}"),
                    });
                }
            }
        });
        let old = lock(&self.poller).replace(Poller {
            fetch,
            task: task.abort_handle(),
        });
        if let Some(old) = old {
            old.stop();
        }
    }

    /// Polls one source now (`Some(id)`, whatever its interval), or every source
    /// that is due, and ingests what they bring. Each source's outcome (or why it
    /// failed) is in its report and its state.
    pub async fn poll_sources(&self, id: Option<i64>) -> Result<Vec<PollReport>> {
        let fetch = lock(&self.poller)
            .as_ref()
            .map(|p| Arc::clone(&p.fetch))
            .ok_or_else(|| Error::Invalid("listening sources are not being polled here".into()))?;
        let ws = self.workspace();
        let chosen = match id {
            Some(id) => vec![sources::get(&ws, id)?],
            None => sources::due(&ws, ws.now())?,
        };
        if chosen.is_empty() {
            return Ok(Vec::new());
        }
        let searches = chosen.iter().any(|s| {
            matches!(
                s.kind,
                SourceKind::BlueskySearch | SourceKind::MastodonSearch
            )
        });
        let connectors = Arc::new(if searches {
            self.search_connectors()?
        } else {
            SearchConnectors::new()
        });
        let mut reports = Vec::with_capacity(chosen.len());
        for source in chosen {
            let fetched = fetch(source.clone(), Arc::clone(&connectors))
                .await
                .map_err(|e| e.to_string());
            let ws = Arc::clone(&ws);
            let report =
                tokio::task::spawn_blocking(move || sources::record_poll(&ws, &source, fetched))
                    .await
                    .map_err(|e| Error::Invalid(format!("a source's poll was cut short: {e}")))??;
            reports.push(report);
        }
        Ok(reports)
    }

    fn search_connectors(&self) -> Result<SearchConnectors> {
        let ws = self.workspace();
        let mut out = SearchConnectors::new();
        for account in ws.accounts()?.iter().filter(|a| syncs(a)) {
            if out.contains_key(&account.network) {
                continue;
            }
            let credentials = Arc::new(ws.credentials(Arc::clone(&self.config.vault), account.id));
            let connector = (self.config.connect)(&account.to_ref(), credentials)?;
            out.insert(account.network.clone(), connector);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use super::*;
    use crate::events::NoEvents;
    use crate::item::{Content, ItemKind, NewAuthor, NewItem};
    use crate::listening::sources::SourceInput;
    use crate::listening::QueryInput;
    use crate::session::{SessionConfig, WorkspaceOpened};
    use crate::sync::testing::until;
    use crate::sync::SyncOptions;
    use crate::vault::{MemoryVault, Vault};

    fn post(id: &str, text: &str) -> NewItem {
        NewItem {
            network: "rss".into(),
            remote_id: id.into(),
            account_id: None,
            kind: ItemKind::Post,
            author: NewAuthor {
                handle: "blog.example".into(),
                ..Default::default()
            },
            content: Content::Text(text.into()),
            created_at: 1_700_000_000_000,
            parent_remote_id: None,
            root_remote_id: None,
            url: Some(format!("https://blog.example/{id}")),
            lang: Some("en".into()),
            attachments: Vec::new(),
        }
    }

    fn session(dir: &tempfile::TempDir) -> Arc<Session> {
        Arc::new(
            Session::open(SessionConfig {
                data_dir: dir.path().join("data"),
                vault: Arc::new(MemoryVault::new()) as Arc<dyn Vault>,
                connect: Arc::new(|_, _| {
                    Err(ConnectorError::Unsupported {
                        network: "test".into(),
                        what: "accounts",
                    })
                }),
                options: SyncOptions::default(),
                events: Arc::new(NoEvents),
                on_opened: Arc::new(|_: &WorkspaceOpened| {}),
                runtime: tokio::runtime::Handle::current(),
            })
            .unwrap(),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_session_polls_due_sources_on_its_own_and_their_items_are_heard() {
        let dir = tempfile::tempdir().unwrap();
        let session = session(&dir);
        let ws = session.workspace();
        assert!(
            crate::listening::list(&ws)
                .unwrap()
                .iter()
                .any(|q| q.name == "Fernwood" && q.hits > 0),
            "the app's demo listens, so its dashboard is not empty"
        );
        let (query, _) = crate::listening::create(
            &ws,
            &QueryInput {
                name: "Outage".into(),
                query: "gloxinia".into(),
                enabled: true,
            },
            |_| {},
        )
        .unwrap();
        let feed = sources::add(
            &ws,
            &SourceInput {
                kind: SourceKind::Feed,
                target: "http://127.0.0.1:9/feed.xml".into(),
                name: None,
                interval_secs: None,
            },
        )
        .unwrap();
        assert!(
            session.poll_sources(None).await.is_err(),
            "nothing polls before the poller starts"
        );
        let fetches = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (count, targets) = (Arc::clone(&fetches), Arc::clone(&seen));
        session.start_polling_sources(
            Arc::new(move |source: Source, _| {
                count.fetch_add(1, Ordering::SeqCst);
                targets.lock().unwrap().push(source.target.clone());
                Box::pin(async move {
                    Ok(Fetched {
                        items: vec![post("1", "A gloxinia outage today"), post("2", "all fine")],
                        etag: Some("\"v1\"".into()),
                        ..Default::default()
                    })
                })
            }),
            Duration::from_millis(20),
        );
        until(|| sources::get(&ws, feed.id).unwrap().last_polled_at.is_some()).await;
        let polled = sources::get(&ws, feed.id).unwrap();
        assert_eq!(polled.items, 2, "both items are kept as the source's");
        assert_eq!(polled.etag.as_deref(), Some("\"v1\""));
        assert_eq!(
            crate::listening::get(&ws, query.id).unwrap().hits,
            1,
            "the query hears the feed's matching item"
        );
        // Many ticks later the source is still not due (15 minutes), so it was fetched once.
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "polled on its own interval"
        );
        assert_eq!(seen.lock().unwrap().as_slice(), [feed.target.as_str()]);
        // Poll now ignores the interval.
        let reports = session.poll_sources(Some(feed.id)).await.unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(
            reports[0].inserted, 0,
            "the same items are not stored twice"
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        session.shutdown(Duration::from_millis(100)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_search_without_a_signed_in_account_fails_in_its_state_not_the_poll() {
        let dir = tempfile::tempdir().unwrap();
        let session = session(&dir);
        let ws = session.workspace();
        let search = sources::add(
            &ws,
            &SourceInput {
                kind: SourceKind::MastodonSearch,
                target: "earshot".into(),
                name: None,
                interval_secs: None,
            },
        )
        .unwrap();
        session.start_polling_sources(
            Arc::new(|_, connectors: Arc<SearchConnectors>| {
                Box::pin(async move {
                    assert!(connectors.is_empty(), "the demo has no signed-in account");
                    Err(ConnectorError::Unsupported {
                        network: "mastodon".into(),
                        what: "searching without a signed-in account (add one first)",
                    })
                })
            }),
            Duration::from_secs(3600),
        );
        let reports = session.poll_sources(Some(search.id)).await.unwrap();
        assert!(reports[0].error.is_some(), "the failure is reported");
        let state = sources::get(&ws, search.id).unwrap();
        assert!(state.failures >= 1, "counted as a failure");
        assert!(state.last_error.unwrap().contains("signed-in account"));
        session.shutdown(Duration::from_millis(100)).await;
    }
}
