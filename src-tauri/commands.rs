//! One thin command per core call, grouped by feature. No logic here: each
//! command borrows the open workspace and forwards to the core. Commands are
//! `async` so Tauri runs them off the main thread: a query never blocks the
//! window from painting.

use earshot_connectors::{bluesky, mastodon};
use earshot_core::accounts::Account;
use earshot_core::attachments::ItemAttachments;
use earshot_core::compose::{self, ComposeInfo, Draft, SavedReply};
use earshot_core::connector::{AccountLimits, ComposeLimits};
use earshot_core::inbox::{
    ConversationDetail, InboxFilter, InboxPage, SavedView, Snooze, TriageState,
};
use earshot_core::media::CachedAvatar;
use earshot_core::notify::{self, NotifySettings};
use earshot_core::outbox::{self, OutboxEntry, ReplySettings};
use earshot_core::rules::{self, Rule, Trial};
use earshot_core::saved::WaitingToSync;
use earshot_core::search::{SearchHit, SearchOptions};
use earshot_core::sync::AccountSyncStatus;
use earshot_core::vault::Secret;
use earshot_core::WorkspaceStatus;
use std::sync::Arc;
use std::time::Duration;

use tauri::State;
use tauri_plugin_opener::OpenerExt;

use crate::error::{UiError, UiResult};
use crate::state::AppState;
use crate::tray::UrgentBadge;

// Workspace

#[tauri::command]
pub async fn workspace_status(app: State<'_, Arc<AppState>>) -> UiResult<WorkspaceStatus> {
    Ok(app.workspace()?.status()?)
}

// Accounts. Secrets arrive as strings and are wrapped in `Secret` at once: never
// logged, and kept nowhere but the OS keyring (by the core's `add_account`).
// Adding an account that exists signs it in again (same id, sync restarted).

/// How long a browser sign-in waits for the manager to approve it.
const BROWSER_SIGN_IN_WAIT: Duration = Duration::from_secs(300);

#[tauri::command]
pub async fn accounts_list(app: State<'_, Arc<AppState>>) -> UiResult<Vec<Account>> {
    Ok(app.workspace()?.accounts()?)
}

#[tauri::command]
pub async fn account_add_bluesky(
    app: State<'_, Arc<AppState>>,
    server: String,
    handle: String,
    app_password: String,
) -> UiResult<Account> {
    let password = Secret::new(app_password);
    let sign_in = async move { bluesky::sign_in(&server, &handle, &password).await };
    Ok(app.session()?.sign_in(sign_in).await?)
}

#[tauri::command]
pub async fn account_add_mastodon_token(
    app: State<'_, Arc<AppState>>,
    server: String,
    token: String,
) -> UiResult<Account> {
    let token = Secret::new(token);
    let sign_in = async move { mastodon::sign_in_with_token(&server, &token).await };
    Ok(app.session()?.sign_in(sign_in).await?)
}

/// Opens the server's sign-in page in the system browser and waits for the
/// manager to approve Earshot there.
#[tauri::command]
pub async fn account_add_mastodon_browser(
    app: State<'_, Arc<AppState>>,
    handle: tauri::AppHandle,
    server: String,
) -> UiResult<Account> {
    let open = move |url: &str| {
        handle
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|e| e.to_string())
    };
    let sign_in =
        async move { mastodon::sign_in_with_browser(&server, open, BROWSER_SIGN_IN_WAIT).await };
    Ok(app.session()?.sign_in(sign_in).await?)
}

/// Stops a sign-in that is waiting (for the browser); it fails as `cancelled`.
#[tauri::command]
pub async fn account_sign_in_cancel(app: State<'_, Arc<AppState>>) -> UiResult<()> {
    app.session()?.cancel_sign_in();
    Ok(())
}

/// Stops the account's sync, removes it and deletes its keyring entry. Its
/// conversations stay.
#[tauri::command]
pub async fn account_remove(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<()> {
    Ok(app.session()?.remove_account(id)?)
}

// Sync

#[tauri::command]
pub async fn sync_now(app: State<'_, Arc<AppState>>, account_id: Option<i64>) -> UiResult<()> {
    Ok(app.session()?.sync_now(account_id)?)
}

#[tauri::command]
pub async fn sync_status(app: State<'_, Arc<AppState>>) -> UiResult<Vec<AccountSyncStatus>> {
    Ok(app.session()?.sync_status()?)
}

// Inbox

#[tauri::command]
pub async fn inbox_list(app: State<'_, Arc<AppState>>, filter: InboxFilter) -> UiResult<InboxPage> {
    Ok(app.workspace()?.inbox(&filter)?)
}

#[tauri::command]
pub async fn conversation_get(
    app: State<'_, Arc<AppState>>,
    id: i64,
) -> UiResult<ConversationDetail> {
    Ok(app.workspace()?.conversation(id)?)
}

#[tauri::command]
pub async fn tags_list(app: State<'_, Arc<AppState>>) -> UiResult<Vec<String>> {
    Ok(app.workspace()?.tags()?)
}

// Saved views

#[tauri::command]
pub async fn views_list(app: State<'_, Arc<AppState>>) -> UiResult<Vec<SavedView>> {
    Ok(app.workspace()?.views()?)
}

#[tauri::command]
pub async fn view_save(
    app: State<'_, Arc<AppState>>,
    name: String,
    filter: InboxFilter,
) -> UiResult<SavedView> {
    Ok(app.workspace()?.save_view(&name, &filter)?)
}

#[tauri::command]
pub async fn view_rename(app: State<'_, Arc<AppState>>, from: String, to: String) -> UiResult<()> {
    Ok(app.workspace()?.rename_view(&from, &to)?)
}

#[tauri::command]
pub async fn view_delete(app: State<'_, Arc<AppState>>, name: String) -> UiResult<()> {
    Ok(app.workspace()?.delete_view(&name)?)
}

#[tauri::command]
pub async fn conversation_mark_read(
    app: State<'_, Arc<AppState>>,
    notifications: State<'_, Arc<earshot_notify::NotifyingSink>>,
    badge: State<'_, UrgentBadge>,
    id: i64,
) -> UiResult<()> {
    // The conversation on screen never raises a notification.
    notifications.set_viewing(Some(id));
    app.workspace()?.mark_read(id)?;
    badge.poke();
    Ok(())
}

// Triage

#[tauri::command]
pub async fn triage_set_state(
    app: State<'_, Arc<AppState>>,
    id: i64,
    state: TriageState,
    snooze: Option<Snooze>,
    badge: State<'_, UrgentBadge>,
) -> UiResult<()> {
    app.workspace()?.set_state(id, state, snooze)?;
    badge.poke();
    Ok(())
}

#[tauri::command]
pub async fn triage_tag(
    app: State<'_, Arc<AppState>>,
    id: i64,
    add: Vec<String>,
    remove: Vec<String>,
) -> UiResult<()> {
    Ok(app.workspace()?.tag(id, &add, &remove)?)
}

/// Saving fetches the conversation whole, now, through its account's sync.
#[tauri::command]
pub async fn triage_set_saved(app: State<'_, Arc<AppState>>, id: i64, saved: bool) -> UiResult<()> {
    Ok(app.session()?.set_saved(id, saved)?)
}

// Saved conversations and offline

/// The thread pane opened a conversation: a saved one is fetched again for new
/// replies when its last fetch is a while ago.
#[tauri::command]
pub async fn saved_refresh(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<()> {
    Ok(app.session()?.refresh_saved(id)?)
}

/// The cached avatars of a conversation's authors (`earshot-media:` addresses).
#[tauri::command]
pub async fn conversation_avatars(
    app: State<'_, Arc<AppState>>,
    id: i64,
) -> UiResult<Vec<CachedAvatar>> {
    Ok(earshot_core::media::avatars(&*app.workspace()?, id)?)
}

/// The attachments of these items (store ids), after fetching the previews
/// not cached yet through their accounts' syncs (the thread pane asks once it
/// shows a thread; offline or in the demo, what is cached comes back).
#[tauri::command]
pub async fn attachments_fetch(
    app: State<'_, Arc<AppState>>,
    item_ids: Vec<String>,
) -> UiResult<Vec<ItemAttachments>> {
    let ids: Vec<i64> = item_ids.iter().filter_map(|id| id.parse().ok()).collect();
    Ok(app.session()?.fetch_previews(&ids).await?)
}

/// What is waiting to reach the networks (queued replies, read positions,
/// saved conversations not fetched yet).
#[tauri::command]
pub async fn sync_waiting(app: State<'_, Arc<AppState>>) -> UiResult<WaitingToSync> {
    Ok(earshot_core::saved::waiting(&*app.workspace()?)?)
}

// Replies: the composer, saved replies and the outbox

#[tauri::command]
pub async fn compose_open(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<ComposeInfo> {
    Ok(compose::open(&*app.workspace()?, id)?)
}

/// How long the composer waits for a server to state its limits before it
/// counts against the network's usual ones.
const LIMITS_WAIT: Duration = Duration::from_secs(3);

/// The account's compose limits: its server's, or the network's usual ones
/// (`fromServer: false`) when the server cannot be asked.
#[tauri::command]
pub async fn compose_limits(
    app: State<'_, Arc<AppState>>,
    account_id: i64,
) -> UiResult<AccountLimits> {
    let session = app.session()?;
    if let Some(limits) = session.compose_limits(account_id, LIMITS_WAIT).await {
        return Ok(AccountLimits {
            limits,
            from_server: true,
        });
    }
    let network = session.workspace().account(account_id)?.network;
    let limits = earshot_connectors::default_limits(&network).ok_or_else(|| UiError {
        code: None,
        message: format!("Earshot does not know how long a {network} post may be"),
    })?;
    Ok(AccountLimits {
        limits,
        from_server: false,
    })
}

/// A reply's length, counted the way its network counts.
#[tauri::command]
pub fn compose_measure(text: String, limits: ComposeLimits) -> usize {
    earshot_connectors::reply_length(&text, &limits)
}

#[tauri::command]
pub async fn draft_save(
    app: State<'_, Arc<AppState>>,
    id: i64,
    account_id: Option<i64>,
    body: String,
) -> UiResult<Option<Draft>> {
    Ok(compose::save_draft(
        &*app.workspace()?,
        id,
        account_id,
        &body,
    )?)
}

#[tauri::command]
pub async fn saved_replies_list(app: State<'_, Arc<AppState>>) -> UiResult<Vec<SavedReply>> {
    Ok(compose::saved_replies(&*app.workspace()?)?)
}

#[tauri::command]
pub async fn saved_reply_save(
    app: State<'_, Arc<AppState>>,
    name: String,
    body: String,
) -> UiResult<SavedReply> {
    Ok(compose::save_reply_template(
        &*app.workspace()?,
        &name,
        &body,
    )?)
}

#[tauri::command]
pub async fn saved_reply_delete(app: State<'_, Arc<AppState>>, name: String) -> UiResult<()> {
    Ok(compose::delete_saved_reply(&*app.workspace()?, &name)?)
}

/// A saved reply filled for this conversation, sent as `account_id`, with the
/// answers to its prompted placeholders.
#[tauri::command]
pub async fn saved_reply_fill(
    app: State<'_, Arc<AppState>>,
    id: i64,
    account_id: Option<i64>,
    body: String,
    answers: std::collections::BTreeMap<String, String>,
) -> UiResult<String> {
    let mut context = compose::context(&*app.workspace()?, id, account_id)?;
    context.answers = answers;
    Ok(compose::fill(&body, &context)?)
}

/// Queues a reply behind the undo window; the account's sync sends it.
#[tauri::command]
pub async fn reply_send(
    app: State<'_, Arc<AppState>>,
    id: i64,
    account_id: Option<i64>,
    body: String,
) -> UiResult<OutboxEntry> {
    Ok(app.session()?.send_reply(id, &body, account_id)?)
}

/// Takes back a reply still in its undo window; its text is the draft again.
#[tauri::command]
pub async fn reply_undo(app: State<'_, Arc<AppState>>, outbox_id: i64) -> UiResult<OutboxEntry> {
    Ok(outbox::cancel(&*app.workspace()?, outbox_id)?)
}

#[tauri::command]
pub async fn outbox_list(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<Vec<OutboxEntry>> {
    Ok(outbox::for_conversation(&*app.workspace()?, id)?)
}

#[tauri::command]
pub async fn reply_settings_get(app: State<'_, Arc<AppState>>) -> UiResult<ReplySettings> {
    Ok(outbox::reply_settings(&*app.workspace()?)?)
}

#[tauri::command]
pub async fn reply_settings_set(
    app: State<'_, Arc<AppState>>,
    settings: ReplySettings,
) -> UiResult<()> {
    Ok(outbox::set_reply_settings(&*app.workspace()?, &settings)?)
}

// Rules: what flags, tags and notifies, and why it fired

#[tauri::command]
pub async fn rules_list(app: State<'_, Arc<AppState>>) -> UiResult<Vec<Rule>> {
    Ok(app.workspace()?.store().read(rules::list)?)
}

/// Adds a rule (id 0) or replaces one; a query that does not parse is refused.
#[tauri::command]
pub async fn rule_save(app: State<'_, Arc<AppState>>, rule: Rule) -> UiResult<Rule> {
    Ok(rules::save(&*app.workspace()?, &rule)?)
}

#[tauri::command]
pub async fn rule_delete(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<()> {
    Ok(rules::delete(&*app.workspace()?, id)?)
}

#[tauri::command]
pub async fn rules_reorder(app: State<'_, Arc<AppState>>, ids: Vec<i64>) -> UiResult<()> {
    Ok(rules::reorder(&*app.workspace()?, &ids)?)
}

/// The most past items a trial looks at (the newest first), to answer at once.
const TRIAL_ITEMS: usize = 200_000;

/// Where a rule would have fired on the items of the last `days` days.
#[tauri::command]
pub async fn rule_trial(app: State<'_, Arc<AppState>>, rule: Rule, days: u32) -> UiResult<Trial> {
    let ws = app.workspace()?;
    let since = ws.now() - i64::from(days) * 86_400_000;
    Ok(rules::trial(&ws, &rule, since, TRIAL_ITEMS)?)
}

#[tauri::command]
pub async fn notify_settings_get(app: State<'_, Arc<AppState>>) -> UiResult<NotifySettings> {
    Ok(notify::settings(&*app.workspace()?)?)
}

/// Saves the notification settings and applies them at once.
#[tauri::command]
pub async fn notify_settings_set(
    app: State<'_, Arc<AppState>>,
    notifications: State<'_, Arc<earshot_notify::NotifyingSink>>,
    settings: NotifySettings,
) -> UiResult<()> {
    notify::set_settings(&*app.workspace()?, &settings)?;
    notifications.set_policy(settings.policy());
    Ok(())
}

/// The unread urgent count (the tray's), or `None` while it is first counted;
/// changes arrive as `earshot://urgent` events.
#[tauri::command]
pub fn urgent_count(badge: State<'_, UrgentBadge>) -> Option<u32> {
    let count = badge.current();
    if count.is_none() {
        badge.poke();
    }
    count
}

/// Why rules fired on a conversation's items, newest first.
#[tauri::command]
pub async fn conversation_reasons(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<Vec<String>> {
    Ok(rules::reasons(&*app.workspace()?, id)?)
}

// Search

#[tauri::command]
pub async fn search(
    app: State<'_, Arc<AppState>>,
    query: String,
    limit: Option<u32>,
) -> UiResult<Vec<SearchHit>> {
    let options = SearchOptions {
        limit,
        ..Default::default()
    };
    Ok(app.workspace()?.search(&query, &options)?)
}

// Links

/// Opens a link from content in the system browser, never in the app's webview.
#[tauri::command]
pub async fn open_external(app: tauri::AppHandle, url: String) -> UiResult<()> {
    let url = earshot_core::links::external(&url)?;
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| UiError {
            code: None,
            message: format!("the browser could not be opened: {e}"),
        })
}

// Benchmarks

/// The UI calls this once its first inbox rows are painted, with its own
/// marks (ms since the page started loading): the work deferred until then
/// runs, and with `EARSHOT_REPORT_PAINT=1` (set by `earshot-cli bench window`)
/// the shell prints the marks on stdout, which is how start-up to first paint
/// is timed and broken down.
#[tauri::command]
pub async fn ui_painted(
    app: tauri::AppHandle,
    marks: Option<std::collections::BTreeMap<String, f64>>,
) {
    crate::startup::painted(&app, &marks.unwrap_or_default());
}
