//! Listening: one thin command per core call, as in `commands.rs`. Creating,
//! editing or re-running a query matches it over the whole cache on a blocking
//! thread and reports how far it is on [`PROGRESS_EVENT`], so the window stays
//! responsive. Sources are polled by the session's own task
//! ([`start_polling`]); "poll now" asks it for one source at once.

use std::sync::Arc;

use earshot_connectors::hackernews;
use earshot_connectors::listening::PollContext;
use earshot_core::clock::{Clock, SystemClock};
use earshot_core::listening::csv::{self, PanelKind};
use earshot_core::listening::sources::{self, PollReport, Source, SourceInput};
use earshot_core::listening::spikes;
use earshot_core::listening::{
    self, Dashboard, DashboardRequest, ListeningQuery, QueryInput, RunProgress, RunReport,
};
use earshot_core::query::QueryError;
use earshot_core::reports::{self, SavedExport};
use earshot_core::session::{Session, POLL_TICK};
use earshot_core::Workspace;
use tauri::{AppHandle, Emitter, State};

use crate::error::{UiError, UiResult};
use crate::state::AppState;

/// The Tauri event a retroactive run's [`RunProgress`] arrives on.
const PROGRESS_EVENT: &str = "earshot://listening-progress";

/// Runs `work` on a blocking thread, so a long run or a large dashboard never
/// holds up the async runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> earshot_core::Result<T> + Send + 'static,
) -> UiResult<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| UiError {
            code: None,
            message: format!("the listening work stopped: {e}"),
        })?
        .map_err(UiError::from)
}

/// Runs `work` on a blocking thread with the workspace and a progress callback
/// that forwards to the UI.
async fn with_progress<T: Send + 'static>(
    app: &AppState,
    handle: AppHandle,
    work: impl FnOnce(&Workspace, &mut dyn FnMut(RunProgress)) -> earshot_core::Result<T>
        + Send
        + 'static,
) -> UiResult<T> {
    let ws = app.workspace()?;
    blocking(move || {
        work(&ws, &mut |p| {
            let _ = handle.emit(PROGRESS_EVENT, p);
        })
    })
    .await
}

#[tauri::command]
pub async fn listening_queries(app: State<'_, Arc<AppState>>) -> UiResult<Vec<ListeningQuery>> {
    Ok(listening::list(&*app.workspace()?)?)
}

/// `null` when the query parses, else where it is wrong and what was expected.
#[tauri::command]
pub async fn listening_query_check(text: String) -> UiResult<Option<QueryError>> {
    Ok(listening::check(&text).err())
}

#[tauri::command]
pub async fn listening_query_add(
    app: State<'_, Arc<AppState>>,
    handle: AppHandle,
    input: QueryInput,
) -> UiResult<(ListeningQuery, RunReport)> {
    with_progress(&app, handle, move |ws, p| listening::create(ws, &input, p)).await
}

#[tauri::command]
pub async fn listening_query_edit(
    app: State<'_, Arc<AppState>>,
    handle: AppHandle,
    id: i64,
    input: QueryInput,
) -> UiResult<(ListeningQuery, Option<RunReport>)> {
    with_progress(&app, handle, move |ws, p| {
        listening::update(ws, id, &input, p)
    })
    .await
}

#[tauri::command]
pub async fn listening_query_run(
    app: State<'_, Arc<AppState>>,
    handle: AppHandle,
    id: i64,
) -> UiResult<RunReport> {
    with_progress(&app, handle, move |ws, p| listening::run(ws, id, p)).await
}

#[tauri::command]
pub async fn listening_query_remove(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<()> {
    Ok(listening::delete(&*app.workspace()?, id)?)
}

#[tauri::command]
pub async fn listening_dashboard(
    app: State<'_, Arc<AppState>>,
    request: DashboardRequest,
) -> UiResult<Dashboard> {
    let ws = app.workspace()?;
    blocking(move || listening::dashboard(&ws, &request)).await
}

/// One panel as a CSV file in Downloads (`EARSHOT_EXPORT_DIR` overrides), as
/// reports are saved.
#[tauri::command]
pub async fn listening_export_csv(
    app: State<'_, Arc<AppState>>,
    request: DashboardRequest,
    kind: PanelKind,
    query_id: Option<i64>,
) -> UiResult<SavedExport> {
    Ok(csv::save(
        &*app.workspace()?,
        &request,
        kind,
        query_id,
        &reports::export_dir()?,
    )?)
}

/// Whether listening spikes also become desktop notifications.
#[tauri::command]
pub async fn listening_spike_notify(app: State<'_, Arc<AppState>>) -> UiResult<bool> {
    Ok(spikes::notify(&*app.workspace()?)?)
}

#[tauri::command]
pub async fn listening_set_spike_notify(app: State<'_, Arc<AppState>>, on: bool) -> UiResult<()> {
    Ok(spikes::set_notify(&*app.workspace()?, on)?)
}

#[tauri::command]
pub async fn sources_list(app: State<'_, Arc<AppState>>) -> UiResult<Vec<Source>> {
    Ok(sources::list(&*app.workspace()?)?)
}

#[tauri::command]
pub async fn source_add(app: State<'_, Arc<AppState>>, input: SourceInput) -> UiResult<Source> {
    Ok(sources::add(&*app.workspace()?, &input)?)
}

#[tauri::command]
pub async fn source_remove(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<()> {
    Ok(sources::remove(&*app.workspace()?, id)?)
}

/// Polls one source now, whatever its interval.
#[tauri::command]
pub async fn source_poll(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<Vec<PollReport>> {
    Ok(app.session()?.poll_sources(Some(id)).await?)
}

/// Starts the session's polling of listening sources through the connectors
/// (`EARSHOT_HACKERNEWS_BASE` points Hacker News elsewhere, as for the CLI).
pub fn start_polling(session: &Arc<Session>) {
    let hackernews_base = std::env::var("EARSHOT_HACKERNEWS_BASE")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| hackernews::DEFAULT_BASE.to_owned());
    session.start_polling_sources(
        Arc::new(move |source, search| {
            let ctx = PollContext {
                hackernews_base: hackernews_base.clone(),
                search: (*search).clone(),
            };
            Box::pin(async move {
                earshot_connectors::listening::fetch(&source, &ctx, SystemClock.now_ms()).await
            })
        }),
        POLL_TICK,
    );
}
