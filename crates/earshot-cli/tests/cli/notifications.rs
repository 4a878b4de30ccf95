//! Urgent mentions become desktop notifications, read back from a real
//! notification daemon (dunst, started by scripts/with-notifications.sh, which
//! `make test` runs): a risk word on the local Bluesky network gives exactly one
//! notification with the right text, ten within the window give one digest,
//! and quiet hours give none; a listening spike, once asked for, gives one.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::networks::{add_bluesky, bsky_login, servers, unique, var};

fn dunstctl(args: &[&str]) -> String {
    assert!(
        std::env::var("EARSHOT_TEST_NOTIFICATIONS").is_ok(),
        "run under scripts/with-notifications.sh (make test does), which starts dunst"
    );
    let out = Command::new("dunstctl").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "dunstctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn displayed() -> usize {
    dunstctl(&["count", "displayed"]).trim().parse().unwrap()
}

/// Closes what is shown and returns (summary, body) of every notification in
/// the history whose body or summary contains `marker`.
fn closed_with(marker: &str) -> Vec<(String, String)> {
    dunstctl(&["close-all"]);
    std::thread::sleep(Duration::from_millis(200));
    let history: Value = serde_json::from_str(&dunstctl(&["history"])).unwrap();
    history["data"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["summary"]["data"].as_str().unwrap_or_default().to_owned(),
                n["body"]["data"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .filter(|(s, b)| s.contains(marker) || b.contains(marker))
        .collect()
}

/// `earshot-cli sync --notify` in the background, with its progress lines.
struct Syncing {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Syncing {
    fn start(dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_earshot-cli"))
            .arg("--data-dir")
            .arg(dir)
            .args(["sync", "--notify", "--interval", "1"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr: ChildStderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let s = Self { child, lines };
        s.wait_for("up to date", Duration::from_secs(60));
        s
    }

    /// Waits for `count` progress lines containing `text`.
    fn wait_for_n(&self, text: &str, count: usize, within: Duration) {
        let start = Instant::now();
        let mut seen = 0;
        while seen < count {
            let left = within.saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    // Shown when the test fails: what the sync said.
                    eprintln!("sync: {line}");
                    if line.contains(text) {
                        seen += 1;
                    }
                }
                Err(_) => panic!("saw {seen} of {count} lines with {text:?} within {within:?}"),
            }
        }
    }

    fn wait_for(&self, text: &str, within: Duration) {
        self.wait_for_n(text, 1, within);
    }
}

impl Drop for Syncing {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn until(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < within, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn urgent_mentions_notify_once_digest_a_burst_and_keep_quiet_hours() {
    let env = servers();
    let alice = var(&env, "EARSHOT_TEST_BSKY_ALICE_HANDLE");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    add_bluesky(d, &env);
    let alice_did = var(&env, "EARSHOT_TEST_BSKY_ALICE_DID");
    let bob = bsky_login(&env, "BOB");
    let mention = |text: &str| {
        bob.post(&format!("@{alice} {text}"), Some((alice, alice_did)), None);
    };

    // One risk word: exactly one notification, with who, where, what and why.
    let one = unique("notify-one-");
    {
        let before = displayed();
        let sync = Syncing::start(d, &["--digest-window", "3"]);
        assert_eq!(
            displayed(),
            before,
            "a new account's first sync (its history, urgent or not) is not news"
        );
        mention(&format!("I want a refund, the export is broken {one}"));
        sync.wait_for("URGENT", Duration::from_secs(30));
        until("the notification", Duration::from_secs(5), || {
            displayed() > before
        });
        let shown = closed_with(&one);
        assert_eq!(shown.len(), 1, "{shown:?}");
        let (summary, body) = &shown[0];
        assert!(summary.ends_with("on Bluesky"), "{summary}");
        assert!(body.contains("I want a refund"), "{body}");
        assert!(body.contains("'refund'"), "says why: {body}");

        // Ten within the window: one digest.
        std::thread::sleep(Duration::from_secs(4));
        let burst = unique("notify-burst-");
        for n in 0..10 {
            mention(&format!("refund number {n} please {burst}"));
        }
        sync.wait_for_n(&burst, 10, Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(displayed(), 1, "a burst leaves one notification on screen");
        let shown = closed_with(&burst);
        assert_eq!(shown.len(), 1, "one digest, not one per mention: {shown:?}");
        assert_eq!(shown[0].0, "10 urgent mentions");
    }

    // Quiet hours (all day but a minute): the item is urgent, nothing shows.
    let now_min = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 60)
        % (24 * 60);
    let hh_mm = |m: u64| format!("{:02}:{:02}", m / 60, m % 60);
    let quiet = format!(
        "{}-{}",
        hh_mm((now_min + 24 * 60 - 5) % (24 * 60)),
        hh_mm((now_min + 60) % (24 * 60))
    );
    let sync = Syncing::start(d, &["--quiet-hours", &quiet]);
    let before = displayed();
    let hush = unique("notify-quiet-");
    mention(&format!("refund during the night {hush}"));
    sync.wait_for("URGENT", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(displayed(), before, "quiet hours show nothing");
    assert!(closed_with(&hush).is_empty());
    drop(sync);

    // A listening spike, once the manager asked for it: one notification that
    // names the query. (In this test, not one of its own: tests share dunst.)
    let word = unique("spikeword");
    let name = unique("Spike watch ");
    super::ok_json(d, &["listen", "add", &name, &word]);
    let setting = super::ok_json(d, &["listen", "notify", "on"]);
    assert_eq!(setting["notifySpikes"], true);
    let sync = Syncing::start(d, &[]);
    let before = displayed();
    for n in 0..6 {
        mention(&format!("{word} is all anyone talks about, {n}"));
    }
    sync.wait_for(&format!("Spike in \"{name}\""), Duration::from_secs(60));
    until("the spike's notification", Duration::from_secs(5), || {
        displayed() > before
    });
    let shown = closed_with(&name);
    assert_eq!(shown.len(), 1, "one notification for the spike: {shown:?}");
    assert_eq!(shown[0].0, format!("Spike in \"{name}\""));
    assert!(
        shown[0].1.contains("hits in the last hour"),
        "{}",
        shown[0].1
    );
}
