//! The Earshot desktop app's entry point.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The same allocator as the CLI's, whose bench measures ingest as the app
/// runs it (see crates/earshot-cli/src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    earshot_app::run();
}
