//! Choosing an action on a notification reaches the app every time, read
//! through a real notification daemon (dunst, started by
//! scripts/with-notifications.sh, which `make test` runs): a click (the
//! default action, `dunstctl action 0`) opens the notice's conversation, and
//! "Mark done" from the daemon's context menu (`dunstctl context`, with
//! scripts/dunst-pick.sh standing in for dmenu) marks it done. Many rounds,
//! one right after another, because a lost answer was a race (1 in 3).

use std::process::Command;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use earshot_core::notify::Notice;
use earshot_notify::{Action, Desktop};

fn dunstctl(args: &[&str]) -> String {
    assert!(
        std::env::var("EARSHOT_TEST_NOTIFICATIONS").is_ok(),
        "run under scripts/with-notifications.sh (make test does), which starts dunst"
    );
    let out = Command::new("dunstctl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("dunstctl {args:?}: {e}"));
    assert!(
        out.status.success(),
        "dunstctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn displayed() -> usize {
    dunstctl(&["count", "displayed"])
        .trim()
        .parse()
        .unwrap_or(usize::MAX)
}

fn until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn notice(conversation: Option<i64>, replaces_previous: bool) -> Notice {
    Notice {
        title: "Bob on Mastodon".into(),
        body: format!("the export is broken, I want a refund ({conversation:?})"),
        conversation_id: conversation,
        replaces_previous,
        count: 1,
    }
}

#[test]
fn every_click_and_every_mark_done_reaches_the_app() {
    dunstctl(&["close-all"]);
    until("nothing on screen", || displayed() == 0);
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let desktop = Desktop::new("Earshot test").with_actions(move |action| {
        let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(action);
    });

    for round in 0..40_i64 {
        let conversation = 1000 + round;
        desktop
            .show(&notice(Some(conversation), false))
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        until("the notification on screen", || displayed() == 1);
        let expected = if round % 2 == 0 {
            dunstctl(&["action", "0"]);
            Action::Open(conversation)
        } else {
            dunstctl(&["context"]);
            Action::MarkDone(conversation)
        };
        let got = rx.recv_timeout(Duration::from_secs(5));
        assert_eq!(
            got,
            Ok(expected),
            "round {round}: the action chosen on the desktop"
        );
        dunstctl(&["close-all"]);
        until("the notification put away", || displayed() == 0);
    }
    assert_eq!(
        rx.try_recv(),
        Err(mpsc::TryRecvError::Empty),
        "one action per choice"
    );

    // A digest takes the place of the notification it follows and stands for
    // several conversations: it offers no actions, and a click on it opens
    // none of them (not the first item's, whose notification it replaced).
    desktop
        .show(&notice(Some(77), false))
        .unwrap_or_else(|e| panic!("{e}"));
    until("the notification on screen", || displayed() == 1);
    desktop
        .show(&notice(None, true))
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(displayed(), 1, "the digest replaced the notification");
    dunstctl(&["action", "0"]);
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(1500)),
        Err(mpsc::RecvTimeoutError::Timeout),
        "a digest stands for no one conversation"
    );
    dunstctl(&["close-all"]);

    // Notifications left on screen (a notification centre keeps them for hours)
    // hold no thread or connection each: one listener hears them all.
    let before = threads();
    for i in 0..30 {
        desktop
            .show(&notice(Some(2000 + i), false))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        threads(),
        before,
        "threads after 30 notifications left on screen"
    );
    dunstctl(&["close-all"]);
}

/// This process's threads.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}
