//! Serves images from the encrypted cache to the webview on the
//! `earshot-media:` scheme, so no image is ever written to a file.

use std::sync::Arc;

use tauri::http::{header, Response, StatusCode};
use tauri::Manager;

use crate::state::AppState;

/// The response to `earshot-media://localhost/<id>`: the cached bytes, or 404.
pub fn respond(app: &tauri::AppHandle, path: &str) -> Response<Vec<u8>> {
    let found = app
        .try_state::<Arc<AppState>>()
        .and_then(|state| state.workspace().ok())
        .and_then(|ws| earshot_core::media::for_path(&ws, path).ok().flatten());
    let builder = Response::builder()
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "no-store");
    let response = match found {
        Some(media) => builder
            .header(header::CONTENT_TYPE, media.content_type)
            .body(media.bytes),
        None => builder.status(StatusCode::NOT_FOUND).body(Vec::new()),
    };
    // Only fixed, valid header names and values are set above.
    response.unwrap_or_else(|_| Response::new(Vec::new()))
}
