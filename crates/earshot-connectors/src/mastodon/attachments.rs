//! A status's `media_attachments` (Mastodon's MediaAttachment entity) as
//! [`NewAttachment`]s.
//!
//! Read one by one and leniently: an entry that is not an object, or whose
//! fields have the wrong types, is skipped; the core sanitises what is kept
//! (`http(s)` URLs only, alt text capped). `url` is null while a remote file
//! has not been fetched by the server: `remote_url` stands in. Sizes come from
//! `meta.original`, else `meta.small`.

use earshot_core::attachments::{AttachmentKind, NewAttachment};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
struct MediaAttachment {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    preview_url: Option<String>,
    #[serde(default)]
    remote_url: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    meta: Option<Value>,
}

/// `meta.original` or `meta.small`: `width` and `height` when both are
/// positive integers.
fn size(meta: Option<&Value>) -> (Option<u32>, Option<u32>) {
    let dims = |v: &Value| {
        let w = v
            .get("width")?
            .as_u64()
            .and_then(|w| u32::try_from(w).ok())?;
        let h = v
            .get("height")?
            .as_u64()
            .and_then(|h| u32::try_from(h).ok())?;
        Some((w, h))
    };
    meta.and_then(|m| {
        m.get("original")
            .and_then(dims)
            .or_else(|| m.get("small").and_then(dims))
    })
    .map_or((None, None), |(w, h)| (Some(w), Some(h)))
}

/// The attachments of a status, skipping the unreadable.
pub(super) fn parse(values: &[Value]) -> Vec<NewAttachment> {
    values
        .iter()
        .filter_map(|value| {
            let m = MediaAttachment::deserialize(value).ok()?;
            let (width, height) = size(m.meta.as_ref());
            let kind = m
                .kind
                .as_deref()
                .map_or(AttachmentKind::Unknown, AttachmentKind::parse);
            // Mastodon has no link cards among attachments.
            let kind = if kind == AttachmentKind::Link {
                AttachmentKind::Unknown
            } else {
                kind
            };
            Some(NewAttachment {
                kind,
                url: m.url.or(m.remote_url),
                preview_url: m.preview_url,
                alt: m.description,
                width,
                height,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Shaped as the MediaAttachment entity's documentation shows it.
    fn documented() -> Vec<Value> {
        vec![
            json!({
                "id": "22345792",
                "type": "image",
                "url": "https://files.mastodon.social/media_attachments/files/022/345/792/original/57859aede991da25.jpeg",
                "preview_url": "https://files.mastodon.social/media_attachments/files/022/345/792/small/57859aede991da25.jpeg",
                "remote_url": null,
                "text_url": "https://mastodon.social/media/2N4uvkuUtPVrkZGysms",
                "meta": {
                    "original": {"width": 640, "height": 480, "size": "640x480", "aspect": 1.3333333333333333},
                    "small": {"width": 461, "height": 346, "size": "461x346", "aspect": 1.3323699421965318},
                    "focus": {"x": -0.27, "y": 0.51}
                },
                "description": "test media description",
                "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}"
            }),
            json!({
                "id": "22546306",
                "type": "video",
                "url": "https://files.mastodon.social/media_attachments/files/022/546/306/original/dab9a597f68b9745.mp4",
                "preview_url": "https://files.mastodon.social/media_attachments/files/022/546/306/small/dab9a597f68b9745.png",
                "remote_url": null,
                "meta": {
                    "length": "0:01:28.65", "duration": 88.65, "fps": 24,
                    "size": "1280x720", "width": 1280, "height": 720, "aspect": 1.7777777777777777,
                    "audio_encode": "aac (LC) (mp4a / 0x6134706D)", "audio_bitrate": "44100 Hz",
                    "audio_channels": "stereo",
                    "original": {"width": 1280, "height": 720, "frame_rate": "6159375/249269",
                                 "duration": 88.654, "bitrate": 862056},
                    "small": {"width": 400, "height": 225, "size": "400x225", "aspect": 1.7777777777777777}
                },
                "description": null,
                "blurhash": "U58E0g8_0M.94T?bIr00?bD%NGoM?bD%oLt7"
            }),
            json!({
                "id": "21130559",
                "type": "audio",
                "url": "https://files.mastodon.social/media_attachments/files/021/130/559/original/4d5f9fc5cfbc5a48.mp3",
                "preview_url": null,
                "remote_url": null,
                "meta": {"length": "0:06:42.86", "duration": 402.86, "audio_encode": "mp3",
                         "original": {"duration": 402.860408, "bitrate": 166290}},
                "description": null,
                "blurhash": null
            }),
            json!({
                "id": "109343178211010425",
                "type": "gifv",
                "url": null,
                "preview_url": "https://cdn.example.test/small/anim.png",
                "remote_url": "https://remote.example/anim.mp4",
                "meta": {"small": {"width": 400, "height": 300}},
                "description": "A cat, looping",
                "blurhash": null
            }),
            json!({
                "id": "4",
                "type": "unknown",
                "url": null,
                "preview_url": null,
                "remote_url": "https://remote.example/file.bin",
                "description": null
            }),
        ]
    }

    #[test]
    fn documented_attachments_are_read() {
        let got = parse(&documented());
        assert_eq!(got.len(), 5);
        assert_eq!(
            got[0],
            NewAttachment {
                kind: AttachmentKind::Image,
                url: Some("https://files.mastodon.social/media_attachments/files/022/345/792/original/57859aede991da25.jpeg".into()),
                preview_url: Some("https://files.mastodon.social/media_attachments/files/022/345/792/small/57859aede991da25.jpeg".into()),
                alt: Some("test media description".into()),
                width: Some(640),
                height: Some(480),
            }
        );
        assert_eq!(got[1].kind, AttachmentKind::Video);
        assert_eq!((got[1].width, got[1].height), (Some(1280), Some(720)));
        assert_eq!(got[1].alt, None);
        assert_eq!(got[2].kind, AttachmentKind::Audio);
        assert_eq!(got[2].preview_url, None);
        assert_eq!(
            (got[2].width, got[2].height),
            (None, None),
            "audio has no size"
        );
        assert_eq!(got[3].kind, AttachmentKind::Gifv);
        assert_eq!(
            got[3].url.as_deref(),
            Some("https://remote.example/anim.mp4"),
            "a remote file not fetched yet: remote_url stands in"
        );
        assert_eq!(
            (got[3].width, got[3].height),
            (Some(400), Some(300)),
            "small when no original"
        );
        assert_eq!(got[4].kind, AttachmentKind::Unknown);
    }

    #[test]
    fn malformed_entries_are_skipped_without_panicking() {
        let got = parse(&[
            json!("a string"),
            json!(null),
            json!({"type": 5, "url": "https://x.test/a.png"}),
            json!({"type": "image", "url": ["no"]}),
            json!({"type": "image", "preview_url": "https://x.test/p.png",
                   "meta": {"original": {"width": -1, "height": "tall"}}}),
            json!({"type": "link", "url": "https://x.test/"}),
        ]);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!((got[0].width, got[0].height), (None, None));
        assert_eq!(
            got[1].kind,
            AttachmentKind::Unknown,
            "no link cards on Mastodon"
        );
    }
}

#[cfg(test)]
mod status_tests {
    use super::super::model::{KindRule, Mapper};
    use serde_json::json;

    fn status(media: serde_json::Value) -> serde_json::Value {
        json!({
            "id": "1", "created_at": "2025-11-22T10:00:00.000Z", "content": "<p>look</p>",
            "account": {"id": "9", "acct": "bob"},
            "media_attachments": media
        })
    }

    #[test]
    fn a_status_carries_its_attachments_and_survives_bad_ones() {
        let mapper = Mapper {
            host: "social.test".into(),
            account_id: 1,
            me: None,
        };
        let item = mapper
            .status_value(
                status(json!([{"id": "5", "type": "image",
                    "url": "https://social.test/o.png", "preview_url": "https://social.test/s.png",
                    "description": "alt"}, 17])),
                KindRule::Infer,
            )
            .unwrap()
            .unwrap();
        assert_eq!(item.attachments.len(), 1);
        assert_eq!(item.attachments[0].alt.as_deref(), Some("alt"));
        for odd in [json!("not a list"), json!(null), json!({"0": {}})] {
            let item = mapper
                .status_value(status(odd), KindRule::Infer)
                .unwrap()
                .expect("a status with unreadable attachments is still read");
            assert!(item.attachments.is_empty());
        }
    }
}
