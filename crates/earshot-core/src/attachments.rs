//! Attachments of items: images, video, GIFs, audio and link cards, as the
//! networks describe them, and their previews kept for offline reading.
//!
//! Connectors and imports report them on [`NewItem`](crate::item::NewItem);
//! ingest stores them with their item ([`store`], one call in the writer that
//! does nothing for the many items without any). What came from a network is
//! hostile: only `http(s)` URLs are kept, alt text is capped, sizes are
//! bounded, and an item keeps at most [`MAX_PER_ITEM`].
//!
//! Only previews are ever fetched (never a full-size image, never a video or
//! a sound): into the encrypted cache's `media` table, through the account's
//! connector and [`crate::media::store`]'s checks, at most
//! [`MAX_PREVIEWS_PER_THREAD`] per conversation at a time. The thread pane asks
//! for them once it has shown the thread ([`fetch_previews`]); saving a
//! conversation fetches them with the thread ([`crate::saved`]). A preview not
//! cached is shown as a box with its alt text.

use std::collections::HashMap;

use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

use crate::connector::{Connector, ConnectorError};
use crate::error::{Error, Result};
use crate::inbox::ItemView;
use crate::Workspace;

/// Attachments an item keeps at most (Mastodon allows 4, Bluesky 4 images);
/// the rest of a hostile list is dropped.
pub const MAX_PER_ITEM: usize = 8;
/// Alt text kept at most, in characters (Mastodon's limit is 1,500; Bluesky
/// allows more).
pub const MAX_ALT_CHARS: usize = 2_000;
/// The longest URL kept, in bytes.
pub const MAX_URL_BYTES: usize = 2_048;
/// A width or height above this is no real picture: dropped.
pub const MAX_DIMENSION: u32 = 100_000;
/// Previews fetched for one conversation at a time when its thread is shown or
/// saved; a thread of hundreds of pictures would otherwise spend the request
/// budget on them. The rest come at the next opening.
pub const MAX_PREVIEWS_PER_THREAD: usize = 40;

/// What an attachment is, normalised across networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentKind {
    Image,
    Video,
    /// A short looping video without sound (what Mastodon makes of a GIF).
    Gifv,
    Audio,
    /// A link card: the page's URL, its title as the alt text, its thumbnail.
    Link,
    #[default]
    Unknown,
}

impl AttachmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Gifv => "gifv",
            Self::Audio => "audio",
            Self::Link => "link",
            Self::Unknown => "unknown",
        }
    }

    /// Reads a kind; anything unknown is [`AttachmentKind::Unknown`].
    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "image" => Self::Image,
            "video" => Self::Video,
            "gifv" => Self::Gifv,
            "audio" => Self::Audio,
            "link" => Self::Link,
            _ => Self::Unknown,
        }
    }
}

/// An attachment as a connector or an import reports it, before ingest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewAttachment {
    pub kind: AttachmentKind,
    /// The full-size file (or, for a link card, the page); opened in the
    /// browser, never fetched.
    pub url: Option<String>,
    /// A small image to show in the thread: the one thing fetched and cached.
    pub preview_url: Option<String>,
    /// The alt text or description the author wrote.
    pub alt: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl NewAttachment {
    /// The attachment with hostile parts dropped: URLs that are not `http(s)`,
    /// over-long alt text (cut at [`MAX_ALT_CHARS`]), impossible sizes. `None`
    /// when no URL is left to show or open.
    pub fn sanitised(self) -> Option<Self> {
        let url = self.url.as_deref().and_then(http_url);
        let preview_url = self.preview_url.as_deref().and_then(http_url);
        if url.is_none() && preview_url.is_none() {
            return None;
        }
        let alt = self.alt.as_deref().map(clean_alt).filter(|a| !a.is_empty());
        let dimension = |d: Option<u32>| d.filter(|&d| d > 0 && d <= MAX_DIMENSION);
        Some(Self {
            kind: self.kind,
            url,
            preview_url,
            alt,
            width: dimension(self.width),
            height: dimension(self.height),
        })
    }
}

/// `text` when it is an absolute `http(s)` URL with a host, of at most
/// [`MAX_URL_BYTES`] and without spaces or control characters.
pub fn http_url(text: &str) -> Option<String> {
    let text = text.trim();
    if text.len() > MAX_URL_BYTES || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &text[8..]
    } else if lower.starts_with("http://") {
        &text[7..]
    } else {
        return None;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return None;
    }
    Some(text.to_owned())
}

/// Alt text on one line of at most [`MAX_ALT_CHARS`] characters, control
/// characters dropped (it is shown as text, never as HTML).
fn clean_alt(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars().take(MAX_ALT_CHARS) {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.trim_end().to_owned()
}

/// Stores a new item's attachments, sanitised, in the writer's transaction.
/// Called by ingest right after the item is inserted; an item without
/// attachments (most) costs nothing. Storing the same item's again keeps one
/// copy (the key is the item and the position).
pub(crate) fn store(
    tx: &Transaction<'_>,
    item_id: i64,
    attachments: &[NewAttachment],
) -> Result<()> {
    if attachments.is_empty() {
        return Ok(());
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO attachments (item_id, position, kind, url, preview_url, alt, width, height)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (item_id, position) DO NOTHING",
    )?;
    let kept = attachments
        .iter()
        .filter_map(|a| a.clone().sanitised())
        .take(MAX_PER_ITEM);
    for (position, a) in kept.enumerate() {
        insert.execute(params![
            item_id,
            position as i64,
            a.kind.as_str(),
            a.url,
            a.preview_url,
            a.alt,
            a.width,
            a.height,
        ])?;
    }
    Ok(())
}

/// An attachment as the thread pane shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Attachment {
    pub kind: AttachmentKind,
    /// The full-size file or the page, to open in the browser (never loaded
    /// in the app).
    pub url: Option<String>,
    pub alt: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Whether the network offers a preview image at all.
    pub has_preview: bool,
    /// `earshot-media://localhost/<id>` once the preview is in the encrypted
    /// cache; `None` while it is not (offline, or not fetched yet).
    pub preview_src: Option<String>,
}

/// One item's attachments, for the thread pane to refresh one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ItemAttachments {
    pub item_id: String,
    pub attachments: Vec<Attachment>,
}

const VIEW_COLUMNS: &str = "t.item_id, t.kind, t.url, t.alt, t.width, t.height,
    t.preview_url IS NOT NULL, m.id";

fn view_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Attachment)> {
    let kind: String = r.get(1)?;
    Ok((
        r.get(0)?,
        Attachment {
            kind: AttachmentKind::parse(&kind),
            url: r.get(2)?,
            alt: r.get(3)?,
            width: r.get(4)?,
            height: r.get(5)?,
            has_preview: r.get(6)?,
            preview_src: r.get::<_, Option<i64>>(7)?.map(crate::media::src),
        },
    ))
}

/// Fills in the attachments of a conversation's items (the thread pane's
/// detail), with their cached previews.
pub(crate) fn fill(conn: &Connection, conversation_id: i64, items: &mut [ItemView]) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VIEW_COLUMNS} FROM items i
           JOIN attachments t ON t.item_id = i.id
           LEFT JOIN media m ON m.url = t.preview_url
         WHERE i.conversation_id = ?1 ORDER BY t.item_id, t.position"
    ))?;
    let mut by_item: HashMap<String, Vec<Attachment>> = HashMap::new();
    for row in stmt.query_map([conversation_id], view_from_row)? {
        let (item_id, attachment) = row?;
        by_item
            .entry(item_id.to_string())
            .or_default()
            .push(attachment);
    }
    if by_item.is_empty() {
        return Ok(());
    }
    for item in items {
        if let Some(list) = by_item.remove(&item.id) {
            item.attachments = list;
        }
    }
    Ok(())
}

/// The attachments of these items (store ids), with their cached previews.
pub fn of_items(ws: &Workspace, item_ids: &[i64]) -> Result<Vec<ItemAttachments>> {
    ws.store().read(|c| -> Result<_> {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {VIEW_COLUMNS} FROM attachments t
               LEFT JOIN media m ON m.url = t.preview_url
             WHERE t.item_id = ?1 ORDER BY t.position"
        ))?;
        let mut out = Vec::with_capacity(item_ids.len());
        for &id in item_ids {
            let attachments = stmt
                .query_map([id], view_from_row)?
                .map(|r| r.map(|(_, a)| a))
                .collect::<rusqlite::Result<_>>()?;
            out.push(ItemAttachments {
                item_id: id.to_string(),
                attachments,
            });
        }
        Ok(out)
    })
}

/// The preview URLs of a conversation's attachments that are not cached yet,
/// oldest item first, at most `limit`.
pub fn missing_previews(ws: &Workspace, conversation_id: i64, limit: usize) -> Result<Vec<String>> {
    ws.store().read(|c| -> Result<_> {
        let mut stmt = c.prepare_cached(
            "SELECT t.preview_url FROM items i
               JOIN attachments t ON t.item_id = i.id
             WHERE i.conversation_id = ?1 AND t.preview_url IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM media m WHERE m.url = t.preview_url)
             GROUP BY t.preview_url ORDER BY min(i.id), min(t.position) LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![conversation_id, limit as i64], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

/// The conversations these items belong to (each once), and the account each
/// came through.
pub fn conversations_of(ws: &Workspace, item_ids: &[i64]) -> Result<Vec<(i64, Option<i64>)>> {
    ws.store().read(|c| -> Result<_> {
        let mut stmt = c.prepare_cached(
            "SELECT c.id, c.account_id FROM items i JOIN conversations c ON c.id = i.conversation_id
             WHERE i.id = ?1",
        )?;
        let mut out: Vec<(i64, Option<i64>)> = Vec::new();
        for &id in item_ids {
            let mut rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            if let Some(row) = rows.next() {
                let row = row?;
                if !out.iter().any(|(c, _)| *c == row.0) {
                    out.push(row);
                }
            }
        }
        Ok(out)
    })
}

/// What [`fetch`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fetched {
    pub stored: usize,
    /// Refused (not an image, too large, a mismatch) or not given by the server.
    pub skipped: usize,
}

/// Fetches images by URL through the connector into the encrypted cache, each
/// at most [`crate::media::MAX_MEDIA_BYTES`] and checked by
/// [`crate::media::store`]. A transient failure (offline, rate limited) stops
/// here with the error; a refused image is skipped.
pub async fn fetch(ws: &Workspace, connector: &dyn Connector, urls: &[String]) -> Result<Fetched> {
    let mut done = Fetched::default();
    for url in urls {
        match connector
            .fetch_media(url, crate::media::MAX_MEDIA_BYTES)
            .await
        {
            Ok(fetched) => match crate::media::store(ws, url, &fetched) {
                Ok(_) => done.stored += 1,
                Err(Error::Invalid(_)) => done.skipped += 1,
                Err(e) => return Err(e),
            },
            Err(e) if e.is_transient() => return Err(e.into()),
            Err(ConnectorError::Unsupported { .. }) => return Ok(done),
            Err(_) => done.skipped += 1,
        }
    }
    Ok(done)
}

/// Fetches the missing previews of a conversation (at most
/// [`MAX_PREVIEWS_PER_THREAD`]) through its account's connector.
pub async fn fetch_previews(
    ws: &Workspace,
    connector: &dyn Connector,
    conversation_id: i64,
) -> Result<Fetched> {
    let urls = missing_previews(ws, conversation_id, MAX_PREVIEWS_PER_THREAD)?;
    if urls.is_empty() {
        return Ok(Fetched::default());
    }
    fetch(ws, connector, &urls).await
}

#[cfg(test)]
mod tests;
