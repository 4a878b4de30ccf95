//! What the desktop app holds while it runs: the workspace its window shows,
//! with every signed-in account syncing.
//!
//! While the data directory's own workspace has no account, the app shows the
//! demo workspace ([`crate::demo::open_or_demo`]). Signing in the first account
//! then opens (and creates) the real workspace, adds the account there, starts
//! its sync and makes it the one shown; the demo stays on disk. Signing in again
//! to an account the network refused keeps its id, clears the flag and restarts
//! its sync. Removing an account stops its sync before anything is deleted.
//!
//! Networks are reached only through the `connect` function the caller passes
//! in (the connectors crate's), so this module, like the rest of the core,
//! holds no HTTP client.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use serde::Serialize;

use crate::accounts::{Account, AccountOrigin, SignedInAccount};
use crate::connector::{AccountRef, Connector, ConnectorError, CredentialStore};
use crate::error::{Error, Result};
use crate::events::{CoreEvent, EventSink};
use crate::sync::{AccountSyncStatus, Supervisor, SyncOptions};
use crate::vault::{Secret, Vault};
use crate::Workspace;

mod sources;
pub use sources::{FetchSource, SearchConnectors, POLL_TICK};

/// Makes the connector of one account (the connectors crate's `connect`).
pub type Connect = dyn Fn(
        &AccountRef,
        Arc<dyn CredentialStore>,
    ) -> std::result::Result<Arc<dyn Connector>, ConnectorError>
    + Send
    + Sync;

/// Told when the app starts showing another workspace; everything on screen
/// must then reload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkspaceOpened {
    pub path: String,
    pub demo: bool,
}

/// Where a session's workspaces live and what they use.
pub struct SessionConfig {
    pub data_dir: PathBuf,
    pub vault: Arc<dyn Vault>,
    pub connect: Arc<Connect>,
    pub options: SyncOptions,
    /// Where every shown workspace sends its events.
    pub events: Arc<dyn EventSink>,
    pub on_opened: Arc<dyn Fn(&WorkspaceOpened) + Send + Sync>,
    /// The runtime the sync tasks run on.
    pub runtime: tokio::runtime::Handle,
}

struct Shown {
    ws: Arc<Workspace>,
    demo: bool,
    supervisor: Supervisor,
}

pub struct Session {
    config: SessionConfig,
    shown: RwLock<Arc<Shown>>,
    /// Held while an account is added, so two first sign-ins cannot both open
    /// the real workspace.
    adding: Mutex<()>,
    /// The sign-in under way (a browser sign-in may wait minutes), to cancel it.
    signing_in: Mutex<Option<tokio::task::AbortHandle>>,
    /// The task polling listening sources, once started.
    poller: Mutex<Option<sources::Poller>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("data_dir", &self.config.data_dir)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Both mutexes guard a unit or a handle that is replaced whole.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether an account's sync should run: signed in, and not refused.
pub fn syncs(account: &Account) -> bool {
    account.origin == AccountOrigin::SignedIn && !account.needs_sign_in
}

impl Session {
    /// Opens what the app shows (the real workspace, or the demo while the real
    /// one has no account) and starts the sync of every account that [`syncs`].
    pub fn open(config: SessionConfig) -> Result<Self> {
        let (ws, demo) = crate::demo::open_or_demo_with_events(
            &config.data_dir,
            config.vault.as_ref(),
            Arc::clone(&config.events),
        )?;
        let ws = Arc::new(ws);
        let shown = Arc::new(Shown {
            supervisor: Supervisor::new(Arc::clone(&ws), config.options.clone()),
            ws,
            demo,
        });
        let session = Self {
            config,
            shown: RwLock::new(Arc::clone(&shown)),
            adding: Mutex::new(()),
            signing_in: Mutex::new(None),
            poller: Mutex::new(None),
        };
        if !demo {
            for account in shown.ws.accounts()?.iter().filter(|a| syncs(a)) {
                if let Err(e) = session.start(&shown, account) {
                    shown.ws.emit(CoreEvent::Alert {
                        message: format!(
                            "{} on {} cannot sync: {e}",
                            account.handle, account.network
                        ),
                    });
                }
            }
        }
        Ok(session)
    }

    fn shown(&self) -> Arc<Shown> {
        // Only ever replaced whole; a poisoned lock still holds a usable Arc.
        Arc::clone(&self.shown.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The workspace the app shows.
    pub fn workspace(&self) -> Arc<Workspace> {
        Arc::clone(&self.shown().ws)
    }

    /// Whether it is the demo workspace.
    pub fn is_demo(&self) -> bool {
        self.shown().demo
    }

    /// Starts (or restarts) an account's sync.
    fn start(&self, shown: &Shown, account: &Account) -> Result<()> {
        let credentials = Arc::new(
            shown
                .ws
                .credentials(Arc::clone(&self.config.vault), account.id),
        );
        let connector = (self.config.connect)(&account.to_ref(), credentials)?;
        let _runtime = self.config.runtime.enter();
        shown.supervisor.start(connector);
        Ok(())
    }

    /// Runs a network's sign-in (which may wait minutes for a browser), then
    /// adds the account it signed in. [`Session::cancel_sign_in`] stops it.
    pub async fn sign_in<F>(&self, sign_in: F) -> Result<Account>
    where
        F: Future<Output = std::result::Result<(SignedInAccount, Secret), ConnectorError>>
            + Send
            + 'static,
    {
        let task = self.config.runtime.spawn(sign_in);
        if let Some(earlier) = lock(&self.signing_in).replace(task.abort_handle()) {
            // One sign-in at a time: a new one replaces one left waiting.
            earlier.abort();
        }
        let result = task.await;
        lock(&self.signing_in).take();
        let (account, credentials) = match result {
            Ok(signed_in) => signed_in?,
            Err(e) if e.is_cancelled() => return Err(Error::Cancelled("the sign-in")),
            Err(e) => return Err(Error::Invalid(format!("the sign-in failed: {e}"))),
        };
        self.add_account(&account, &credentials)
    }

    /// Stops a sign-in under way; it then fails with [`Error::Cancelled`].
    pub fn cancel_sign_in(&self) {
        if let Some(task) = lock(&self.signing_in).take() {
            task.abort();
        }
    }

    /// Adds a signed-in account (or signs an existing one in again, keeping its
    /// id and clearing its needs-sign-in flag) and starts its sync. While the
    /// demo is shown, the account goes into the real workspace, which is then
    /// shown instead.
    pub fn add_account(&self, account: &SignedInAccount, credentials: &Secret) -> Result<Account> {
        let _adding = lock(&self.adding);
        let shown = self.shown();
        if !shown.demo {
            let added = shown
                .ws
                .add_account(self.config.vault.as_ref(), account, credentials)?;
            self.start(&shown, &added)?;
            return Ok(added);
        }
        let real = Arc::new(Workspace::open_with_events(
            &self.config.data_dir,
            self.config.vault.as_ref(),
            Arc::clone(&self.config.events),
        )?);
        let added = real.add_account(self.config.vault.as_ref(), account, credentials)?;
        let next = Arc::new(Shown {
            supervisor: Supervisor::new(Arc::clone(&real), self.config.options.clone()),
            ws: real,
            demo: false,
        });
        *self.shown.write().unwrap_or_else(|p| p.into_inner()) = Arc::clone(&next);
        (self.config.on_opened)(&WorkspaceOpened {
            path: next.ws.dir().display().to_string(),
            demo: false,
        });
        if let Err(e) = self.start(&next, &added) {
            // The account is in; its sync can start again with "sync now".
            next.ws.emit(CoreEvent::Alert {
                message: format!("{} on {} cannot sync: {e}", added.handle, added.network),
            });
        }
        Ok(added)
    }

    /// Stops an account's sync, then removes it and deletes its credentials
    /// from the vault. Its conversations stay.
    pub fn remove_account(&self, id: i64) -> Result<()> {
        let shown = self.shown();
        shown.supervisor.stop(id);
        shown.ws.remove_account(self.config.vault.as_ref(), id)
    }

    /// Syncs now rather than at the next poll: one account, or every one. An
    /// account whose sync is not running (it could not start) is started.
    pub fn sync_now(&self, account_id: Option<i64>) -> Result<()> {
        let shown = self.shown();
        if shown.demo {
            return Err(Error::Invalid(
                "the demo workspace does not sync; add an account to sync your own".into(),
            ));
        }
        let accounts = match account_id {
            Some(id) => vec![shown.ws.account(id)?],
            None => shown.ws.accounts()?,
        };
        for account in accounts {
            if account.needs_sign_in && account_id.is_some() {
                return Err(Error::Connector(ConnectorError::Auth {
                    network: account.network,
                    handle: account.handle,
                    message: "the network refused its credentials".into(),
                }));
            }
            if !syncs(&account) {
                if account_id.is_some() {
                    return Err(Error::Invalid(format!(
                        "{} is not a signed-in account, so it never syncs",
                        account.handle
                    )));
                }
                continue;
            }
            if shown.supervisor.is_running(account.id) {
                shown.supervisor.poke(Some(account.id));
            } else {
                self.start(&shown, &account)?;
            }
        }
        Ok(())
    }

    /// Saves (or unsaves) a conversation; saving fetches it whole now, through
    /// the sync of the account it came through ([`crate::saved`]).
    pub fn set_saved(&self, id: i64, saved: bool) -> Result<()> {
        let shown = self.shown();
        shown.ws.set_saved(id, saved)?;
        if saved {
            if let Some(account) = crate::saved::account_of(&shown.ws, id)? {
                shown.supervisor.poke(Some(account));
            }
        }
        Ok(())
    }

    /// Called when a conversation is opened: a saved one last fetched a while
    /// ago is fetched again (for new replies) by its account's next sync, now.
    pub fn refresh_saved(&self, id: i64) -> Result<()> {
        let shown = self.shown();
        if crate::saved::refresh(&shown.ws, id)? {
            if let Some(account) = crate::saved::account_of(&shown.ws, id)? {
                shown.supervisor.poke(Some(account));
            }
        }
        Ok(())
    }

    /// Fetches the previews of these items' attachments that are not cached
    /// yet (at most [`crate::attachments::MAX_PREVIEWS_PER_THREAD`] per
    /// conversation) through their accounts' running syncs, and returns the
    /// items' attachments as now cached. The demo, an account whose sync is not
    /// running, or a network out of reach fetch nothing: what is cached shows.
    pub async fn fetch_previews(
        &self,
        item_ids: &[i64],
    ) -> Result<Vec<crate::attachments::ItemAttachments>> {
        let shown = self.shown();
        for (conversation, account) in crate::attachments::conversations_of(&shown.ws, item_ids)? {
            let Some(connector) = account.and_then(|a| shown.supervisor.connector(a)) else {
                continue;
            };
            match crate::attachments::fetch_previews(&shown.ws, connector.as_ref(), conversation)
                .await
            {
                // Offline or rate limited: the next opening tries again.
                Ok(_) | Err(Error::Connector(_)) => {}
                Err(e) => return Err(e),
            }
        }
        crate::attachments::of_items(&shown.ws, item_ids)
    }

    /// Queues a reply (as `account`, or the conversation's own), held for the
    /// undo window, then sent by the account's sync. The text leaves the draft
    /// for the outbox; [`crate::outbox::cancel`] takes it back while it waits.
    pub fn send_reply(
        &self,
        conversation_id: i64,
        body: &str,
        account: Option<i64>,
    ) -> Result<crate::outbox::OutboxEntry> {
        let shown = self.shown();
        if shown.demo {
            return Err(Error::Invalid(
                "the demo workspace cannot send replies; add an account to answer your own \
                 conversations (the draft is kept)"
                    .into(),
            ));
        }
        let undo = crate::outbox::undo_window(&shown.ws)?;
        let entry = crate::outbox::queue_reply_as(&shown.ws, conversation_id, body, account, undo)?;
        let _runtime = self.config.runtime.enter();
        // A little after the window closes, so the reply is due when the sync looks.
        shown
            .supervisor
            .poke_after(entry.account_id, undo + Duration::from_millis(50));
        Ok(entry)
    }

    /// The account's compose limits as its server states them, or `None` when
    /// its sync is not running or the server does not answer within `within`.
    pub async fn compose_limits(
        &self,
        account_id: i64,
        within: Duration,
    ) -> Option<crate::connector::ComposeLimits> {
        let connector = self.shown().supervisor.connector(account_id)?;
        tokio::time::timeout(within, connector.limits())
            .await
            .ok()?
            .ok()
    }

    /// Every signed-in account's sync status (none in the demo).
    pub fn sync_status(&self) -> Result<Vec<AccountSyncStatus>> {
        self.shown().supervisor.status()
    }

    /// Stops every sync, waiting at most `within` for the loops to finish what
    /// they are doing. A loop cut short loses nothing: a page's cursor is saved
    /// only after the page is stored.
    pub async fn shutdown(&self, within: Duration) {
        self.cancel_sign_in();
        if let Some(poller) = lock(&self.poller).take() {
            poller.stop();
        }
        let shown = self.shown();
        let _ = tokio::time::timeout(within, shown.supervisor.shutdown()).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::sync::testing::{until, Scripted};
    use crate::sync::SyncState;
    use crate::vault::MemoryVault;

    struct Harness {
        _dir: tempfile::TempDir,
        data_dir: PathBuf,
        vault: Arc<MemoryVault>,
        opened: Arc<Mutex<Vec<WorkspaceOpened>>>,
        connects: Arc<AtomicUsize>,
    }

    impl Harness {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            Self {
                data_dir: dir.path().join("data"),
                _dir: dir,
                vault: Arc::new(MemoryVault::new()),
                opened: Arc::default(),
                connects: Arc::default(),
            }
        }

        fn session(&self) -> Session {
            let opened = Arc::clone(&self.opened);
            let connects = Arc::clone(&self.connects);
            Session::open(SessionConfig {
                data_dir: self.data_dir.clone(),
                vault: Arc::clone(&self.vault) as Arc<dyn Vault>,
                connect: Arc::new(move |account: &AccountRef, _credentials| {
                    connects.fetch_add(1, Ordering::SeqCst);
                    Ok(Arc::new(Scripted::new(account.clone())) as Arc<dyn Connector>)
                }),
                options: SyncOptions::default(),
                events: Arc::new(crate::events::NoEvents),
                on_opened: Arc::new(move |o: &WorkspaceOpened| {
                    opened.lock().unwrap().push(o.clone())
                }),
                runtime: tokio::runtime::Handle::current(),
            })
            .unwrap()
        }
    }

    fn alice() -> SignedInAccount {
        SignedInAccount {
            network: "mastodon".into(),
            server: "https://example.test".into(),
            handle: "alice@example.test".into(),
            display_name: Some("Alice".into()),
            remote_user_id: Some("1".into()),
        }
    }

    #[tokio::test]
    async fn the_first_account_moves_the_app_from_the_demo_to_the_real_workspace() {
        let h = Harness::new();
        let session = h.session();
        assert!(session.is_demo(), "no account yet: the demo is shown");
        assert!(
            session.sync_now(None).is_err(),
            "the demo has nothing to sync and says so"
        );
        assert!(session.sync_status().unwrap().is_empty());

        let account = session
            .add_account(&alice(), &Secret::new("token"))
            .unwrap();
        assert!(!session.is_demo(), "the real workspace is shown now");
        assert_eq!(session.workspace().dir(), h.data_dir.as_path());
        assert_eq!(
            h.opened.lock().unwrap().as_slice(),
            &[WorkspaceOpened {
                path: h.data_dir.display().to_string(),
                demo: false
            }],
            "the UI is told to reload"
        );
        assert_eq!(
            session.workspace().accounts().unwrap(),
            vec![account.clone()]
        );
        let entry = crate::accounts::credentials_entry(session.workspace().id(), account.id);
        assert_eq!(h.vault.get(&entry).unwrap().expose(), "token");
        assert!(
            crate::demo::demo_dir(&h.data_dir)
                .join(crate::store::DB_FILE)
                .exists(),
            "the demo stays on disk"
        );
        assert_eq!(h.connects.load(Ordering::SeqCst), 1, "its sync started");
        let ws = session.workspace();
        until(|| crate::sync::status(&ws).unwrap()[0].last_ok_at.is_some()).await;
        let status = session.sync_status().unwrap();
        assert_eq!(status.len(), 1);
        assert_eq!(status[0].state, Some(SyncState::Idle));

        // The next start opens the real workspace and syncs its account.
        session.shutdown(Duration::from_secs(1)).await;
        drop(session);
        let again = h.session();
        assert!(!again.is_demo());
        assert_eq!(h.connects.load(Ordering::SeqCst), 2);
        again.shutdown(Duration::from_secs(1)).await;
    }

    #[tokio::test]
    async fn signing_in_again_keeps_the_account_clears_the_flag_and_restarts_sync() {
        let h = Harness::new();
        let session = h.session();
        let account = session.add_account(&alice(), &Secret::new("old")).unwrap();
        let ws = session.workspace();
        ws.set_needs_sign_in(account.id, true).unwrap();
        assert_eq!(
            session.sync_status().unwrap()[0].state,
            Some(SyncState::NeedsSignIn),
            "the store's flag wins over what the loop last said"
        );
        let err = session.sync_now(Some(account.id)).unwrap_err();
        assert_eq!(
            err.code(),
            Some(crate::error::ErrorCode::NeedsSignIn),
            "sync now says to sign in again"
        );

        let again = session.add_account(&alice(), &Secret::new("new")).unwrap();
        assert_eq!(again.id, account.id, "same account");
        assert!(!again.needs_sign_in, "flag cleared");
        let entry = crate::accounts::credentials_entry(ws.id(), account.id);
        assert_eq!(h.vault.get(&entry).unwrap().expose(), "new");
        assert_eq!(h.connects.load(Ordering::SeqCst), 2, "its sync restarted");
        assert_eq!(h.opened.lock().unwrap().len(), 1, "no second switch");
        session.shutdown(Duration::from_secs(1)).await;
    }

    #[tokio::test]
    async fn removing_an_account_stops_its_sync_and_deletes_its_credentials() {
        let h = Harness::new();
        let session = h.session();
        let account = session
            .add_account(&alice(), &Secret::new("token"))
            .unwrap();
        let ws = session.workspace();
        let entry = crate::accounts::credentials_entry(ws.id(), account.id);
        session.remove_account(account.id).unwrap();
        assert!(h.vault.get(&entry).is_err(), "credentials deleted");
        assert!(ws.accounts().unwrap().is_empty());
        assert!(session.sync_status().unwrap().is_empty());
        assert!(!session.is_demo(), "the real workspace stays shown");
        session.shutdown(Duration::from_secs(1)).await;
    }

    #[tokio::test]
    async fn saving_fetches_the_conversation_at_once_through_its_account() {
        let h = Harness::new();
        let session = h.session();
        let account = session
            .add_account(&alice(), &Secret::new("token"))
            .unwrap();
        let ws = session.workspace();
        until(|| crate::sync::status(&ws).unwrap()[0].last_ok_at.is_some()).await;
        let mut mention = crate::sync::testing::item("1", None, 1_000);
        mention.account_id = Some(account.id);
        ws.ingest(vec![mention]).unwrap();
        let id = ws
            .inbox(&crate::inbox::InboxFilter::default())
            .unwrap()
            .conversations[0]
            .id;
        session.set_saved(id, true).unwrap();
        until(|| crate::saved::waiting(&ws).unwrap().saved_fetches == 0).await;
        assert!(ws.conversation(id).unwrap().conversation.saved);
        session.refresh_saved(id).unwrap();
        assert_eq!(
            crate::saved::waiting(&ws).unwrap().saved_fetches,
            0,
            "just fetched: opening it asks for nothing"
        );
        session.shutdown(Duration::from_secs(1)).await;
    }

    #[tokio::test]
    async fn a_sign_in_can_be_cancelled() {
        let h = Harness::new();
        let session = Arc::new(h.session());
        let waiting = {
            let session = Arc::clone(&session);
            tokio::spawn(async move {
                session
                    .sign_in(async {
                        std::future::pending::<()>().await;
                        Ok((alice(), Secret::new("never")))
                    })
                    .await
            })
        };
        until(|| lock(&session.signing_in).is_some()).await;
        session.cancel_sign_in();
        let err = waiting.await.unwrap().unwrap_err();
        assert_eq!(err.code(), Some(crate::error::ErrorCode::Cancelled));
        assert!(session.is_demo(), "nothing was added");

        let added = session
            .sign_in(async { Ok((alice(), Secret::new("token"))) })
            .await
            .unwrap();
        assert_eq!(added.handle, "alice@example.test");
        session.shutdown(Duration::from_secs(1)).await;
    }

    #[tokio::test]
    async fn a_refused_sign_in_adds_nothing() {
        let h = Harness::new();
        let session = h.session();
        let err = session
            .sign_in(async {
                Err(ConnectorError::Auth {
                    network: "bluesky".into(),
                    handle: "alice.example".into(),
                    message: "Invalid identifier or password".into(),
                })
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(crate::error::ErrorCode::NeedsSignIn));
        assert!(session.is_demo());
        assert!(h.opened.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn shown_items_get_their_attachments_back_with_what_is_cached() {
        let h = Harness::new();
        let session = h.session();
        assert!(session.is_demo());
        let ws = session.workspace();
        let ids: Vec<i64> = ws
            .store()
            .read(|c| -> Result<Vec<i64>> {
                let mut stmt =
                    c.prepare("SELECT DISTINCT item_id FROM attachments ORDER BY item_id")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .unwrap();
        assert_eq!(ids.len(), 3, "the demo's three posts with a picture");
        // The demo has no network to fetch through: what is cached comes back.
        let got = session.fetch_previews(&ids).await.unwrap();
        assert_eq!(got.len(), 3);
        let cached = got
            .iter()
            .filter(|i| i.attachments[0].preview_src.is_some())
            .count();
        assert_eq!(cached, 2, "{got:?}");
        assert!(
            session.fetch_previews(&[1]).await.unwrap()[0]
                .attachments
                .is_empty(),
            "an item without attachments, or no such item"
        );
        session.shutdown(Duration::from_secs(1)).await;
    }
}
