//! The window's start-up: what waits until the first inbox rows are painted,
//! and the marks `earshot-cli bench window` times it with.
//!
//! Work the first paint does not need (the tray icon, the spell checker's
//! dictionaries) would otherwise run on the main thread before the webview
//! starts loading the page, and again compete with the page's first commands,
//! which the main thread also serves. [`FirstPaint::defer`] holds it until the
//! UI reports its first rows painted, or [`FALLBACK`] has passed (an empty
//! inbox reports nothing).
//!
//! With `EARSHOT_REPORT_PAINT=1` the shell prints `mark NAME` on stdout at each
//! step of its start, and `painted …` with the page's own marks; the benchmark
//! times each line as it arrives, so every mark is on the same clock as the
//! launch. Without the variable nothing is printed.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tauri::{AppHandle, Manager};

/// Deferred work runs at the latest this long after the setup.
const FALLBACK: Duration = Duration::from_secs(3);

type Job = Box<dyn FnOnce(&AppHandle) + Send>;

/// The work held until the first paint; `None` once it has run.
pub struct FirstPaint(Mutex<Option<Vec<Job>>>);

impl FirstPaint {
    /// Manages the holder and starts the fallback's clock.
    pub fn manage(app: &AppHandle) {
        app.manage(FirstPaint(Mutex::new(Some(Vec::new()))));
        let app = app.clone();
        let _ = std::thread::Builder::new()
            .name("first-paint-fallback".into())
            .spawn(move || {
                std::thread::sleep(FALLBACK);
                run_deferred(&app);
            });
    }

    /// Runs `job` on the main thread after the first paint (at once if that
    /// has passed).
    pub fn defer(app: &AppHandle, job: impl FnOnce(&AppHandle) + Send + 'static) {
        let Some(holder) = app.try_state::<FirstPaint>() else {
            return on_main_thread(app, Box::new(job));
        };
        let mut pending = holder.0.lock().unwrap_or_else(|p| p.into_inner());
        match pending.as_mut() {
            Some(jobs) => jobs.push(Box::new(job)),
            None => {
                drop(pending);
                on_main_thread(app, Box::new(job));
            }
        }
    }
}

fn on_main_thread(app: &AppHandle, job: Job) {
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || job(&handle));
}

/// Runs the deferred work, once.
fn run_deferred(app: &AppHandle) {
    let Some(holder) = app.try_state::<FirstPaint>() else {
        return;
    };
    let jobs = holder
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .unwrap_or_default();
    if !jobs.is_empty() {
        mark("deferred");
    }
    for job in jobs {
        on_main_thread(app, job);
    }
}

fn reporting() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("EARSHOT_REPORT_PAINT").is_some())
}

fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// A step of the start-up reached now (printed for the benchmark only).
pub fn mark(name: &str) {
    if reporting() {
        line(&format!("mark {name}"));
    }
}

/// The first inbox rows are painted, with the page's own marks (ms since it
/// started loading): reports them to the benchmark and runs the deferred work.
pub fn painted(app: &AppHandle, marks: &BTreeMap<String, f64>) {
    if reporting() {
        let marks: Vec<String> = marks.iter().map(|(k, v)| format!("{k}={v:.0}")).collect();
        line(&format!("painted {}", marks.join(" ")));
    }
    run_deferred(app);
}
