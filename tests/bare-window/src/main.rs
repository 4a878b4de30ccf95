//! A bare Tauri 2 window with a static 50-row list: the floor Earshot's start-up
//! and memory are compared with, in the same benchmark run.
//!
//! Like the app, it prints `mark NAME` on stdout at the steps of its start and
//! `painted …` with the page's marks, which the benchmark times on arrival.

use std::collections::BTreeMap;
use std::io::Write;

fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

#[tauri::command]
fn painted(marks: Option<BTreeMap<String, f64>>) {
    let marks: Vec<String> = marks
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| format!("{k}={v:.0}"))
        .collect();
    line(&format!("painted {}", marks.join(" ")));
}

fn main() {
    line("mark main");
    if let Err(e) = tauri::Builder::default()
        .on_page_load(|_, payload| {
            line(match payload.event() {
                tauri::webview::PageLoadEvent::Started => "mark page-load",
                tauri::webview::PageLoadEvent::Finished => "mark page-loaded",
            })
        })
        .setup(|_| {
            line("mark setup");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![painted])
        .run(tauri::generate_context!())
    {
        eprintln!("bare window: {e}");
        std::process::exit(1);
    }
}
