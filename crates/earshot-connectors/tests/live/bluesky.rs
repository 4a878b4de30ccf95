//! The Bluesky connector against the local `@atproto/dev-env` network (PLC,
//! PDS, AppView): alice signs in with her app password and hears bob and carol;
//! bob and carol act through raw XRPC calls, as other clients would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_connectors::bluesky::{sign_in, Bluesky};
use earshot_core::connector::{AccountRef, Connector, ConnectorError, FeedRequest, OutgoingReply};
use earshot_core::item::{ItemKind, NewItem};
use earshot_core::vault::Secret;
use serde_json::{json, Value};

use crate::{now_ms, server_env, MemoryCredentials as Store};

fn rfc3339_now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc().format(&format).unwrap()
}

/// Another client of the same PDS: plain XRPC calls.
struct Client {
    http: reqwest::Client,
    pds: String,
    did: String,
    token: String,
}

#[derive(Clone, Debug)]
struct Posted {
    uri: String,
    cid: String,
}

/// Sends an XRPC request that must succeed; its JSON output.
async fn xrpc(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.unwrap();
    response.error_for_status().unwrap().json().await.unwrap()
}

impl Client {
    async fn login(pds: &str, handle: &str, password: &str) -> Self {
        let http = reqwest::Client::new();
        let session = xrpc(
            http.post(format!("{pds}/xrpc/com.atproto.server.createSession"))
                .json(&json!({"identifier": handle, "password": password})),
        )
        .await;
        Self {
            http,
            pds: pds.to_owned(),
            did: session["did"].as_str().unwrap().to_owned(),
            token: session["accessJwt"].as_str().unwrap().to_owned(),
        }
    }

    /// Posts `text`, with a mention facet for each `(handle, did)` it names.
    async fn post(
        &self,
        text: &str,
        mentions: &[(&str, &str)],
        reply: Option<(&Posted, &Posted)>,
    ) -> Posted {
        let facets: Vec<Value> = mentions
            .iter()
            .map(|(handle, did)| {
                let start = text.find(&format!("@{handle}")).unwrap();
                json!({
                    "index": {"byteStart": start, "byteEnd": start + 1 + handle.len()},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
                })
            })
            .collect();
        let mut record = json!({"$type": "app.bsky.feed.post", "text": text,
            "createdAt": rfc3339_now(), "facets": facets, "langs": ["en"]});
        if let Some((root, parent)) = reply {
            record["reply"] = json!({"root": {"uri": root.uri, "cid": root.cid},
                "parent": {"uri": parent.uri, "cid": parent.cid}});
        }
        let created = xrpc(
            self.http
                .post(format!("{}/xrpc/com.atproto.repo.createRecord", self.pds))
                .bearer_auth(&self.token)
                .json(&json!({"repo": self.did, "collection": "app.bsky.feed.post", "record": record})),
        )
        .await;
        Posted {
            uri: created["uri"].as_str().unwrap().to_owned(),
            cid: created["cid"].as_str().unwrap().to_owned(),
        }
    }

    async fn get(&self, nsid: &str, params: &[(&str, &str)]) -> Value {
        xrpc(
            self.http
                .get(format!("{}/xrpc/{nsid}", self.pds))
                .bearer_auth(&self.token)
                .query(params),
        )
        .await
    }
}

/// One whole sync of the notifications feed: every page, then the cursor.
async fn sync(
    bsky: &Bluesky,
    cursor: Option<String>,
    backfill_since: i64,
) -> (Vec<NewItem>, Option<String>) {
    let mut items = Vec::new();
    let mut page = None;
    for _ in 0..100 {
        let request = FeedRequest {
            feed: "notifications".into(),
            cursor: cursor.clone(),
            page,
            backfill_since,
        };
        let result = bsky.fetch(&request).await.unwrap();
        items.extend(result.items);
        match result.next_page {
            Some(next) => page = Some(next),
            None => return (items, result.cursor.or(cursor)),
        }
    }
    panic!("a sync did not end within 100 pages");
}

/// Syncs from `cursor` until every uri in `wanted` is listed; returns the
/// items and how long after `since` each wanted uri first appeared.
async fn wait_for(
    bsky: &Bluesky,
    cursor: &Option<String>,
    wanted: &[&str],
    since: Instant,
) -> (Vec<NewItem>, Vec<Duration>) {
    let mut seen_after = vec![None; wanted.len()];
    loop {
        let (items, _) = sync(bsky, cursor.clone(), now_ms() - 3_600_000).await;
        for (i, uri) in wanted.iter().enumerate() {
            if seen_after[i].is_none() && items.iter().any(|item| item.remote_id == *uri) {
                seen_after[i] = Some(since.elapsed());
            }
        }
        if seen_after.iter().all(Option::is_some) {
            return (items, seen_after.into_iter().flatten().collect());
        }
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "not listed within 30 s: {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Bob and carol, signed in to the PDS as other clients.
async fn bob_and_carol(pds: &str) -> (Client, Client) {
    let mut clients = Vec::new();
    for who in ["BOB", "CAROL"] {
        let handle = server_env(&format!("EARSHOT_TEST_BSKY_{who}_HANDLE"));
        let password = server_env(&format!("EARSHOT_TEST_BSKY_{who}_PASSWORD"));
        clients.push(Client::login(pds, &handle, &password).await);
    }
    let carol = clients.pop().unwrap();
    (clients.pop().unwrap(), carol)
}

fn alice_connector(server: &str, handle: &str, did: &str, store: Arc<Store>) -> Bluesky {
    let account = AccountRef {
        id: 1,
        network: "bluesky".into(),
        server: server.to_owned(),
        handle: handle.to_owned(),
        remote_user_id: Some(did.to_owned()),
    };
    Bluesky::new(account, store).unwrap()
}

#[tokio::test]
async fn bluesky_mentions_threads_and_replies_on_the_local_network() {
    let pds = server_env("EARSHOT_TEST_BSKY_PDS");
    let alice_handle = server_env("EARSHOT_TEST_BSKY_ALICE_HANDLE");
    let alice_did = server_env("EARSHOT_TEST_BSKY_ALICE_DID");
    let run = format!("run{}", now_ms());

    // Alice signs in with her app password.
    let app_password = Secret::new(server_env("EARSHOT_TEST_BSKY_ALICE_APP_PASSWORD"));
    let (account, secret) = sign_in(&pds, &alice_handle, &app_password).await.unwrap();
    assert_eq!(account.network, "bluesky");
    assert_eq!(account.server, pds);
    assert_eq!(account.handle, alice_handle);
    assert_eq!(account.remote_user_id.as_deref(), Some(alice_did.as_str()));
    assert_eq!(account.display_name.as_deref(), Some("Alice"));
    let store = Arc::new(Store::new(secret));
    let alice = alice_connector(&account.server, &account.handle, &alice_did, store.clone());

    // Whatever is already there (other tests share the network) is the past.
    let (_, cursor) = sync(&alice, None, now_ms() - 3_600_000).await;

    let (bob, carol) = bob_and_carol(&pds).await;

    // Bob mentions alice in a new post; carol replies in his thread, mentioning her too.
    let posted_at = Instant::now();
    let root = bob
        .post(
            &format!("Héllo @{alice_handle} 👋 can you look at {run}?"),
            &[(&alice_handle, &alice_did)],
            None,
        )
        .await;
    let (_, bob_latency) = wait_for(&alice, &cursor, &[&root.uri], posted_at).await;
    let carol_posted_at = Instant::now();
    let carol_post = carol
        .post(
            &format!("+1 @{alice_handle}, {run} matters"),
            &[(&alice_handle, &alice_did)],
            Some((&root, &root)),
        )
        .await;
    let (items, carol_latency) =
        wait_for(&alice, &cursor, &[&carol_post.uri], carol_posted_at).await;
    println!(
        "bluesky: a mention was listed {} ms (bob's post) and {} ms (carol's reply) after createRecord returned",
        bob_latency[0].as_millis(),
        carol_latency[0].as_millis()
    );

    let bob_item = items.iter().find(|i| i.remote_id == root.uri).unwrap();
    let carol_item = items
        .iter()
        .find(|i| i.remote_id == carol_post.uri)
        .unwrap();
    assert_eq!(bob_item.kind, ItemKind::Mention);
    assert_eq!(bob_item.root_remote_id, None, "bob's post is the root");
    assert_eq!(
        bob_item.author.handle,
        server_env("EARSHOT_TEST_BSKY_BOB_HANDLE")
    );
    assert_eq!(bob_item.author.display_name.as_deref(), Some("Bob"));
    assert_eq!(bob_item.lang.as_deref(), Some("en"));
    assert_eq!(carol_item.kind, ItemKind::Mention);
    assert_eq!(
        carol_item.root_remote_id.as_deref(),
        Some(root.uri.as_str()),
        "same thread"
    );
    assert_eq!(
        carol_item.parent_remote_id.as_deref(),
        Some(root.uri.as_str())
    );
    let rkey = carol_post.uri.rsplit('/').next().unwrap();
    assert_eq!(
        carol_item.url.as_deref(),
        Some(format!("https://bsky.app/profile/carol.test/post/{rkey}").as_str())
    );

    // The thread, root first.
    let thread = alice.thread(&carol_post.uri).await.unwrap();
    assert_eq!(thread[0].remote_id, root.uri, "root first");
    assert!(thread.iter().any(|i| i.remote_id == carol_post.uri));

    // Alice answers carol through the connector.
    let reply = OutgoingReply {
        parent_remote_id: carol_post.uri.clone(),
        root_remote_id: Some(root.uri.clone()),
        text: format!("Thanks @carol.test! On it ({run}) ✨ https://earshot.test/notes"),
        idempotency_key: format!("live-{run}"),
        queued_at: now_ms(),
    };
    let sent = alice.reply(&reply).await.unwrap();
    let sent_rkey = sent.remote_id.rsplit('/').next().unwrap().to_owned();
    let record = bob
        .get(
            "com.atproto.repo.getRecord",
            &[
                ("repo", &alice_did),
                ("collection", "app.bsky.feed.post"),
                ("rkey", &sent_rkey),
            ],
        )
        .await;
    let value = &record["value"];
    assert_eq!(value["reply"]["parent"]["uri"], json!(carol_post.uri));
    assert_eq!(value["reply"]["parent"]["cid"], json!(carol_post.cid));
    assert_eq!(value["reply"]["root"]["uri"], json!(root.uri));
    assert_eq!(value["reply"]["root"]["cid"], json!(root.cid));
    let facets = value["facets"].as_array().unwrap();
    assert_eq!(facets.len(), 2, "a mention and a link: {facets:?}");
    assert_eq!(
        facets[0]["features"][0]["did"],
        json!(server_env("EARSHOT_TEST_BSKY_CAROL_DID"))
    );
    assert_eq!(facets[0]["index"]["byteStart"], json!(7));
    let item = sent.item.as_ref().unwrap();
    assert_eq!(item.root_remote_id.as_deref(), Some(root.uri.as_str()));
    assert_eq!(
        item.parent_remote_id.as_deref(),
        Some(carol_post.uri.as_str())
    );

    // Sending the same outbox entry again finds the post instead of making another.
    let again = alice.reply(&reply).await.unwrap();
    assert_eq!(again.remote_id, sent.remote_id);
    let mine = bob
        .get(
            "com.atproto.repo.listRecords",
            &[
                ("repo", &alice_did),
                ("collection", "app.bsky.feed.post"),
                ("limit", "100"),
            ],
        )
        .await;
    let copies = mine["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["value"]["text"] == json!(reply.text))
        .count();
    assert_eq!(copies, 1, "the reply was posted once");

    // The AppView shows the reply in the thread under carol's post.
    let start = Instant::now();
    loop {
        let thread = alice.thread(&root.uri).await.unwrap();
        if let Some(mine) = thread.iter().find(|i| i.remote_id == sent.remote_id) {
            assert_eq!(
                mine.parent_remote_id.as_deref(),
                Some(carol_post.uri.as_str())
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the reply never reached the thread"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Search finds bob's post by its run word.
    let start = Instant::now();
    loop {
        let found = alice.search(&run, None).await.unwrap();
        if found.items.iter().any(|i| i.remote_id == root.uri) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "search never found {run}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    alice.mark_read(&carol_post.uri).await.unwrap();
    let unread = bob.get("app.bsky.notification.getUnreadCount", &[]).await;
    assert!(unread["count"].is_number());

    // A refused access token is renewed with refreshSession, never by logging in
    // again: the stored app password is made wrong, so a login would have ended
    // the sync with an Auth error.
    let mut stored = store.json();
    let access = stored["accessJwt"].as_str().unwrap().to_owned();
    let (signed, _) = access.rsplit_once('.').unwrap();
    stored["accessJwt"] = json!(format!("{signed}.AAAAinvalidsignatureAAAA"));
    stored["appPassword"] = json!("not-the-app-password");
    let old_refresh = stored["refreshJwt"].clone();
    let corrupt = Arc::new(Store::new(Secret::new(stored.to_string())));
    let renewed = alice_connector(
        &account.server,
        &account.handle,
        &alice_did,
        corrupt.clone(),
    );
    let (_, after) = sync(&renewed, cursor.clone(), now_ms() - 3_600_000).await;
    assert!(after.is_some());
    let saved = corrupt.json();
    assert_ne!(
        saved["refreshJwt"], old_refresh,
        "the refresh token was rotated and saved"
    );
    assert_ne!(saved["accessJwt"], stored["accessJwt"]);
}

#[tokio::test]
async fn bluesky_refuses_a_wrong_password_with_advice() {
    let pds = server_env("EARSHOT_TEST_BSKY_PDS");
    let handle = server_env("EARSHOT_TEST_BSKY_ALICE_HANDLE");
    let e = sign_in(&pds, &handle, &Secret::new("wrong-password-0000"))
        .await
        .unwrap_err();
    assert!(matches!(e, ConnectorError::Auth { .. }), "{e:?}");
    assert!(e.to_string().contains("App passwords"), "{e}");
}

/// A fresh workspace with alice's account on the local Bluesky network, her
/// connector, and the cursor after a first sync (so what follows is new).
async fn alice_in_a_workspace(
    pds: &str,
    handle: &str,
) -> (
    tempfile::TempDir,
    Arc<earshot_core::Workspace>,
    Bluesky,
    Option<String>,
) {
    let app_password = Secret::new(server_env("EARSHOT_TEST_BSKY_ALICE_APP_PASSWORD"));
    let (account, secret) = sign_in(pds, handle, &app_password).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let vault = earshot_core::vault::MemoryVault::default();
    let ws = Arc::new(earshot_core::Workspace::open(dir.path(), &vault).unwrap());
    let added = ws.add_account(&vault, &account, &secret).unwrap();
    let alice = Bluesky::new(added.to_ref(), Arc::new(Store::new(secret))).unwrap();
    let (_, cursor) = sync(&alice, None, now_ms() - 3_600_000).await;
    (dir, ws, alice, cursor)
}

/// Saving a conversation fetches it whole: the sync heard only bob's mention;
/// saving brings carol's reply, which never mentioned alice.
#[tokio::test]
async fn saving_a_bluesky_conversation_fetches_every_reply() {
    let pds = server_env("EARSHOT_TEST_BSKY_PDS");
    let alice_handle = server_env("EARSHOT_TEST_BSKY_ALICE_HANDLE");
    let alice_did = server_env("EARSHOT_TEST_BSKY_ALICE_DID");
    let run = format!("savedrun{}", now_ms());
    let (_dir, ws, alice, cursor) = alice_in_a_workspace(&pds, &alice_handle).await;

    let (bob, carol) = bob_and_carol(&pds).await;
    let root = bob
        .post(
            &format!("@{alice_handle} is {run} fixed?"),
            &[(&alice_handle, &alice_did)],
            None,
        )
        .await;
    carol
        .post(
            &format!("not for me, {run}carol"),
            &[],
            Some((&root, &root)),
        )
        .await;
    wait_for(&alice, &cursor, &[&root.uri], Instant::now()).await;

    earshot_core::sync::sync_account(&ws, &alice, &earshot_core::sync::SyncOptions::default())
        .await
        .unwrap();
    let search = earshot_core::search::SearchOptions::default();
    let hits = ws.search(&run, &search).unwrap();
    assert_eq!(hits.len(), 1, "the sync heard only the mention");
    let id = hits[0].conversation_id;

    ws.set_saved(id, true).unwrap();
    // The AppView indexes carol's reply a moment after it is written.
    let since = Instant::now();
    loop {
        let report = earshot_core::saved::fetch_due(&ws, &alice, &Default::default())
            .await
            .unwrap();
        assert_eq!(report.conversations, 1, "{report:?}");
        if ws.conversation(id).unwrap().items.len() == 2 {
            break;
        }
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "carol's reply never came with the thread"
        );
        ws.set_saved(id, true).unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        ws.search(&format!("{run}carol"), &search).unwrap().len(),
        1,
        "the fetched reply is searchable"
    );
}

/// A valid PNG of `width` × `height` pixels of noise from `seed`, so the
/// AppView can make a thumbnail of it.
fn noise_png(width: u32, height: u32, seed: &[u8]) -> Vec<u8> {
    let mut state: u32 = seed
        .iter()
        .fold(0x9E37_79B9, |h, &b| h.rotate_left(5) ^ u32::from(b));
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as u8
    };
    earshot_core::demo::png_rgb(width, height, |_, _| [next(), next(), next()])
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
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

fn assert_nowhere_in(dir: &std::path::Path, needle: &[u8], when: &str) {
    let files = files_under(dir);
    assert!(
        files.iter().any(|f| f.ends_with("earshot.db")),
        "{when}: no database"
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{when}: {} holds the image's bytes in plaintext; media must be encrypted",
            file.display()
        );
    }
}

/// A post with an image that mentions alice: the sync stores its attachment
/// (alt text, size, the AppView's thumbnail URL), saving the conversation
/// caches the thumbnail (never the full size) in the encrypted cache, and the
/// raw database files hold none of its bytes.
#[tokio::test]
async fn an_image_post_is_synced_and_saving_caches_its_preview_encrypted() {
    let pds = server_env("EARSHOT_TEST_BSKY_PDS");
    let alice_handle = server_env("EARSHOT_TEST_BSKY_ALICE_HANDLE");
    let alice_did = server_env("EARSHOT_TEST_BSKY_ALICE_DID");
    let run = format!("imagerun{}", now_ms());
    let (dir, ws, alice, cursor) = alice_in_a_workspace(&pds, &alice_handle).await;

    let (bob, _) = bob_and_carol(&pds).await;
    let png = noise_png(96, 64, run.as_bytes());
    let uploaded = xrpc(
        bob.http
            .post(format!("{pds}/xrpc/com.atproto.repo.uploadBlob"))
            .bearer_auth(&bob.token)
            .header("content-type", "image/png")
            .body(png.clone()),
    )
    .await;
    let text = format!("@{alice_handle} the export looks like this {run}");
    let start = text.find('@').unwrap();
    let record = json!({"$type": "app.bsky.feed.post", "text": text, "createdAt": rfc3339_now(),
        "facets": [{"index": {"byteStart": start, "byteEnd": start + 1 + alice_handle.len()},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": alice_did}]}],
        "embed": {"$type": "app.bsky.embed.images", "images": [{
            "alt": "The export dialog, stuck at 99%", "image": uploaded["blob"],
            "aspectRatio": {"width": 96, "height": 64}}]}});
    let created = xrpc(
        bob.http
            .post(format!("{pds}/xrpc/com.atproto.repo.createRecord"))
            .bearer_auth(&bob.token)
            .json(&json!({"repo": bob.did, "collection": "app.bsky.feed.post", "record": record})),
    )
    .await;
    let uri = created["uri"].as_str().unwrap().to_owned();
    let (items, _) = wait_for(&alice, &cursor, &[&uri], Instant::now()).await;
    let heard = items.iter().find(|i| i.remote_id == uri).unwrap();
    assert_eq!(
        heard.attachments.len(),
        1,
        "the notification's post has its image"
    );

    earshot_core::sync::sync_account(&ws, &alice, &earshot_core::sync::SyncOptions::default())
        .await
        .unwrap();
    let hits = ws
        .search(&run, &earshot_core::search::SearchOptions::default())
        .unwrap();
    assert_eq!(hits.len(), 1);
    let id = hits[0].conversation_id;
    let detail = ws.conversation(id).unwrap();
    let attachment = &detail.items[0].attachments[0];
    assert_eq!(
        attachment.kind,
        earshot_core::attachments::AttachmentKind::Image
    );
    assert_eq!(
        attachment.alt.as_deref(),
        Some("The export dialog, stuck at 99%")
    );
    assert_eq!((attachment.width, attachment.height), (Some(96), Some(64)));
    assert!(
        attachment.has_preview && attachment.preview_src.is_none(),
        "not cached yet"
    );
    assert!(
        attachment.url.as_deref().unwrap().contains("feed_fullsize"),
        "{attachment:?}"
    );

    ws.set_saved(id, true).unwrap();
    let report = earshot_core::saved::fetch_due(&ws, &alice, &Default::default())
        .await
        .unwrap();
    assert_eq!(report.conversations, 1, "{report:?}");
    let detail = ws.conversation(id).unwrap();
    let src = detail.items[0].attachments[0]
        .preview_src
        .clone()
        .unwrap_or_else(|| panic!("the preview was not cached: {report:?}"));
    let media_id: i64 = src.rsplit('/').next().unwrap().parse().unwrap();
    let cached = earshot_core::media::get(&ws, media_id).unwrap().unwrap();
    assert!(
        cached.content_type.starts_with("image/"),
        "{}",
        cached.content_type
    );
    assert!(cached.bytes.len() > 64, "a real thumbnail");
    // A stretch of the cached bytes, past any header that every image shares.
    let mid = cached.bytes.len() / 2;
    let needle = cached.bytes[mid..(mid + 32).min(cached.bytes.len())].to_vec();
    assert_nowhere_in(dir.path(), &needle, "workspace open");
    assert_nowhere_in(
        dir.path(),
        &png[png.len() / 2..png.len() / 2 + 32],
        "the original",
    );
    drop(detail);
    drop(alice);
    drop(ws);
    assert_nowhere_in(dir.path(), &needle, "after close");
}
