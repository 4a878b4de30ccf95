//! `earshot-cli bench window`: the real app against a bare Tauri 2 window that
//! renders a static 50-row list, in one run on the same display: time from
//! start to the first inbox row painted (first launch and warm), proportional
//! memory (PSS) of all the app's processes when idle, and idle CPU.
//!
//! Both programs print "painted" on stdout once their first rows are painted,
//! and "mark NAME" at the steps of their start before (Earshot with
//! `EARSHOT_REPORT_PAINT=1`). Linux only: it reads /proc.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use earshot_core::Error;
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Launch {
    pub name: String,
    pub first_paint_ms: Vec<f64>,
    pub pss_mib: f64,
    pub idle_cpu_percent: f64,
    pub processes: usize,
    /// PSS per process, by name.
    pub breakdown: Vec<(String, f64)>,
    /// The page's own marks in the last launch (ms since it started loading).
    pub page_marks: String,
    /// The last launch's marks, the program's and the page's, in ms since it
    /// was started, in order.
    pub timeline: String,
    /// Whether the OS page cache was dropped before the first launch (needs root).
    pub cold_first_launch: bool,
    /// How its web process paints, read from the processes' environment (the app
    /// may choose it itself): "default", or WebKit's CPU renderer and painting
    /// without compositing, as set (e.g. "CPU, no compositing").
    pub rendering: String,
}

/// Whether process `pid` was started with the variable `name` set to anything
/// but "0" (what WebKit reads).
fn env_flag(pid: u32, name: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
        env.split(|&b| b == 0).any(|var| {
            var.strip_prefix(name.as_bytes())
                .and_then(|rest| rest.strip_prefix(b"="))
                .is_some_and(|v| v != b"0")
        })
    })
}

/// How the processes in `tree` paint: the WebKit variables that Earshot sets
/// where there is no GPU render node (src-tauri's rendering.rs).
fn rendering(tree: &[u32]) -> String {
    let set = |name: &str| tree.iter().any(|&p| env_flag(p, name));
    let mut parts = Vec::new();
    if set("WEBKIT_SKIA_ENABLE_CPU_RENDERING") {
        parts.push("CPU");
    }
    if set("WEBKIT_DISABLE_COMPOSITING_MODE") {
        parts.push("no compositing");
    }
    if parts.is_empty() {
        "default".into()
    } else {
        parts.join(", ")
    }
}

fn err(what: impl std::fmt::Display) -> Error {
    Error::Invalid(what.to_string())
}

/// Every process in the tree rooted at `root`.
fn process_tree(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
                // The command name may hold spaces; fields after ')' are fixed.
                if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
                    if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok())
                    {
                        parents.push((pid, ppid));
                    }
                }
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    tree
}

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_owned();
            let f: Vec<&str> = rest.split_whitespace().collect();
            // utime and stime are fields 14 and 15 of stat, 12 and 13 after ')'.
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

/// Drops the OS page cache so a launch reads its binary and libraries from disk
/// (needs root; without it the "first launch" is only a first launch of this data).
fn drop_caches() -> bool {
    let _ = Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

fn spawn(bin: &Path, data_dir: Option<&Path>, env: &[(&str, &str)]) -> Result<Child, Error> {
    let mut cmd = Command::new(bin);
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env("EARSHOT_REPORT_PAINT", "1")
        .envs(env.iter().copied());
    if let Some(dir) = data_dir {
        cmd.env("EARSHOT_DATA_DIR", dir);
        cmd.env("XDG_CONFIG_HOME", dir.join("config"));
    }
    cmd.spawn()
        .map_err(|e| err(format!("cannot start {}: {e}", bin.display())))
}

/// One launch: the time to its "painted" line, the page's own marks that came
/// with it, and every mark on the launch's clock.
struct Painted {
    ms: f64,
    page_marks: String,
    timeline: String,
}

/// Starts the program and returns it with its [`Painted`]. Lines `mark NAME`
/// it prints before are timed on arrival; the page's marks (ms since the page
/// started loading) are put on the same clock by their `painted`, which
/// arrives with the line.
fn launch(
    bin: &Path,
    data_dir: Option<&Path>,
    env: &[(&str, &str)],
) -> Result<(Child, Painted), Error> {
    let start = Instant::now();
    let mut child = spawn(bin, data_dir, env)?;
    let stdout = child.stdout.take().ok_or_else(|| err("no stdout"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut marks: Vec<(f64, String)> = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let at = start.elapsed().as_secs_f64() * 1000.0;
            if let Some(name) = line.trim().strip_prefix("mark ") {
                marks.push((at, name.to_owned()));
            } else if let Some(page) = line.trim().strip_prefix("painted") {
                let page = page.trim().to_owned();
                let page_ms = |k: &str| {
                    page.split_whitespace()
                        .filter_map(|kv| kv.split_once('='))
                        .find(|(key, _)| *key == k)
                        .and_then(|(_, v)| v.parse::<f64>().ok())
                };
                let loading = at - page_ms("painted").unwrap_or(0.0);
                for (k, v) in page.split_whitespace().filter_map(|kv| kv.split_once('=')) {
                    if let Ok(v) = v.parse::<f64>() {
                        marks.push((loading + v, format!("page:{k}")));
                    }
                }
                marks.sort_by(|a, b| a.0.total_cmp(&b.0));
                let timeline = marks
                    .iter()
                    .map(|(ms, name)| format!("{name} {ms:.0}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let _ = tx.send(Painted {
                    ms: at,
                    page_marks: page,
                    timeline,
                });
                marks.clear();
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(painted) => Ok((child, painted)),
        Err(_) => {
            let _ = child.kill();
            Err(err(format!(
                "{} never reported its first paint",
                bin.display()
            )))
        }
    }
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
    // Let the web processes notice and leave before the next launch.
    std::thread::sleep(Duration::from_millis(500));
}

/// Launches `runs` times (the first after dropping caches), then measures the
/// last one idle.
/// Launches `bin` `runs` times (with `data_dir` and the variables `env`, if
/// any) and measures the last launch idle.
pub fn measure(
    name: &str,
    bin: &Path,
    data_dir: Option<&Path>,
    env: &[(&str, &str)],
    runs: usize,
) -> Result<Launch, Error> {
    let mut times = Vec::new();
    let mut marks = String::new();
    let mut timeline = String::new();
    let mut last = None;
    let mut cold = false;
    for run in 0..runs.max(1) {
        if run == 0 {
            cold = drop_caches();
        }
        let (child, painted) = launch(bin, data_dir, env)?;
        times.push(painted.ms);
        marks = painted.page_marks;
        timeline = painted.timeline;
        if run + 1 == runs.max(1) {
            last = Some(child);
        } else {
            stop(child);
        }
    }
    let child = last.ok_or_else(|| err("no launch"))?;
    // Idle: give start-up work time to settle, then measure.
    std::thread::sleep(Duration::from_secs(5));
    let tree = process_tree(child.id());
    let rendering = rendering(&tree);
    let pss: u64 = tree.iter().map(|&p| pss_kib(p)).sum();
    let breakdown = tree
        .iter()
        .map(|&p| {
            let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            (name.trim().to_owned(), pss_kib(p) as f64 / 1024.0)
        })
        .collect();
    let before: u64 = tree.iter().map(|&p| cpu_ticks(p)).sum();
    let window = Duration::from_secs(10);
    std::thread::sleep(window);
    let after: u64 = process_tree(child.id()).iter().map(|&p| cpu_ticks(p)).sum();
    // Kernel clock ticks are 100 per second on Linux.
    let cpu = (after.saturating_sub(before)) as f64 / 100.0 / window.as_secs_f64() * 100.0;
    stop(child);
    Ok(Launch {
        name: name.into(),
        first_paint_ms: times,
        pss_mib: pss as f64 / 1024.0,
        idle_cpu_percent: cpu,
        processes: tree.len(),
        breakdown,
        page_marks: marks,
        timeline,
        cold_first_launch: cold,
        rendering,
    })
}

pub fn fresh_dir(base: &Path, name: &str) -> Result<PathBuf, Error> {
    let dir = base.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| err(format!("{}: {e}", dir.display())))?;
    Ok(dir)
}

/// A bench's workspace: `kept` (created if missing, kept after the run) when given,
/// else a fresh `name` folder under `base`.
pub fn kept_or_fresh(kept: Option<&Path>, base: &Path, name: &str) -> Result<PathBuf, Error> {
    match kept {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| err(format!("{}: {e}", dir.display())))?;
            Ok(dir.to_owned())
        }
        None => fresh_dir(base, name),
    }
}
