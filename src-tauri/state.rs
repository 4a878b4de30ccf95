//! What the shell holds: the workspace the app opened, or why it could not.
//! Opening (keyring, cache, demo on first run) happens on a thread of its own
//! while the window loads; commands that arrive first wait for it.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use earshot_core::events::EventSink;
use earshot_core::Workspace;

use crate::error::UiError;

/// How long a command waits for the workspace to open (a locked keyring may
/// be showing its unlock prompt).
const OPEN_WAIT: Duration = Duration::from_secs(120);

type Slot = Option<Result<Arc<Workspace>, UiError>>;

#[derive(Default)]
pub struct AppState {
    slot: Mutex<Slot>,
    opened: Condvar,
}

impl AppState {
    /// Starts opening the workspace in `data_dir` (or the demo workspace while
    /// there is no account yet), sending its events to `events`.
    pub fn open_in_background(
        self: &Arc<Self>,
        data_dir: Result<PathBuf, UiError>,
        events: Arc<dyn EventSink>,
    ) -> std::io::Result<()> {
        let state = Arc::clone(self);
        std::thread::Builder::new()
            .name("open-workspace".into())
            .spawn(move || {
                let result = data_dir.and_then(|dir| {
                    earshot_core::demo::open_or_demo(&dir, &earshot_core::vault::KeyringVault)
                        .map(|(mut ws, _demo)| {
                            ws.set_event_sink(events);
                            Arc::new(ws)
                        })
                        .map_err(UiError::from)
                });
                *state.lock() = Some(result);
                state.opened.notify_all();
            })
            .map(|_| ())
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        // The slot is written once; a poisoned lock still holds a usable value.
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The open workspace, or the error that kept it closed (keyring locked, …),
    /// which every command then returns for the UI to explain.
    pub fn workspace(&self) -> Result<Arc<Workspace>, UiError> {
        let guard = self.lock();
        let (guard, _) = self
            .opened
            .wait_timeout_while(guard, OPEN_WAIT, |slot| slot.is_none())
            .unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(result) => result.clone(),
            None => Err(UiError {
                code: None,
                message: "the workspace is still opening; if the keyring is asking to be \
                          unlocked, unlock it"
                    .into(),
            }),
        }
    }
}
