//! The inbox: conversations listed newest activity first, a conversation's
//! whole thread, and triage (state, snooze, priority, tags, saved, read).

use std::collections::HashMap;

use rusqlite::{
    params, params_from_iter, types::Value, Connection, OptionalExtension, Transaction,
};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::item::ItemKind;

/// Longest snippet shown in a list row, in characters.
const SNIPPET_CHARS: usize = 200;
/// Default and largest page of conversations.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum TriageState {
    Open,
    Pending,
    Snoozed,
    Done,
}

impl TriageState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Snoozed => "snoozed",
            Self::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "open" => Self::Open,
            "pending" => Self::Pending,
            "snoozed" => Self::Snoozed,
            "done" => Self::Done,
            _ => return None,
        })
    }
}

/// An author as the inbox shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuthorRef {
    pub handle: String,
    pub name: Option<String>,
    pub followers: Option<i64>,
    pub url: Option<String>,
}

/// One row of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConversationSummary {
    pub id: i64,
    pub network: String,
    pub account_handle: Option<String>,
    pub state: TriageState,
    /// 0 low, 1 normal, 2 high, 3 urgent.
    pub priority: u8,
    pub saved: bool,
    pub unread_count: i64,
    pub urgent: bool,
    pub tags: Vec<String>,
    /// Unix ms of the newest item.
    pub last_activity_at: i64,
    pub item_count: i64,
    pub snippet: String,
    pub author: AuthorRef,
    pub sentiment: Option<f64>,
    /// Unix ms a snoozed conversation comes back, if snoozed until a time.
    pub snooze_until: Option<i64>,
    pub first_response_at: Option<i64>,
}

/// One item as the thread pane and search results show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ItemView {
    /// The 64-bit store id, as a string (it does not fit a JavaScript number).
    pub id: String,
    pub network: String,
    pub remote_id: String,
    pub kind: ItemKind,
    pub author: AuthorRef,
    /// Sanitised HTML, safe to render.
    pub html: String,
    pub text: String,
    pub created_at: i64,
    pub url: Option<String>,
    pub lang: Option<String>,
    pub sentiment: Option<f64>,
    pub parent_id: Option<String>,
    pub depth: u32,
    pub from_us: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConversationDetail {
    pub conversation: ConversationSummary,
    /// The thread in reading order: each item followed by its replies.
    pub items: Vec<ItemView>,
}

/// What to list. Every field narrows the list; `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, optional_fields = nullable)]
pub struct InboxFilter {
    pub state: Option<TriageState>,
    pub account_id: Option<i64>,
    pub network: Option<String>,
    pub tag: Option<String>,
    pub saved: Option<bool>,
    pub unread: Option<bool>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InboxPage {
    pub conversations: Vec<ConversationSummary>,
    pub next_cursor: Option<String>,
}

/// How long a conversation stays snoozed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Snooze {
    /// Unix ms when it comes back on its own.
    pub until: Option<i64>,
    /// Whether a new reply brings it back first.
    pub until_reply: bool,
}

/// A row shows the newest item's text, and the person whose conversation it is:
/// the author (and sentiment) of the newest item not written by us.
const SUMMARY_COLUMNS: &str = "c.id, c.network, acc.handle, c.state, c.priority, c.saved,
    c.unread_count, c.urgent, c.last_activity_at, c.item_count, i.text, p.sentiment,
    a.handle, a.display_name, a.followers, a.url, c.snooze_until, c.first_response_at";

const SUMMARY_JOINS: &str = "LEFT JOIN accounts acc ON acc.id = c.account_id
    LEFT JOIN items i ON i.id = c.last_item_id
    LEFT JOIN items p ON p.id = coalesce(c.last_incoming_item_id, c.last_item_id)
    LEFT JOIN authors a ON a.id = p.author_id";

fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConversationSummary> {
    let state: String = r.get(3)?;
    let text: Option<String> = r.get(10)?;
    Ok(ConversationSummary {
        id: r.get(0)?,
        network: r.get(1)?,
        account_handle: r.get(2)?,
        state: TriageState::parse(&state).unwrap_or(TriageState::Open),
        priority: r.get::<_, i64>(4)?.clamp(0, 3) as u8,
        saved: r.get(5)?,
        unread_count: r.get(6)?,
        urgent: r.get(7)?,
        tags: Vec::new(),
        last_activity_at: r.get(8)?,
        item_count: r.get(9)?,
        snippet: snippet_of(text.as_deref().unwrap_or("")),
        author: AuthorRef {
            handle: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
            name: r.get(13)?,
            followers: r.get(14)?,
            url: r.get(15)?,
        },
        sentiment: r.get(11)?,
        snooze_until: r.get(16)?,
        first_response_at: r.get(17)?,
    })
}

fn snippet_of(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= SNIPPET_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(SNIPPET_CHARS).collect();
    format!("{}…", cut.trim_end())
}

fn parse_cursor(cursor: &str) -> Result<(i64, i64)> {
    let bad = || Error::Invalid(format!("'{cursor}' is not a page cursor from this inbox"));
    let (t, id) = cursor.split_once(':').ok_or_else(bad)?;
    Ok((
        t.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// Lists one page of conversations, newest activity first.
pub fn list(conn: &Connection, filter: &InboxFilter) -> Result<InboxPage> {
    let limit = filter.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(state) = filter.state {
        clauses.push("c.state = ?");
        values.push(Value::Text(state.as_str().to_owned()));
    }
    if let Some(account) = filter.account_id {
        clauses.push("c.account_id = ?");
        values.push(Value::Integer(account));
    }
    if let Some(network) = &filter.network {
        clauses.push("c.network = ?");
        values.push(Value::Text(network.clone()));
    }
    if let Some(tag) = &filter.tag {
        clauses.push("c.id IN (SELECT conversation_id FROM conversation_tags WHERE tag = ?)");
        values.push(Value::Text(normalise_tag(tag)?));
    }
    match filter.saved {
        Some(true) => clauses.push("c.saved = 1"),
        Some(false) => clauses.push("c.saved = 0"),
        None => {}
    }
    match filter.unread {
        Some(true) => clauses.push("c.unread_count > 0"),
        Some(false) => clauses.push("c.unread_count = 0"),
        None => {}
    }
    if let Some(cursor) = &filter.cursor {
        let (t, id) = parse_cursor(cursor)?;
        clauses.push("(c.last_activity_at, c.id) < (?, ?)");
        values.push(Value::Integer(t));
        values.push(Value::Integer(id));
    }
    let where_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    values.push(Value::Integer(i64::from(limit) + 1));
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM conversations c {SUMMARY_JOINS} {where_sql}
         ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ?"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows: Vec<ConversationSummary> = stmt
        .query_map(params_from_iter(values), summary_from_row)?
        .collect::<Result<_, _>>()?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last()
            .map(|c| format!("{}:{}", c.last_activity_at, c.id))
    } else {
        None
    };
    attach_tags(conn, &mut rows)?;
    Ok(InboxPage {
        conversations: rows,
        next_cursor,
    })
}

fn attach_tags(conn: &Connection, rows: &mut [ConversationSummary]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let placeholders = vec!["?"; rows.len()].join(",");
    let sql = format!(
        "SELECT conversation_id, tag FROM conversation_tags WHERE conversation_id IN ({placeholders})
         ORDER BY tag"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut by_id: HashMap<i64, Vec<String>> = HashMap::new();
    let found = stmt.query_map(params_from_iter(rows.iter().map(|r| r.id)), |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    for pair in found {
        let (id, tag) = pair?;
        by_id.entry(id).or_default().push(tag);
    }
    for row in rows {
        row.tags = by_id.remove(&row.id).unwrap_or_default();
    }
    Ok(())
}

/// One conversation's summary.
pub fn summary(conn: &Connection, id: i64) -> Result<ConversationSummary> {
    let sql =
        format!("SELECT {SUMMARY_COLUMNS} FROM conversations c {SUMMARY_JOINS} WHERE c.id = ?1");
    let row = conn
        .prepare_cached(&sql)?
        .query_row([id], summary_from_row)
        .optional()?;
    let mut row = row.ok_or_else(|| Error::NotFound {
        what: "conversation",
        id: id.to_string(),
    })?;
    attach_tags(conn, std::slice::from_mut(&mut row))?;
    Ok(row)
}

pub(crate) const ITEM_COLUMNS: &str = "i.id, i.network, i.remote_id, i.kind, i.html, i.text,
    i.created_at, i.url, i.lang, i.sentiment, i.parent_remote_id, i.from_us,
    a.handle, a.display_name, a.followers, a.url";

/// Reads an item row selected with [`ITEM_COLUMNS`] (starting at column 0).
pub(crate) fn item_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ItemView, Option<String>)> {
    let kind: String = r.get(3)?;
    let text: String = r.get(5)?;
    let html = crate::ingest::analyse::display_html(&text, r.get(4)?);
    Ok((
        ItemView {
            id: r.get::<_, i64>(0)?.to_string(),
            network: r.get(1)?,
            remote_id: r.get(2)?,
            kind: ItemKind::parse(&kind).unwrap_or_default(),
            html,
            text,
            created_at: r.get(6)?,
            url: r.get(7)?,
            lang: r.get(8)?,
            sentiment: r.get(9)?,
            parent_id: None,
            depth: 0,
            from_us: r.get(11)?,
            author: AuthorRef {
                handle: r.get(12)?,
                name: r.get(13)?,
                followers: r.get(14)?,
                url: r.get(15)?,
            },
        },
        r.get(10)?,
    ))
}

/// A conversation with its whole thread in reading order.
pub fn detail(conn: &Connection, id: i64) -> Result<ConversationDetail> {
    let conversation = summary(conn, id)?;
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM items i JOIN authors a ON a.id = i.author_id
         WHERE i.conversation_id = ?1 ORDER BY i.created_at, i.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows: Vec<(ItemView, Option<String>)> = stmt
        .query_map([id], item_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(ConversationDetail {
        conversation,
        items: thread_order(rows),
    })
}

/// Orders items depth-first (each item followed by its replies, oldest first)
/// and sets depth and parent ids. Items whose parent is not here start a branch.
fn thread_order(rows: Vec<(ItemView, Option<String>)>) -> Vec<ItemView> {
    let index_of: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, (item, _))| (item.remote_id.clone(), i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut roots = Vec::new();
    for (i, (_, parent)) in rows.iter().enumerate() {
        match parent.as_ref().and_then(|p| index_of.get(p)) {
            Some(&p) if p != i => children[p].push(i),
            _ => roots.push(i),
        }
    }
    let mut order = Vec::with_capacity(rows.len());
    let mut seen = vec![false; rows.len()];
    let mut stack: Vec<(usize, u32)> = roots.iter().rev().map(|&r| (r, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        order.push((i, depth));
        for &c in children[i].iter().rev() {
            stack.push((c, depth + 1));
        }
    }
    // A parent cycle (hostile data) leaves items unvisited: show them flat at the end.
    order.extend((0..rows.len()).filter(|&i| !seen[i]).map(|i| (i, 0)));
    let ids: Vec<String> = rows.iter().map(|(item, _)| item.id.clone()).collect();
    let mut slots: Vec<Option<(ItemView, Option<String>)>> = rows.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(i, depth)| {
            let (mut item, parent) = slots[i].take()?;
            item.depth = depth;
            item.parent_id = parent
                .as_ref()
                .and_then(|p| index_of.get(p))
                .map(|&p| ids[p].clone());
            Some(item)
        })
        .collect()
}

fn ensure_exists(tx: &Transaction<'_>, id: i64) -> Result<()> {
    let found = tx
        .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
        .exists([id])?;
    if found {
        Ok(())
    } else {
        Err(Error::NotFound {
            what: "conversation",
            id: id.to_string(),
        })
    }
}

pub(crate) fn set_state(
    tx: &Transaction<'_>,
    id: i64,
    state: TriageState,
    snooze: Option<Snooze>,
    now: i64,
) -> Result<()> {
    ensure_exists(tx, id)?;
    let (until, until_reply) = match (state, snooze) {
        (TriageState::Snoozed, Some(s)) => {
            if s.until.is_none() && !s.until_reply {
                return Err(Error::Invalid(
                    "a snooze needs a time, or 'until the next reply', or both".into(),
                ));
            }
            (s.until, s.until_reply)
        }
        (TriageState::Snoozed, None) => {
            return Err(Error::Invalid("say how long to snooze".into()))
        }
        _ => (None, false),
    };
    tx.prepare_cached(
        "UPDATE conversations SET state = ?2, snooze_until = ?3, snooze_until_reply = ?4,
            state_changed_at = ?5 WHERE id = ?1",
    )?
    .execute(params![id, state.as_str(), until, until_reply, now])?;
    Ok(())
}

/// Brings back conversations whose snooze time has passed; returns how many.
pub(crate) fn wake_snoozed(tx: &Transaction<'_>, now: i64) -> Result<usize> {
    Ok(tx
        .prepare_cached(
            "UPDATE conversations SET state = 'open', snooze_until = NULL, snooze_until_reply = 0,
                state_changed_at = ?1
             WHERE state = 'snoozed' AND snooze_until IS NOT NULL AND snooze_until <= ?1",
        )?
        .execute([now])?)
}

pub(crate) fn set_saved(tx: &Transaction<'_>, id: i64, saved: bool) -> Result<()> {
    ensure_exists(tx, id)?;
    tx.prepare_cached("UPDATE conversations SET saved = ?2 WHERE id = ?1")?
        .execute(params![id, saved])?;
    Ok(())
}

pub(crate) fn set_priority(tx: &Transaction<'_>, id: i64, priority: u8) -> Result<()> {
    ensure_exists(tx, id)?;
    if priority > 3 {
        return Err(Error::Invalid("priority is 0 (low) to 3 (urgent)".into()));
    }
    tx.prepare_cached("UPDATE conversations SET priority = ?2 WHERE id = ?1")?
        .execute(params![id, priority])?;
    Ok(())
}

/// Marks a conversation read here, and queues the read position for its
/// network (replayed by the sync engine: Bluesky's `updateSeen`, Mastodon's
/// notifications marker). Both networks keep one position per account, so only
/// the newest queued one matters.
pub(crate) fn mark_read(tx: &Transaction<'_>, id: i64, now: i64) -> Result<()> {
    ensure_exists(tx, id)?;
    tx.prepare_cached("UPDATE conversations SET unread_count = 0 WHERE id = ?1")?
        .execute([id])?;
    let target: Option<(i64, String)> = tx
        .prepare_cached(
            "SELECT a.id, i.remote_id FROM conversations c
             JOIN accounts a ON a.id = c.account_id AND a.origin = 'signed-in'
             JOIN items i ON i.id = c.last_incoming_item_id
             WHERE c.id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((account, remote_id)) = target {
        tx.prepare_cached(
            "DELETE FROM pending_actions WHERE account_id = ?1 AND json_extract(action, '$.kind') = 'markRead'",
        )?
        .execute([account])?;
        let action = serde_json::json!({ "kind": "markRead", "remoteId": remote_id });
        tx.prepare_cached(
            "INSERT INTO pending_actions (account_id, action, created_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(rusqlite::params![account, action.to_string(), now])?;
    }
    Ok(())
}

/// Normalises a tag: trimmed, lower case, no spaces, 1–64 characters.
pub fn normalise_tag(tag: &str) -> Result<String> {
    let t = tag
        .trim()
        .trim_start_matches('#')
        .to_lowercase()
        .replace(char::is_whitespace, "-");
    if t.is_empty() || t.chars().count() > 64 {
        return Err(Error::Invalid(format!(
            "'{tag}' is not a usable tag (1–64 characters)"
        )));
    }
    Ok(t)
}

pub(crate) fn tag(tx: &Transaction<'_>, id: i64, add: &[String], remove: &[String]) -> Result<()> {
    ensure_exists(tx, id)?;
    for t in add {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO conversation_tags (tag, conversation_id) VALUES (?1, ?2)",
        )?
        .execute(params![normalise_tag(t)?, id])?;
    }
    for t in remove {
        tx.prepare_cached("DELETE FROM conversation_tags WHERE tag = ?1 AND conversation_id = ?2")?
            .execute(params![normalise_tag(t)?, id])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(remote: &str) -> ItemView {
        ItemView {
            id: format!("id-{remote}"),
            network: "n".into(),
            remote_id: remote.into(),
            kind: ItemKind::Reply,
            author: AuthorRef {
                handle: "h".into(),
                name: None,
                followers: None,
                url: None,
            },
            html: String::new(),
            text: String::new(),
            created_at: 0,
            url: None,
            lang: None,
            sentiment: None,
            parent_id: None,
            depth: 0,
            from_us: false,
        }
    }

    #[test]
    fn thread_order_is_depth_first_and_survives_cycles() {
        let rows = vec![
            (view("a"), None),
            (view("b"), Some("a".to_string())),
            (view("c"), Some("a".to_string())),
            (view("d"), Some("b".to_string())),
            (view("x"), Some("y".to_string())),
            (view("y"), Some("x".to_string())),
        ];
        let order: Vec<(String, u32)> = thread_order(rows)
            .into_iter()
            .map(|i| (i.remote_id, i.depth))
            .collect();
        assert_eq!(
            order,
            vec![
                ("a".into(), 0),
                ("b".into(), 1),
                ("d".into(), 2),
                ("c".into(), 1),
                ("x".into(), 0),
                ("y".into(), 0)
            ],
            "replies follow their parent; a cycle is shown flat, not lost"
        );
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(normalise_tag(" #Billing Issue ").unwrap(), "billing-issue");
        assert!(normalise_tag("  ").is_err());
    }

    #[test]
    fn snippets_are_flat_and_bounded() {
        assert_eq!(snippet_of("a\n\nb   c"), "a b c");
        assert!(snippet_of(&"word ".repeat(100)).ends_with('…'));
    }
}
