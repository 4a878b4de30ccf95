//! `inbox` filter flags and saved views (`view save/list/rename/delete`, `inbox --view`).

use serde_json::Value;

use crate::{cli, ok_json};

fn rows(v: &Value) -> &Vec<Value> {
    v["conversations"].as_array().unwrap()
}

#[test]
fn inbox_filters_and_saved_views() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok_json(d, &["demo"]);
    let all = ok_json(d, &["inbox", "--limit", "500"]);
    let all = rows(&all);
    assert!(all.len() > 100, "the demo has many conversations");

    let negative = ok_json(d, &["inbox", "--sentiment", "negative", "--limit", "500"]);
    let negative = rows(&negative);
    assert!(!negative.is_empty() && negative.len() < all.len());
    assert!(
        negative
            .iter()
            .all(|c| c["sentiment"].as_f64().unwrap() <= -0.05),
        "--sentiment negative lists negative rows only"
    );

    let id = all[0]["id"].as_i64().unwrap().to_string();
    ok_json(d, &["triage", &id, "--priority", "3"]);
    let urgent = ok_json(d, &["inbox", "--priority", "3"]);
    assert_eq!(rows(&urgent).len(), 1, "one conversation is urgent");
    assert_eq!(rows(&urgent)[0]["id"].as_i64().unwrap().to_string(), id);

    let english = ok_json(d, &["inbox", "--lang", "en", "--limit", "500"]);
    assert!(!rows(&english).is_empty(), "the demo is mostly English");
    assert!(rows(&ok_json(d, &["inbox", "--lang", "xx"])).is_empty());

    let future = ok_json(d, &["inbox", "--after", "2999-01-01"]);
    assert!(rows(&future).is_empty(), "nothing happened after 2999");
    let past = ok_json(d, &["inbox", "--before", "2000-01-01"]);
    assert!(rows(&past).is_empty(), "nothing happened before 2000");
    let since = ok_json(
        d,
        &[
            "inbox",
            "--after",
            "2000-01-01",
            "--before",
            "2999-01-01",
            "--limit",
            "500",
        ],
    );
    assert_eq!(
        rows(&since).len(),
        all.len(),
        "a range around everything keeps everything"
    );
    let bad = cli(d, &["inbox", "--after", "yesterday"]);
    assert!(!bad.status.success(), "a date must be YYYY-MM-DD");

    let saved = ok_json(
        d,
        &[
            "view",
            "save",
            "Angry on Mastodon",
            "--network",
            "mastodon",
            "--sentiment",
            "negative",
        ],
    );
    assert_eq!(saved["name"], "Angry on Mastodon");
    assert_eq!(saved["filter"]["network"], "mastodon");
    let listed = ok_json(d, &["view", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let viewed = ok_json(
        d,
        &["inbox", "--view", "Angry on Mastodon", "--limit", "500"],
    );
    assert!(!rows(&viewed).is_empty());
    assert!(rows(&viewed)
        .iter()
        .all(|c| c["network"] == "mastodon" && c["sentiment"].as_f64().unwrap() <= -0.05));
    let narrowed = ok_json(
        d,
        &["inbox", "--view", "Angry on Mastodon", "--priority", "3"],
    );
    assert!(rows(&narrowed).len() <= 1, "flags narrow a view further");

    ok_json(d, &["view", "rename", "Angry on Mastodon", "Upset"]);
    assert!(!cli(d, &["inbox", "--view", "Angry on Mastodon"])
        .status
        .success());
    let table = cli(d, &["view", "list"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("Upset") && table.contains("network:mastodon sentiment:negative"),
        "{table}"
    );
    ok_json(d, &["view", "delete", "Upset"]);
    assert!(ok_json(d, &["view", "list"]).as_array().unwrap().is_empty());
    assert!(
        !cli(d, &["view", "delete", "Upset"]).status.success(),
        "it is gone"
    );
}
