//! Images (avatars, attachments) kept for offline reading.
//!
//! Their bytes live as BLOBs in the `media` table of the encrypted cache, never
//! as files: the desktop shell serves them to the webview from there through
//! its `earshot-media:` URI scheme. Only PNG, JPEG, GIF and WebP are kept, each
//! at most [`MAX_MEDIA_BYTES`], and a file must look like the type it claims
//! (its first bytes are checked), so nothing else can be smuggled in as an image.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::connector::FetchedMedia;
use crate::error::{Error, Result};
use crate::Workspace;

/// The largest image kept (5 MiB); larger ones are skipped.
pub const MAX_MEDIA_BYTES: usize = 5 * 1024 * 1024;

/// The URI scheme the shell serves cached images on: `earshot-media://localhost/<id>`.
pub const SCHEME: &str = "earshot-media";

/// Why an image was not kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaRefused {
    #[error("{0} is not an image type Earshot keeps (PNG, JPEG, GIF, WebP)")]
    Type(String),
    #[error("the image is {0} bytes, over the {MAX_MEDIA_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("the file does not look like the {0} it claims to be")]
    Mismatch(&'static str),
}

/// The type an image is kept as: the one it claims, when it is allowed and its
/// first bytes agree.
pub fn check(fetched: &FetchedMedia) -> std::result::Result<&'static str, MediaRefused> {
    if fetched.bytes.len() > MAX_MEDIA_BYTES {
        return Err(MediaRefused::TooLarge(fetched.bytes.len()));
    }
    let claimed = fetched
        .content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let kind: &'static str = match claimed.as_str() {
        "image/png" => "image/png",
        "image/jpeg" | "image/jpg" => "image/jpeg",
        "image/gif" => "image/gif",
        "image/webp" => "image/webp",
        _ => return Err(MediaRefused::Type(claimed)),
    };
    let b = fetched.bytes.as_slice();
    let looks_right = match kind {
        "image/png" => b.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => b.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/gif" => b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a"),
        _ => b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP",
    };
    if !looks_right {
        return Err(MediaRefused::Mismatch(kind));
    }
    Ok(kind)
}

/// A cached image, as the shell serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMedia {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Keeps an image (after [`check`]), replacing an older copy of the same URL.
/// Returns its id.
pub fn store(ws: &Workspace, url: &str, fetched: &FetchedMedia) -> Result<i64> {
    let kind = check(fetched).map_err(|e| Error::Invalid(e.to_string()))?;
    let now = ws.now();
    ws.store().write(|tx| -> Result<i64> {
        Ok(tx
            .prepare_cached(
                "INSERT INTO media (url, content_type, bytes, fetched_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (url) DO UPDATE SET content_type = excluded.content_type,
                     bytes = excluded.bytes, fetched_at = excluded.fetched_at
                 RETURNING id",
            )?
            .query_row(params![url, kind, fetched.bytes, now], |r| r.get(0))?)
    })
}

/// Whether an image of this URL is cached.
pub fn has(ws: &Workspace, url: &str) -> Result<bool> {
    ws.store().read(|c| -> Result<bool> {
        Ok(c.prepare_cached("SELECT 1 FROM media WHERE url = ?1")?
            .exists([url])?)
    })
}

/// A cached image by id.
pub fn get(ws: &Workspace, id: i64) -> Result<Option<StoredMedia>> {
    ws.store().read(|c| -> Result<_> {
        Ok(
            c.prepare_cached("SELECT content_type, bytes FROM media WHERE id = ?1")?
                .query_row([id], |r| {
                    Ok(StoredMedia {
                        content_type: r.get(0)?,
                        bytes: r.get(1)?,
                    })
                })
                .optional()?,
        )
    })
}

/// The cached image an `earshot-media://localhost/<id>` request asks for
/// (its path, `/<id>`); `None` for any other path or an unknown id.
pub fn for_path(ws: &Workspace, path: &str) -> Result<Option<StoredMedia>> {
    match path.trim_start_matches('/').parse::<i64>() {
        Ok(id) => get(ws, id),
        Err(_) => Ok(None),
    }
}

/// The address the webview loads a cached image from.
pub fn src(id: i64) -> String {
    format!("{SCHEME}://localhost/{id}")
}

/// An author's cached avatar, for the thread pane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CachedAvatar {
    pub handle: String,
    /// `earshot-media://localhost/<id>`: served from the encrypted cache.
    pub src: String,
}

/// The cached avatars of the authors in a conversation.
pub fn avatars(ws: &Workspace, conversation_id: i64) -> Result<Vec<CachedAvatar>> {
    ws.store().read(|c| -> Result<_> {
        let mut stmt = c.prepare_cached(
            "SELECT DISTINCT a.handle, m.id FROM items i
               JOIN authors a ON a.id = i.author_id
               JOIN media m ON m.url = a.avatar_url
             WHERE i.conversation_id = ?1 ORDER BY a.handle",
        )?;
        let rows = stmt.query_map([conversation_id], |r| {
            Ok(CachedAvatar {
                handle: r.get(0)?,
                src: src(r.get(1)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

/// The avatar URLs of a conversation's authors that are not cached yet.
pub fn missing_avatars(ws: &Workspace, conversation_id: i64) -> Result<Vec<String>> {
    ws.store().read(|c| -> Result<_> {
        let mut stmt = c.prepare_cached(
            "SELECT DISTINCT a.avatar_url FROM items i
               JOIN authors a ON a.id = i.author_id
             WHERE i.conversation_id = ?1 AND a.avatar_url IS NOT NULL
               AND a.avatar_url NOT IN (SELECT url FROM media)",
        )?;
        let rows = stmt.query_map([conversation_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny valid PNG header followed by a marker the encryption test looks for.
    pub fn png(marker: &[u8]) -> FetchedMedia {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend_from_slice(marker);
        FetchedMedia {
            content_type: "image/png".into(),
            bytes,
        }
    }

    #[test]
    fn only_allowed_types_that_look_like_themselves_are_kept() {
        assert_eq!(check(&png(b"x")), Ok("image/png"));
        let jpeg = FetchedMedia {
            content_type: "Image/JPEG; charset=binary".into(),
            bytes: vec![0xFF, 0xD8, 0xFF, 0xE0, 0],
        };
        assert_eq!(
            check(&jpeg),
            Ok("image/jpeg"),
            "parameters and case ignored"
        );
        let gif = FetchedMedia {
            content_type: "image/gif".into(),
            bytes: b"GIF89a....".to_vec(),
        };
        assert_eq!(check(&gif), Ok("image/gif"));
        let webp = FetchedMedia {
            content_type: "image/webp".into(),
            bytes: b"RIFF\0\0\0\0WEBPVP8 ".to_vec(),
        };
        assert_eq!(check(&webp), Ok("image/webp"));

        let svg = FetchedMedia {
            content_type: "image/svg+xml".into(),
            bytes: b"<svg onload=alert(1)>".to_vec(),
        };
        assert!(
            matches!(check(&svg), Err(MediaRefused::Type(_))),
            "SVG can carry script: never kept"
        );
        let html_as_png = FetchedMedia {
            content_type: "image/png".into(),
            bytes: b"<html>".to_vec(),
        };
        assert_eq!(
            check(&html_as_png),
            Err(MediaRefused::Mismatch("image/png")),
            "a body that is not what it claims is refused"
        );
    }

    #[test]
    fn images_over_the_cap_are_refused() {
        let mut big = png(b"");
        big.bytes.resize(MAX_MEDIA_BYTES, 0);
        assert!(check(&big).is_ok(), "exactly the cap is fine");
        big.bytes.push(0);
        assert_eq!(
            check(&big),
            Err(MediaRefused::TooLarge(MAX_MEDIA_BYTES + 1))
        );
    }

    #[test]
    fn a_stored_image_is_read_back_by_id_and_replaced_by_url() {
        let (_dir, ws, _account) = crate::sync::testing::workspace();
        let url = "https://example.test/a.png";
        assert!(!has(&ws, url).unwrap());
        let id = store(&ws, url, &png(b"one")).unwrap();
        assert!(has(&ws, url).unwrap());
        let got = get(&ws, id).unwrap().unwrap();
        assert_eq!(got.content_type, "image/png");
        assert!(got.bytes.ends_with(b"one"));
        let again = store(&ws, url, &png(b"two")).unwrap();
        assert_eq!(again, id, "same URL, same row");
        assert!(get(&ws, id).unwrap().unwrap().bytes.ends_with(b"two"));
        assert_eq!(get(&ws, id + 1).unwrap(), None);
        assert_eq!(
            for_path(&ws, &format!("/{id}")).unwrap(),
            get(&ws, id).unwrap()
        );
        assert_eq!(for_path(&ws, "/../earshot.db").unwrap(), None, "only ids");
        assert_eq!(src(id), format!("earshot-media://localhost/{id}"));
    }
}
