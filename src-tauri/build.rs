//! Build script: Tauri's code generation, with capabilities kept in src-tauri/.

fn main() {
    let attributes =
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*");
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script reports failure by panicking; the message is tauri-build's own.
        panic!("tauri-build failed: {e:#}");
    }
}
