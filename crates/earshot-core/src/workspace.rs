//! A workspace: one data directory holding the encrypted cache, opened with the
//! key the vault keeps for it. This is the core API the CLI and the desktop
//! shell call.

use std::fs;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::accounts::{self, Account, AccountOrigin, SignedInAccount};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::events::{CoreEvent, EventSink, NoEvents};
use crate::import::{self, LineError};
use crate::inbox::{
    self, ConversationDetail, ConversationSummary, InboxFilter, InboxPage, Snooze, TriageState,
};
use crate::ingest::{self, IngestReport, WriterState};
use crate::item::NewItem;
use crate::search::{self, SearchHit, SearchOptions};
use crate::store::{CacheKey, Encryption, Store, StoreError, DB_FILE};
use crate::vault::{Secret, Vault, VaultError};

/// The file naming the workspace (and so its vault entry). Holds no secret.
pub const WORKSPACE_FILE: &str = "workspace.json";
/// Environment variable overriding the default data directory.
pub const DATA_DIR_ENV: &str = "EARSHOT_DATA_DIR";

#[derive(Debug, Serialize, Deserialize)]
struct WorkspaceFile {
    id: String,
    created_at: String,
}

/// Figures for `earshot-cli status` and the app's status bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkspaceStatus {
    pub path: String,
    pub encrypted: bool,
    pub demo: bool,
    pub items: i64,
    pub conversations: i64,
    pub authors: i64,
    pub accounts: i64,
}

/// An import's outcome: what was ingested and which lines were refused.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub ingest: IngestReport,
    pub errors: Vec<LineError>,
}

pub struct Workspace {
    dir: PathBuf,
    id: String,
    store: Store,
    clock: Arc<dyn Clock>,
    events: Arc<dyn EventSink>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// The data directory: `EARSHOT_DATA_DIR` if set, else the OS's standard
/// place (`~/.local/share/earshot` on Linux, `~/Library/Application Support/earshot`
/// on macOS, `%APPDATA%\earshot` on Windows).
pub fn default_data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "earshot")
        .map(|d| d.data_dir().to_owned())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "no home directory to keep data in; set {DATA_DIR_ENV} to a directory"
            ))
        })
}

/// The vault entry holding a workspace's cache key.
pub fn cache_key_entry(id: &str) -> String {
    format!("cache-key/{id}")
}

fn new_workspace_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| {
        Error::io(
            format!("cannot create the data directory {}", dir.display()),
            e,
        )
    })
}

/// An account's credentials in the vault, for its connector.
pub struct VaultCredentials {
    vault: Arc<dyn Vault>,
    name: String,
}

impl crate::connector::CredentialStore for VaultCredentials {
    fn load(&self) -> std::result::Result<Secret, crate::connector::ConnectorError> {
        self.vault.get(&self.name).map_err(vault_to_connector)
    }

    fn save(&self, secret: &Secret) -> std::result::Result<(), crate::connector::ConnectorError> {
        self.vault
            .set(&self.name, secret)
            .map_err(vault_to_connector)
    }
}

fn vault_to_connector(e: VaultError) -> crate::connector::ConnectorError {
    match e {
        VaultError::NotFound { .. } => crate::connector::ConnectorError::Auth {
            network: "earshot".into(),
            handle: String::new(),
            message: "the account's credentials are missing from the OS keyring".into(),
        },
        other => crate::connector::ConnectorError::Offline {
            server: "the OS keyring".into(),
            message: other.to_string(),
        },
    }
}

impl Workspace {
    /// Opens the workspace in `dir`, creating it (and its key) on first use.
    pub fn open(dir: &Path, vault: &dyn Vault) -> Result<Self> {
        Self::open_with_clock(dir, vault, Arc::new(SystemClock))
    }

    pub fn open_with_clock(dir: &Path, vault: &dyn Vault, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::open_inner(dir, vault, clock, Arc::new(NoEvents))
    }

    /// Opens the workspace with its events going to `events` from the start:
    /// a build of the search index at open (the first start after an upgrade,
    /// or after Earshot stopped during a sync) reports its progress there as
    /// [`CoreEvent::SearchIndex`].
    pub fn open_with_events(
        dir: &Path,
        vault: &dyn Vault,
        events: Arc<dyn EventSink>,
    ) -> Result<Self> {
        Self::open_inner(dir, vault, Arc::new(SystemClock), events)
    }

    fn open_inner(
        dir: &Path,
        vault: &dyn Vault,
        clock: Arc<dyn Clock>,
        events: Arc<dyn EventSink>,
    ) -> Result<Self> {
        create_private_dir(dir)?;
        let db = dir.join(DB_FILE);
        let id_file = dir.join(WORKSPACE_FILE);
        let existing_id = read_workspace_file(&id_file)?;
        let db_exists = db.exists();
        let (id, key) = match existing_id {
            Some(id) => match vault.get(&cache_key_entry(&id)) {
                Ok(secret) => {
                    let key = CacheKey::from_hex(secret.expose()).ok_or_else(|| {
                        Error::Workspace {
                            path: dir.to_owned(),
                            detail: format!(
                                "the keyring entry '{}' does not hold a cache key",
                                cache_key_entry(&id)
                            ),
                        }
                    })?;
                    (id, key)
                }
                Err(VaultError::NotFound { .. }) if db_exists => {
                    return Err(Error::CacheKeyMissing {
                        path: db,
                        entry: cache_key_entry(&id),
                    })
                }
                Err(VaultError::NotFound { .. }) => (id, create_key(vault, dir)?.1),
                Err(e) => return Err(e.into()),
            },
            None if db_exists => {
                return Err(Error::Workspace {
                    path: dir.to_owned(),
                    detail: format!(
                        "{WORKSPACE_FILE}, which names the cache's key in the keyring, is missing; \
                         restore it, or run `earshot-cli reset` to move the cache aside and start again"
                    ),
                })
            }
            None => {
                let (id, key) = create_key(vault, dir)?;
                (id, key)
            }
        };
        let store = Store::open_reporting(&db, Encryption::Key(key), &mut |done, total| {
            events.emit(CoreEvent::SearchIndex { done, total })
        })?;
        let now = clock.now_ms();
        store.write(|tx| crate::rules::seed_defaults(tx, now))?;
        Ok(Self {
            dir: dir.to_owned(),
            id,
            store,
            clock,
            events,
        })
    }

    /// Sends the core's events (new items, sync progress, alerts) to `sink`.
    pub fn set_event_sink(&mut self, sink: Arc<dyn EventSink>) {
        self.events = sink;
    }

    /// Moves an unreadable cache aside (never deleting it) so the next open
    /// starts an empty workspace with a new key. Returns where the old files went.
    /// The old cache key stays in the keyring: it may be what unlocks the
    /// moved-aside copy later.
    pub fn reset(dir: &Path) -> Result<Option<PathBuf>> {
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let aside = dir.join(format!("unreadable-{stamp}"));
        let mut moved = false;
        let index = crate::store::search::files(&dir.join(DB_FILE))
            .map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()));
        for name in [
            DB_FILE.to_owned(),
            format!("{DB_FILE}-wal"),
            format!("{DB_FILE}-shm"),
            WORKSPACE_FILE.to_owned(),
        ]
        .into_iter()
        .chain(index.into_iter().flatten())
        {
            let from = dir.join(&name);
            if from.exists() {
                create_private_dir(&aside)?;
                fs::rename(&from, aside.join(&name))
                    .map_err(|e| Error::io(format!("cannot move {} aside", from.display()), e))?;
                moved = true;
            }
        }
        Ok(moved.then_some(aside))
    }

    /// Wraps a store opened by the benchmark (which measures an unencrypted
    /// store beside the encrypted one). Not for anything else.
    #[doc(hidden)]
    pub fn from_store_for_benchmark(dir: &Path, store: Store) -> Self {
        Self {
            dir: dir.to_owned(),
            id: "benchmark".into(),
            store,
            clock: Arc::new(SystemClock),
            events: Arc::new(NoEvents),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The enabled rules, compiled. A stored rule that no longer compiles is left
    /// out and reported, rather than stopping ingest.
    fn rule_set(&self) -> crate::rules::RuleSet {
        let rules = self.store.read(crate::rules::list).unwrap_or_default();
        let mut good = Vec::new();
        for rule in rules.into_iter().filter(|r| r.enabled) {
            match crate::rules::RuleSet::compile(vec![rule.clone()]) {
                Ok(_) => good.push(rule),
                Err(e) => self.events.emit(CoreEvent::Alert {
                    message: format!("{e}; the rule is skipped until it is fixed"),
                }),
            }
        }
        crate::rules::RuleSet::compile(good)
            .unwrap_or_default()
            .with_contacts_from(&self.store)
    }

    /// Reports an event to whoever listens (the desktop shell, the CLI).
    pub fn emit(&self, event: CoreEvent) {
        self.events.emit(event);
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn status(&self) -> Result<WorkspaceStatus> {
        self.store.read(|c| {
            // Kept by ingest: counting 1M items would read a whole index.
            let kept = |name: &str| crate::store::counts::get(c, name);
            Ok(WorkspaceStatus {
                path: self.dir.display().to_string(),
                encrypted: self.store.is_encrypted(),
                demo: is_demo(c)?,
                items: kept("items")?,
                conversations: kept("conversations")?,
                authors: kept("authors")?,
                accounts: c.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))?,
            })
        })
    }

    /// Whether the workspace has an account or any item (without counting them).
    pub fn is_in_use(&self) -> Result<bool> {
        self.store.read(|c| {
            Ok(c.query_row(
                "SELECT EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM items)",
                [],
                |r| r.get(0),
            )?)
        })
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        self.store.read(accounts::list)
    }

    pub fn account(&self, id: i64) -> Result<Account> {
        self.store.read(|c| accounts::get(c, id))
    }

    /// Stores a signed-in account and its credentials (in the vault only). Signing
    /// in again to the same account replaces its credentials.
    pub fn add_account(
        &self,
        vault: &dyn Vault,
        account: &SignedInAccount,
        credentials: &Secret,
    ) -> Result<Account> {
        let now = self.now();
        let id = self
            .store
            .write(|tx| accounts::upsert_signed_in(tx, account, now))?;
        if let Err(e) = vault.set(&accounts::credentials_entry(&self.id, id), credentials) {
            // No credentials, no account: undo the row so nothing half-made stays.
            let _ = self.store.write(|tx| accounts::remove(tx, id));
            return Err(e.into());
        }
        self.account(id)
    }

    /// Removes an account and deletes its credentials from the vault. The
    /// conversations it synced stay.
    pub fn remove_account(&self, vault: &dyn Vault, id: i64) -> Result<()> {
        self.account(id)?;
        vault.delete(&accounts::credentials_entry(&self.id, id))?;
        self.store.write(|tx| accounts::remove(tx, id))
    }

    /// Where a connector keeps this account's credentials.
    pub fn credentials(&self, vault: Arc<dyn Vault>, id: i64) -> VaultCredentials {
        VaultCredentials {
            vault,
            name: accounts::credentials_entry(&self.id, id),
        }
    }

    /// Records that the network refused (or accepted again) an account's credentials.
    pub fn set_needs_sign_in(&self, id: i64, needs: bool) -> Result<()> {
        self.store
            .write(|tx| accounts::set_needs_sign_in(tx, id, needs))
    }

    pub fn ensure_account(
        &self,
        network: &str,
        handle: &str,
        display_name: Option<&str>,
        origin: AccountOrigin,
    ) -> Result<i64> {
        let now = self.now();
        self.store
            .write(|tx| accounts::ensure(tx, network, handle, display_name, origin, now))
    }

    /// Ingests items (see [`crate::ingest`]).
    pub fn ingest(&self, items: Vec<NewItem>) -> Result<IngestReport> {
        self.ingest_with_progress(items, |_| {})
    }

    /// Ingests a newly added account's history: rules still tag and flag what
    /// they fire on, but nothing is reported as urgent news (no notifications).
    pub fn ingest_backfill(&self, items: Vec<NewItem>) -> Result<IngestReport> {
        self.ingest_inner(items, false, None, |_| {})
    }

    /// Ingests a stream of items in batches, reporting progress after each batch.
    pub fn ingest_with_progress<I>(
        &self,
        items: I,
        progress: impl FnMut(&IngestReport),
    ) -> Result<IngestReport>
    where
        I: IntoIterator<Item = NewItem>,
        I::IntoIter: Send,
    {
        self.ingest_inner(items, true, None, progress)
    }

    /// Ingests what a listening source (a feed, a network search) brought: listening
    /// queries match it, rules do not, and conversations it starts stay out of the
    /// inbox until an item arrives through an account.
    pub fn ingest_from_source(&self, source_id: i64, items: Vec<NewItem>) -> Result<IngestReport> {
        self.ingest_inner(items, true, Some(source_id), |_| {})
    }

    fn ingest_inner<I>(
        &self,
        items: I,
        news: bool,
        source: Option<i64>,
        progress: impl FnMut(&IngestReport),
    ) -> Result<IngestReport>
    where
        I: IntoIterator<Item = NewItem>,
        I::IntoIter: Send,
    {
        let mut state = WriterState::default();
        state.source = source;
        let rules = match source {
            None => self.rule_set(),
            Some(_) => crate::rules::RuleSet::default(),
        };
        let listening = self
            .store
            .read(|c| {
                crate::listening::query_set(c, |message| {
                    self.events.emit(CoreEvent::Alert { message })
                })
            })
            .unwrap_or_default();
        self.store.begin_indexing()?;
        // The search index is written by a thread of its own, a batch behind the
        // cache, in parallel with it (see `store::search`).
        let (report, indexed) = std::thread::scope(|scope| {
            let (to_index, batches) = std::sync::mpsc::sync_channel::<(
                ingest::Batch,
                Vec<(i64, usize)>,
            )>(ingest::QUEUED_BATCHES);
            let indexer = scope.spawn(move || {
                ingest::yield_to_writer();
                for (batch, stored) in batches {
                    self.store
                        .index(stored.iter().map(|&(id, at)| (id, batch[at].text.as_str())))?;
                }
                Ok::<_, crate::Error>(())
            });
            let report = ingest::pipeline(
                items,
                &rules,
                &listening,
                |batches| {
                    let now = self.now();
                    let (report, written) = self.store.write_unchecked(|tx| {
                        let mut report = IngestReport::default();
                        let mut written = Vec::new();
                        for batch in batches {
                            let (done, stored) = ingest::write_batch(tx, &batch, now, &mut state)?;
                            report.add(done);
                            written.push((batch, stored));
                            if self.store.writer_wanted() {
                                // A triage, a sync: commit now and let it in.
                                break;
                            }
                        }
                        Ok::<_, crate::Error>((report, written))
                    })?;
                    for batch in written {
                        // A stopped indexer's error is reported below.
                        let _ = to_index.send(batch);
                    }
                    Ok(report)
                },
                progress,
            );
            drop(to_index);
            let indexed = indexer.join().unwrap_or_else(|_| {
                Err(crate::Error::Invalid("the search indexer stopped".into()))
            });
            (report, indexed)
        });
        // A failed write sent nothing of its transaction to the indexer, so
        // whether the index has all that was stored is the indexer's outcome.
        self.store.end_indexing(indexed.is_ok())?;
        let report = report?;
        indexed?;
        if report.inserted > 0 {
            self.events.emit(CoreEvent::ItemsIngested {
                inserted: report.inserted,
            });
        }
        if news && !state.urgent.is_empty() {
            self.events.emit(CoreEvent::Urgent {
                items: std::mem::take(&mut state.urgent),
            });
        }
        if news && state.hits > 0 {
            // A failed check only delays an alert to the next ingest.
            let _ = crate::listening::spikes::alert_spikes(self);
        }
        Ok(report)
    }

    /// Imports JSON lines (see [`crate::import`]); bad lines are reported, good ones ingested.
    pub fn import_jsonl(
        &self,
        reader: impl BufRead,
        progress: impl FnMut(&IngestReport),
    ) -> Result<ImportReport> {
        self.import_records(reader, 0, AccountOrigin::Import, progress)
    }

    pub(crate) fn import_records(
        &self,
        reader: impl BufRead,
        shift_ms: i64,
        origin: AccountOrigin,
        progress: impl FnMut(&IngestReport),
    ) -> Result<ImportReport> {
        let mut errors = Vec::new();
        let mut items = Vec::new();
        let mut accounts: std::collections::HashMap<(String, String), i64> = Default::default();
        for (n, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| Error::io(format!("reading line {}", n + 1), e))?;
            if line.trim().is_empty() {
                continue;
            }
            match import::parse_line(&line) {
                Ok(record) => {
                    let account_id = match &record.account {
                        Some(handle) => {
                            let key = (record.network.to_lowercase(), handle.clone());
                            match accounts.get(&key) {
                                Some(&id) => Some(id),
                                None => {
                                    let id = self.ensure_account(&key.0, handle, None, origin)?;
                                    accounts.insert(key, id);
                                    Some(id)
                                }
                            }
                        }
                        None => None,
                    };
                    items.push(record.into_item(account_id, shift_ms));
                }
                Err(message) => errors.push(LineError {
                    line: n + 1,
                    message,
                }),
            }
        }
        let ingest = self.ingest_with_progress(items, progress)?;
        Ok(ImportReport { ingest, errors })
    }

    pub fn inbox(&self, filter: &InboxFilter) -> Result<InboxPage> {
        self.store.read(|c| inbox::list(c, filter))
    }

    pub fn conversation(&self, id: i64) -> Result<ConversationDetail> {
        self.store.read(|c| inbox::detail(c, id))
    }

    pub fn conversation_summary(&self, id: i64) -> Result<ConversationSummary> {
        self.store.read(|c| inbox::summary(c, id))
    }

    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<Vec<SearchHit>> {
        self.store.read(|c| search::search(c, query, options))
    }

    pub fn set_state(&self, id: i64, state: TriageState, snooze: Option<Snooze>) -> Result<()> {
        let now = self.now();
        if let Some(Snooze { until: Some(t), .. }) = snooze {
            if t <= now {
                return Err(Error::Invalid("a snooze must end in the future".into()));
            }
        }
        self.store
            .write(|tx| inbox::set_state(tx, id, state, snooze, now))
    }

    /// Brings back conversations whose snooze has ended; returns how many.
    pub fn wake_snoozed(&self) -> Result<usize> {
        let now = self.now();
        self.store.write(|tx| inbox::wake_snoozed(tx, now))
    }

    /// Saves (or unsaves) a conversation. Saving asks for it to be fetched
    /// whole at the next sync of its account ([`crate::saved`]).
    pub fn set_saved(&self, id: i64, saved: bool) -> Result<()> {
        let now = self.now();
        self.store.write(|tx| {
            inbox::set_saved(tx, id, saved)?;
            if saved {
                crate::saved::request(tx, id, now)?;
            }
            Ok(())
        })
    }

    pub fn set_priority(&self, id: i64, priority: u8) -> Result<()> {
        self.store.write(|tx| inbox::set_priority(tx, id, priority))
    }

    pub fn tag(&self, id: i64, add: &[String], remove: &[String]) -> Result<()> {
        self.store.write(|tx| inbox::tag(tx, id, add, remove))
    }

    /// The conversation's person and their other conversations with us.
    pub fn author_panel(&self, conversation_id: i64) -> Result<inbox::AuthorPanel> {
        self.store.read(|c| inbox::author_panel(c, conversation_id))
    }

    /// Every tag in use, the most used first.
    pub fn tags(&self) -> Result<Vec<String>> {
        self.store.read(inbox::tags)
    }

    /// Every saved view (named filter set), by name.
    pub fn views(&self) -> Result<Vec<inbox::SavedView>> {
        self.store.read(inbox::views)
    }

    /// Saves the filters as a view named `name`, replacing one of that name.
    pub fn save_view(&self, name: &str, filter: &InboxFilter) -> Result<inbox::SavedView> {
        self.store.write(|tx| inbox::save_view(tx, name, filter))
    }

    pub fn rename_view(&self, from: &str, to: &str) -> Result<()> {
        self.store.write(|tx| inbox::rename_view(tx, from, to))
    }

    pub fn delete_view(&self, name: &str) -> Result<()> {
        self.store.write(|tx| inbox::delete_view(tx, name))
    }

    /// Marks a conversation read, and queues the read position for its network.
    pub fn mark_read(&self, id: i64) -> Result<()> {
        let now = self.now();
        self.store.write(|tx| inbox::mark_read(tx, id, now))
    }

    pub(crate) fn setting(&self, key: &str) -> Result<Option<serde_json::Value>> {
        use rusqlite::OptionalExtension;
        let text: Option<String> = self.store.read(|c| -> Result<_> {
            Ok(
                c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?,
            )
        })?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    pub(crate) fn set_setting(&self, key: &str, value: &serde_json::Value) -> Result<()> {
        let text = value.to_string();
        self.store.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                rusqlite::params![key, text],
            )
            .map(|_| ())
            .map_err(Error::from)
        })
    }
}

fn is_demo(c: &rusqlite::Connection) -> Result<bool> {
    use rusqlite::OptionalExtension;
    let v: Option<String> = c
        .query_row("SELECT value FROM settings WHERE key = 'demo'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(v.as_deref() == Some("true"))
}

fn read_workspace_file(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => {
            let file: WorkspaceFile =
                serde_json::from_str(&text).map_err(|e| Error::Workspace {
                    path: path.to_owned(),
                    detail: format!("{WORKSPACE_FILE} is not valid: {e}"),
                })?;
            Ok(Some(file.id))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
    }
}

/// Creates a workspace id and a cache key, stores the key in the vault first,
/// then writes the workspace file (so a failing keyring leaves nothing behind).
fn create_key(vault: &dyn Vault, dir: &Path) -> Result<(String, CacheKey)> {
    let id_file = dir.join(WORKSPACE_FILE);
    let id = match read_workspace_file(&id_file)? {
        Some(id) => id,
        None => new_workspace_id()?,
    };
    let key = CacheKey::generate()?;
    vault.set(&cache_key_entry(&id), &Secret::new(key.to_hex().as_str()))?;
    let file = WorkspaceFile {
        id: id.clone(),
        created_at: crate::clock::format_rfc3339_ms(SystemClock.now_ms()),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| Error::Invalid(e.to_string()))?;
    fs::write(&id_file, text)
        .map_err(|e| Error::io(format!("cannot write {}", id_file.display()), e))?;
    Ok((id, key))
}
