//! One thin command per core call, grouped by feature. No logic here: each
//! command borrows the open workspace and forwards to the core.

use earshot_core::inbox::{ConversationDetail, InboxFilter, InboxPage, TriageState};
use earshot_core::search::{SearchHit, SearchOptions};
use earshot_core::WorkspaceStatus;
use tauri::State;

use crate::error::UiResult;
use crate::state::AppState;

#[tauri::command]
pub fn workspace_status(app: State<'_, AppState>) -> UiResult<WorkspaceStatus> {
    Ok(app.workspace()?.status()?)
}

#[tauri::command]
pub fn inbox_list(app: State<'_, AppState>, filter: InboxFilter) -> UiResult<InboxPage> {
    Ok(app.workspace()?.inbox(&filter)?)
}

#[tauri::command]
pub fn conversation_get(app: State<'_, AppState>, id: i64) -> UiResult<ConversationDetail> {
    Ok(app.workspace()?.conversation(id)?)
}

#[tauri::command]
pub fn search(
    app: State<'_, AppState>,
    query: String,
    limit: Option<u32>,
) -> UiResult<Vec<SearchHit>> {
    let options = SearchOptions {
        limit,
        ..Default::default()
    };
    Ok(app.workspace()?.search(&query, &options)?)
}

#[tauri::command]
pub fn triage_set_state(app: State<'_, AppState>, id: i64, state: TriageState) -> UiResult<()> {
    Ok(app.workspace()?.set_state(id, state, None)?)
}
