//! How the webview paints, chosen before WebKit starts.
//!
//! WebKitGTK paints with Skia on the GPU by default. On a Linux machine without a
//! GPU render node (a virtual machine, a remote desktop, CI), that "GPU" is Mesa's
//! software rasteriser, on which WebKit's own CPU renderer is both faster and
//! smaller: `earshot-cli bench window` under Xvfb measured the first warm paint
//! ~19% sooner (warm), and 24 MiB (a bare Tauri window) to 37 MiB (Earshot) less memory.
//! With a render node, WebKit's default stays. A `WEBKIT_SKIA_ENABLE_CPU_RENDERING`
//! the user set (0 or 1) always wins.

/// The variable WebKitGTK reads: set and not "0" means CPU rendering.
pub const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Asks WebKit for CPU rendering when there is no GPU to render on. Must run
/// before any other thread starts (it sets an environment variable, which the
/// web process inherits).
pub fn choose() {
    #[cfg(target_os = "linux")]
    if std::env::var_os(CPU_RENDERING).is_none() && !has_gpu_render_node() {
        std::env::set_var(CPU_RENDERING, "1");
    }
}

/// Whether the kernel offers a DRM render node (`/dev/dri/renderD*`), i.e. a GPU
/// (or a virtual one) that Mesa can render on in hardware.
#[cfg(target_os = "linux")]
fn has_gpu_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}
