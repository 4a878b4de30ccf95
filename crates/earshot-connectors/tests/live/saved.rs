//! Saving a conversation on the local Mastodon server fetches it whole: the
//! sync brought in only alice's mention; saving brings carol's reply (which
//! never mentioned alice); the server's SVG avatars are refused, and a PNG comes
//! through the connector within the size cap.

use std::sync::Arc;

use earshot_connectors::mastodon::{sign_in_with_token, Mastodon};
use earshot_core::connector::Connector;
use earshot_core::search::SearchOptions;
use earshot_core::sync::{sync_account, SyncOptions};
use earshot_core::vault::{MemoryVault, Secret, Vault};
use earshot_core::Workspace;
use serde_json::Value;

use crate::server_env;

fn url() -> String {
    server_env("EARSHOT_TEST_MASTODON_URL")
}

fn token(user: &str) -> String {
    server_env(&format!("EARSHOT_TEST_MASTODON_{user}_TOKEN"))
}

fn marker() -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap();
    format!("savedwhole{}", hex::encode(bytes))
}

/// A small PNG: the signature, then a body the check does not parse.
fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(b"\0\0\0\rIHDR-earshot-test-avatar");
    bytes
}

async fn post(user: &str, status: &str, in_reply_to: Option<&str>) -> Value {
    let mut form = vec![
        ("status", status.to_owned()),
        ("visibility", "public".into()),
    ];
    if let Some(parent) = in_reply_to {
        form.push(("in_reply_to_id", parent.to_owned()));
    }
    json(
        reqwest::Client::new()
            .post(format!("{}/api/v1/statuses", url()))
            .bearer_auth(token(user))
            .form(&form),
    )
    .await
}

async fn json(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.unwrap();
    response.error_for_status().unwrap().json().await.unwrap()
}

/// Uploads an image as a media attachment (multipart, written by hand: a file
/// field and the description) and returns the server's MediaAttachment. (The
/// mock's avatar upload does not keep files, so avatars there stay its SVG
/// identicons.)
async fn upload(user: &str, bytes: &[u8], description: &str) -> Value {
    let boundary = "earshotboundary7d1f";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n\
             {description}\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    json(
        reqwest::Client::new()
            .post(format!("{}/api/v2/media", url()))
            .bearer_auth(token(user))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await
}

/// A fresh workspace with alice's account on the local Mastodon server, and
/// her connector.
async fn alice_in_a_workspace() -> (tempfile::TempDir, Arc<Workspace>, Mastodon) {
    earshot_connectors::http::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::default();
    let ws = Arc::new(Workspace::open(dir.path(), &vault as &dyn Vault).unwrap());
    let (signed_in, secret) = sign_in_with_token(&url(), &Secret::new(token("ALICE")))
        .await
        .unwrap();
    let account = ws.add_account(&vault, &signed_in, &secret).unwrap();
    let m = Mastodon::new(
        account.to_ref(),
        Arc::new(crate::MemoryCredentials::new(secret)),
    )
    .unwrap();
    (dir, ws, m)
}

#[tokio::test]
async fn saving_a_conversation_fetches_every_reply_and_refuses_svg_avatars() {
    let (_dir, ws, m) = alice_in_a_workspace().await;

    let mark = marker();
    let root = post("BOB", &format!("@alice is the export broken? {mark}"), None).await;
    let root_id = root["id"].as_str().unwrap();
    post(
        "CAROL",
        &format!("same here, since Tuesday {mark}carol"),
        Some(root_id),
    )
    .await;

    sync_account(&ws, &m, &SyncOptions::default())
        .await
        .unwrap();
    let hits = ws.search(&mark, &SearchOptions::default()).unwrap();
    assert_eq!(hits.len(), 1, "the sync heard only the mention");
    let id = hits[0].conversation_id;
    assert_eq!(ws.conversation(id).unwrap().items.len(), 1);

    ws.set_saved(id, true).unwrap();
    let report = earshot_core::saved::fetch_due(&ws, &m as &dyn Connector, &Default::default())
        .await
        .unwrap();
    assert_eq!(report.conversations, 1, "{report:?}");
    let detail = ws.conversation(id).unwrap();
    let texts: Vec<&str> = detail.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(detail.items.len(), 2, "the reply came with it: {texts:?}");
    assert!(texts[1].contains(&format!("{mark}carol")), "{texts:?}");
    assert_eq!(
        ws.search(&format!("{mark}carol"), &SearchOptions::default())
            .unwrap()
            .len(),
        1,
        "the fetched reply is searchable"
    );

    assert!(
        report.media_skipped >= 1 && report.media == 0,
        "the server's avatars are SVG, which is never kept: {report:?}"
    );
    assert!(earshot_core::media::avatars(&ws, id).unwrap().is_empty());
    assert_eq!(earshot_core::saved::waiting(&ws).unwrap().saved_fetches, 0);
}

#[tokio::test]
async fn images_come_through_the_connector_capped() {
    earshot_connectors::http::install_crypto_provider();
    let image = png();
    let image_url = upload("BOB", &image, "a test image").await["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (signed_in, secret) = sign_in_with_token(&url(), &Secret::new(token("ALICE")))
        .await
        .unwrap();
    let m = Mastodon::new(
        earshot_core::connector::AccountRef {
            id: 1,
            network: signed_in.network,
            server: signed_in.server,
            handle: signed_in.handle,
            remote_user_id: signed_in.remote_user_id,
        },
        Arc::new(crate::MemoryCredentials::new(secret)),
    )
    .unwrap();
    let fetched = m.fetch_media(&image_url, 1024).await.unwrap();
    assert_eq!(fetched.bytes, image);
    assert_eq!(
        earshot_core::media::check(&fetched),
        Ok("image/png"),
        "served as {}",
        fetched.content_type
    );
    let err = m.fetch_media(&image_url, 8).await.unwrap_err();
    assert!(
        matches!(err, earshot_core::connector::ConnectorError::Refused { .. }),
        "over the cap: {err:?}"
    );
    let missing = format!("{}/media/attachments/none.png", url());
    assert!(matches!(
        m.fetch_media(&missing, 1024).await.unwrap_err(),
        earshot_core::connector::ConnectorError::Refused { .. }
    ));
}

/// The mock takes `/api/v2/media` uploads and lists them on statuses as
/// `media_attachments`: a mention with an image is synced with its attachment,
/// and saving the conversation caches the preview.
#[tokio::test]
async fn a_mention_with_an_image_keeps_its_attachment_and_saving_caches_the_preview() {
    let (_dir, ws, m) = alice_in_a_workspace().await;

    let mark = marker();
    let media = upload("BOB", &png(), "The error dialog").await;
    let media_id = media["id"].as_str().unwrap().to_owned();
    json(
        reqwest::Client::new()
            .post(format!("{}/api/v1/statuses", url()))
            .bearer_auth(token("BOB"))
            .form(&[
                ("status", format!("@alice look at this {mark}")),
                ("visibility", "public".into()),
                ("media_ids[]", media_id),
            ]),
    )
    .await;

    sync_account(&ws, &m, &SyncOptions::default())
        .await
        .unwrap();
    let hits = ws.search(&mark, &SearchOptions::default()).unwrap();
    assert_eq!(hits.len(), 1);
    let id = hits[0].conversation_id;
    let item = &ws.conversation(id).unwrap().items[0];
    assert_eq!(item.attachments.len(), 1, "{media}");
    let a = &item.attachments[0];
    assert_eq!(a.kind, earshot_core::attachments::AttachmentKind::Image);
    assert!(a.has_preview && a.preview_src.is_none());

    ws.set_saved(id, true).unwrap();
    let report = earshot_core::saved::fetch_due(&ws, &m as &dyn Connector, &Default::default())
        .await
        .unwrap();
    assert!(report.media >= 1, "{report:?}");
    let item = &ws.conversation(id).unwrap().items[0];
    assert!(
        item.attachments[0].preview_src.is_some(),
        "the preview reads from the cache: {report:?}"
    );
}
