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
