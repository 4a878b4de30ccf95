//! What the shell holds: the workspace the app opened, or why it could not.

use earshot_core::Workspace;

use crate::error::UiError;

pub struct AppState {
    workspace: Result<Workspace, UiError>,
}

impl AppState {
    /// Opens the workspace in the data directory (`EARSHOT_DATA_DIR` or the OS
    /// default), or the demo workspace while there is no account yet.
    pub fn open() -> Self {
        let workspace = earshot_core::default_data_dir()
            .and_then(|dir| {
                earshot_core::demo::open_or_demo(&dir, &earshot_core::vault::KeyringVault)
            })
            .map(|(ws, _demo)| ws)
            .map_err(UiError::from);
        Self { workspace }
    }

    /// The open workspace, or the error that kept it closed (keyring locked, …),
    /// which every command then returns for the UI to explain.
    pub fn workspace(&self) -> Result<&Workspace, UiError> {
        self.workspace.as_ref().map_err(Clone::clone)
    }
}
