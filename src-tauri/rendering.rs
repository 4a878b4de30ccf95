//! How the webview paints, chosen before WebKit starts.
//!
//! WebKitGTK paints with Skia on the GPU by default and composites the page's layers
//! with OpenGL, every frame. On a Linux machine without a GPU render node (a virtual
//! machine, a remote desktop, CI), that GL is Mesa's software rasteriser (llvmpipe),
//! and Earshot asks WebKit for two things instead:
//! - its CPU renderer: `earshot-cli bench window` under Xvfb measured the first warm
//!   paint ~19% sooner (warm), and 24 MiB (a bare Tauri window) to 37 MiB (Earshot)
//!   less memory;
//! - no compositing: the page paints what changed into a bitmap the window draws,
//!   instead of compositing every frame through llvmpipe, which took two thirds of
//!   the app's CPU on a key press (31 of ~55 ms) and started a frame only on the next
//!   display refresh once the last composite was done. `earshot-cli bench inbox` at
//!   1M items: `e` p95 24 → 13 ms, `z` 21 → 12 ms, `j`/`k` 21 → 8 ms (BENCHMARKS.md).
//!
//! With a render node, WebKit's defaults stay. A variable the user set (to 0 or 1)
//! always wins.

/// The variable WebKitGTK reads: set and not "0" means CPU rendering.
pub const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// The variable WebKitGTK reads: set and not "0" means no accelerated compositing.
pub const NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// What Earshot sets where there is no GPU to render on.
#[cfg(any(target_os = "linux", test))]
const WITHOUT_GPU: [(&str, &str); 2] = [(CPU_RENDERING, "1"), (NO_COMPOSITING, "1")];

/// Asks WebKit for CPU rendering without compositing when there is no GPU to render
/// on. Must run before any other thread starts (it sets environment variables, which
/// the web process inherits).
pub fn choose() {
    #[cfg(target_os = "linux")]
    if !has_gpu_render_node() {
        for (name, value) in not_set(&WITHOUT_GPU, |name| std::env::var_os(name).is_some()) {
            std::env::set_var(name, value);
        }
    }
}

/// The variables of `wanted` that `is_set` says the user has not set.
#[cfg(any(target_os = "linux", test))]
fn not_set<'a>(
    wanted: &'a [(&'a str, &'a str)],
    is_set: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    wanted
        .iter()
        .copied()
        .filter(move |(name, _)| !is_set(name))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_gpu_both_are_asked_for_unless_the_user_chose() {
        let all: Vec<_> = not_set(&WITHOUT_GPU, |_| false).collect();
        assert_eq!(
            all,
            [(CPU_RENDERING, "1"), (NO_COMPOSITING, "1")],
            "with nothing set, CPU rendering and no compositing are both chosen"
        );
        let rest: Vec<_> = not_set(&WITHOUT_GPU, |name| name == NO_COMPOSITING).collect();
        assert_eq!(
            rest,
            [(CPU_RENDERING, "1")],
            "a compositing mode the user set (even to 0) is left alone"
        );
        let rest: Vec<_> = not_set(&WITHOUT_GPU, |name| name == CPU_RENDERING).collect();
        assert_eq!(
            rest,
            [(NO_COMPOSITING, "1")],
            "a renderer the user set is left alone"
        );
    }
}
