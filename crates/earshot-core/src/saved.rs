//! Saved conversations, fetched whole for offline reading, and what is still
//! waiting to reach the networks.
//!
//! Saving a conversation ([`crate::Workspace::set_saved`]) asks for it to be
//! fetched whole: the next sync of the account it came through fetches its
//! thread from the root (every reply the network has), stores it, then caches
//! its authors' avatars in the encrypted cache ([`crate::media`]). Opening a
//! saved conversation while online asks again, at most every
//! [`REFRESH_AFTER_MS`], so new replies come in without refetching on every
//! sync. Unsaving keeps everything already fetched and stops the refetching;
//! saving again fetches again.
//!
//! The previews of its attachments (images, video thumbnails, link cards) are
//! cached with the avatars, at most [`crate::attachments::MAX_PREVIEWS_PER_THREAD`];
//! full-size images, video and audio never are.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::connector::{Connector, ConnectorError};
use crate::error::Result;
use crate::sync::{respect_budget, SyncOptions};
use crate::Workspace;

/// A saved conversation opened while online is fetched again at most this often.
pub const REFRESH_AFTER_MS: i64 = 5 * 60 * 1000;

/// Asks for a saved conversation to be fetched whole at the next sync.
pub(crate) fn request(tx: &rusqlite::Transaction<'_>, id: i64, now: i64) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO saved_fetches (conversation_id, requested_at) VALUES (?1, ?2)
         ON CONFLICT (conversation_id) DO UPDATE SET requested_at = excluded.requested_at",
    )?
    .execute(params![id, now])?;
    Ok(())
}

/// Asks for a saved conversation to be fetched again (for new replies) when its
/// last fetch is older than [`REFRESH_AFTER_MS`]. Returns whether it asked, and
/// so whether a sync should run. Unsaved conversations are left alone.
pub fn refresh(ws: &Workspace, id: i64) -> Result<bool> {
    let now = ws.now();
    ws.store().write(|tx| -> Result<bool> {
        let changed = tx
            .prepare_cached(
                "UPDATE saved_fetches SET requested_at = ?2
                 WHERE conversation_id = ?1
                   AND conversation_id IN (SELECT id FROM conversations WHERE saved = 1)
                   AND fetched_at IS NOT NULL AND fetched_at >= requested_at
                   AND fetched_at < ?2 - ?3",
            )?
            .execute(params![id, now, REFRESH_AFTER_MS])?;
        Ok(changed > 0)
    })
}

/// The account a conversation came through, if any.
pub fn account_of(ws: &Workspace, id: i64) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    ws.store().read(|c| -> Result<_> {
        Ok(
            c.prepare_cached("SELECT account_id FROM conversations WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?
                .flatten(),
        )
    })
}

/// A saved conversation due to be fetched: its id and the network id to ask for.
fn due(ws: &Workspace, account_id: i64) -> Result<Vec<(i64, String)>> {
    ws.store().read(|c| -> Result<_> {
        // The root when it is known (its thread holds every reply), else the
        // newest item (its thread reaches up to the root).
        let mut stmt = c.prepare_cached(
            "SELECT c.id, CASE WHEN c.provisional = 0 THEN c.root_key ELSE i.remote_id END
               FROM saved_fetches f
               JOIN conversations c ON c.id = f.conversation_id
               LEFT JOIN items i ON i.id = c.last_item_id
              WHERE c.saved = 1 AND c.account_id = ?1
                AND (f.fetched_at IS NULL OR f.fetched_at < f.requested_at)
              ORDER BY f.requested_at",
        )?;
        let rows = stmt.query_map([account_id], |r| {
            Ok((r.get(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut due = Vec::new();
        for row in rows {
            if let (id, Some(remote)) = row? {
                due.push((id, remote));
            }
        }
        Ok(due)
    })
}

fn finish(ws: &Workspace, id: i64, error: Option<&str>) -> Result<()> {
    let now = ws.now();
    ws.store().write(|tx| -> Result<()> {
        tx.prepare_cached(
            "UPDATE saved_fetches SET fetched_at = ?2, last_error = ?3 WHERE conversation_id = ?1",
        )?
        .execute(params![id, now, error])?;
        Ok(())
    })
}

/// What [`fetch_due`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedReport {
    pub conversations: usize,
    pub inserted: usize,
    pub media: usize,
    /// Images skipped (refused type or size, or the server would not give them).
    pub media_skipped: usize,
}

/// Avatars fetched per conversation at most (a thread with hundreds of authors
/// would otherwise spend the request budget on pictures).
pub const MAX_AVATARS: usize = 50;

/// Fetches every saved conversation of the connector's account that is due:
/// its whole thread, then its authors' avatars (at most [`MAX_AVATARS`]) and
/// its attachments' previews, each
/// request within the server's rate budget. A transient failure (offline, rate
/// limited) stops here and leaves the rest for the next sync; a thread the
/// network refuses (deleted, private) is marked done with the reason.
pub async fn fetch_due(
    ws: &std::sync::Arc<Workspace>,
    connector: &dyn Connector,
    options: &SyncOptions,
) -> Result<SavedReport> {
    let mut report = SavedReport::default();
    for (id, remote_id) in due(ws, connector.account().id)? {
        respect_budget(connector, options, ws.now()).await;
        match connector.thread(&remote_id).await {
            Ok(items) => {
                let ws2 = std::sync::Arc::clone(ws);
                let stored = tokio::task::spawn_blocking(move || ws2.ingest(items))
                    .await
                    .map_err(|e| crate::Error::Invalid(format!("the ingest task failed: {e}")))??;
                report.inserted += stored.inserted;
            }
            Err(e @ (ConnectorError::Refused { .. } | ConnectorError::Malformed { .. })) => {
                finish(ws, id, Some(&e.to_string()))?;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        let previews = crate::attachments::missing_previews(
            ws,
            id,
            crate::attachments::MAX_PREVIEWS_PER_THREAD,
        )?;
        for url in crate::media::missing_avatars(ws, id)?
            .into_iter()
            .take(MAX_AVATARS)
            .chain(previews)
        {
            respect_budget(connector, options, ws.now()).await;
            match connector
                .fetch_media(&url, crate::media::MAX_MEDIA_BYTES)
                .await
            {
                Ok(fetched) => match crate::media::store(ws, &url, &fetched) {
                    Ok(_) => report.media += 1,
                    Err(crate::Error::Invalid(_)) => report.media_skipped += 1,
                    Err(e) => return Err(e),
                },
                Err(e) if e.is_transient() => return Err(e.into()),
                Err(_) => report.media_skipped += 1,
            }
        }
        finish(ws, id, None)?;
        report.conversations += 1;
    }
    Ok(report)
}

/// What is waiting to reach the networks, for the offline panel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WaitingToSync {
    /// Replies queued or being sent.
    pub replies: i64,
    /// Actions to replay on the networks (read positions).
    pub actions: i64,
    /// Saved conversations not fetched whole yet (of signed-in accounts: imported
    /// and demo conversations have no network to fetch them from).
    pub saved_fetches: i64,
}

impl WaitingToSync {
    pub fn total(&self) -> i64 {
        self.replies + self.actions + self.saved_fetches
    }
}

/// Counts what is waiting to reach the networks.
pub fn waiting(ws: &Workspace) -> Result<WaitingToSync> {
    ws.store().read(|c| -> Result<_> {
        Ok(c.query_row(
            "SELECT (SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')),
                    (SELECT count(*) FROM pending_actions),
                    (SELECT count(*) FROM saved_fetches f
                       JOIN conversations c ON c.id = f.conversation_id
                       JOIN accounts a ON a.id = c.account_id AND a.origin = 'signed-in'
                      WHERE c.saved = 1
                        AND (f.fetched_at IS NULL OR f.fetched_at < f.requested_at))",
            [],
            |r| {
                Ok(WaitingToSync {
                    replies: r.get(0)?,
                    actions: r.get(1)?,
                    saved_fetches: r.get(2)?,
                })
            },
        )?)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::connector::{AccountRef, FetchedMedia};
    use crate::item::NewItem;
    use crate::sync::testing::{conversation_of, item, workspace, Scripted};

    fn with_avatar(mut item: NewItem, handle: &str) -> NewItem {
        item.author.handle = handle.into();
        item.author.avatar_url = Some(format!("https://cdn.example.test/{handle}.png"));
        item
    }

    /// The scripted connector, serving images as PNGs (an SVG for a URL that
    /// says `svg`; offline for one that says `offline`); its threads fail as
    /// offline while `offline` is set.
    pub(crate) struct WithMedia {
        pub(crate) inner: Scripted,
        pub(crate) asked: std::sync::Mutex<Vec<String>>,
        pub(crate) offline: AtomicBool,
    }

    impl WithMedia {
        pub(crate) fn new(account: AccountRef) -> Self {
            Self {
                inner: Scripted::new(account),
                asked: Default::default(),
                offline: AtomicBool::new(false),
            }
        }
    }

    #[async_trait::async_trait]
    impl Connector for WithMedia {
        fn account(&self) -> &AccountRef {
            self.inner.account()
        }
        fn feeds(&self) -> Vec<String> {
            self.inner.feeds()
        }
        async fn fetch(
            &self,
            r: &crate::connector::FeedRequest,
        ) -> std::result::Result<crate::connector::FeedPage, ConnectorError> {
            self.inner.fetch(r).await
        }
        async fn thread(&self, id: &str) -> std::result::Result<Vec<NewItem>, ConnectorError> {
            self.asked.lock().unwrap().push(format!("thread {id}"));
            if self.offline.load(Ordering::SeqCst) {
                return Err(ConnectorError::Offline {
                    server: "example.test".into(),
                    message: "no route".into(),
                });
            }
            self.inner.thread(id).await
        }
        async fn search(
            &self,
            q: &str,
            p: Option<&str>,
        ) -> std::result::Result<crate::connector::FeedPage, ConnectorError> {
            self.inner.search(q, p).await
        }
        async fn reply(
            &self,
            r: &crate::connector::OutgoingReply,
        ) -> std::result::Result<crate::connector::SentReply, ConnectorError> {
            self.inner.reply(r).await
        }
        async fn mark_read(&self, id: &str) -> std::result::Result<(), ConnectorError> {
            self.inner.mark_read(id).await
        }
        async fn limits(
            &self,
        ) -> std::result::Result<crate::connector::ComposeLimits, ConnectorError> {
            self.inner.limits().await
        }
        async fn fetch_media(
            &self,
            url: &str,
            _max: usize,
        ) -> std::result::Result<FetchedMedia, ConnectorError> {
            self.asked.lock().unwrap().push(url.to_owned());
            if url.contains("offline") {
                return Err(ConnectorError::Offline {
                    server: "cdn.example.test".into(),
                    message: "no route".into(),
                });
            }
            if url.starts_with("https://10.") {
                // As the connectors refuse an image on a private address.
                return Err(ConnectorError::Refused {
                    server: "https://mastodon.example".into(),
                    message: "10.0.0.5 is a private network address; images there are not fetched"
                        .into(),
                });
            }
            if url.contains("svg") {
                return Ok(FetchedMedia {
                    content_type: "image/svg+xml".into(),
                    bytes: b"<svg/>".to_vec(),
                });
            }
            Ok(crate::media::tests::png(
                format!("AVATAR-OF-{url}").as_bytes(),
            ))
        }
    }

    #[tokio::test]
    async fn saving_fetches_the_whole_thread_and_the_authors_avatars() {
        let (_dir, ws, account) = workspace();
        // Only the mention came in through the feed; the root and a second reply did not.
        ws.ingest(vec![with_avatar(item("11", Some("10"), 2_000), "bob")])
            .unwrap();
        let id = conversation_of(&ws, "11");
        let c = WithMedia::new(account);
        c.inner.threads.lock().unwrap().push_back(vec![
            with_avatar(item("10", None, 1_000), "carol"),
            with_avatar(item("11", Some("10"), 2_000), "bob"),
            NewItem {
                attachments: vec![crate::attachments::NewAttachment {
                    kind: crate::attachments::AttachmentKind::Image,
                    url: Some("https://cdn.example.test/full.png".into()),
                    preview_url: Some("https://cdn.example.test/preview.png".into()),
                    ..Default::default()
                }],
                ..with_avatar(item("12", Some("10"), 3_000), "svg-dave")
            },
        ]);
        assert_eq!(
            fetch_due(&ws, &c, &SyncOptions::default()).await.unwrap(),
            SavedReport::default(),
            "nothing is fetched before it is saved"
        );

        ws.set_saved(id, true).unwrap();
        assert_eq!(waiting(&ws).unwrap().saved_fetches, 1);
        let report = fetch_due(&ws, &c, &SyncOptions::default()).await.unwrap();
        assert_eq!(
            report,
            SavedReport {
                conversations: 1,
                inserted: 2,
                media: 3,
                media_skipped: 1
            },
            "root and second reply stored; two PNG avatars and the attachment's preview \
             kept, the SVG refused"
        );
        assert!(
            !c.asked
                .lock()
                .unwrap()
                .iter()
                .any(|u| u.ends_with("full.png")),
            "never the full-size image"
        );
        let asked = c.asked.lock().unwrap().clone();
        assert_eq!(
            asked[0], "thread 11",
            "the newest item, while the root is unknown"
        );
        let detail = ws.conversation(conversation_of(&ws, "10")).unwrap();
        assert_eq!(detail.items.len(), 3, "the thread reads whole");
        assert!(
            detail.items[2].attachments[0].preview_src.is_some(),
            "the preview reads from the cache"
        );
        let avatars = crate::media::avatars(&ws, detail.conversation.id).unwrap();
        let handles: Vec<_> = avatars.iter().map(|a| a.handle.as_str()).collect();
        assert_eq!(handles, ["bob", "carol"]);
        assert!(avatars[0].src.starts_with("earshot-media://localhost/"));
        assert_eq!(waiting(&ws).unwrap().saved_fetches, 0);

        // Done: the next sync does not fetch it again.
        let before = c.asked.lock().unwrap().len();
        assert_eq!(
            fetch_due(&ws, &c, &SyncOptions::default())
                .await
                .unwrap()
                .conversations,
            0
        );
        assert_eq!(c.asked.lock().unwrap().len(), before);
    }

    #[tokio::test]
    async fn offline_leaves_it_due_and_unsaving_stops_refetching() {
        let (_dir, ws, account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let id = conversation_of(&ws, "1");
        ws.set_saved(id, true).unwrap();

        let c = WithMedia::new(account);
        c.offline.store(true, Ordering::SeqCst);
        assert!(fetch_due(&ws, &c, &SyncOptions::default()).await.is_err());
        assert_eq!(waiting(&ws).unwrap().saved_fetches, 1, "still due");

        c.offline.store(false, Ordering::SeqCst);
        assert_eq!(
            fetch_due(&ws, &c, &SyncOptions::default())
                .await
                .unwrap()
                .conversations,
            1
        );
        assert!(
            !refresh(&ws, id).unwrap(),
            "fetched a moment ago: opening it does not fetch again"
        );
        ws.set_saved(id, false).unwrap();
        ws.store()
            .write(|tx| -> Result<()> {
                tx.execute("UPDATE saved_fetches SET fetched_at = 0", [])?;
                Ok(())
            })
            .unwrap();
        assert!(!refresh(&ws, id).unwrap(), "unsaved: never refetched");
        assert_eq!(
            ws.conversation(id).unwrap().items.len(),
            1,
            "what was fetched stays"
        );
        ws.set_saved(id, true).unwrap();
        assert_eq!(
            waiting(&ws).unwrap().saved_fetches,
            1,
            "saving again fetches again"
        );
    }

    #[tokio::test]
    async fn waiting_counts_queued_replies_and_read_positions() {
        let (dir, ws, _account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let id = conversation_of(&ws, "1");
        assert_eq!(waiting(&ws).unwrap(), WaitingToSync::default());
        let demo = crate::demo::open_or_demo(
            &dir.path().join("elsewhere"),
            &crate::vault::MemoryVault::default(),
        )
        .unwrap()
        .0;
        let first = demo.inbox(&Default::default()).unwrap().conversations[0].id;
        demo.set_saved(first, true).unwrap();
        assert_eq!(
            waiting(&demo).unwrap().saved_fetches,
            0,
            "the demo has no network: nothing waits"
        );
        ws.mark_read(id).unwrap();
        crate::outbox::queue_reply(&ws, id, "thanks!").unwrap();
        let w = waiting(&ws).unwrap();
        assert_eq!((w.replies, w.actions), (1, 1));
        assert_eq!(w.total(), 2);
    }
}
