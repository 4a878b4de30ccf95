//! The commands that talk to networks: accounts, sync and replies.
//!
//! Secrets are read from standard input (or a hidden prompt on a terminal),
//! never from arguments, where other users of the machine could see them in
//! the process list.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::sync::Arc;
use std::time::Duration;

use clap::{Subcommand, ValueEnum};
use earshot_core::accounts::{Account, AccountOrigin, SignedInAccount};
use earshot_core::connector::Connector;
use earshot_core::events::{CoreEvent, EventSink};
use earshot_core::sync::{SyncOptions, SyncReport, SyncState};
use earshot_core::vault::{KeyringVault, Secret, Vault};
use earshot_core::{compose, outbox, saved, sync, Error, Workspace};

use crate::output;

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Sign in to a network. Secrets come from standard input, never from arguments.
    Add {
        #[arg(value_enum)]
        network: Network,
        /// The server: a Mastodon instance (https://mastodon.social) or a Bluesky PDS
        /// [default for bluesky: https://bsky.social]
        #[arg(long)]
        server: Option<String>,
        /// Bluesky: the handle or email to sign in as
        #[arg(long)]
        handle: Option<String>,
        /// Mastodon: read an access token from standard input instead of signing in
        /// through the browser
        #[arg(long)]
        token_stdin: bool,
    },
    /// The accounts this workspace reads through
    List,
    /// Forget an account and delete its credentials from the OS keyring
    /// (its synced conversations stay)
    Remove { id: i64 },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Network {
    Mastodon,
    Bluesky,
}

/// Prints sync events as they happen (to stderr, so stdout stays the result).
struct Progress {
    json: bool,
}

impl EventSink for Progress {
    fn emit(&self, event: CoreEvent) {
        if self.json {
            if let Ok(line) = serde_json::to_string(&event) {
                eprintln!("{line}");
            }
            return;
        }
        match event {
            CoreEvent::SyncProgress {
                account_id, done, ..
            } => eprintln!("account {account_id}: {done} fetched"),
            CoreEvent::SyncState {
                account_id,
                state,
                detail,
                retry_at,
            } => {
                let retry = retry_at
                    .map(|t| {
                        format!(
                            " (retrying at {})",
                            earshot_core::clock::format_rfc3339_ms(t)
                        )
                    })
                    .unwrap_or_default();
                match (state, detail) {
                    (SyncState::Syncing, _) => eprintln!("account {account_id}: syncing"),
                    (SyncState::Idle, d) => eprintln!(
                        "account {account_id}: up to date{}",
                        d.map(|d| format!(", {d}")).unwrap_or_default()
                    ),
                    (s, d) => eprintln!(
                        "account {account_id}: {s:?}: {}{retry}",
                        d.unwrap_or_default()
                    ),
                }
            }
            CoreEvent::ItemsIngested { inserted } => eprintln!("{inserted} new"),
            CoreEvent::SearchIndex { done, total } => crate::output::search_index(done, total),
            CoreEvent::Stream {
                account_id,
                connected,
            } => eprintln!(
                "account {account_id}: live stream {}",
                if connected {
                    "connected"
                } else {
                    "dropped; reconnecting"
                }
            ),
            CoreEvent::Urgent { items } => {
                for i in items {
                    eprintln!(
                        "URGENT {} on {}: {} ({})",
                        i.author, i.network, i.text, i.reason
                    );
                }
            }
            CoreEvent::Alert { message } => eprintln!("{message}"),
            // Each spike also came as an alert, printed above.
            CoreEvent::Spikes { .. } => {}
        }
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))
}

/// Reads one secret: a hidden prompt on a terminal, else the first line of stdin.
fn read_secret(prompt: &str) -> Result<Secret, Error> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)
            .map_err(|e| Error::io("cannot read from the terminal", e))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::io("cannot read standard input", e))?;
        line
    };
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(Error::Invalid(format!(
            "{} was empty",
            prompt.trim_end_matches(": ")
        )));
    }
    Ok(Secret::new(text))
}

fn connector_error(e: earshot_core::connector::ConnectorError) -> Error {
    Error::Connector(e)
}

pub fn account(ws: &Workspace, command: AccountCommand, json: bool) -> Result<(), Error> {
    match command {
        AccountCommand::List => output::accounts(&ws.accounts()?, json),
        AccountCommand::Remove { id } => {
            let account = ws.account(id)?;
            ws.remove_account(&KeyringVault, id)?;
            output::message(
                &format!(
                    "Removed {} on {} and deleted its credentials from the OS keyring. Its \
                     conversations stay in the workspace.",
                    account.handle, account.network
                ),
                json,
                None,
            )
        }
        AccountCommand::Add {
            network,
            server,
            handle,
            token_stdin,
        } => {
            let rt = runtime()?;
            let (signed_in, credentials): (SignedInAccount, Secret) = match network {
                Network::Bluesky => {
                    let server = server.unwrap_or_else(|| "https://bsky.social".into());
                    let handle = handle.ok_or_else(|| {
                        Error::Invalid("bluesky needs --handle (your handle or email)".into())
                    })?;
                    let password = read_secret(
                        "App password (Bluesky Settings → Privacy and security → App passwords): ",
                    )?;
                    rt.block_on(earshot_connectors::bluesky::sign_in(
                        &server, &handle, &password,
                    ))
                    .map_err(connector_error)?
                }
                Network::Mastodon => {
                    let server = server.ok_or_else(|| {
                        Error::Invalid(
                            "mastodon needs --server, e.g. --server https://mastodon.social".into(),
                        )
                    })?;
                    if token_stdin {
                        let token = read_secret("Access token: ")?;
                        rt.block_on(earshot_connectors::mastodon::sign_in_with_token(
                            &server, &token,
                        ))
                        .map_err(connector_error)?
                    } else {
                        rt.block_on(earshot_connectors::mastodon::sign_in_with_browser(
                            &server,
                            open_in_browser,
                            Duration::from_secs(300),
                        ))
                        .map_err(connector_error)?
                    }
                }
            };
            let account = ws.add_account(&KeyringVault, &signed_in, &credentials)?;
            output::message(
                &format!(
                    "Signed in as {} on {} (account {}). Its credentials are in the OS keyring. \
                     Run `earshot-cli sync` to bring in its conversations.",
                    account.handle, account.server, account.id
                ),
                json,
                None,
            )
        }
    }
}

/// Opens the sign-in page in the system browser, and prints it in case none opens.
fn open_in_browser(url: &str) -> Result<(), String> {
    eprintln!("Opening your browser to sign in. If it does not open, visit:\n  {url}");
    let _ = std::io::stderr().flush();
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    // Best effort: the URL is printed above either way.
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    Ok(())
}

/// A signed-in account and the connector that syncs it.
type Synced = (Account, Arc<dyn Connector>);

pub(crate) fn connectors(ws: &Workspace, only: Option<i64>) -> Result<Vec<Synced>, Error> {
    let vault: Arc<dyn Vault> = Arc::new(KeyringVault);
    let mut out = Vec::new();
    for account in ws.accounts()? {
        if only.is_some_and(|id| id != account.id) || account.origin != AccountOrigin::SignedIn {
            continue;
        }
        if account.needs_sign_in && only.is_none() {
            eprintln!(
                "account {} ({}) needs to sign in again: earshot-cli account add {} …",
                account.id, account.handle, account.network
            );
            continue;
        }
        let credentials = Arc::new(ws.credentials(Arc::clone(&vault), account.id));
        let connector =
            earshot_connectors::connect(&account.to_ref(), credentials).map_err(connector_error)?;
        out.push((account, connector));
    }
    if let Some(id) = only {
        if out.is_empty() {
            return Err(Error::Invalid(format!(
                "account {id} is not a signed-in account (see `earshot-cli account list`)"
            )));
        }
    }
    Ok(out)
}

/// Desktop notifications for urgent items while syncing.
#[derive(clap::Args)]
pub struct NotifyArgs {
    /// Show a desktop notification for items the rules mark urgent
    #[arg(long)]
    notify: bool,
    /// Urgent items within this many seconds of the first become one digest
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    digest_window: u64,
    /// No notifications between these times, e.g. 22:00-07:30
    #[arg(long, value_name = "HH:MM-HH:MM")]
    quiet_hours: Option<String>,
    /// The quiet hours' time zone, as minutes ahead of UTC [default: 0, UTC]
    #[arg(
        long,
        default_value_t = 0,
        allow_hyphen_values = true,
        value_name = "MINUTES"
    )]
    utc_offset: i16,
}

impl NotifyArgs {
    fn policy(&self) -> Result<earshot_core::notify::NotifyPolicy, Error> {
        let quiet = match &self.quiet_hours {
            Some(text) => Some(
                earshot_core::notify::QuietHours::parse(text, self.utc_offset).ok_or_else(
                    || Error::Invalid(format!("--quiet-hours takes HH:MM-HH:MM, not '{text}'")),
                )?,
            ),
            None => None,
        };
        Ok(earshot_core::notify::NotifyPolicy {
            digest_window: Duration::from_secs(self.digest_window.max(1)),
            quiet,
            ..Default::default()
        })
    }
}

pub fn run_sync(
    mut ws: Workspace,
    account: Option<i64>,
    once: bool,
    interval: u64,
    notify: &NotifyArgs,
    json: bool,
) -> Result<(), Error> {
    let progress: Arc<dyn EventSink> = Arc::new(Progress { json });
    if notify.notify {
        ws.set_event_sink(Arc::new(earshot_notify::NotifyingSink::new(
            progress,
            notify.policy()?,
            earshot_notify::Desktop::new("Earshot"),
            Arc::new(earshot_core::clock::SystemClock),
        )));
    } else {
        ws.set_event_sink(progress);
    }
    let ws = Arc::new(ws);
    let accounts = connectors(&ws, account)?;
    if accounts.is_empty() {
        return Err(Error::Invalid(
            "no signed-in accounts to sync: add one with `earshot-cli account add`".into(),
        ));
    }
    let options = SyncOptions {
        poll_interval: Duration::from_secs(interval.max(1)),
        ..SyncOptions::default()
    };
    let rt = runtime()?;
    if once {
        let mut reports: Vec<(i64, Result<SyncReport, String>)> = Vec::new();
        rt.block_on(async {
            for (account, connector) in &accounts {
                let result = sync::sync_account(&ws, connector.as_ref(), &options).await;
                if result.is_ok() {
                    if let Err(e) = outbox::send_due(&ws, connector.as_ref()).await {
                        eprintln!("account {}: sending queued replies failed: {e}", account.id);
                    }
                    if let Err(e) = sync::replay_pending(&ws, connector.as_ref()).await {
                        eprintln!(
                            "account {}: telling the network what was read failed: {e}",
                            account.id
                        );
                    }
                    if let Err(e) = saved::fetch_due(&ws, connector.as_ref(), &options).await {
                        eprintln!(
                            "account {}: fetching saved conversations whole failed: {e}",
                            account.id
                        );
                    }
                }
                reports.push((account.id, result.map_err(|e| e.to_string())));
            }
        });
        let failed = reports.iter().any(|(_, r)| r.is_err());
        output::sync_reports(&reports, json)?;
        return if failed {
            Err(Error::Invalid(
                "some accounts did not sync (see above)".into(),
            ))
        } else {
            Ok(())
        };
    }
    rt.block_on(async {
        let supervisor = sync::Supervisor::new(Arc::clone(&ws), options);
        for (_, connector) in accounts {
            supervisor.start(connector);
        }
        eprintln!("Syncing; press Ctrl-C to stop.");
        let _ = tokio::signal::ctrl_c().await;
        supervisor.shutdown().await;
    });
    Ok(())
}

pub struct ReplyOptions {
    pub conversation: i64,
    pub account: Option<i64>,
    pub template: Option<String>,
    pub answers: Vec<String>,
    pub queue_only: bool,
}

fn read_stdin(what: &str) -> Result<String, Error> {
    let mut text = String::new();
    if std::io::stdin().is_terminal() {
        eprintln!("Type the {what}, then Ctrl-D:");
    }
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::io(format!("cannot read the {what} from standard input"), e))?;
    Ok(text)
}

pub fn reply(ws: Workspace, options: ReplyOptions, json: bool) -> Result<(), Error> {
    let text = match &options.template {
        Some(name) => {
            let template = compose::saved_replies(&ws)?
                .into_iter()
                .find(|t| t.name == *name)
                .ok_or_else(|| Error::NotFound {
                    what: "saved reply",
                    id: name.clone(),
                })?;
            let mut context = compose::context(&ws, options.conversation, options.account)?;
            for a in &options.answers {
                let (q, v) = a.split_once('=').ok_or_else(|| {
                    Error::Invalid(format!("--answer takes QUESTION=ANSWER, not '{a}'"))
                })?;
                context
                    .answers
                    .insert(q.trim().to_owned(), v.trim().to_owned());
            }
            compose::fill(&template.body, &context)?
        }
        None => read_stdin("reply")?,
    };
    let entry = outbox::queue_reply_as(
        &ws,
        options.conversation,
        &text,
        options.account,
        Duration::ZERO,
    )?;
    if options.queue_only {
        return output::outbox_entry(&entry, json);
    }
    let ws = Arc::new(ws);
    let accounts = connectors(&ws, Some(entry.account_id))?;
    let rt = runtime()?;
    let touched = rt.block_on(async {
        let (_, connector) = &accounts[0];
        outbox::send_due(&ws, connector.as_ref()).await
    })?;
    let entry = touched
        .into_iter()
        .find(|e| e.id == entry.id)
        .map_or_else(|| outbox::get(&ws, entry.id), Ok)?;
    output::outbox_entry(&entry, json)
}

#[derive(Subcommand)]
pub enum SavedReplyCommand {
    /// Add (or replace) a saved reply; its text is read from stdin
    Add {
        name: String,
    },
    List,
    Remove {
        name: String,
    },
}

pub fn saved_reply(ws: &Workspace, command: SavedReplyCommand, json: bool) -> Result<(), Error> {
    match command {
        SavedReplyCommand::Add { name } => {
            let body = read_stdin("saved reply")?;
            let saved = compose::save_reply_template(ws, &name, &body)?;
            output::saved_replies(&[saved], json)
        }
        SavedReplyCommand::List => output::saved_replies(&compose::saved_replies(ws)?, json),
        SavedReplyCommand::Remove { name } => {
            compose::delete_saved_reply(ws, &name)?;
            output::message(&format!("Removed the saved reply \"{name}\"."), json, None)
        }
    }
}

pub fn draft(ws: &Workspace, conversation: i64, set: bool, json: bool) -> Result<(), Error> {
    let draft = if set {
        let body = read_stdin("draft")?;
        compose::save_draft(ws, conversation, None, &body)?
    } else {
        compose::draft(ws, conversation)?
    };
    output::draft(draft.as_ref(), json)
}

pub fn outbox_command(
    ws: &Workspace,
    conversation: Option<i64>,
    cancel: Option<i64>,
    json: bool,
) -> Result<(), Error> {
    if let Some(id) = cancel {
        let entry = outbox::cancel(ws, id)?;
        return output::outbox_entry(&entry, json);
    }
    let conversation = conversation.ok_or_else(|| {
        Error::Invalid("name a conversation (earshot-cli outbox 42), or --cancel ID".into())
    })?;
    let entries = outbox::for_conversation(ws, conversation)?;
    if json {
        return output::json(&entries);
    }
    for e in &entries {
        output::outbox_entry(e, false)?;
    }
    Ok(())
}
