//! `contact …`, `advocates` and `report` on a small imported workspace whose
//! reply times are known.

use std::io::Write;

use crate::{cli, ok_json};

/// Maria on Mastodon (10:00, answered 10:30) and on Bluesky (Wed 15:00, answered
/// Thu 10:00), in the week of Monday 2026-11-02.
const ITEMS: &str = r#"{"network":"mastodon","id":"m1","account":"lumen@social.example","kind":"mention","author":{"handle":"maria@social.example","name":"Maria Lopez"},"text":"Love it, \"really\"!\nHow do I export?","created_at":"2026-11-02T10:00:00Z"}
{"network":"mastodon","id":"m2","account":"lumen@social.example","kind":"reply","author":{"handle":"lumen@social.example","name":"Lumen"},"text":"Settings, then Export.","created_at":"2026-11-02T10:30:00Z","parent":"m1","root":"m1"}
{"network":"bluesky","id":"b1","account":"lumen.bsky.social","kind":"mention","author":{"handle":"maria.bsky.social","name":"Maria Lopez"},"text":"Thanks, you are wonderful","created_at":"2026-11-04T15:00:00Z"}
{"network":"bluesky","id":"b2","account":"lumen.bsky.social","kind":"reply","author":{"handle":"lumen.bsky.social","name":"Lumen"},"text":"Thank you!","created_at":"2026-11-05T10:00:00Z","parent":"b1","root":"b1"}
"#;

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("items.jsonl");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(ITEMS.as_bytes())
        .unwrap();
    let data = dir.path().join("data");
    let report = ok_json(&data, &["import", file.to_str().unwrap()]);
    assert_eq!(report["ingest"]["inserted"], 4, "{report}");
    dir
}

#[test]
fn contacts_link_show_tag_and_split() {
    let dir = workspace();
    let d = &dir.path().join("data");
    let suggestions = ok_json(d, &["contact", "suggest"]);
    let s = &suggestions.as_array().unwrap()[0];
    let reasons: Vec<&str> = s["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"same display name 'Maria Lopez'"),
        "{reasons:?}"
    );
    assert!(
        ok_json(d, &["contact", "list"])
            .as_array()
            .unwrap()
            .is_empty(),
        "suggesting links nothing"
    );

    let linked = ok_json(
        d,
        &[
            "contact",
            "link",
            "mastodon:maria@social.example",
            "bluesky:maria.bsky.social",
        ],
    );
    assert_eq!(linked["handles"].as_array().unwrap().len(), 2);
    let id = linked["id"].as_i64().unwrap().to_string();
    let tagged = ok_json(d, &["contact", "tag", &id, "VIP", "press"]);
    assert_eq!(tagged["tags"], serde_json::json!(["press", "vip"]));
    let noted = ok_json(d, &["contact", "note", &id, "Met at FOSDEM"]);
    assert_eq!(noted["notes"], "Met at FOSDEM");
    let listed = ok_json(d, &["contact", "list", "--tag", "vip"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let shown = ok_json(d, &["contact", "show", "bluesky:maria.bsky.social"]);
    let timeline = shown["timeline"]["conversations"].as_array().unwrap();
    assert_eq!(
        timeline.len(),
        2,
        "both networks' conversations, through either handle"
    );
    assert_eq!(timeline[0]["network"], "bluesky", "newest first");
    let human = cli(d, &["contact", "show", &id]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("Maria Lopez") && text.contains("tags: press, vip"),
        "{text}"
    );

    let split = ok_json(d, &["contact", "split", "bluesky:maria.bsky.social"]);
    assert_eq!(split["handles"].as_array().unwrap().len(), 1);
    let alone = ok_json(d, &["contact", "show", "bluesky:maria.bsky.social"]);
    assert!(alone["contact"].is_null());
    assert_eq!(
        alone["timeline"]["conversations"].as_array().unwrap().len(),
        1
    );
    assert!(
        ok_json(d, &["contact", "suggest"])
            .as_array()
            .unwrap()
            .is_empty(),
        "a handle split out is not suggested again"
    );
    let bad = cli(d, &["contact", "show", "nobody"]);
    assert!(!bad.status.success());
}

#[test]
fn report_with_business_hours_csv_and_html() {
    let dir = workspace();
    let d = &dir.path().join("data");
    let csv_dir = dir.path().join("csv");
    let html = dir.path().join("report.html");
    let r = ok_json(
        d,
        &[
            "report",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
            "--business-hours",
            "Mon-Fri 09:00-17:00",
            "--csv",
            csv_dir.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
    );
    let o = &r["overall"]["current"];
    // Two conversations, both answered: 30 min and Wed 15–17 + Thu 9–10 = 3 h.
    // Median of [1,800,000, 10,800,000] = 6,300,000; p90 = 1.8M + 0.9 × 9M = 9,900,000.
    assert_eq!(o["received"], 2);
    assert_eq!(o["repliesSent"], 2);
    assert_eq!(o["responseRate"], 1.0);
    assert_eq!(o["firstResponseMedianMs"], 6_300_000);
    assert_eq!(o["firstResponseP90Ms"], 9_900_000);
    assert_eq!(r["byNetwork"].as_array().unwrap().len(), 2);
    assert_eq!(
        r["previousFrom"], 1_792_972_800_000i64,
        "2026-10-26, the week before"
    );

    for name in [
        "summary.csv",
        "sentiment.csv",
        "tags.csv",
        "advocates.csv",
        "conversations.csv",
    ] {
        assert!(csv_dir.join(name).exists(), "{name} written");
    }
    let conversations = std::fs::read_to_string(csv_dir.join("conversations.csv")).unwrap();
    assert!(conversations.starts_with("\u{feff}conversation,network,"));
    assert!(
        conversations.contains("\"Love it, \"\"really\"\"!\nHow do I export?\""),
        "post text quoted with its comma, quotes and newline: {conversations}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<h1>Community report</h1>") && !page.contains("<script"));

    let around = ok_json(
        d,
        &[
            "report",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-08",
            "--business-hours",
            "none",
        ],
    );
    assert!(around["businessHours"].is_null());
    // Wall clock: 30 min and Wed 15:00 → Thu 10:00 = 19 h; median (1.8M + 68.4M) / 2.
    assert_eq!(
        around["overall"]["current"]["firstResponseMedianMs"],
        35_100_000
    );

    let advocates = ok_json(
        d,
        &["advocates", "--from", "2026-11-02", "--to", "2026-11-08"],
    );
    let first = &advocates.as_array().unwrap()[0];
    assert_eq!(first["name"], "Maria Lopez");
    let bad = cli(d, &["report", "--business-hours", "weekdays"]);
    assert!(
        !bad.status.success(),
        "unreadable business hours are refused"
    );
}
