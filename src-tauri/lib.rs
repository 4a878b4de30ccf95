//! The Earshot desktop shell: setup, state, events and one thin command per
//! core call. Everything else lives in `earshot-core`.

mod commands;
mod error;
mod listening;
mod media;
mod people;
mod rendering;
mod startup;
mod state;
mod tray;

use std::sync::Arc;

use earshot_core::events::{CoreEvent, EventSink};
use earshot_core::instance::{Instance, InstanceLock};
use earshot_core::session::{SessionConfig, WorkspaceOpened};
use earshot_core::sync::SyncOptions;
use earshot_core::vault::KeyringVault;
use tauri::{Emitter, Manager};

/// The Tauri event every core event is forwarded on.
const CORE_EVENT: &str = "earshot://event";
/// The Tauri event asking the UI to open a conversation (a notification clicked).
const OPEN_EVENT: &str = "earshot://open";
/// The Tauri event telling the UI that a notification's "Mark done" marked a
/// conversation done, so its row leaves the list.
const MARKED_DONE_EVENT: &str = "earshot://marked-done";
/// The Tauri event telling the UI that another workspace is shown (the first
/// account signed in while the demo was open), so it reloads everything.
const WORKSPACE_EVENT: &str = "earshot://workspace";

/// Forwards the core's events to the UI.
struct TauriEvents(tauri::AppHandle);

impl EventSink for TauriEvents {
    fn emit(&self, event: CoreEvent) {
        if matches!(
            event,
            CoreEvent::ItemsIngested { .. } | CoreEvent::Urgent { .. }
        ) {
            if let Some(badge) = self.0.try_state::<tray::UrgentBadge>() {
                badge.poke();
            }
        }
        // A window that is gone cannot be told; the core carries on.
        let _ = self.0.emit(CORE_EVENT, event);
    }
}

/// Urgent items as desktop notifications, in front of the UI's events. Clicking
/// one brings the window forward on that conversation; "Mark done" marks it done.
fn notifying(handle: &tauri::AppHandle) -> Arc<earshot_notify::NotifyingSink> {
    let app = handle.clone();
    let desktop =
        earshot_notify::Desktop::new("Earshot").with_actions(move |action| match action {
            earshot_notify::Action::Open(id) => {
                show_main_window(&app);
                let _ = app.emit(OPEN_EVENT, id);
            }
            earshot_notify::Action::MarkDone(id) => mark_done(&app, id),
        });
    Arc::new(earshot_notify::NotifyingSink::new(
        Arc::new(TauriEvents(handle.clone())),
        earshot_core::notify::NotifyPolicy::default(),
        desktop,
        Arc::new(earshot_core::clock::SystemClock),
    ))
}

/// A notification's "Mark done": the conversation is done in the core, then the
/// window and the tray are told. A failure is said in the window, never dropped.
fn mark_done(app: &tauri::AppHandle, id: i64) {
    let done = match app.try_state::<Arc<state::AppState>>() {
        Some(state) => state.workspace().and_then(|ws| {
            ws.set_state(id, earshot_core::inbox::TriageState::Done, None)
                .map_err(error::UiError::from)
        }),
        None => return,
    };
    match done {
        Ok(()) => {
            if let Some(badge) = app.try_state::<tray::UrgentBadge>() {
                badge.poke();
            }
            let _ = app.emit(MARKED_DONE_EVENT, id);
        }
        Err(e) => {
            let message = format!(
                "Could not mark the conversation done from its notification: {}",
                e.message
            );
            let _ = app.emit(CORE_EVENT, CoreEvent::Alert { message });
        }
    }
}

pub(crate) fn show_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Builds and runs the app.
pub fn run() {
    startup::mark("main");
    rendering::choose();
    let data_dir = earshot_core::default_data_dir();
    // One app per data directory: a second start brings the first to the front.
    let lock = match data_dir.as_deref().map(InstanceLock::acquire) {
        Ok(Ok(Instance::AlreadyRunning)) => {
            eprintln!("earshot: already running for this data directory; showing that window");
            return;
        }
        Ok(Ok(Instance::First(lock))) => Some(lock),
        Ok(Err(e)) => {
            eprintln!("earshot: {e}");
            None
        }
        // No data directory: the UI shows that error; nothing to lock.
        Err(_) => None,
    };
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .register_asynchronous_uri_scheme_protocol(
            earshot_core::media::SCHEME,
            |ctx, request, responder| {
                let app = ctx.app_handle().clone();
                tauri::async_runtime::spawn(async move {
                    responder.respond(media::respond(&app, request.uri().path()));
                });
            },
        )
        .on_page_load(|_, payload| {
            startup::mark(match payload.event() {
                tauri::webview::PageLoadEvent::Started => "page-load",
                tauri::webview::PageLoadEvent::Finished => "page-loaded",
            })
        })
        .setup(move |app| {
            startup::mark("setup");
            let handle = app.handle().clone();
            let opened = handle.clone();
            let notifications = notifying(&handle);
            app.manage(Arc::clone(&notifications));
            let config = data_dir
                .map(|data_dir| SessionConfig {
                    data_dir,
                    vault: Arc::new(KeyringVault),
                    connect: Arc::new(earshot_connectors::connect),
                    options: SyncOptions::default(),
                    events: notifications.clone(),
                    on_opened: Arc::new(move |o: &WorkspaceOpened| {
                        if let Some(badge) = opened.try_state::<tray::UrgentBadge>() {
                            badge.poke();
                        }
                        let _ = opened.emit(WORKSPACE_EVENT, o);
                    }),
                    runtime: tauri::async_runtime::handle().inner().clone(),
                })
                .map_err(error::UiError::from);
            let state = Arc::new(state::AppState::default());
            state.open_in_background(config)?;
            apply_notify_settings(&state, &notifications);
            app.manage(state);
            app.manage(tray::start(&handle));
            // None of this is needed for the first paint: the tray's menus and
            // icon and Hunspell's dictionaries cost the main thread tens of
            // milliseconds, and the urgent count (started with the tray) reads
            // much of a large cache, taking a CPU from loading the page.
            startup::FirstPaint::manage(&handle);
            startup::FirstPaint::defer(&handle, spell_check);
            startup::FirstPaint::defer(&handle, |app| {
                if let Some(badge) = app.try_state::<tray::UrgentBadge>() {
                    badge.show_tray(app);
                }
            });
            startup::FirstPaint::defer(&handle, release_start_up_memory);
            if let Some(lock) = lock {
                let wake = handle.clone();
                lock.on_second_instance(move || show_main_window(&wake))?;
                // The lock lives as long as the app.
                app.manage(lock);
            }
            startup::mark("setup-done");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::workspace_status,
            commands::accounts_list,
            commands::inbox_list,
            commands::conversation_get,
            commands::conversation_mark_read,
            commands::tags_list,
            commands::views_list,
            commands::view_save,
            commands::view_rename,
            commands::view_delete,
            commands::triage_set_state,
            commands::triage_tag,
            commands::triage_set_saved,
            commands::saved_refresh,
            commands::conversation_avatars,
            commands::attachments_fetch,
            commands::sync_waiting,
            commands::search,
            commands::compose_open,
            commands::compose_limits,
            commands::compose_measure,
            commands::draft_save,
            commands::saved_replies_list,
            commands::saved_reply_save,
            commands::saved_reply_delete,
            commands::saved_reply_fill,
            commands::reply_send,
            commands::reply_undo,
            commands::outbox_list,
            commands::reply_settings_get,
            commands::reply_settings_set,
            commands::rules_list,
            commands::rule_save,
            commands::rule_delete,
            commands::rules_reorder,
            commands::rule_trial,
            commands::conversation_reasons,
            commands::urgent_count,
            commands::notify_settings_get,
            commands::notify_settings_set,
            commands::account_add_bluesky,
            commands::account_add_mastodon_token,
            commands::account_add_mastodon_browser,
            commands::account_sign_in_cancel,
            commands::account_remove,
            commands::sync_now,
            commands::sync_status,
            commands::open_external,
            commands::ui_painted,
            people::contact_panel,
            people::contacts_list,
            people::contact_get,
            people::contact_timeline,
            people::contact_suggestions,
            people::contact_tags,
            people::contacts_link,
            people::contact_split,
            people::contact_tag,
            people::contact_set_notes,
            people::contact_rename,
            people::contact_of,
            people::contact_delete,
            people::contact_dismiss,
            people::report_build,
            people::business_hours_get,
            people::business_hours_set,
            people::business_hours_parse,
            people::report_export_csv,
            people::report_export_html,
            people::export_reveal,
            listening::listening_queries,
            listening::listening_query_check,
            listening::listening_query_add,
            listening::listening_query_edit,
            listening::listening_query_run,
            listening::listening_query_remove,
            listening::listening_dashboard,
            listening::listening_export_csv,
            listening::listening_spike_notify,
            listening::listening_set_spike_notify,
            listening::sources_list,
            listening::source_add,
            listening::source_remove,
            listening::source_poll,
        ])
        .build(tauri::generate_context!())
        .map(|app| {
            startup::mark("built");
            app.run(|handle, event| {
                if let tauri::RunEvent::Exit = event {
                    if let Some(state) = handle.try_state::<Arc<state::AppState>>() {
                        state.shutdown();
                    }
                }
            })
        });
    if let Err(e) = result {
        eprintln!("earshot: the app could not start: {e}");
        std::process::exit(1);
    }
}

/// Turns on the webview's spell checking, in the user's languages (WebKitGTK
/// leaves it off; Hunspell dictionaries come from the system, e.g.
/// `hunspell-en-us`). macOS and Windows webviews check spelling already.
fn spell_check(app: &tauri::AppHandle) {
    #[cfg(target_os = "linux")]
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.with_webview(|webview| {
            use webkit2gtk::{WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                let languages: Vec<String> = std::env::var("LANGUAGE")
                    .or_else(|_| std::env::var("LANG"))
                    .unwrap_or_default()
                    .split(':')
                    .map(|l| l.split('.').next().unwrap_or_default().to_owned())
                    .filter(|l| !l.is_empty() && l != "C" && l != "POSIX")
                    .collect();
                let languages = if languages.is_empty() {
                    vec!["en_US".to_owned()]
                } else {
                    languages
                };
                let refs: Vec<&str> = languages.iter().map(String::as_str).collect();
                context.set_spell_checking_languages(&refs);
                context.set_spell_checking_enabled(true);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

/// Once start-up's reads are over, the page caches they filled (counting a
/// large cache's items reads megabytes) go back: an idle window keeps little.
fn release_start_up_memory(app: &tauri::AppHandle) {
    /// Long enough for the reads that follow the first paint to have finished.
    const AFTER: std::time::Duration = std::time::Duration::from_secs(2);
    let app = app.clone();
    let _ = std::thread::Builder::new()
        .name("release-memory".into())
        .spawn(move || {
            std::thread::sleep(AFTER);
            if let Some(ws) = app
                .try_state::<Arc<state::AppState>>()
                .and_then(|s| s.workspace().ok())
            {
                ws.store().release_memory();
            }
        });
}

/// Applies the workspace's notification settings (digest window, quiet hours)
/// once it has opened: opening may wait on the keyring, so not on this thread.
fn apply_notify_settings(
    state: &Arc<state::AppState>,
    notifications: &Arc<earshot_notify::NotifyingSink>,
) {
    let (state, notifications) = (Arc::clone(state), Arc::clone(notifications));
    let _ = std::thread::Builder::new()
        .name("notify-settings".into())
        .spawn(move || {
            if let Ok(ws) = state.workspace() {
                if let Ok(settings) = earshot_core::notify::settings(&ws) {
                    notifications.set_policy(settings.policy());
                }
            }
        });
}
