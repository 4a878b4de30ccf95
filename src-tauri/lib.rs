//! The Earshot desktop shell: setup, state and one thin command per core call.
//! Everything else lives in `earshot-core`.

mod commands;
mod error;
mod state;

/// Builds and runs the app.
pub fn run() {
    let result = tauri::Builder::default()
        .manage(state::AppState::open())
        .invoke_handler(tauri::generate_handler![
            commands::workspace_status,
            commands::inbox_list,
            commands::conversation_get,
            commands::search,
            commands::triage_set_state,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("earshot: the app could not start: {e}");
        std::process::exit(1);
    }
}
