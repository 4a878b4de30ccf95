//! Listening from the CLI on the demo workspace: queries, their retroactive
//! runs, the dashboard and CSV export.

use super::{cli, ok_json};

#[test]
fn queries_dashboard_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok_json(d, &["demo"]);

    // Created after the items arrived: the whole cache is matched at once.
    let added = ok_json(
        d,
        &["listen", "add", "Refunds", "refund* OR \"charged twice\""],
    );
    let refunds = added["query"]["id"].as_i64().unwrap();
    let hits = added["run"]["hits"].as_u64().unwrap();
    assert!(hits > 0, "the demo has refund requests: {added}");
    assert_eq!(added["run"]["usedIndex"], true);
    ok_json(d, &["listen", "add", "Bluesky", "network:bluesky"]);

    let list = ok_json(d, &["listen", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);

    let dash = ok_json(
        d,
        &["listen", "dashboard", "--days", "365", "--bucket", "week"],
    );
    let panels = dash["panels"].as_array().unwrap();
    assert_eq!(panels.len(), 3, "two queries and both together");
    assert_eq!(panels[0]["name"], "Bluesky", "by name");
    let refund_panel = panels.iter().find(|p| p["queryId"] == refunds).unwrap();
    assert_eq!(refund_panel["total"].as_u64().unwrap(), hits);
    assert!(!refund_panel["latest"].as_array().unwrap().is_empty());
    assert!(
        refund_panel["latest"][0]["conversationId"]
            .as_i64()
            .unwrap()
            > 0
    );
    assert_eq!(dash["shareOfVoice"].as_array().unwrap().len(), 2);

    let out = cli(
        d,
        &[
            "listen", "export", "latest", "Refunds", "--days", "365", "--bucket", "week",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("created_at,network,author,"), "{csv}");
    assert!(csv.contains("\r\n"), "RFC 4180 lines end in CRLF");
    let file = d.join("volume.csv");
    let out = cli(
        d,
        &[
            "listen",
            "export",
            "volume",
            "--days",
            "365",
            "--bucket",
            "week",
            "--of",
            "Refunds",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let volume = std::fs::read_to_string(&file).unwrap();
    let total: u64 = volume
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, hits, "the exported series adds up to the hits");

    // A bad query says where and what was expected.
    let out = cli(d, &["listen", "check", "refund AND (card"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("expected ')'") && err.contains("at character 17"),
        "{err}"
    );
    let out = cli(d, &["listen", "add", "Bad", "OR refund"]);
    assert!(!out.status.success(), "a bad query is refused");

    let edited = ok_json(d, &["listen", "edit", "Refunds", "--query", "refund"]);
    assert!(edited["run"]["hits"].as_u64().unwrap() <= hits);
    let renamed = ok_json(d, &["listen", "edit", "Refunds", "--name", "Money back"]);
    assert!(renamed["run"].is_null(), "a rename runs nothing");
    ok_json(d, &["listen", "remove", "Money back"]);
    assert_eq!(ok_json(d, &["listen", "list"]).as_array().unwrap().len(), 1);
}
