//! The cache holds no plaintext, and a missing or wrong key never costs data.

use std::path::{Path, PathBuf};

use earshot_core::demo::DEMO_JSONL;
use earshot_core::inbox::{InboxFilter, TriageState};
use earshot_core::search::SearchOptions;
use earshot_core::store::{CacheKey, StoreError, DB_FILE};
use earshot_core::vault::{KeyringVault, Secret, Vault};
use earshot_core::workspace::cache_key_entry;
use earshot_core::{Error, Workspace};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Distinctive strings from the demo: whole phrases of item text, names, handles.
fn demo_needles() -> Vec<String> {
    let mut needles = vec![
        "Circuit Weekly".to_string(),
        "Maria Okafor".to_string(),
        "lumennotes.example".to_string(),
        "refund".to_string(),
    ];
    for line in DEMO_JSONL.lines().step_by(37) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(text) = v["text"].as_str() {
            let words: Vec<&str> = text.split_whitespace().take(4).collect();
            if words.join(" ").len() >= 12 {
                needles.push(words.join(" "));
            }
        }
        needles.push(v["author"]["handle"].as_str().unwrap().to_string());
    }
    needles
}

fn cache_key_hex(ws: &Workspace) -> String {
    KeyringVault
        .get(&cache_key_entry(ws.id()))
        .expect("the cache key is in the keyring")
        .expose()
        .to_string()
}

fn assert_no_plaintext(dir: &Path, needles: &[String], when: &str) {
    let files = files_under(dir);
    assert!(
        files.iter().any(|f| f.ends_with(DB_FILE)),
        "the database exists"
    );
    assert!(
        files.iter().any(|f| f.ends_with("earshot-search.db")),
        "the search index exists, and is searched too"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for needle in needles {
            assert!(
                !contains(&bytes, needle.as_bytes()),
                "{when}: {} holds plaintext {needle:?}; the cache must hold none",
                file.display()
            );
        }
    }
}

#[test]
fn raw_files_hold_no_plaintext_and_no_secret() {
    let (dir, ws) = crate::workspace();
    ws.load_demo(|_| {}).unwrap();
    // Work that touches the WAL, indexes and temp storage.
    let page = ws.inbox(&InboxFilter::default()).unwrap();
    let first = page.conversations[0].id;
    ws.set_state(first, TriageState::Done, None).unwrap();
    ws.tag(first, &["press-inquiry".into()], &[]).unwrap();
    ws.search("refund OR outage", &SearchOptions::default())
        .unwrap();
    ws.search(
        "sync",
        &SearchOptions {
            order: earshot_core::search::SearchOrder::Relevance,
            ..Default::default()
        },
    )
    .unwrap();

    let mut needles = demo_needles();
    needles.push("press-inquiry".into());
    let key = cache_key_hex(&ws);
    needles.push(key.clone());
    needles.push(key.to_uppercase());
    assert!(needles.len() > 20, "enough needles to mean something");

    let wal = dir.path().join(format!("{DB_FILE}-wal"));
    assert!(
        wal.exists(),
        "the WAL is checked while the workspace is open"
    );
    assert_no_plaintext(dir.path(), &needles, "while open");
    drop(ws);
    assert_no_plaintext(dir.path(), &needles, "after close");
}

#[test]
fn cached_images_are_encrypted_too() {
    let (dir, ws) = crate::workspace();
    // A PNG whose body carries a byte pattern no encrypted page could hold by chance.
    let marker = b"EARSHOT-AVATAR-PIXELS-0123456789abcdef";
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    for _ in 0..64 {
        bytes.extend_from_slice(marker);
    }
    let fetched = earshot_core::connector::FetchedMedia {
        content_type: "image/png".into(),
        bytes,
    };
    let url = "https://cdn.example.test/avatars/maria.png";
    let id = earshot_core::media::store(&ws, url, &fetched).unwrap();
    assert_eq!(
        earshot_core::media::get(&ws, id).unwrap().unwrap().bytes,
        fetched.bytes,
        "the image reads back whole"
    );
    let needles = vec![
        String::from_utf8(marker.to_vec()).unwrap(),
        "cdn.example.test/avatars".to_string(),
    ];
    assert!(dir.path().join(format!("{DB_FILE}-wal")).exists());
    assert_no_plaintext(dir.path(), &needles, "image cached, workspace open");
    drop(ws);
    assert_no_plaintext(dir.path(), &needles, "image cached, after close");
}

/// A demo workspace, checkpointed and closed: its directory, id, database
/// path and the database's bytes.
fn closed_demo() -> (tempfile::TempDir, String, PathBuf, Vec<u8>) {
    let (dir, ws) = crate::workspace();
    ws.load_demo(|_| {}).unwrap();
    let id = ws.id().to_string();
    ws.store().checkpoint().unwrap();
    drop(ws);
    let db = dir.path().join(DB_FILE);
    let before = std::fs::read(&db).unwrap();
    (dir, id, db, before)
}

#[test]
fn missing_key_is_a_clear_error_and_reset_keeps_the_old_file() {
    let (dir, id, db, before) = closed_demo();

    KeyringVault.delete(&cache_key_entry(&id)).unwrap();
    let err = Workspace::open(dir.path(), &KeyringVault).unwrap_err();
    assert!(matches!(err, Error::CacheKeyMissing { .. }), "got {err:?}");
    assert_eq!(
        err.code(),
        Some(earshot_core::error::ErrorCode::CacheKeyMissing)
    );
    let text = err.to_string();
    assert!(
        text.contains("cannot be unlocked") && text.contains("earshot-cli reset"),
        "{text}"
    );
    assert_eq!(
        before,
        std::fs::read(&db).unwrap(),
        "the cache must not be touched"
    );

    let aside = Workspace::reset(dir.path()).unwrap().expect("moved aside");
    assert_eq!(
        before,
        std::fs::read(aside.join(DB_FILE)).unwrap(),
        "reset keeps the old file, unchanged"
    );
    assert!(
        aside.join("earshot-search.db").exists() && !dir.path().join("earshot-search.db").exists(),
        "the search index goes aside with its cache"
    );
    let fresh = crate::open(dir.path());
    assert!(fresh
        .search("refund", &earshot_core::search::SearchOptions::default())
        .unwrap()
        .is_empty());
    assert_eq!(
        fresh.status().unwrap().items,
        0,
        "after a reset the workspace starts empty"
    );
    assert_ne!(fresh.id(), id);
    KeyringVault.delete(&cache_key_entry(fresh.id())).unwrap();
}

#[test]
fn wrong_key_is_a_clear_error_and_changes_nothing() {
    let (dir, id, db, before) = closed_demo();
    let other = CacheKey::generate().unwrap();
    KeyringVault
        .set(&cache_key_entry(&id), &Secret::new(other.to_hex().as_str()))
        .unwrap();
    let err = Workspace::open(dir.path(), &KeyringVault).unwrap_err();
    assert!(
        matches!(err, Error::Store(StoreError::WrongKey { .. })),
        "got {err:?}"
    );
    assert!(
        !err.to_string().contains(other.to_hex().as_str()),
        "errors never carry the key"
    );
    assert_eq!(
        before,
        std::fs::read(&db).unwrap(),
        "a wrong key must not touch the cache"
    );
    KeyringVault.delete(&cache_key_entry(&id)).unwrap();
}

#[test]
fn reopening_uses_the_same_key_and_keeps_everything() {
    let (dir, ws) = crate::workspace();
    ws.load_demo(|_| {}).unwrap();
    let status = ws.status().unwrap();
    assert!(status.encrypted && status.demo);
    assert!(
        status.items >= 500,
        "the demo has at least 500 items: {}",
        status.items
    );
    drop(ws);
    let again = crate::open(dir.path());
    assert_eq!(again.status().unwrap(), status);
    let workspace_file = std::fs::read_to_string(dir.path().join("workspace.json")).unwrap();
    assert!(
        !workspace_file.contains(&cache_key_hex(&again)),
        "the workspace file holds no key"
    );
}
