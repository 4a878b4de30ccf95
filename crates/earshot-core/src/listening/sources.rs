//! Listening sources: what Earshot reads without an account of its own (RSS
//! and Atom feeds, Hacker News searches, searches on Bluesky and Mastodon
//! through a signed-in account).
//!
//! The core keeps each source's poll state (conditional-GET validators, a
//! cursor, failures) and decides when one is due: every `interval_secs`, and
//! after failures twice as long each time (up to a day). Fetching is the
//! connectors' job; what they bring is ingested with [`Workspace::ingest_from_source`],
//! so it is matched by listening queries and kept out of the inbox.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::item::NewItem;
use crate::Workspace;

/// Shortest interval between two polls of one source: polite to small servers.
pub const MIN_INTERVAL_SECS: i64 = 60;
pub const DEFAULT_INTERVAL_SECS: i64 = 900;
/// Longest wait after repeated failures.
const MAX_BACKOFF_SECS: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum SourceKind {
    /// An RSS or Atom feed; the target is its URL.
    Feed,
    /// Hacker News stories and comments (Algolia's search API); the target is the search terms.
    HackerNews,
    /// Bluesky's `searchPosts`, through a signed-in Bluesky account; the target is the terms.
    BlueskySearch,
    /// Mastodon's search, through a signed-in Mastodon account; the target is the
    /// terms, or `#tag` for a hashtag timeline.
    MastodonSearch,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feed => "feed",
            Self::HackerNews => "hackernews",
            Self::BlueskySearch => "bluesky-search",
            Self::MastodonSearch => "mastodon-search",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "feed" | "rss" | "atom" => Self::Feed,
            "hackernews" | "hn" => Self::HackerNews,
            "bluesky-search" | "bluesky" => Self::BlueskySearch,
            "mastodon-search" | "mastodon" => Self::MastodonSearch,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Source {
    pub id: i64,
    pub kind: SourceKind,
    /// A feed's URL, or search terms.
    pub target: String,
    pub name: Option<String>,
    pub enabled: bool,
    pub interval_secs: i64,
    /// The feed's `ETag` and `Last-Modified`, sent back as `If-None-Match` and
    /// `If-Modified-Since`.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Where a search left off (the newest item seen), when the source keeps one.
    pub cursor: Option<String>,
    pub last_polled_at: Option<i64>,
    /// Why the last poll failed (never holds a secret).
    pub last_error: Option<String>,
    pub failures: i64,
    pub created_at: i64,
    /// Items it brought.
    pub items: i64,
    /// When it is due next, Unix ms ([`next_poll_at`]); 0 when never polled.
    #[serde(default)]
    pub next_poll_at: i64,
}

/// When a source is due next, Unix ms: its interval after the last poll,
/// doubled for each failure in a row (at most a day); 0 when never polled.
pub fn next_poll_at(last_polled_at: Option<i64>, interval_secs: i64, failures: i64) -> i64 {
    let Some(last) = last_polled_at else {
        return 0;
    };
    let factor = 1i64 << failures.clamp(0, 10);
    let wait = (interval_secs * factor).min(MAX_BACKOFF_SECS.max(interval_secs));
    last + wait * 1000
}

/// What the manager gives to add a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, optional_fields = nullable)]
pub struct SourceInput {
    pub kind: SourceKind,
    pub target: String,
    pub name: Option<String>,
    pub interval_secs: Option<i64>,
}

/// What a connector brought from one poll.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetched {
    pub items: Vec<NewItem>,
    /// 304 Not Modified: nothing new, validators unchanged.
    pub not_modified: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub cursor: Option<String>,
}

/// What one poll did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PollReport {
    pub source_id: i64,
    pub received: usize,
    pub inserted: usize,
    pub not_modified: bool,
    pub error: Option<String>,
}

const SELECT: &str = "SELECT s.id, s.kind, s.target, s.name, s.enabled, s.interval_secs, s.etag,
        s.last_modified, s.cursor, s.last_polled_at, s.last_error, s.failures, s.created_at,
        (SELECT count(*) FROM items i WHERE i.source_id = s.id)
     FROM sources s";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Source> {
    let kind: String = r.get(1)?;
    let (interval_secs, last_polled_at, failures) = (r.get(5)?, r.get(9)?, r.get(11)?);
    Ok(Source {
        id: r.get(0)?,
        // A kind written by a newer Earshot reads as a feed; it is never polled wrongly
        // because its target would not parse as one.
        kind: SourceKind::parse(&kind).unwrap_or(SourceKind::Feed),
        target: r.get(2)?,
        name: r.get(3)?,
        enabled: r.get(4)?,
        interval_secs,
        etag: r.get(6)?,
        last_modified: r.get(7)?,
        cursor: r.get(8)?,
        last_polled_at,
        last_error: r.get(10)?,
        failures,
        created_at: r.get(12)?,
        items: r.get(13)?,
        next_poll_at: next_poll_at(last_polled_at, interval_secs, failures),
    })
}

pub fn list(ws: &Workspace) -> Result<Vec<Source>> {
    ws.store().read(|c| {
        let mut stmt = c.prepare_cached(&format!("{SELECT} ORDER BY s.id"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

pub fn get(ws: &Workspace, id: i64) -> Result<Source> {
    ws.store().read(|c| {
        c.prepare_cached(&format!("{SELECT} WHERE s.id = ?1"))?
            .query_row([id], from_row)
            .optional()?
            .ok_or(Error::NotFound {
                what: "source",
                id: id.to_string(),
            })
    })
}

fn validate(input: &SourceInput) -> Result<String> {
    let target = input.target.trim().to_owned();
    if target.is_empty() {
        return Err(Error::Invalid("a source needs a target".into()));
    }
    if input.kind == SourceKind::Feed {
        let scheme_ok = target.starts_with("https://") || target.starts_with("http://");
        if !scheme_ok || target.contains(char::is_whitespace) {
            return Err(Error::Invalid(format!(
                "'{target}' is not a feed address: expected an http(s):// URL"
            )));
        }
    }
    Ok(target)
}

/// Adds a source; it is due at once.
pub fn add(ws: &Workspace, input: &SourceInput) -> Result<Source> {
    let target = validate(input)?;
    let interval = input
        .interval_secs
        .unwrap_or(DEFAULT_INTERVAL_SECS)
        .max(MIN_INTERVAL_SECS);
    let now = ws.now();
    let id = ws.store().write(|tx| -> Result<i64> {
        let exists: Option<i64> = tx
            .query_row(
                "SELECT id FROM sources WHERE kind = ?1 AND target = ?2",
                params![input.kind.as_str(), target],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_some() {
            return Err(Error::Invalid(format!(
                "there is already a {} source for {target}",
                input.kind.as_str()
            )));
        }
        Ok(tx.query_row(
            "INSERT INTO sources (kind, target, name, interval_secs, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            params![input.kind.as_str(), target, input.name, interval, now],
            |r| r.get(0),
        )?)
    })?;
    get(ws, id)
}

/// Removes a source. What it brought stays (and stays matched).
pub fn remove(ws: &Workspace, id: i64) -> Result<()> {
    let n = ws.store().write(|tx| -> Result<usize> {
        tx.execute(
            "UPDATE items SET source_id = NULL WHERE source_id = ?1",
            [id],
        )?;
        Ok(tx.execute("DELETE FROM sources WHERE id = ?1", [id])?)
    })?;
    if n == 0 {
        return Err(Error::NotFound {
            what: "source",
            id: id.to_string(),
        });
    }
    Ok(())
}

/// The enabled sources due for a poll at `now`.
pub fn due(ws: &Workspace, now: i64) -> Result<Vec<Source>> {
    Ok(list(ws)?
        .into_iter()
        .filter(|s| s.enabled && s.next_poll_at <= now)
        .collect())
}

/// Stores one poll's outcome: ingests what came (as listening items of this
/// source) and keeps the validators and cursor, or records the failure.
pub fn record_poll(
    ws: &Workspace,
    source: &Source,
    outcome: std::result::Result<Fetched, String>,
) -> Result<PollReport> {
    let now = ws.now();
    match outcome {
        Ok(fetched) => {
            let received = fetched.items.len();
            let report = if fetched.items.is_empty() {
                Default::default()
            } else {
                ws.ingest_from_source(source.id, fetched.items)?
            };
            ws.store().write(|tx| -> Result<()> {
                tx.execute(
                    "UPDATE sources SET last_polled_at = ?2, failures = 0, last_error = NULL,
                        etag = CASE WHEN ?3 THEN etag ELSE ?4 END,
                        last_modified = CASE WHEN ?3 THEN last_modified ELSE ?5 END,
                        cursor = coalesce(?6, cursor)
                     WHERE id = ?1",
                    params![
                        source.id,
                        now,
                        fetched.not_modified,
                        fetched.etag,
                        fetched.last_modified,
                        fetched.cursor
                    ],
                )?;
                Ok(())
            })?;
            Ok(PollReport {
                source_id: source.id,
                received,
                inserted: report.inserted,
                not_modified: fetched.not_modified,
                error: None,
            })
        }
        Err(message) => {
            ws.store().write(|tx| -> Result<()> {
                tx.execute(
                    "UPDATE sources SET last_polled_at = ?2, failures = failures + 1, last_error = ?3
                     WHERE id = ?1",
                    params![source.id, now, message],
                )?;
                Ok(())
            })?;
            Ok(PollReport {
                source_id: source.id,
                received: 0,
                inserted: 0,
                not_modified: false,
                error: Some(message),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_keep_their_interval_and_back_off_after_failures() {
        assert_eq!(next_poll_at(None, 900, 0), 0, "never polled: due");
        assert_eq!(next_poll_at(Some(1_000), 900, 0), 1_000 + 900_000);
        assert_eq!(next_poll_at(Some(1_000), 900, 2), 1_000 + 3_600_000);
        assert_eq!(next_poll_at(Some(0), 900, 50), 86_400_000, "at most a day");
    }
}
