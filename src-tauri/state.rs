//! What the shell holds: the app's session (the workspace it shows, with its
//! accounts syncing), or why it could not open. Opening (keyring, cache, demo
//! on first run, starting the syncs) happens on a thread of its own while the
//! window loads; commands that arrive first wait for it.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use earshot_core::session::{Session, SessionConfig};
use earshot_core::Workspace;

use crate::error::UiError;

/// How long a command waits for the workspace to open (a locked keyring may
/// be showing its unlock prompt).
const OPEN_WAIT: Duration = Duration::from_secs(120);
/// How long quitting waits for the syncs to finish what they are doing.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(3);

type Slot = Option<Result<Arc<Session>, UiError>>;

#[derive(Default)]
pub struct AppState {
    slot: Mutex<Slot>,
    opened: Condvar,
}

impl AppState {
    /// Starts opening the session: `config` fails when there is no data directory.
    pub fn open_in_background(
        self: &Arc<Self>,
        config: Result<SessionConfig, UiError>,
    ) -> std::io::Result<()> {
        let state = Arc::clone(self);
        std::thread::Builder::new()
            .name("open-workspace".into())
            .spawn(move || {
                let result =
                    config.and_then(|c| Session::open(c).map(Arc::new).map_err(UiError::from));
                crate::startup::mark("workspace-opened");
                if let Ok(session) = &result {
                    crate::listening::start_polling(session);
                }
                *state.lock() = Some(result);
                state.opened.notify_all();
            })
            .map(|_| ())
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        // The slot is written once; a poisoned lock still holds a usable value.
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The open session, or the error that kept it closed (keyring locked, …),
    /// which every command then returns for the UI to explain.
    pub fn session(&self) -> Result<Arc<Session>, UiError> {
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

    /// The workspace the app shows (the demo until the first account signs in).
    pub fn workspace(&self) -> Result<Arc<Workspace>, UiError> {
        Ok(self.session()?.workspace())
    }

    /// Stops the syncs as the app quits. A session still opening has none.
    pub fn shutdown(&self) {
        let session = self.lock().clone().and_then(Result::ok);
        if let Some(session) = session {
            tauri::async_runtime::block_on(session.shutdown(SHUTDOWN_WAIT));
        }
    }
}
