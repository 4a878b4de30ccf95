//! A bare Tauri 2 window with a static 50-row list: the floor Earshot's start-up
//! and memory are compared with, in the same benchmark run.

// Only the benchmark reads this line.
#[allow(clippy::print_stdout)]
#[tauri::command]
fn painted() {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "painted");
    let _ = out.flush();
}

fn main() {
    if let Err(e) = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![painted])
        .run(tauri::generate_context!())
    {
        eprintln!("bare window: {e}");
        std::process::exit(1);
    }
}
