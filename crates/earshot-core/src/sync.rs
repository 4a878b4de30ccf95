//! The sync engine: brings each account's feeds into the store and keeps them
//! current.
//!
//! For every feed of every account it reads pages from the connector, stores
//! them, and only then saves the cursor the connector returned. A crash or
//! `kill -9` between the two re-reads that page on the next run; ingest is
//! idempotent on (network, remote id), so the result has no gap and no duplicate.
//!
//! Around that: a per-account schedule (poll, or a live stream where the network
//! has one, with a catch-up fetch at every (re)connect), the servers' rate
//! budgets, exponential backoff with jitter on 429/5xx/offline, whole threads
//! fetched for replies whose parents are not stored yet, and events for the UI.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use tokio::sync::{mpsc, watch, Notify};

use crate::accounts::AccountOrigin;
use crate::connector::{Connector, ConnectorError, FeedRequest, RateBudget, StreamEvent};
use crate::error::{Error, Result};
use crate::events::CoreEvent;
use crate::ingest::IngestReport;
use crate::item::NewItem;
use crate::Workspace;

/// How the engine paces itself.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Between polls of an account without a live stream.
    pub poll_interval: Duration,
    /// Between catch-up polls of an account whose stream is up.
    pub streaming_poll_interval: Duration,
    /// How far back a first sync reads.
    pub backfill: Duration,
    /// Whole threads fetched per sync for replies whose parent is not stored.
    pub max_thread_fetches: usize,
    /// First wait after a transient failure; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// Requests kept in reserve: below this many left, wait for the budget to refill.
    pub rate_reserve: u32,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(60),
            streaming_poll_interval: Duration::from_secs(300),
            backfill: Duration::from_secs(30 * 24 * 3600),
            max_thread_fetches: 20,
            min_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(300),
            rate_reserve: 5,
        }
    }
}

/// What one sync of one account did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub pages: usize,
    pub fetched: usize,
    pub inserted: usize,
    pub threads: usize,
    /// Items already stored (re-read after a crash, or seen twice).
    pub duplicates: usize,
}

impl SyncReport {
    fn add(&mut self, other: &SyncReport) {
        self.pages += other.pages;
        self.fetched += other.fetched;
        self.inserted += other.inserted;
        self.threads += other.threads;
        self.duplicates += other.duplicates;
    }
}

/// The state of an account's sync, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SyncState {
    Syncing,
    /// Up to date; `streaming` says whether new items arrive live.
    Idle,
    /// The server cannot be reached; retrying.
    Offline,
    /// The server asked us to slow down, or the budget is spent; waiting.
    RateLimited,
    /// A server error; retrying with backoff.
    Failing,
    /// The network refused the credentials: sign in again. Sync has stopped.
    NeedsSignIn,
}

/// Where one account's sync stands, for the sync status the UI shows: what its
/// sync loop last reported (while one runs), and what the store kept of its
/// feeds' last syncs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountSyncStatus {
    pub account_id: i64,
    /// `None` while no sync runs for the account (not started yet, or an account
    /// that never syncs); `needsSignIn` once the network refused its credentials.
    pub state: Option<SyncState>,
    /// Why, when it is not going well (never holds a secret); `streaming` when
    /// up to date with a live stream.
    pub detail: Option<String>,
    /// When every feed of the account last synced without error, Unix ms.
    pub last_ok_at: Option<i64>,
    /// When the next attempt is due after a failure, Unix ms.
    pub retry_at: Option<i64>,
    /// Failed syncs in a row (of its worst feed).
    pub failures: i64,
    /// The server's request budget, as of the last response, if it says.
    pub rate_budget: Option<RateBudget>,
}

/// The sync status of every signed-in account, from the store alone: what the
/// last syncs of its feeds did. [`Supervisor::status`] adds what the running
/// loops report.
pub fn status(ws: &Workspace) -> Result<Vec<AccountSyncStatus>> {
    let mut feeds: std::collections::HashMap<i64, AccountSyncStatus> =
        ws.store().read(|c| -> Result<_> {
            // An account is up to date only when all its feeds are: the oldest
            // success, and none at all while a feed never succeeded.
            let mut stmt = c.prepare_cached(
                "SELECT account_id,
                        CASE WHEN count(last_ok_at) = count(*) THEN min(last_ok_at) END,
                        CASE WHEN max(failures) > 0 THEN
                            (SELECT s2.last_error FROM sync_status s2
                              WHERE s2.account_id = s.account_id AND s2.last_error IS NOT NULL
                              ORDER BY s2.updated_at DESC LIMIT 1)
                        END,
                        max(failures),
                        max(next_at)
                 FROM sync_status s GROUP BY account_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    AccountSyncStatus {
                        account_id: r.get(0)?,
                        state: None,
                        last_ok_at: r.get(1)?,
                        detail: r.get(2)?,
                        failures: r.get(3)?,
                        retry_at: r.get(4)?,
                        rate_budget: None,
                    },
                ))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
    Ok(ws
        .accounts()?
        .into_iter()
        .filter(|a| a.origin == AccountOrigin::SignedIn)
        .map(|a| AccountSyncStatus {
            state: a.needs_sign_in.then_some(SyncState::NeedsSignIn),
            ..feeds.remove(&a.id).unwrap_or(AccountSyncStatus {
                account_id: a.id,
                state: None,
                detail: None,
                last_ok_at: None,
                retry_at: None,
                failures: 0,
                rate_budget: None,
            })
        })
        .collect())
}

/// The saved cursor of a feed.
pub fn cursor(ws: &Workspace, account_id: i64, feed: &str) -> Result<Option<String>> {
    ws.store().read(|c| {
        Ok(
            c.prepare_cached(
                "SELECT cursor FROM sync_cursors WHERE account_id = ?1 AND feed = ?2",
            )?
            .query_row(params![account_id, feed], |r| r.get(0))
            .optional()?,
        )
    })
}

fn save_cursor(ws: &Workspace, account_id: i64, feed: &str, cursor: &str) -> Result<()> {
    let now = ws.now();
    ws.store().write(|tx| {
        tx.prepare_cached(
            "INSERT INTO sync_cursors (account_id, feed, cursor, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account_id, feed) DO UPDATE SET cursor = excluded.cursor,
                                                          updated_at = excluded.updated_at",
        )?
        .execute(params![account_id, feed, cursor, now])?;
        Ok(())
    })
}

/// Whether a feed has synced successfully before (even if it was empty then).
fn synced_before(ws: &Workspace, account_id: i64, feed: &str) -> Result<bool> {
    ws.store().read(|c| {
        Ok(c.prepare_cached(
            "SELECT 1 FROM sync_status
                 WHERE account_id = ?1 AND feed = ?2 AND last_ok_at IS NOT NULL",
        )?
        .query_row(params![account_id, feed], |_| Ok(()))
        .optional()?
        .is_some())
    })
}

fn record_status(
    ws: &Workspace,
    account_id: i64,
    feed: &str,
    error: Option<&str>,
    next_at: Option<i64>,
) -> Result<()> {
    let now = ws.now();
    ws.store().write(|tx| {
        tx.prepare_cached(
            "INSERT INTO sync_status (account_id, feed, last_ok_at, last_error, failures, next_at, updated_at)
             VALUES (?1, ?2, CASE WHEN ?3 IS NULL THEN ?5 END, ?3, CASE WHEN ?3 IS NULL THEN 0 ELSE 1 END, ?4, ?5)
             ON CONFLICT (account_id, feed) DO UPDATE SET
                last_ok_at = CASE WHEN ?3 IS NULL THEN ?5 ELSE last_ok_at END,
                last_error = ?3,
                failures = CASE WHEN ?3 IS NULL THEN 0 ELSE failures + 1 END,
                next_at = ?4,
                updated_at = ?5",
        )?
        .execute(params![account_id, feed, error, next_at, now])?;
        Ok(())
    })
}

/// Whether an item is already stored.
fn has_item(ws: &Workspace, network: &str, remote_id: &str) -> Result<bool> {
    ws.store().read(|c| {
        Ok(
            c.prepare_cached("SELECT 1 FROM items WHERE network = ?1 AND remote_id = ?2")?
                .query_row(params![network, remote_id], |_| Ok(()))
                .optional()?
                .is_some(),
        )
    })
}

async fn ingest(ws: &Arc<Workspace>, items: Vec<NewItem>) -> Result<IngestReport> {
    ingest_as(ws, items, false).await
}

/// Ingests off the async threads. A `backfill` (a feed's first sync) is not news:
/// rules flag what they fire on, but nothing notifies.
async fn ingest_as(
    ws: &Arc<Workspace>,
    items: Vec<NewItem>,
    backfill: bool,
) -> Result<IngestReport> {
    if items.is_empty() {
        return Ok(IngestReport::default());
    }
    let ws = Arc::clone(ws);
    tokio::task::spawn_blocking(move || {
        if backfill {
            ws.ingest_backfill(items)
        } else {
            ws.ingest(items)
        }
    })
    .await
    .map_err(|e| Error::Invalid(format!("the ingest task failed: {e}")))?
}

/// Waits while the connector's request budget is nearly spent.
pub(crate) async fn respect_budget(connector: &dyn Connector, options: &SyncOptions, now_ms: i64) {
    if let Some(budget) = connector.rate_budget() {
        if budget.remaining <= options.rate_reserve && budget.reset_at > now_ms {
            let wait = Duration::from_millis((budget.reset_at - now_ms) as u64);
            tokio::time::sleep(wait.min(options.max_backoff)).await;
        }
    }
}

/// Reads one feed from its cursor to now, storing each page before saving the
/// cursor that follows it.
pub async fn sync_feed(
    ws: &Arc<Workspace>,
    connector: &dyn Connector,
    feed: &str,
    options: &SyncOptions,
) -> Result<SyncReport> {
    let account = connector.account().clone();
    let mut report = SyncReport::default();
    let saved = cursor(ws, account.id, feed)?;
    // A feed never synced before brings in history, not news. One that was
    // synced while empty has no cursor yet, but what it brings now is news.
    let backfill = saved.is_none() && !synced_before(ws, account.id, feed)?;
    let mut request = FeedRequest {
        feed: feed.to_owned(),
        cursor: saved,
        page: None,
        backfill_since: ws.now() - options.backfill.as_millis() as i64,
    };
    loop {
        respect_budget(connector, options, ws.now()).await;
        let page = connector.fetch(&request).await?;
        report.pages += 1;
        report.fetched += page.items.len();
        let needing_threads: Vec<String> = page
            .items
            .iter()
            .filter_map(|i| i.parent_remote_id.as_ref().map(|_| i.remote_id.clone()))
            .collect();
        let stored = ingest_as(ws, page.items, backfill).await?;
        report.inserted += stored.inserted;
        report.duplicates += stored.duplicates;
        if let Some(saved) = &page.cursor {
            save_cursor(ws, account.id, feed, saved)?;
            request.cursor = Some(saved.clone());
        }
        for remote_id in needing_threads {
            if report.threads >= options.max_thread_fetches {
                break;
            }
            report.threads += fill_thread(ws, connector, &remote_id, options, backfill).await?;
        }
        ws.emit(CoreEvent::SyncProgress {
            account_id: account.id,
            done: report.fetched as u64,
            total: page.total,
        });
        match page.next_page {
            Some(next) => request.page = Some(next),
            None => break,
        }
    }
    Ok(report)
}

/// Fetches the whole thread of a reply whose parent is not stored yet. Returns
/// 1 if it fetched, 0 if the parent was already there.
async fn fill_thread(
    ws: &Arc<Workspace>,
    connector: &dyn Connector,
    remote_id: &str,
    options: &SyncOptions,
    backfill: bool,
) -> Result<usize> {
    let network = connector.account().network.clone();
    let parent: Option<String> = ws.store().read(|c| -> Result<_> {
        Ok(c.prepare_cached(
            "SELECT parent_remote_id FROM items WHERE network = ?1 AND remote_id = ?2",
        )?
        .query_row(params![network, remote_id], |r| r.get(0))
        .optional()?
        .flatten())
    })?;
    let Some(parent) = parent else { return Ok(0) };
    if has_item(ws, &network, &parent)? {
        return Ok(0);
    }
    respect_budget(connector, options, ws.now()).await;
    match connector.thread(remote_id).await {
        Ok(items) => {
            ingest_as(ws, items, backfill).await?;
            Ok(1)
        }
        // A deleted or private parent is not the sync's failure.
        Err(ConnectorError::Refused { .. }) | Err(ConnectorError::Malformed { .. }) => Ok(1),
        Err(e) => Err(e.into()),
    }
}

/// Replays what the manager did here that the network should know (today: the
/// read position), oldest first. A transient failure leaves the rest for the
/// next sync; an action the network refuses is dropped, since retrying cannot
/// help. Returns how many were done.
pub async fn replay_pending(ws: &Arc<Workspace>, connector: &dyn Connector) -> Result<usize> {
    let account_id = connector.account().id;
    let pending: Vec<(i64, String)> = ws.store().read(|c| -> Result<_> {
        let mut stmt = c.prepare_cached(
            "SELECT id, action FROM pending_actions WHERE account_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })?;
    let mut done = 0;
    for (id, action) in pending {
        let action: serde_json::Value = serde_json::from_str(&action).unwrap_or_default();
        let result = match (action["kind"].as_str(), action["remoteId"].as_str()) {
            (Some("markRead"), Some(remote_id)) => connector.mark_read(remote_id).await,
            // Written by a newer Earshot, or damaged: nothing this build can do.
            _ => Ok(()),
        };
        if let Err(e) = result {
            if e.is_transient() || matches!(e, ConnectorError::Auth { .. }) {
                return Err(e.into());
            }
        }
        ws.store().write(|tx| -> Result<()> {
            tx.execute("DELETE FROM pending_actions WHERE id = ?1", [id])?;
            Ok(())
        })?;
        done += 1;
    }
    Ok(done)
}

/// Syncs every feed of one account once.
pub async fn sync_account(
    ws: &Arc<Workspace>,
    connector: &dyn Connector,
    options: &SyncOptions,
) -> Result<SyncReport> {
    let account_id = connector.account().id;
    let mut total = SyncReport::default();
    for feed in connector.feeds() {
        match sync_feed(ws, connector, &feed, options).await {
            Ok(report) => {
                record_status(ws, account_id, &feed, None, None)?;
                total.add(&report);
            }
            Err(e) => {
                record_status(ws, account_id, &feed, Some(&e.to_string()), None)?;
                if let Error::Connector(ConnectorError::Auth { .. }) = e {
                    ws.set_needs_sign_in(account_id, true)?;
                }
                return Err(e);
            }
        }
    }
    Ok(total)
}

/// The wait before retry number `failures` (1, 2, …): doubling from
/// `min_backoff`, capped, with jitter in [50 %, 100 %] so that accounts (and
/// machines) that failed together do not retry together.
pub fn backoff(options: &SyncOptions, failures: u32, jitter: f64) -> Duration {
    let exp = options
        .min_backoff
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    exp.min(options.max_backoff)
        .mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

fn random_unit() -> f64 {
    let mut b = [0u8; 4];
    // Jitter only spreads retries; a failed read of randomness just means none.
    if getrandom::fill(&mut b).is_err() {
        return 1.0;
    }
    u32::from_le_bytes(b) as f64 / u32::MAX as f64
}

/// How the engine classifies a failed sync for the schedule.
fn state_for(error: &Error) -> SyncState {
    match error {
        Error::Connector(ConnectorError::Auth { .. }) => SyncState::NeedsSignIn,
        Error::Connector(ConnectorError::Offline { .. }) => SyncState::Offline,
        Error::Connector(ConnectorError::RateLimited { .. }) => SyncState::RateLimited,
        _ => SyncState::Failing,
    }
}

/// What each running account's loop last reported, by account id.
type Board = Arc<std::sync::Mutex<std::collections::HashMap<i64, Reported>>>;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Reported {
    state: SyncState,
    detail: Option<String>,
    retry_at: Option<i64>,
}

fn board(board: &Board) -> std::sync::MutexGuard<'_, std::collections::HashMap<i64, Reported>> {
    // Each write replaces one whole entry; a poisoned map is still consistent.
    board.lock().unwrap_or_else(|e| e.into_inner())
}

/// Tells the UI (and the supervisor's board) where an account's sync is.
fn report(ws: &Workspace, to: &Board, account_id: i64, reported: Reported) {
    board(to).insert(account_id, reported.clone());
    ws.emit(CoreEvent::SyncState {
        account_id,
        state: reported.state,
        detail: reported.detail,
        retry_at: reported.retry_at,
    });
}

/// Keeps one account in sync until `stop` turns true: polls on a schedule, and
/// where the network streams, stores streamed items at once and catches up at
/// every (re)connect.
/// Replies queued for the account are sent after every successful sync and
/// whenever `poke` is notified (a new reply was queued, or "sync now").
pub async fn run_account(
    ws: Arc<Workspace>,
    connector: Arc<dyn Connector>,
    options: SyncOptions,
    poke: Arc<Notify>,
    stop: watch::Receiver<bool>,
) {
    run_reporting(ws, connector, options, poke, stop, Board::default()).await;
}

async fn run_reporting(
    ws: Arc<Workspace>,
    connector: Arc<dyn Connector>,
    options: SyncOptions,
    poke: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
    to: Board,
) {
    let account_id = connector.account().id;
    let streaming = connector.can_stream();
    let stream_task = streaming.then(|| {
        tokio::spawn(run_stream(
            Arc::clone(&ws),
            Arc::clone(&connector),
            options.clone(),
            Arc::clone(&poke),
            stop.clone(),
        ))
    });
    let mut failures = 0u32;
    loop {
        report(
            &ws,
            &to,
            account_id,
            Reported {
                state: SyncState::Syncing,
                detail: None,
                retry_at: None,
            },
        );
        let wait = match sync_account(&ws, connector.as_ref(), &options).await {
            Ok(_) => {
                failures = 0;
                if let Err(e) = crate::outbox::send_due(&ws, connector.as_ref()).await {
                    ws.emit(CoreEvent::Alert {
                        message: format!("Queued replies could not be sent: {e}"),
                    });
                }
                // A failure here is retried after the next sync; it is not the sync's.
                let _ = replay_pending(&ws, connector.as_ref()).await;
                // Saved conversations still due are fetched whole at the next sync.
                let _ = crate::saved::fetch_due(&ws, connector.as_ref(), &options).await;
                report(
                    &ws,
                    &to,
                    account_id,
                    Reported {
                        state: SyncState::Idle,
                        detail: streaming.then(|| "streaming".to_owned()),
                        retry_at: None,
                    },
                );
                if streaming {
                    options.streaming_poll_interval
                } else {
                    options.poll_interval
                }
            }
            Err(e) => {
                let state = state_for(&e);
                if state == SyncState::NeedsSignIn {
                    report(
                        &ws,
                        &to,
                        account_id,
                        Reported {
                            state,
                            detail: Some(e.to_string()),
                            retry_at: None,
                        },
                    );
                    break;
                }
                failures += 1;
                let mut wait = backoff(&options, failures, random_unit());
                if let Error::Connector(ConnectorError::RateLimited { retry_after, .. }) = &e {
                    wait = wait.max(*retry_after);
                }
                report(
                    &ws,
                    &to,
                    account_id,
                    Reported {
                        state,
                        detail: Some(e.to_string()),
                        retry_at: Some(ws.now() + wait.as_millis() as i64),
                    },
                );
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = poke.notified() => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
    if let Some(task) = stream_task {
        task.abort();
    }
}

/// Runs the sync of every account it is given, each in its own task, until told
/// to stop. The desktop app and `earshot-cli sync` both use it.
pub struct Supervisor {
    ws: Arc<Workspace>,
    options: SyncOptions,
    running: std::sync::Mutex<std::collections::HashMap<i64, Running>>,
    board: Board,
}

struct Running {
    stop: watch::Sender<bool>,
    poke: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
    connector: Arc<dyn Connector>,
}

impl Supervisor {
    pub fn new(ws: Arc<Workspace>, options: SyncOptions) -> Self {
        Self {
            ws,
            options,
            running: Default::default(),
            board: Board::default(),
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<i64, Running>> {
        // A panic while holding this lock leaves only a map of handles behind.
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts (or restarts) an account's sync. Call from within a tokio runtime.
    pub fn start(&self, connector: Arc<dyn Connector>) {
        let id = connector.account().id;
        self.stop(id);
        let (stop, stop_rx) = watch::channel(false);
        let poke = Arc::new(Notify::new());
        let task = tokio::spawn(run_reporting(
            Arc::clone(&self.ws),
            Arc::clone(&connector),
            self.options.clone(),
            Arc::clone(&poke),
            stop_rx,
            Arc::clone(&self.board),
        ));
        self.running().insert(
            id,
            Running {
                stop,
                poke,
                task,
                connector,
            },
        );
    }

    /// Stops an account's sync (when it is removed or signs out).
    pub fn stop(&self, account_id: i64) {
        if let Some(r) = self.running().remove(&account_id) {
            let _ = r.stop.send(true);
            r.task.abort();
        }
        board(&self.board).remove(&account_id);
    }

    /// Whether a sync loop runs for the account (one that stopped because the
    /// network refused its credentials still counts until it is stopped).
    pub fn is_running(&self, account_id: i64) -> bool {
        self.running().contains_key(&account_id)
    }

    /// Every signed-in account's sync status: what the store kept of its last
    /// syncs, with the state its loop last reported and its server's request
    /// budget while one runs.
    pub fn status(&self) -> Result<Vec<AccountSyncStatus>> {
        let mut all = status(&self.ws)?;
        let running = self.running();
        let reported = board(&self.board);
        for s in &mut all {
            if let Some(r) = reported
                .get(&s.account_id)
                .filter(|_| s.state != Some(SyncState::NeedsSignIn))
            {
                s.state = Some(r.state);
                s.detail = r.detail.clone();
                s.retry_at = r.retry_at;
            }
            if let Some(r) = running.get(&s.account_id) {
                s.rate_budget = r.connector.rate_budget();
            }
        }
        Ok(all)
    }

    /// The connector of a running account (for what only the network knows,
    /// like its compose limits).
    pub fn connector(&self, account_id: i64) -> Option<Arc<dyn Connector>> {
        self.running()
            .get(&account_id)
            .map(|r| Arc::clone(&r.connector))
    }

    /// Sends the account's queued replies once `after` has passed (a reply's
    /// undo window). Call from within a tokio runtime.
    pub fn poke_after(&self, account_id: i64, after: Duration) {
        if let Some(poke) = self.running().get(&account_id).map(|r| Arc::clone(&r.poke)) {
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                poke.notify_one();
            });
        }
    }

    /// Syncs (and sends queued replies) now rather than at the next poll.
    pub fn poke(&self, account_id: Option<i64>) {
        for (id, r) in self.running().iter() {
            if account_id.is_none_or(|a| a == *id) {
                r.poke.notify_one();
            }
        }
    }

    /// Stops every account and waits for their tasks to end.
    pub async fn shutdown(&self) {
        let all: Vec<Running> = self.running().drain().map(|(_, r)| r).collect();
        for r in &all {
            let _ = r.stop.send(true);
        }
        for r in all {
            let _ = r.task.await;
        }
    }
}

/// Runs an account's live stream, reconnecting with backoff. Every connect
/// pokes the poller, which fetches whatever arrived while the stream was down.
async fn run_stream(
    ws: Arc<Workspace>,
    connector: Arc<dyn Connector>,
    options: SyncOptions,
    poke: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let account_id = connector.account().id;
    let mut failures = 0u32;
    loop {
        let (sink, mut events) = mpsc::channel(256);
        let stream = {
            let connector = Arc::clone(&connector);
            tokio::spawn(async move { connector.stream(sink).await })
        };
        let mut connected = false;
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(StreamEvent::Connected) => {
                        connected = true;
                        failures = 0;
                        ws.emit(CoreEvent::Stream { account_id, connected: true });
                        poke.notify_one();
                    }
                    Some(StreamEvent::Item(item)) => {
                        if let Err(e) = ingest(&ws, vec![*item]).await {
                            ws.emit(CoreEvent::Alert { message: e.to_string() });
                        }
                    }
                    Some(StreamEvent::Poke) => poke.notify_one(),
                    None => break,
                },
                _ = stop.changed() => {
                    stream.abort();
                    return;
                }
            }
        }
        let ended = stream.await;
        if connected {
            ws.emit(CoreEvent::Stream {
                account_id,
                connected: false,
            });
        }
        if matches!(ended, Ok(Err(ConnectorError::Auth { .. })))
            || matches!(ended, Ok(Err(ConnectorError::Unsupported { .. })))
        {
            // The poller reports sign-in problems; an unsupported stream stays off.
            return;
        }
        if !connected {
            failures += 1;
        }
        let wait = backoff(&options, failures.max(1), random_unit());
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A scripted connector for unit tests of the engine and the outbox. The
    //! real connectors are tested against real servers in earshot-connectors.

    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::accounts::SignedInAccount;
    use crate::connector::{
        AccountRef, ComposeLimits, FeedPage, LengthUnit, OutgoingReply, SentReply,
    };
    use crate::item::{Content, ItemKind, NewAuthor};
    use crate::vault::{MemoryVault, Secret};

    pub fn item(id: &str, parent: Option<&str>, at: i64) -> NewItem {
        NewItem {
            network: "mastodon".into(),
            remote_id: id.into(),
            account_id: Some(1),
            kind: if parent.is_some() {
                ItemKind::Reply
            } else {
                ItemKind::Mention
            },
            author: NewAuthor {
                handle: "bob@example.test".into(),
                ..Default::default()
            },
            content: Content::Text(format!("hello {id}")),
            created_at: at,
            parent_remote_id: parent.map(str::to_owned),
            root_remote_id: None,
            url: None,
            lang: Some("en".into()),
            attachments: Vec::new(),
        }
    }

    /// The conversation an item (by its remote id) landed in.
    pub fn conversation_of(ws: &Workspace, remote: &str) -> i64 {
        ws.store()
            .read(|c| -> Result<i64> {
                Ok(c.query_row(
                    "SELECT conversation_id FROM items WHERE remote_id = ?1",
                    [remote],
                    |r| r.get(0),
                )?)
            })
            .unwrap()
    }

    /// A workspace with one signed-in Mastodon account (id 1).
    pub fn workspace() -> (tempfile::TempDir, Arc<Workspace>, AccountRef) {
        let dir = tempfile::tempdir().expect("temp dir");
        let vault = MemoryVault::default();
        let ws = Workspace::open(dir.path(), &vault).expect("workspace");
        let account = ws
            .add_account(
                &vault,
                &SignedInAccount {
                    network: "mastodon".into(),
                    server: "https://example.test".into(),
                    handle: "alice@example.test".into(),
                    display_name: None,
                    remote_user_id: Some("1".into()),
                },
                &Secret::new("{}"),
            )
            .expect("account");
        assert_eq!(account.id, 1);
        (dir, Arc::new(ws), account.to_ref())
    }

    /// Waits until `done` holds, polling on the runtime; panics after 5 s.
    pub async fn until(mut done: impl FnMut() -> bool) {
        for _ in 0..500 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out waiting");
    }

    /// Answers each call with the next scripted result.
    pub struct Scripted {
        pub account: AccountRef,
        pub pages: Mutex<VecDeque<std::result::Result<FeedPage, ConnectorError>>>,
        pub threads: Mutex<VecDeque<Vec<NewItem>>>,
        pub replies: Mutex<VecDeque<std::result::Result<SentReply, ConnectorError>>>,
        pub sent: Mutex<Vec<OutgoingReply>>,
        pub requests: Mutex<Vec<FeedRequest>>,
        pub read: Mutex<Vec<String>>,
    }

    impl Scripted {
        pub fn new(account: AccountRef) -> Self {
            Self {
                account,
                pages: Mutex::default(),
                threads: Mutex::default(),
                replies: Mutex::default(),
                sent: Mutex::default(),
                requests: Mutex::default(),
                read: Mutex::default(),
            }
        }

        pub fn page(&self, page: std::result::Result<FeedPage, ConnectorError>) {
            self.pages.lock().expect("lock").push_back(page);
        }
    }

    #[async_trait::async_trait]
    impl Connector for Scripted {
        fn account(&self) -> &AccountRef {
            &self.account
        }
        fn feeds(&self) -> Vec<String> {
            vec!["notifications".into()]
        }
        async fn fetch(
            &self,
            request: &FeedRequest,
        ) -> std::result::Result<FeedPage, ConnectorError> {
            self.requests.lock().expect("lock").push(request.clone());
            self.pages
                .lock()
                .expect("lock")
                .pop_front()
                .unwrap_or_else(|| {
                    Ok(FeedPage {
                        cursor: request.cursor.clone(),
                        ..Default::default()
                    })
                })
        }
        async fn thread(
            &self,
            _remote_id: &str,
        ) -> std::result::Result<Vec<NewItem>, ConnectorError> {
            Ok(self
                .threads
                .lock()
                .expect("lock")
                .pop_front()
                .unwrap_or_default())
        }
        async fn search(
            &self,
            _query: &str,
            _page: Option<&str>,
        ) -> std::result::Result<FeedPage, ConnectorError> {
            Ok(FeedPage::default())
        }
        async fn reply(
            &self,
            reply: &OutgoingReply,
        ) -> std::result::Result<SentReply, ConnectorError> {
            self.sent.lock().expect("lock").push(reply.clone());
            self.replies
                .lock()
                .expect("lock")
                .pop_front()
                .unwrap_or_else(|| {
                    Err(ConnectorError::Refused {
                        server: "test".into(),
                        message: "nothing scripted".into(),
                    })
                })
        }
        async fn mark_read(&self, remote_id: &str) -> std::result::Result<(), ConnectorError> {
            self.read.lock().expect("lock").push(remote_id.to_owned());
            Ok(())
        }
        async fn limits(&self) -> std::result::Result<ComposeLimits, ConnectorError> {
            Ok(ComposeLimits {
                max_length: 500,
                unit: LengthUnit::Characters,
                link_length: Some(23),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{item, until, workspace, Scripted};
    use super::*;
    use crate::connector::FeedPage;

    fn page(items: Vec<NewItem>, next: Option<&str>, cursor: Option<&str>) -> FeedPage {
        FeedPage {
            items,
            next_page: next.map(str::to_owned),
            cursor: cursor.map(str::to_owned),
            total: None,
        }
    }

    fn scalar<T: rusqlite::types::FromSql>(ws: &Workspace, sql: &str) -> T {
        ws.store()
            .read(|c| -> Result<T> { Ok(c.query_row(sql, [], |r| r.get(0))?) })
            .unwrap()
    }

    fn count(ws: &Workspace) -> i64 {
        scalar(ws, "SELECT count(*) FROM items")
    }

    #[tokio::test]
    async fn pages_are_stored_before_their_cursor_is_saved() {
        let (_dir, ws, account) = workspace();
        let c = Scripted::new(account);
        c.page(Ok(page(
            vec![item("1", None, 1_000), item("2", None, 2_000)],
            Some("p2"),
            None,
        )));
        c.page(Ok(page(vec![item("3", None, 3_000)], None, Some("3"))));
        let report = sync_feed(&ws, &c, "notifications", &SyncOptions::default())
            .await
            .unwrap();
        assert_eq!((report.pages, report.inserted), (2, 3));
        assert_eq!(count(&ws), 3);
        assert_eq!(
            cursor(&ws, 1, "notifications").unwrap().as_deref(),
            Some("3")
        );
        assert_eq!(
            c.requests.lock().unwrap()[1].page.as_deref(),
            Some("p2"),
            "the next page is asked for"
        );

        // The next sync starts from the saved cursor.
        sync_feed(&ws, &c, "notifications", &SyncOptions::default())
            .await
            .unwrap();
        assert_eq!(c.requests.lock().unwrap()[2].cursor.as_deref(), Some("3"));
    }

    /// A new account whose feed is empty at first: its first mentions are news
    /// (they notify), though the feed has no cursor yet.
    #[tokio::test]
    async fn a_feed_empty_at_its_first_sync_brings_news_afterwards() {
        #[derive(Default)]
        struct Urgent(std::sync::Mutex<usize>);
        impl crate::events::EventSink for Urgent {
            fn emit(&self, event: CoreEvent) {
                if let CoreEvent::Urgent { items } = event {
                    *self.0.lock().unwrap() += items.len();
                }
            }
        }
        let (_dir, ws, account) = workspace();
        let mut ws = Arc::into_inner(ws).unwrap();
        let urgent = Arc::new(Urgent::default());
        ws.set_event_sink(urgent.clone());
        let ws = Arc::new(ws);
        let c = Scripted::new(account);
        c.page(Ok(page(vec![], None, None)));
        sync_account(&ws, &c, &SyncOptions::default())
            .await
            .unwrap();
        let mut risky = item("1", None, ws.now());
        risky.content = crate::item::Content::Text("I want a refund".into());
        c.page(Ok(page(vec![risky], None, None)));
        sync_account(&ws, &c, &SyncOptions::default())
            .await
            .unwrap();
        assert_eq!(count(&ws), 1);
        assert_eq!(*urgent.0.lock().unwrap(), 1, "the mention is news");
    }

    #[tokio::test]
    async fn a_sync_cut_off_mid_way_resumes_with_no_gap_and_no_duplicate() {
        let (_dir, ws, account) = workspace();
        let c = Scripted::new(account);
        c.page(Ok(page(
            vec![item("1", None, 1_000)],
            Some("p2"),
            Some("1"),
        )));
        c.page(Err(ConnectorError::Offline {
            server: "example.test".into(),
            message: "connection refused".into(),
        }));
        let err = sync_feed(&ws, &c, "notifications", &SyncOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Connector(ConnectorError::Offline { .. })
        ));
        assert_eq!(
            cursor(&ws, 1, "notifications").unwrap().as_deref(),
            Some("1")
        );

        // The server re-sends item 1 (the cursor could not move past it) and more.
        c.page(Ok(page(
            vec![item("1", None, 1_000), item("2", None, 2_000)],
            None,
            Some("2"),
        )));
        let report = sync_feed(&ws, &c, "notifications", &SyncOptions::default())
            .await
            .unwrap();
        assert_eq!((report.inserted, report.duplicates), (1, 1));
        assert_eq!(count(&ws), 2, "no gap, no duplicate");
        assert_eq!(c.requests.lock().unwrap()[2].cursor.as_deref(), Some("1"));
    }

    #[tokio::test]
    async fn a_reply_whose_parent_is_missing_brings_its_whole_thread() {
        let (_dir, ws, account) = workspace();
        let c = Scripted::new(account);
        c.page(Ok(page(
            vec![item("11", Some("10"), 2_000)],
            None,
            Some("11"),
        )));
        c.threads
            .lock()
            .unwrap()
            .push_back(vec![item("10", None, 1_000), item("11", Some("10"), 2_000)]);
        let report = sync_feed(&ws, &c, "notifications", &SyncOptions::default())
            .await
            .unwrap();
        assert_eq!(report.threads, 1);
        let conversations: i64 = scalar(&ws, "SELECT count(*) FROM conversations");
        assert_eq!(
            (count(&ws), conversations),
            (2, 1),
            "reply and root in one thread"
        );
    }

    #[tokio::test]
    async fn a_refused_sign_in_marks_the_account_and_stops() {
        let (_dir, ws, account) = workspace();
        let c = Scripted::new(account);
        c.page(Err(ConnectorError::Auth {
            network: "mastodon".into(),
            handle: "alice@example.test".into(),
            message: "HTTP 401".into(),
        }));
        let err = sync_account(&ws, &c, &SyncOptions::default())
            .await
            .unwrap_err();
        assert_eq!(state_for(&err), SyncState::NeedsSignIn);
        assert!(ws.account(1).unwrap().needs_sign_in);
        let error: String = scalar(&ws, "SELECT last_error FROM sync_status");
        assert!(error.contains("Sign in again"), "{error}");
    }

    #[tokio::test]
    async fn status_says_when_each_account_last_synced_and_why_it_failed() {
        let (_dir, ws, account) = workspace();
        let fresh = status(&ws).unwrap();
        assert_eq!(fresh.len(), 1);
        assert_eq!(
            (fresh[0].state, fresh[0].last_ok_at, fresh[0].failures),
            (None, None, 0),
            "never synced: nothing to say yet"
        );

        let c = Scripted::new(account);
        sync_account(&ws, &c, &SyncOptions::default())
            .await
            .unwrap();
        let ok = status(&ws).unwrap();
        assert!(ok[0].last_ok_at.is_some());
        assert_eq!(ok[0].detail, None);

        c.page(Err(ConnectorError::Offline {
            server: "example.test".into(),
            message: "connection refused".into(),
        }));
        sync_account(&ws, &c, &SyncOptions::default())
            .await
            .unwrap_err();
        let offline = status(&ws).unwrap();
        assert_eq!(
            offline[0].last_ok_at, ok[0].last_ok_at,
            "a failure keeps the last success"
        );
        assert_eq!(offline[0].failures, 1);
        assert!(
            offline[0]
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("cannot reach"),
            "{:?}",
            offline[0].detail
        );

        ws.set_needs_sign_in(1, true).unwrap();
        assert_eq!(status(&ws).unwrap()[0].state, Some(SyncState::NeedsSignIn));
    }

    #[tokio::test]
    async fn the_supervisor_reports_what_each_loop_last_said() {
        let (_dir, ws, account) = workspace();
        let supervisor = Supervisor::new(Arc::clone(&ws), SyncOptions::default());
        supervisor.start(Arc::new(Scripted::new(account)));
        assert!(supervisor.is_running(1));
        until(|| supervisor.status().unwrap()[0].state == Some(SyncState::Idle)).await;
        supervisor.stop(1);
        assert!(!supervisor.is_running(1));
        assert_eq!(
            supervisor.status().unwrap()[0].state,
            None,
            "a stopped account's loop says nothing"
        );
    }

    #[tokio::test]
    async fn the_read_position_reaches_the_network_once_and_only_the_newest() {
        let (_dir, ws, account) = workspace();
        ws.ingest(vec![item("1", None, 1_000), item("2", None, 2_000)])
            .unwrap();
        let conversation = |remote: &str| -> i64 {
            scalar(
                &ws,
                &format!("SELECT conversation_id FROM items WHERE remote_id = '{remote}'"),
            )
        };
        ws.mark_read(conversation("1")).unwrap();
        ws.mark_read(conversation("2")).unwrap();
        let c = Scripted::new(account);
        assert_eq!(replay_pending(&ws, &c).await.unwrap(), 1);
        assert_eq!(*c.read.lock().unwrap(), vec!["2".to_owned()]);
        assert_eq!(replay_pending(&ws, &c).await.unwrap(), 0, "done means gone");
    }

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        let o = SyncOptions::default();
        assert_eq!(backoff(&o, 1, 1.0), Duration::from_secs(2));
        assert_eq!(backoff(&o, 2, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(&o, 3, 1.0), Duration::from_secs(8));
        assert_eq!(backoff(&o, 30, 1.0), o.max_backoff, "capped");
        assert_eq!(
            backoff(&o, 1, 0.0),
            Duration::from_secs(1),
            "jitter halves at most"
        );
    }
}
