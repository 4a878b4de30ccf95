//! The Earshot desktop shell: setup, state, events and one thin command per
//! core call. Everything else lives in `earshot-core`.

mod commands;
mod error;
mod state;

use std::sync::Arc;

use earshot_core::events::{CoreEvent, EventSink};
use earshot_core::instance::{Instance, InstanceLock};
use tauri::{Emitter, Manager};

/// The Tauri event every core event is forwarded on.
const CORE_EVENT: &str = "earshot://event";

/// Forwards the core's events to the UI.
struct TauriEvents(tauri::AppHandle);

impl EventSink for TauriEvents {
    fn emit(&self, event: CoreEvent) {
        // A window that is gone cannot be told; the core carries on.
        let _ = self.0.emit(CORE_EVENT, event);
    }
}

fn show_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Builds and runs the app.
pub fn run() {
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
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .setup(move |app| {
            let handle = app.handle().clone();
            let events: Arc<dyn EventSink> = Arc::new(TauriEvents(handle.clone()));
            let dir = data_dir.map_err(error::UiError::from);
            let state = Arc::new(state::AppState::default());
            state.open_in_background(dir, events)?;
            app.manage(state);
            if let Some(lock) = lock {
                let wake = handle.clone();
                lock.on_second_instance(move || show_main_window(&wake))?;
                // The lock lives as long as the app.
                app.manage(lock);
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::workspace_status,
            commands::accounts_list,
            commands::inbox_list,
            commands::conversation_get,
            commands::conversation_mark_read,
            commands::triage_set_state,
            commands::triage_tag,
            commands::triage_set_saved,
            commands::search,
            commands::open_external,
            commands::ui_painted,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("earshot: the app could not start: {e}");
        std::process::exit(1);
    }
}
