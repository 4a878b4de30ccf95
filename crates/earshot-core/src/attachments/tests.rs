use super::*;
use crate::item::NewItem;
use crate::saved::tests::WithMedia;
use crate::sync::testing::{conversation_of, item, workspace};

fn image(preview: &str, alt: &str) -> NewAttachment {
    NewAttachment {
        kind: AttachmentKind::Image,
        url: Some(format!("{preview}?full")),
        preview_url: Some(preview.into()),
        alt: Some(alt.into()),
        width: Some(640),
        height: Some(480),
    }
}

fn with(mut item: NewItem, attachments: Vec<NewAttachment>) -> NewItem {
    item.attachments = attachments;
    item
}

fn rows(ws: &Workspace) -> i64 {
    ws.store()
        .read(|c| -> Result<i64> {
            Ok(c.query_row("SELECT count(*) FROM attachments", [], |r| r.get(0))?)
        })
        .unwrap()
}

#[test]
fn hostile_attachments_are_cleaned_or_dropped() {
    let long_alt = "a\u{0007}\nb".repeat(MAX_ALT_CHARS);
    let cleaned = NewAttachment {
        kind: AttachmentKind::Image,
        url: Some("javascript:alert(1)".into()),
        preview_url: Some(" https://cdn.test/p.png ".into()),
        alt: Some(long_alt),
        width: Some(0),
        height: Some(MAX_DIMENSION + 1),
    }
    .sanitised()
    .expect("the preview URL is fine");
    assert_eq!(cleaned.url, None, "only http(s) URLs are kept");
    assert_eq!(
        cleaned.preview_url.as_deref(),
        Some("https://cdn.test/p.png")
    );
    let alt = cleaned.alt.unwrap();
    assert!(alt.chars().count() <= MAX_ALT_CHARS, "alt text is capped");
    assert!(!alt.contains('\u{0007}') && !alt.contains('\n'));
    assert_eq!((cleaned.width, cleaned.height), (None, None));

    for bad in [
        "data:image/png;base64,AAAA",
        "file:///etc/passwd",
        "earshot-media://localhost/1",
        "https://",
        "https:///path",
        "http://exa mple.test/",
        "ftp://x.test/a.png",
    ] {
        assert_eq!(http_url(bad), None, "{bad}");
    }
    assert!(http_url(&format!("https://x.test/{}", "a".repeat(MAX_URL_BYTES))).is_none());
    assert_eq!(
        http_url("HTTPS://X.test/a.png").as_deref(),
        Some("HTTPS://X.test/a.png")
    );
    assert_eq!(
        NewAttachment {
            url: Some("javascript:x".into()),
            ..Default::default()
        }
        .sanitised(),
        None,
        "nothing left to show or open: dropped"
    );
}

#[test]
fn ingest_stores_attachments_once_and_the_thread_returns_them() {
    let (_dir, ws, _account) = workspace();
    let many: Vec<_> = (0..MAX_PER_ITEM + 3)
        .map(|n| image(&format!("https://cdn.test/{n}.png"), "x"))
        .collect();
    let items = vec![
        with(
            item("1", None, 1_000),
            vec![
                image("https://cdn.test/chart.png", "A sales chart"),
                NewAttachment {
                    kind: AttachmentKind::Video,
                    url: Some("https://cdn.test/clip.mp4".into()),
                    preview_url: Some("https://cdn.test/clip.jpg".into()),
                    ..Default::default()
                },
                NewAttachment {
                    kind: AttachmentKind::Audio,
                    url: Some("https://cdn.test/a.mp3".into()),
                    ..Default::default()
                },
                NewAttachment {
                    url: Some("javascript:alert(1)".into()),
                    ..Default::default()
                },
            ],
        ),
        item("2", Some("1"), 2_000),
        with(item("3", Some("1"), 3_000), many),
    ];
    ws.ingest(items.clone()).unwrap();
    assert_eq!(
        rows(&ws),
        3 + MAX_PER_ITEM as i64,
        "hostile one dropped, the list capped"
    );
    let report = ws.ingest(items).unwrap();
    assert_eq!(report.duplicates, 3);
    assert_eq!(
        rows(&ws),
        3 + MAX_PER_ITEM as i64,
        "re-ingesting adds nothing"
    );

    let detail = ws.conversation(conversation_of(&ws, "1")).unwrap();
    let first = &detail.items[0].attachments;
    assert_eq!(first.len(), 3);
    assert_eq!(first[0].kind, AttachmentKind::Image);
    assert_eq!(first[0].alt.as_deref(), Some("A sales chart"));
    assert_eq!((first[0].width, first[0].height), (Some(640), Some(480)));
    assert!(
        first[0].has_preview && first[0].preview_src.is_none(),
        "not cached yet"
    );
    assert_eq!(first[2].kind, AttachmentKind::Audio);
    assert!(!first[2].has_preview);
    assert!(detail.items[1].attachments.is_empty());

    crate::media::store(
        &ws,
        "https://cdn.test/chart.png",
        &crate::media::tests::png(b"chart"),
    )
    .unwrap();
    let detail = ws.conversation(detail.conversation.id).unwrap();
    let src = detail.items[0].attachments[0].preview_src.clone().unwrap();
    assert!(src.starts_with("earshot-media://localhost/"), "{src}");
    let id: i64 = detail.items[0].id.parse().unwrap();
    let listed = of_items(&ws, &[id]).unwrap();
    assert_eq!(listed[0].attachments, detail.items[0].attachments);
}

#[test]
fn missing_previews_skip_cached_ones_and_respect_the_limit() {
    let (_dir, ws, _account) = workspace();
    ws.ingest(vec![
        with(
            item("1", None, 1_000),
            vec![
                image("https://cdn.test/a.png", ""),
                image("https://cdn.test/b.png", ""),
            ],
        ),
        with(
            item("2", Some("1"), 2_000),
            vec![image("https://cdn.test/a.png", "the same picture again")],
        ),
    ])
    .unwrap();
    let id = conversation_of(&ws, "1");
    assert_eq!(
        missing_previews(&ws, id, 10).unwrap(),
        ["https://cdn.test/a.png", "https://cdn.test/b.png"],
        "each URL once, oldest first"
    );
    assert_eq!(missing_previews(&ws, id, 1).unwrap().len(), 1);
    crate::media::store(
        &ws,
        "https://cdn.test/a.png",
        &crate::media::tests::png(b"a"),
    )
    .unwrap();
    assert_eq!(
        missing_previews(&ws, id, 10).unwrap(),
        ["https://cdn.test/b.png"]
    );
}

#[tokio::test]
async fn previews_are_fetched_into_the_cache_never_full_size() {
    let (_dir, ws, account) = workspace();
    ws.ingest(vec![with(
        item("1", None, 1_000),
        vec![
            image("https://cdn.test/small.png", "chart"),
            image("https://cdn.test/evil.svg", "svg"),
            NewAttachment {
                kind: AttachmentKind::Audio,
                url: Some("https://cdn.test/a.mp3".into()),
                ..Default::default()
            },
        ],
    )])
    .unwrap();
    let id = conversation_of(&ws, "1");
    let c = WithMedia::new(account);
    let done = fetch_previews(&ws, &c, id).await.unwrap();
    assert_eq!(
        done,
        Fetched {
            stored: 1,
            skipped: 1
        },
        "the SVG is refused"
    );
    let asked = c.asked.lock().unwrap().clone();
    assert!(
        asked
            .iter()
            .all(|u| !u.contains("?full") && !u.ends_with(".mp3")),
        "only previews are fetched: {asked:?}"
    );
    let detail = ws.conversation(id).unwrap();
    assert!(detail.items[0].attachments[0].preview_src.is_some());
    assert!(detail.items[0].attachments[1].preview_src.is_none());

    // Offline: stops with the error, keeps what it had.
    ws.ingest(vec![with(
        item("2", Some("1"), 2_000),
        vec![image("https://offline.test/x.png", "")],
    )])
    .unwrap();
    assert!(fetch_previews(&ws, &c, id).await.is_err());
    assert!(ws.conversation(id).unwrap().items[0].attachments[0]
        .preview_src
        .is_some());
}

#[tokio::test]
async fn a_preview_refused_as_private_is_skipped_and_the_rest_are_fetched() {
    let (_dir, ws, account) = workspace();
    ws.ingest(vec![with(
        item("1", None, 1_000),
        vec![
            image("https://10.0.0.5/router.png", "the router"),
            image("https://cdn.test/fine.png", "fine"),
        ],
    )])
    .unwrap();
    let id = conversation_of(&ws, "1");
    let done = fetch_previews(&ws, &WithMedia::new(account), id)
        .await
        .unwrap();
    assert_eq!(
        done,
        Fetched {
            stored: 1,
            skipped: 1
        },
        "a refusal is no failure: the other preview is fetched"
    );
    let attachments = &ws.conversation(id).unwrap().items[0].attachments;
    assert!(
        attachments[0].preview_src.is_none() && attachments[0].has_preview,
        "the refused one keeps its placeholder"
    );
    assert!(attachments[1].preview_src.is_some());
}
