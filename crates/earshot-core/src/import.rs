//! Importing items from JSON lines, through the same ingest path as sync.
//!
//! One JSON object per line:
//!
//! ```json
//! {"network": "mastodon", "id": "113458812345678901", "account": "lumen@social.example",
//!  "kind": "mention", "author": {"handle": "maria@fosstodon.example", "name": "Maria",
//!  "followers": 1200, "url": "https://fosstodon.example/@maria"},
//!  "html": "<p>…</p>", "created_at": "2026-11-20T09:14:00Z",
//!  "parent": "113458800000000000", "root": "113458800000000000",
//!  "url": "https://fosstodon.example/@maria/113458812345678901", "lang": "en"}
//! ```
//!
//! Required: `network`, `id`, `author.handle`, `created_at`, and `text` or `html`.
//! Optional `attachments`: `[{"kind": "image", "url": "…", "preview_url": "…",
//! "alt": "…", "width": 1200, "height": 800}]` (sanitised by ingest like a
//! network's: [`crate::attachments`]).

use serde::Deserialize;

use crate::attachments::{AttachmentKind, NewAttachment};
use crate::clock::parse_rfc3339_ms;
use crate::item::{Content, ItemKind, NewAuthor, NewItem};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRecord {
    pub network: String,
    pub id: String,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub kind: Option<ItemKind>,
    pub author: ImportAuthor,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub html: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub root: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    /// Images, video, audio or link cards; only `http(s)` URLs are kept.
    #[serde(default)]
    pub attachments: Vec<ImportAttachment>,
}

/// An attachment in an import line: `{"kind": "image", "url": "…",
/// "preview_url": "…", "alt": "…", "width": 1200, "height": 800}`, every field
/// but one of the URLs optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportAttachment {
    /// `image`, `video`, `gifv`, `audio` or `link`; anything else is `unknown`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub preview_url: Option<String>,
    #[serde(default)]
    pub alt: Option<String>,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportAuthor {
    pub handle: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub followers: Option<i64>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub avatar: Option<String>,
}

/// A line that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parses one line into a record, checking what serde cannot.
pub fn parse_line(line: &str) -> Result<ImportRecord, String> {
    let record: ImportRecord = serde_json::from_str(line).map_err(|e| e.to_string())?;
    if record.network.trim().is_empty() || record.id.trim().is_empty() {
        return Err("`network` and `id` must not be empty".into());
    }
    if record.author.handle.trim().is_empty() {
        return Err("`author.handle` must not be empty".into());
    }
    if record.text.is_none() && record.html.is_none() {
        return Err("needs `text` or `html`".into());
    }
    if parse_rfc3339_ms(&record.created_at).is_none() {
        return Err(format!(
            "`created_at` must be RFC 3339 like 2026-11-20T09:14:00Z, not '{}'",
            record.created_at
        ));
    }
    Ok(record)
}

impl ImportRecord {
    /// Converts to an item; `account_id` is resolved by the caller from `account`.
    pub fn into_item(self, account_id: Option<i64>, shift_ms: i64) -> NewItem {
        let created_at = parse_rfc3339_ms(&self.created_at).unwrap_or_default() + shift_ms;
        let content = match (self.html, self.text) {
            (Some(html), _) => Content::Html(html),
            (None, Some(text)) => Content::Text(text),
            (None, None) => Content::Text(String::new()),
        };
        NewItem {
            network: self.network.trim().to_lowercase(),
            remote_id: self.id,
            account_id,
            kind: self.kind.unwrap_or_default(),
            author: NewAuthor {
                handle: self.author.handle,
                display_name: self.author.name,
                url: self.author.url,
                avatar_url: self.author.avatar,
                followers: self.author.followers,
            },
            content,
            created_at,
            parent_remote_id: self.parent,
            root_remote_id: self.root,
            url: self.url,
            lang: self.lang,
            attachments: self
                .attachments
                .into_iter()
                .map(|a| NewAttachment {
                    kind: a
                        .kind
                        .as_deref()
                        .map_or(AttachmentKind::Unknown, AttachmentKind::parse),
                    url: a.url,
                    preview_url: a.preview_url,
                    alt: a.alt,
                    width: a.width,
                    height: a.height,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_lines() {
        let ok = r#"{"network":"bluesky","id":"at://x/1","author":{"handle":"a.test"},"text":"hi","created_at":"2026-11-20T09:14:00Z"}"#;
        let item = parse_line(ok).unwrap().into_item(None, 0);
        assert_eq!(item.content, Content::Text("hi".into()));
        for (line, needle) in [
            (r#"{"network":"bluesky"}"#, "missing field"),
            (
                r#"{"network":"b","id":"1","author":{"handle":"a"},"created_at":"2026-11-20T09:14:00Z"}"#,
                "text",
            ),
            (
                r#"{"network":"b","id":"1","author":{"handle":"a"},"text":"x","created_at":"today"}"#,
                "RFC 3339",
            ),
            (
                r#"{"network":"b","id":"1","author":{"handle":"a"},"text":"x","created_at":"2026-11-20T09:14:00Z","bogus":1}"#,
                "unknown field",
            ),
            (r#"{"network":"b","id":"1","auth"#, "EOF"),
        ] {
            let e = parse_line(line).unwrap_err();
            assert!(e.contains(needle), "{line}: {e}");
        }
    }

    #[test]
    fn attachments_are_optional_and_read_leniently() {
        let line = r#"{"network":"mastodon","id":"1","author":{"handle":"a@x.test"},"text":"look","created_at":"2026-11-20T09:14:00Z","attachments":[{"kind":"image","url":"https://x.test/full.png","preview_url":"https://x.test/small.png","alt":"A chart","width":1200,"height":800},{"kind":"hologram","url":"https://x.test/h"},{"preview_url":"https://x.test/p.jpg"}]}"#;
        let item = parse_line(line).unwrap().into_item(None, 0);
        let kinds: Vec<_> = item.attachments.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [
                AttachmentKind::Image,
                AttachmentKind::Unknown,
                AttachmentKind::Unknown
            ],
            "an unknown or missing kind is `unknown`, not an error"
        );
        assert_eq!(item.attachments[0].alt.as_deref(), Some("A chart"));
        assert_eq!(item.attachments[0].width, Some(1200));
        let bogus = r#"{"network":"m","id":"1","author":{"handle":"a"},"text":"x","created_at":"2026-11-20T09:14:00Z","attachments":[{"url":"https://x.test/a","colour":"red"}]}"#;
        assert!(parse_line(bogus).unwrap_err().contains("unknown field"));
        let no_attachments = r#"{"network":"m","id":"1","author":{"handle":"a"},"text":"x","created_at":"2026-11-20T09:14:00Z"}"#;
        assert!(parse_line(no_attachments)
            .unwrap()
            .into_item(None, 0)
            .attachments
            .is_empty());
    }
}
