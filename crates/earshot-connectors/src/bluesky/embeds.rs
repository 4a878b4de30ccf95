//! A post view's `embed` as [`NewAttachment`]s, per the lexicons:
//! `app.bsky.embed.images#view` (thumb, fullsize, alt, aspectRatio),
//! `app.bsky.embed.video#view` (thumbnail, playlist, alt, aspectRatio),
//! `app.bsky.embed.external#view` (a link card: uri, title, optional thumb) and
//! `app.bsky.embed.recordWithMedia#view` (its media part; the quoted record is
//! a post of its own). A quote alone (`app.bsky.embed.record#view`) carries no
//! media.
//!
//! Only views carry URLs: a post *record* (what a notification holds) names
//! its images by blob CID, so the connector asks `getPosts` for the views of
//! the notifications whose record has media ([`record_has_media`]).
//! Read leniently: a malformed image or an unknown embed type is skipped.

use earshot_core::attachments::{AttachmentKind, NewAttachment};
use serde_json::Value;

const IMAGES_VIEW: &str = "app.bsky.embed.images#view";
const VIDEO_VIEW: &str = "app.bsky.embed.video#view";
const EXTERNAL_VIEW: &str = "app.bsky.embed.external#view";
const RECORD_WITH_MEDIA_VIEW: &str = "app.bsky.embed.recordWithMedia#view";

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `app.bsky.embed.defs#aspectRatio`: width and height, both positive.
fn aspect(v: &Value) -> (Option<u32>, Option<u32>) {
    let Some(ratio) = v.get("aspectRatio") else {
        return (None, None);
    };
    let dim = |key| {
        ratio
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|d| u32::try_from(d).ok())
    };
    match (dim("width"), dim("height")) {
        (Some(w), Some(h)) => (Some(w), Some(h)),
        _ => (None, None),
    }
}

/// The attachments of a post view's `embed`.
pub(super) fn from_view(embed: &Value) -> Vec<NewAttachment> {
    from_view_at(embed, 0)
}

fn from_view_at(embed: &Value, depth: u8) -> Vec<NewAttachment> {
    match embed.get("$type").and_then(Value::as_str) {
        Some(IMAGES_VIEW) => embed
            .get("images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|image| image.is_object())
            .map(|image| {
                let (width, height) = aspect(image);
                NewAttachment {
                    kind: AttachmentKind::Image,
                    url: text(image, "fullsize"),
                    preview_url: text(image, "thumb"),
                    alt: text(image, "alt"),
                    width,
                    height,
                }
            })
            .collect(),
        Some(VIDEO_VIEW) => {
            let (width, height) = aspect(embed);
            vec![NewAttachment {
                kind: AttachmentKind::Video,
                url: text(embed, "playlist"),
                preview_url: text(embed, "thumbnail"),
                alt: text(embed, "alt"),
                width,
                height,
            }]
        }
        Some(EXTERNAL_VIEW) => {
            let Some(external) = embed.get("external").filter(|e| e.is_object()) else {
                return Vec::new();
            };
            vec![NewAttachment {
                kind: AttachmentKind::Link,
                url: text(external, "uri"),
                preview_url: text(external, "thumb"),
                alt: text(external, "title").filter(|t| !t.trim().is_empty()),
                width: None,
                height: None,
            }]
        }
        // A hostile server could nest these without end: one level is all the
        // lexicon allows.
        Some(RECORD_WITH_MEDIA_VIEW) if depth == 0 => embed
            .get("media")
            .map(|media| from_view_at(media, depth + 1))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether a post record embeds media (images, video, a link card, or media
/// beside a quote), so its view is worth asking for.
pub(super) fn record_has_media(record: &Value) -> bool {
    matches!(
        record
            .get("embed")
            .and_then(|e| e.get("$type"))
            .and_then(Value::as_str),
        Some(
            "app.bsky.embed.images"
                | "app.bsky.embed.video"
                | "app.bsky.embed.external"
                | "app.bsky.embed.recordWithMedia"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DID: &str = "did:plc:z72i7hdynmk6r22z27h6tvur";

    fn images_view() -> Value {
        json!({
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": format!("https://cdn.bsky.app/img/feed_thumbnail/plain/{DID}/bafkreia@jpeg"),
                    "fullsize": format!("https://cdn.bsky.app/img/feed_fullsize/plain/{DID}/bafkreia@jpeg"),
                    "alt": "A chart of sync errors by day",
                    "aspectRatio": {"width": 2000, "height": 1125}
                },
                {
                    "thumb": format!("https://cdn.bsky.app/img/feed_thumbnail/plain/{DID}/bafkreib@jpeg"),
                    "fullsize": format!("https://cdn.bsky.app/img/feed_fullsize/plain/{DID}/bafkreib@jpeg"),
                    "alt": ""
                }
            ]
        })
    }

    #[test]
    fn images_become_image_attachments_with_thumb_as_preview() {
        let got = from_view(&images_view());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].kind, AttachmentKind::Image);
        assert!(got[0]
            .preview_url
            .as_deref()
            .unwrap()
            .contains("feed_thumbnail"));
        assert!(got[0].url.as_deref().unwrap().contains("feed_fullsize"));
        assert_eq!(got[0].alt.as_deref(), Some("A chart of sync errors by day"));
        assert_eq!((got[0].width, got[0].height), (Some(2000), Some(1125)));
        assert_eq!(
            (got[1].width, got[1].height),
            (None, None),
            "aspectRatio is optional"
        );
    }

    #[test]
    fn video_external_and_record_with_media() {
        let video = json!({
            "$type": "app.bsky.embed.video#view",
            "cid": "bafkreivideo",
            "playlist": format!("https://video.bsky.app/watch/{DID}/bafkreivideo/playlist.m3u8"),
            "thumbnail": format!("https://video.bsky.app/watch/{DID}/bafkreivideo/thumbnail.jpg"),
            "alt": "A screen recording",
            "aspectRatio": {"width": 1920, "height": 1080}
        });
        let got = from_view(&video);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].kind, AttachmentKind::Video);
        assert!(got[0].url.as_deref().unwrap().ends_with("playlist.m3u8"));
        assert!(got[0]
            .preview_url
            .as_deref()
            .unwrap()
            .ends_with("thumbnail.jpg"));

        let external = json!({
            "$type": "app.bsky.embed.external#view",
            "external": {
                "uri": "https://status.example/incident/42",
                "title": "Sync outage",
                "description": "Resolved",
                "thumb": format!("https://cdn.bsky.app/img/feed_thumbnail/plain/{DID}/bafkreithumb@jpeg")
            }
        });
        let got = from_view(&external);
        assert_eq!(got[0].kind, AttachmentKind::Link);
        assert_eq!(
            got[0].url.as_deref(),
            Some("https://status.example/incident/42")
        );
        assert_eq!(got[0].alt.as_deref(), Some("Sync outage"));
        let no_thumb = json!({"$type": "app.bsky.embed.external#view",
            "external": {"uri": "https://x.test/", "title": "", "description": ""}});
        let got = from_view(&no_thumb);
        assert_eq!(
            (got[0].preview_url.as_deref(), got[0].alt.as_deref()),
            (None, None)
        );

        let with_media = json!({
            "$type": "app.bsky.embed.recordWithMedia#view",
            "record": {"$type": "app.bsky.embed.record#view",
                       "record": {"$type": "app.bsky.embed.record#viewRecord",
                                  "uri": "at://did:plc:x/app.bsky.feed.post/1", "cid": "c"}},
            "media": images_view()
        });
        assert_eq!(from_view(&with_media).len(), 2, "the media part");
        let quote = json!({"$type": "app.bsky.embed.record#view", "record": {}});
        assert!(from_view(&quote).is_empty(), "a quote alone has no media");
    }

    #[test]
    fn malformed_embeds_do_not_panic() {
        for bad in [
            json!(null),
            json!("images"),
            json!({"$type": "app.bsky.embed.images#view", "images": "nope"}),
            json!({"$type": "app.bsky.embed.images#view", "images": [1, null, "x"]}),
            json!({"$type": "app.bsky.embed.external#view", "external": 5}),
            json!({"$type": "app.bsky.embed.recordWithMedia#view",
                   "media": {"$type": "app.bsky.embed.recordWithMedia#view",
                             "media": images_view()}}),
            json!({"$type": "app.bsky.embed.future#view", "images": []}),
        ] {
            assert!(from_view(&bad).is_empty(), "{bad}");
        }
        let odd = from_view(&json!({"$type": "app.bsky.embed.images#view",
            "images": [{"thumb": 7, "alt": ["x"], "aspectRatio": {"width": -1, "height": 2}}]}));
        assert_eq!(
            odd.len(),
            1,
            "kept as far as it reads; the core drops what has no URL"
        );
        assert_eq!((odd[0].preview_url.as_deref(), odd[0].width), (None, None));
    }

    #[test]
    fn records_with_media_are_told_apart() {
        let record = |t: &str| json!({"text": "x", "embed": {"$type": t}});
        assert!(record_has_media(&record("app.bsky.embed.images")));
        assert!(record_has_media(&record("app.bsky.embed.video")));
        assert!(record_has_media(&record("app.bsky.embed.recordWithMedia")));
        assert!(record_has_media(&record("app.bsky.embed.external")));
        assert!(!record_has_media(&record("app.bsky.embed.record")));
        assert!(!record_has_media(&json!({"text": "x"})));
    }
}
