//! What the shell holds: the workspace the app opened, or why it could not.

use std::path::PathBuf;
use std::sync::Arc;

use earshot_core::events::EventSink;
use earshot_core::Workspace;

use crate::error::UiError;

pub struct AppState {
    workspace: Result<Workspace, UiError>,
}

impl AppState {
    /// Opens the workspace in `data_dir`, or the demo workspace while there is
    /// no account yet, sending its events to `events`.
    pub fn open(data_dir: Result<PathBuf, UiError>, events: Arc<dyn EventSink>) -> Self {
        let workspace = data_dir.and_then(|dir| {
            earshot_core::demo::open_or_demo(&dir, &earshot_core::vault::KeyringVault)
                .map(|(mut ws, _demo)| {
                    ws.set_event_sink(events);
                    ws
                })
                .map_err(UiError::from)
        });
        Self { workspace }
    }

    /// The open workspace, or the error that kept it closed (keyring locked, …),
    /// which every command then returns for the UI to explain.
    pub fn workspace(&self) -> Result<&Workspace, UiError> {
        self.workspace.as_ref().map_err(Clone::clone)
    }
}
