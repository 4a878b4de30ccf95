//! Contacts and reports: one thin command per core call, as in `commands.rs`.
//! Exports are written where the manager chooses in a save dialog (opened in
//! Downloads; `EARSHOT_EXPORT_DIR` writes there without asking, for tests and
//! scripts), and the printable page opens in the system browser, never in the
//! webview.

use std::path::PathBuf;
use std::sync::Arc;

use earshot_core::contacts::{
    self, Contact, ContactFilter, ContactPanel, Person, Suggestion, Timeline,
};
use earshot_core::reports::{self, BusinessHours, Report, ReportQuery, SavedExport};
use tauri::State;
use tauri_plugin_dialog::{DialogExt, FilePath};
use tauri_plugin_opener::OpenerExt;

use crate::error::{UiError, UiResult};
use crate::state::AppState;

// Contacts

#[tauri::command]
pub async fn contact_panel(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<ContactPanel> {
    Ok(app
        .workspace()?
        .store()
        .read(|c| contacts::panel(c, id, None))?)
}

#[tauri::command]
pub async fn contacts_list(
    app: State<'_, Arc<AppState>>,
    filter: ContactFilter,
) -> UiResult<Vec<Contact>> {
    Ok(app
        .workspace()?
        .store()
        .read(|c| contacts::list(c, &filter))?)
}

#[tauri::command]
pub async fn contact_get(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<Contact> {
    Ok(app.workspace()?.store().read(|c| contacts::get(c, id))?)
}

#[tauri::command]
pub async fn contact_timeline(
    app: State<'_, Arc<AppState>>,
    person: Person,
    cursor: Option<String>,
    limit: Option<u32>,
) -> UiResult<Timeline> {
    Ok(app
        .workspace()?
        .store()
        .read(|c| contacts::timeline(c, person, cursor.as_deref(), limit))?)
}

#[tauri::command]
pub async fn contact_suggestions(
    app: State<'_, Arc<AppState>>,
    author_id: Option<i64>,
) -> UiResult<Vec<Suggestion>> {
    Ok(app
        .workspace()?
        .store()
        .read(|c| contacts::suggestions(c, author_id))?)
}

#[tauri::command]
pub async fn contact_tags(app: State<'_, Arc<AppState>>) -> UiResult<Vec<String>> {
    Ok(app.workspace()?.store().read(contacts::tags)?)
}

#[tauri::command]
pub async fn contacts_link(
    app: State<'_, Arc<AppState>>,
    people: Vec<Person>,
) -> UiResult<Contact> {
    Ok(contacts::link(&*app.workspace()?, &people)?)
}

#[tauri::command]
pub async fn contact_split(app: State<'_, Arc<AppState>>, author_id: i64) -> UiResult<Contact> {
    Ok(contacts::split(&*app.workspace()?, author_id)?)
}

#[tauri::command]
pub async fn contact_tag(
    app: State<'_, Arc<AppState>>,
    person: Person,
    add: Vec<String>,
    remove: Vec<String>,
) -> UiResult<Contact> {
    Ok(contacts::tag(&*app.workspace()?, person, &add, &remove)?)
}

#[tauri::command]
pub async fn contact_set_notes(
    app: State<'_, Arc<AppState>>,
    person: Person,
    notes: String,
) -> UiResult<Contact> {
    Ok(contacts::set_notes(&*app.workspace()?, person, &notes)?)
}

#[tauri::command]
pub async fn contact_rename(
    app: State<'_, Arc<AppState>>,
    person: Person,
    name: String,
) -> UiResult<Contact> {
    Ok(contacts::rename(&*app.workspace()?, person, &name)?)
}

#[tauri::command]
pub async fn contact_of(app: State<'_, Arc<AppState>>, person: Person) -> UiResult<Contact> {
    Ok(contacts::contact_of(&*app.workspace()?, person)?)
}

#[tauri::command]
pub async fn contact_delete(app: State<'_, Arc<AppState>>, id: i64) -> UiResult<()> {
    Ok(contacts::delete(&*app.workspace()?, id)?)
}

#[tauri::command]
pub async fn contact_dismiss(app: State<'_, Arc<AppState>>, a: i64, b: i64) -> UiResult<()> {
    Ok(contacts::dismiss(&*app.workspace()?, a, b)?)
}

// Reports

#[tauri::command]
pub async fn report_build(app: State<'_, Arc<AppState>>, query: ReportQuery) -> UiResult<Report> {
    Ok(reports::build(&*app.workspace()?, &query)?)
}

#[tauri::command]
pub async fn business_hours_get(app: State<'_, Arc<AppState>>) -> UiResult<Option<BusinessHours>> {
    Ok(app.workspace()?.store().read(reports::business_hours)?)
}

/// `None` counts around the clock.
#[tauri::command]
pub async fn business_hours_set(
    app: State<'_, Arc<AppState>>,
    hours: Option<BusinessHours>,
) -> UiResult<()> {
    Ok(reports::set_business_hours(
        &*app.workspace()?,
        hours.as_ref(),
    )?)
}

/// Reads `Mon-Fri 09:00-17:00 +01:00`; the error says how to write it.
#[tauri::command]
pub async fn business_hours_parse(text: String) -> UiResult<BusinessHours> {
    Ok(BusinessHours::parse(&text)?)
}

/// Every table of the report as CSV, in a new folder inside the folder the
/// manager picks. `None`: they cancelled.
#[tauri::command]
pub async fn report_export_csv(
    app: State<'_, Arc<AppState>>,
    handle: tauri::AppHandle,
    query: ReportQuery,
) -> UiResult<Option<SavedExport>> {
    let dir = match reports::export_dir_override() {
        Some(dir) => dir,
        None => match handle
            .dialog()
            .file()
            .set_title("Save the report's CSV tables in")
            .set_directory(reports::export_dir()?)
            .blocking_pick_folder()
        {
            Some(dir) => chosen(dir)?,
            None => return Ok(None),
        },
    };
    Ok(Some(reports::save_csv(&*app.workspace()?, &query, &dir)?))
}

/// The printable page, saved where the manager chooses and opened in the
/// system browser. `None`: they cancelled.
#[tauri::command]
pub async fn report_export_html(
    app: State<'_, Arc<AppState>>,
    handle: tauri::AppHandle,
    query: ReportQuery,
    title: String,
) -> UiResult<Option<SavedExport>> {
    let ws = app.workspace()?;
    let saved = match reports::export_dir_override() {
        Some(dir) => reports::save_html(&ws, &query, &dir, &title)?,
        None => match handle
            .dialog()
            .file()
            .set_title("Save the printable report")
            .set_directory(reports::export_dir()?)
            .set_file_name(reports::page_name(&query))
            .add_filter("Web page", &["html"])
            .blocking_save_file()
        {
            Some(path) => reports::save_html_as(&ws, &query, &chosen(path)?, &title)?,
            None => return Ok(None),
        },
    };
    open_path(&handle, &saved.path)?;
    Ok(Some(saved))
}

fn chosen(path: FilePath) -> UiResult<PathBuf> {
    path.into_path().map_err(|e| UiError {
        code: None,
        message: format!("that place cannot be saved to: {e}"),
    })
}

/// Shows what an export wrote in the system's file manager (it opens nothing).
#[tauri::command]
pub async fn export_reveal(handle: tauri::AppHandle, path: String) -> UiResult<()> {
    handle
        .opener()
        .reveal_item_in_dir(&path)
        .map_err(|e| opener_error(&path, e))
}

fn open_path(handle: &tauri::AppHandle, path: &str) -> UiResult<()> {
    handle
        .opener()
        .open_path(path, None::<&str>)
        .map_err(|e| opener_error(path, e))
}

fn opener_error(path: &str, e: tauri_plugin_opener::Error) -> UiError {
    UiError {
        code: None,
        message: format!("{path} could not be shown: {e}"),
    }
}
