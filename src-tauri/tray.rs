//! The unread urgent count: in the tray (or the dock's menu bar), in the
//! window title, and sent to the UI for the Inbox badge. Anything that may
//! change it calls [`UrgentBadge::poke`]; a thread recounts at most a few
//! times a second and tells everyone only when the number changed.

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// The Tauri event the count goes to the UI on.
pub const URGENT_EVENT: &str = "earshot://urgent";
/// How long pokes gather before a recount.
const SETTLE: Duration = Duration::from_millis(300);

pub struct UrgentBadge {
    poke: Mutex<Sender<()>>,
    last: Arc<Mutex<Option<u32>>>,
    /// Starts the count (taken by [`UrgentBadge::show_tray`]).
    start: Mutex<Option<Sender<()>>>,
    /// The tray icon, once [`UrgentBadge::show_tray`] has built it.
    tray: Arc<Mutex<Option<TrayIcon>>>,
}

impl UrgentBadge {
    /// Asks for a recount (something was read, triaged or arrived).
    pub fn poke(&self) {
        let _ = self.poke.lock().unwrap_or_else(|p| p.into_inner()).send(());
    }

    /// The last count (none until the workspace has opened).
    pub fn current(&self) -> Option<u32> {
        *self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts Earshot in the tray (where the desktop has one: a missing tray host
    /// is not an error, the window title still shows the count) and starts
    /// counting. Called once the window has painted: building the menu and icon
    /// is main-thread work the first paint does not need, and counting a large
    /// cache reads much of it, which would take the CPU from the first paint.
    pub fn show_tray(&self, app: &AppHandle) {
        let tray = build_tray(app)
            .map_err(|e| {
                eprintln!("earshot: no tray icon ({e}); the window title shows urgent items")
            })
            .ok();
        *self.tray.lock().unwrap_or_else(|p| p.into_inner()) = tray;
        if let Some(start) = self.start.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = start.send(());
        }
        self.poke();
    }
}

/// Sets up the count, which starts with [`UrgentBadge::show_tray`].
pub fn start(app: &AppHandle) -> UrgentBadge {
    let (poke, pokes) = channel();
    let (start, started) = channel();
    let last = Arc::new(Mutex::new(None));
    let tray = Arc::new(Mutex::new(None));
    let (app2, last2, tray2) = (app.clone(), Arc::clone(&last), Arc::clone(&tray));
    let _ = std::thread::Builder::new()
        .name("urgent-count".into())
        .spawn(move || {
            if started.recv().is_ok() {
                count_loop(&app2, &tray2, &pokes, &last2);
            }
        });
    UrgentBadge {
        poke: Mutex::new(poke),
        start: Mutex::new(Some(start)),
        last,
        tray,
    }
}

fn build_tray(app: &AppHandle) -> tauri::Result<TrayIcon> {
    let show = MenuItem::with_id(app, "show", "Show Earshot", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Earshot", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut tray = TrayIconBuilder::with_id("earshot")
        .tooltip("Earshot")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => crate::show_main_window(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)
}

fn count_loop(
    app: &AppHandle,
    tray: &Mutex<Option<TrayIcon>>,
    pokes: &Receiver<()>,
    last: &Mutex<Option<u32>>,
) {
    loop {
        match pokes.recv() {
            Ok(()) => {}
            Err(_) => return,
        }
        // Let a burst of pokes (a page of items, a bulk triage) settle into one count.
        loop {
            match pokes.recv_timeout(SETTLE) {
                Ok(()) => continue,
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let Some(count) = app
            .try_state::<Arc<AppState>>()
            .and_then(|s| s.workspace().ok())
            .and_then(|ws| ws.store().read(earshot_core::inbox::urgent_unread).ok())
        else {
            continue;
        };
        let mut shown = last.lock().unwrap_or_else(|p| p.into_inner());
        if *shown == Some(count) {
            continue;
        }
        *shown = Some(count);
        drop(shown);
        let tray = tray.lock().unwrap_or_else(|p| p.into_inner()).clone();
        show(app, tray.as_ref(), count);
    }
}

fn label(count: u32) -> String {
    match count {
        0 => String::new(),
        1 => "1 urgent".to_owned(),
        n => format!("{n} urgent"),
    }
}

fn show_in_tray(tray: &TrayIcon, count: u32) {
    let label = label(count);
    let _ = tray.set_tooltip(Some(if count == 0 {
        "Earshot: nothing urgent".to_owned()
    } else {
        format!("Earshot: {label} unread")
    }));
    // Shown beside the icon where the tray can (Linux app indicators, macOS).
    let _ = tray.set_title((count > 0).then_some(label.as_str()));
}

fn show(app: &AppHandle, tray: Option<&TrayIcon>, count: u32) {
    let label = label(count);
    if let Some(tray) = tray {
        show_in_tray(tray, count);
    }
    if let Some(window) = app.get_webview_window("main") {
        let title = if count == 0 {
            "Earshot".to_owned()
        } else {
            format!("Earshot ({label})")
        };
        let _ = window.set_title(&title);
    }
    let _ = app.emit(URGENT_EVENT, count);
}
