//! What the app opens: the demo while the data directory is unused, the
//! manager's own workspace as soon as it holds anything.

use earshot_core::demo::{demo_dir, open_or_demo};
use earshot_core::store::DB_FILE;
use earshot_core::vault::KeyringVault;

#[test]
fn an_unused_data_directory_opens_the_demo_without_creating_a_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, demo) = open_or_demo(dir.path(), &KeyringVault).unwrap();
    assert!(demo);
    assert_eq!(ws.dir(), demo_dir(dir.path()));
    assert!(
        ws.status().unwrap().items >= 500,
        "the demo is loaded on first use"
    );
    assert!(
        !dir.path().join(DB_FILE).exists(),
        "no empty workspace is created beside it"
    );
    drop(ws);
    let (again, demo) = open_or_demo(dir.path(), &KeyringVault).unwrap();
    assert!(demo);
    assert_eq!(
        again.status().unwrap().items,
        620,
        "the demo is loaded once"
    );
}

#[test]
fn a_workspace_in_use_is_opened_instead_of_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    {
        let ws = crate::open(dir.path());
        ws.ensure_account(
            "bluesky",
            "brand.test",
            None,
            earshot_core::accounts::AccountOrigin::Import,
        )
        .unwrap();
    }
    let (ws, demo) = open_or_demo(dir.path(), &KeyringVault).unwrap();
    assert!(!demo, "an account means the manager's own workspace");
    assert_eq!(ws.dir(), dir.path());
}

#[test]
fn the_demo_has_people_linked_across_networks_and_more_to_suggest() {
    use earshot_core::contacts::{self, ContactFilter};
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = open_or_demo(dir.path(), &KeyringVault).unwrap();
    let people = ws
        .store()
        .read(|c| contacts::list(c, &ContactFilter::default()))
        .unwrap();
    let maria = people
        .iter()
        .find(|c| c.name == "Maria Okafor")
        .expect("the demo links Maria's two handles");
    assert_eq!(
        maria.handles.len(),
        2,
        "one handle on Mastodon, one on Bluesky"
    );
    assert_eq!(maria.tags, ["customer", "vip"]);
    assert!(people
        .iter()
        .any(|c| c.name == "Dana Whitfield" && c.tags == ["press"]));
    let suggestions = ws.store().read(|c| contacts::suggestions(c, None)).unwrap();
    assert!(
        !suggestions.is_empty(),
        "the other people with two handles are left for the manager to accept"
    );
}
