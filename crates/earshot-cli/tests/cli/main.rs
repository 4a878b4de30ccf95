//! The CLI end to end: the real binary on a temporary data directory, keyed
//! from the real keyring (run through `make test`).

// Test helpers fail loudly by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod contacts_reports;
mod listening;
mod networks;
mod notifications;
mod resilience;
mod sources;
mod views;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_earshot-cli"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("run earshot-cli")
}

fn ok_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = cli(dir, &all);
    assert!(
        out.status.success(),
        "earshot-cli {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

#[test]
fn demo_then_inbox_search_thread_triage() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let report = ok_json(d, &["demo"]);
    assert!(report["ingest"]["inserted"].as_u64().unwrap() >= 500);

    let status = ok_json(d, &["status"]);
    assert_eq!(status["encrypted"], true);
    assert_eq!(status["demo"], true);

    let inbox = ok_json(d, &["inbox", "--limit", "5"]);
    let rows = inbox["conversations"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert!(inbox["nextCursor"].is_string());
    let next = ok_json(
        d,
        &[
            "inbox",
            "--limit",
            "5",
            "--cursor",
            inbox["nextCursor"].as_str().unwrap(),
        ],
    );
    assert_ne!(
        next["conversations"][0]["id"], rows[0]["id"],
        "the cursor moves on"
    );

    let hits = ok_json(d, &["search", "refund"]);
    let hits = hits.as_array().unwrap();
    assert!(!hits.is_empty(), "the demo has refund requests");
    assert!(hits.iter().all(|h| h["item"]["text"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("refund")));
    let phrase = ok_json(d, &["search", "\"charged twice\""]);
    assert!(!phrase.as_array().unwrap().is_empty());
    let filtered = ok_json(d, &["search", "sync", "network:bluesky"]);
    assert!(filtered
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["item"]["network"] == "bluesky"));

    let conv = hits[0]["conversationId"].as_i64().unwrap().to_string();
    let thread = ok_json(d, &["thread", &conv]);
    assert!(!thread["items"].as_array().unwrap().is_empty());
    assert_eq!(
        thread["conversation"]["id"].as_i64().unwrap().to_string(),
        conv
    );

    let triaged = ok_json(
        d,
        &[
            "triage",
            &conv,
            "--state",
            "done",
            "--tag",
            "billing",
            "--tag",
            "VIP",
            "--save",
            "--priority",
            "3",
        ],
    );
    assert_eq!(triaged["state"], "done");
    assert_eq!(triaged["saved"], true);
    assert_eq!(triaged["priority"], 3);
    assert!(triaged["tags"]
        .as_array()
        .unwrap()
        .contains(&Value::from("vip")));
    let done = ok_json(d, &["inbox", "--state", "done", "--tag", "vip"]);
    assert_eq!(
        done["conversations"][0]["id"].as_i64().unwrap().to_string(),
        conv
    );
    let in_search = ok_json(d, &["search", "refund", "tag:vip", "is:saved"]);
    assert!(
        !in_search.as_array().unwrap().is_empty(),
        "field filters see triage"
    );

    let snoozed = ok_json(d, &["triage", &conv, "--snooze", "2h+reply"]);
    assert_eq!(snoozed["state"], "snoozed");
    assert!(snoozed["snoozeUntil"].as_i64().is_some());

    // Human output works too.
    let out = cli(d, &["inbox", "--limit", "3"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("NETWORK"));
}

#[test]
fn import_reports_bad_lines_and_keeps_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("items.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"network":"bluesky","id":"at://a/1","account":"brand.test","kind":"mention","author":{"handle":"fan.test","name":"Fan"},"text":"@brand.test love the new editor","created_at":"2026-11-20T09:14:00Z"}"#, "\n",
            r#"{"network":"bluesky","id":"at://a/2","author":{"handle":"fan.test"},"text":"missing time"}"#, "\n",
            "not json at all\n",
            r#"{"network":"bluesky","id":"at://a/3","parent":"at://a/1","root":"at://a/1","author":{"handle":"brand.test"},"text":"thank you!","created_at":"2026-11-20T09:20:00Z"}"#, "\n",
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let out = cli(&data, &["import", file.to_str().unwrap()]);
    assert!(
        !out.status.success(),
        "bad lines make the import fail loudly"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("line 2") && stdout.contains("line 3"),
        "{stdout}"
    );
    let status = ok_json(&data, &["status"]);
    assert_eq!(status["items"], 2, "good lines are imported");
    assert_eq!(status["accounts"], 1);
    let inbox = ok_json(&data, &["inbox"]);
    let c = &inbox["conversations"][0];
    assert_eq!(c["itemCount"], 2);
    assert_eq!(
        c["unreadCount"], 0,
        "our reply (from the account's handle) read the thread"
    );
    assert!(c["firstResponseAt"].is_i64());

    // Importing again stores nothing twice.
    let mut child = Command::new(env!("CARGO_BIN_EXE_earshot-cli"))
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "--json",
            "import",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let lines = std::fs::read_to_string(&file).unwrap();
        let good: String = lines
            .lines()
            .filter(|l| l.contains("created_at"))
            .map(|l| format!("{l}\n"))
            .collect();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(good.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ingest"]["duplicates"], 2);
    assert_eq!(v["ingest"]["inserted"], 0);
}

#[test]
fn no_secret_service_is_a_clear_error_and_nothing_is_written_in_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_earshot-cli"))
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--json",
            "status",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/earshot-test-bus",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "keyring_unavailable", "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("gnome-keyring"),
        "says what to install: {message}"
    );
    assert!(
        !dir.path().join("earshot.db").exists(),
        "no cache without a key in the keyring"
    );
    assert!(!dir.path().join("workspace.json").exists());
}

#[test]
fn saved_replies_and_drafts_from_the_cli() {
    use networks::cli_stdin;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok_json(d, &["demo"]);
    let saved = cli_stdin(
        d,
        &["saved-reply", "add", "refund"],
        "Hi {author.name}, your refund {?Refund id} is on its way.",
    );
    assert_eq!(saved[0]["prompts"][0], "Refund id");
    let bad = cli(d, &["saved-reply", "add", "oops"]);
    assert!(!bad.status.success(), "an empty saved reply is refused");
    let all = ok_json(d, &["saved-reply", "list"]);
    assert_eq!(all.as_array().unwrap().len(), 1);

    let conversation = ok_json(d, &["inbox", "--limit", "1"])["conversations"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    cli_stdin(d, &["draft", &conversation, "--set"], "Half-written answer");
    let draft = ok_json(d, &["draft", &conversation]);
    assert_eq!(
        draft["body"], "Half-written answer",
        "the draft survives the process"
    );
    let demo = cli(d, &["reply", &conversation, "--template", "refund"]);
    assert!(!demo.status.success());
    assert!(
        String::from_utf8_lossy(&demo.stderr).contains("Refund id"),
        "a question left unanswered is named"
    );
    ok_json(d, &["saved-reply", "remove", "refund"]);
    assert!(ok_json(d, &["saved-reply", "list"])
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), &["--json", "thread", "999999"]);
    assert!(!out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    let out = cli(dir.path(), &["search", "state:closed"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("open, pending"));
    let out = cli(dir.path(), &["reset"]);
    assert!(!out.status.success(), "reset needs --yes");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
}

#[test]
fn bench_runs_on_generated_data() {
    let v: Value = {
        let out = Command::new(env!("CARGO_BIN_EXE_earshot-cli"))
            .args(["--json", "bench", "ingest", "--items", "3000"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(v["items"], 3000);
    assert!(v["encryptedItemsPerSec"].as_f64().unwrap() > 0.0);
    assert!(v["encryptedToPlainRatio"].as_f64().is_some());
    // And with both stores filled side by side, in alternating slices.
    assert_eq!(v["sideBySide"]["slices"], 10);
    assert!(v["sideBySide"]["ratio"].as_f64().unwrap() > 0.0);
    // The floor (bare rows and their FTS5 entries) is measured in the same run.
    let floor = v["floorItemsPerSec"].as_f64().unwrap();
    assert!(floor > 0.0 && v["floorCpu"].as_f64().unwrap() > 0.0);
    assert!(v["latencies"].as_array().unwrap().len() >= 8);
    // The rules' bench counts the firings its ingest recorded.
    let out = Command::new(env!("CARGO_BIN_EXE_earshot-cli"))
        .args(["bench", "rules", "--items", "2000", "--rules", "10"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let fired: u64 = text
        .split_once("10 rules (")
        .and_then(|(_, rest)| rest.split_once(" firings recorded"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no firings in: {text}"));
    assert!(fired > 100, "{fired} firings on 2,000 items: {text}");
    // Side by side, both stores filled in the same alternating slices.
    assert!(
        text.contains("in 10 alternating slices of 200 items") && text.contains("more CPU"),
        "{text}"
    );
}
