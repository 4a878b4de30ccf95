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
    /// A reply is being written (a draft is saved).
    pub has_draft: bool,
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
    /// Images, video, audio and link cards, with their cached previews (filled
    /// in for a conversation's thread; empty in search results).
    #[serde(default)]
    pub attachments: Vec<crate::attachments::Attachment>,
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
    /// This priority or higher (0 low, 1 normal, 2 high, 3 urgent).
    pub priority: Option<u8>,
    /// The sentiment of the newest item not written by us (the row's sentiment).
    pub sentiment: Option<Sentiment>,
    /// The language of the newest item not written by us (ISO 639-1, like `en`).
    pub lang: Option<String>,
    /// Last activity at or after this time (Unix ms).
    pub after: Option<i64>,
    /// Last activity before this time (Unix ms).
    pub before: Option<i64>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// A sentiment band, as search's `sentiment:` has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Sentiment {
    Negative,
    Neutral,
    Positive,
}

impl Sentiment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Negative => "negative",
            Self::Neutral => "neutral",
            Self::Positive => "positive",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "negative" => Self::Negative,
            "neutral" => Self::Neutral,
            "positive" => Self::Positive,
            _ => return None,
        })
    }

    /// The SQL condition on a sentiment column (VADER's compound score bands).
    pub(crate) fn sql(self, column: &str) -> String {
        match self {
            Self::Negative => format!("{column} <= -0.05"),
            Self::Positive => format!("{column} >= 0.05"),
            Self::Neutral => format!("{column} > -0.05 AND {column} < 0.05"),
        }
    }
}

impl InboxFilter {
    /// The same narrowing as search field filters (`network:mastodon tag:billing …`),
    /// so a search can run within the filters the inbox shows. Paging fields are left out.
    pub fn search_terms(&self) -> String {
        let mut terms: Vec<String> = Vec::new();
        if let Some(state) = self.state {
            terms.push(format!("state:{}", state.as_str()));
        }
        if let Some(account) = self.account_id {
            terms.push(format!("account:{account}"));
        }
        if let Some(network) = &self.network {
            terms.push(format!("network:{network}"));
        }
        if let Some(tag) = &self.tag {
            terms.push(format!(
                "tag:{}",
                normalise_tag(tag).unwrap_or_else(|_| tag.clone())
            ));
        }
        match self.saved {
            Some(true) => terms.push("is:saved".into()),
            Some(false) => terms.push("is:unsaved".into()),
            None => {}
        }
        match self.unread {
            Some(true) => terms.push("is:unread".into()),
            Some(false) => terms.push("is:read".into()),
            None => {}
        }
        if let Some(priority) = self.priority {
            terms.push(format!("priority:{priority}"));
        }
        if let Some(sentiment) = self.sentiment {
            terms.push(format!("sentiment:{}", sentiment.as_str()));
        }
        if let Some(lang) = &self.lang {
            terms.push(format!("lang:{lang}"));
        }
        if let Some(after) = self.after {
            terms.push(format!("after:{}", day_of(after)));
        }
        if let Some(before) = self.before {
            // `before:` is exclusive at midnight: round a time within a day up to the next.
            let day = 86_400_000;
            terms.push(format!("before:{}", day_of(before + day - 1)));
        }
        terms.join(" ")
    }

    /// The fields that narrow the list, without the paging ones (what a saved view keeps).
    pub fn without_paging(&self) -> Self {
        Self {
            cursor: None,
            limit: None,
            ..self.clone()
        }
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix ms time.
fn day_of(ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
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
    a.handle, a.display_name, a.followers, a.url, c.snooze_until, c.first_response_at,
    EXISTS (SELECT 1 FROM drafts d WHERE d.conversation_id = c.id)";

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
        has_draft: r.get(18)?,
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
    let (sql, values) = list_query(filter, limit)?;
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

/// The SQL and its values for one page (one row more than `limit`, to know if
/// there is a next page). Every filter is a check on rows walked in
/// `last_activity_at` order, so no filter makes SQLite sort.
fn list_query(filter: &InboxFilter, limit: u32) -> Result<(String, Vec<Value>)> {
    // Conversations only listening sources brought belong to the listening view.
    let mut clauses: Vec<String> = vec!["c.listening_only = 0".into()];
    let mut values: Vec<Value> = Vec::new();
    if let Some(state) = filter.state {
        clauses.push("c.state = ?".into());
        values.push(Value::Text(state.as_str().to_owned()));
    }
    if let Some(account) = filter.account_id {
        clauses.push("c.account_id = ?".into());
        values.push(Value::Integer(account));
    }
    if let Some(network) = &filter.network {
        // `+` keeps SQLite off the (network, root_key) index, which would make it
        // sort every conversation of the network instead of walking by activity.
        clauses.push("+c.network = ?".into());
        values.push(Value::Text(network.clone()));
    }
    if let Some(tag) = &filter.tag {
        clauses
            .push("c.id IN (SELECT conversation_id FROM conversation_tags WHERE tag = ?)".into());
        values.push(Value::Text(normalise_tag(tag)?));
    }
    match filter.saved {
        Some(true) => clauses.push("c.saved = 1".into()),
        Some(false) => clauses.push("c.saved = 0".into()),
        None => {}
    }
    match filter.unread {
        Some(true) => clauses.push("c.unread_count > 0".into()),
        Some(false) => clauses.push("c.unread_count = 0".into()),
        None => {}
    }
    if let Some(priority) = filter.priority {
        if priority > 3 {
            return Err(Error::Invalid("priority is 0 (low) to 3 (urgent)".into()));
        }
        // A literal, not a parameter: only then can SQLite see that `>= 2` and `>= 3`
        // fit the partial index of high-priority conversations.
        // SQLite matches a partial index's condition term for term, so `>= 3` also says `>= 2`.
        if priority >= 2 {
            clauses.push("c.priority >= 2".into());
        }
        if priority != 2 {
            clauses.push(format!("c.priority >= {priority}"));
        }
    }
    // Sentiment and language are the row's: its person's newest item (`p`).
    if let Some(sentiment) = filter.sentiment {
        clauses.push(sentiment.sql("p.sentiment"));
    }
    if let Some(lang) = &filter.lang {
        clauses.push("p.lang = ?".into());
        values.push(Value::Text(lang.trim().to_lowercase()));
    }
    if let Some(after) = filter.after {
        clauses.push("c.last_activity_at >= ?".into());
        values.push(Value::Integer(after));
    }
    if let Some(before) = filter.before {
        clauses.push("c.last_activity_at < ?".into());
        values.push(Value::Integer(before));
    }
    if let Some(cursor) = &filter.cursor {
        let (t, id) = parse_cursor(cursor)?;
        clauses.push("(c.last_activity_at, c.id) < (?, ?)".into());
        values.push(Value::Integer(t));
        values.push(Value::Integer(id));
    }
    let where_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    values.push(Value::Integer(i64::from(limit) + 1));
    // High priority is rare: walk its partial index rather than every conversation.
    // (Without statistics SQLite sees no difference between the two and takes the larger.)
    let from = if filter.priority.is_some_and(|p| p >= 2) {
        "conversations c INDEXED BY conversations_high_priority"
    } else {
        "conversations c"
    };
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM {from} {SUMMARY_JOINS} {where_sql}
         ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ?"
    );
    Ok((sql, values))
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
            attachments: Vec::new(),
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
    let mut items = thread_order(rows);
    crate::attachments::fill(conn, id, &mut items)?;
    Ok(ConversationDetail {
        conversation,
        items,
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

/// Every tag in use, the most used first (what the tag editor suggests).
pub fn tags(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tag FROM conversation_tags GROUP BY tag ORDER BY count(*) DESC, tag LIMIT 500",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A named set of filters, kept in the workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SavedView {
    pub name: String,
    pub filter: InboxFilter,
}

/// Saved views live in `settings`, one row each, under this prefix.
const VIEW_KEY: &str = "view:";

fn view_name(name: &str) -> Result<String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::Invalid(
            "a view needs a name of 1–80 characters".into(),
        ));
    }
    Ok(name)
}

/// Every saved view, by name.
pub fn views(conn: &Connection) -> Result<Vec<SavedView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT substr(key, length(?1) + 1), value FROM settings WHERE key GLOB ?1 || '*'
         ORDER BY lower(key)",
    )?;
    let rows = stmt.query_map([VIEW_KEY], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (name, value) = row?;
        // A view this build cannot read is skipped, not fatal to the inbox.
        if let Ok(filter) = serde_json::from_str::<InboxFilter>(&value) {
            out.push(SavedView { name, filter });
        }
    }
    Ok(out)
}

/// Saves a view under `name`, replacing one of the same name; returns it as stored.
pub(crate) fn save_view(
    tx: &Transaction<'_>,
    name: &str,
    filter: &InboxFilter,
) -> Result<SavedView> {
    let view = SavedView {
        name: view_name(name)?,
        filter: filter.without_paging(),
    };
    let value = serde_json::to_string(&view.filter).map_err(|e| Error::Invalid(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![format!("{VIEW_KEY}{}", view.name), value])?;
    Ok(view)
}

/// Renames a view; fails if the new name is taken by another view.
pub(crate) fn rename_view(tx: &Transaction<'_>, from: &str, to: &str) -> Result<()> {
    let to = view_name(to)?;
    let from_key = format!("{VIEW_KEY}{from}");
    let to_key = format!("{VIEW_KEY}{to}");
    if from_key == to_key {
        return Ok(());
    }
    let taken = tx
        .prepare_cached("SELECT 1 FROM settings WHERE key = ?1")?
        .exists([&to_key])?;
    if taken {
        return Err(Error::Invalid(format!(
            "there is already a view named '{to}'"
        )));
    }
    let changed = tx
        .prepare_cached("UPDATE settings SET key = ?2 WHERE key = ?1")?
        .execute(params![from_key, to_key])?;
    if changed == 0 {
        return Err(Error::NotFound {
            what: "view",
            id: from.to_owned(),
        });
    }
    Ok(())
}

pub(crate) fn delete_view(tx: &Transaction<'_>, name: &str) -> Result<()> {
    let changed = tx
        .prepare_cached("DELETE FROM settings WHERE key = ?1")?
        .execute([format!("{VIEW_KEY}{name}")])?;
    if changed == 0 {
        return Err(Error::NotFound {
            what: "view",
            id: name.to_owned(),
        });
    }
    Ok(())
}

/// The person a conversation is with, and their other conversations with us.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuthorPanel {
    pub network: String,
    pub author: AuthorRef,
    /// Their other conversations with us, newest activity first (this one left out).
    pub conversations: Vec<ConversationSummary>,
    /// More conversations exist than are listed.
    pub more: bool,
}

/// Longest list of earlier conversations the author panel shows.
pub const AUTHOR_CONVERSATIONS: usize = 20;

/// The author of a conversation (the row's person: its newest item not written by
/// us) and the other conversations they took part in, on every handle of their
/// contact when they are linked to one ([`crate::contacts`]).
pub fn author_panel(conn: &Connection, conversation_id: i64) -> Result<AuthorPanel> {
    let found: Option<(i64, String, AuthorRef)> = conn
        .prepare_cached(
            "SELECT a.id, a.network, a.handle, a.display_name, a.followers, a.url
             FROM conversations c
             JOIN items p ON p.id = coalesce(c.last_incoming_item_id, c.last_item_id)
             JOIN authors a ON a.id = p.author_id
             WHERE c.id = ?1",
        )?
        .query_row([conversation_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                AuthorRef {
                    handle: r.get(2)?,
                    name: r.get(3)?,
                    followers: r.get(4)?,
                    url: r.get(5)?,
                },
            ))
        })
        .optional()?;
    let (author_id, network, author) = found.ok_or_else(|| Error::NotFound {
        what: "conversation",
        id: conversation_id.to_string(),
    })?;
    // Walks the author's items newest first, a bucket of items_by_author at a time,
    // and stops once enough distinct conversations are found.
    let authors = crate::contacts::author_ids(conn, crate::contacts::Person::Author(author_id))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT conversation_id FROM items INDEXED BY items_by_author
         WHERE (id >> 48) = ?1 AND author_id IN ({}) ORDER BY id DESC",
        crate::store::numbered_marks(2, authors.len())
    ))?;
    let mut ids: Vec<i64> = Vec::new();
    let mut more = false;
    let mut next = crate::contacts::bucket_before(conn, None)?;
    'buckets: while let Some(bucket) = next {
        next = crate::contacts::bucket_before(conn, Some(bucket))?;
        let mut rows = stmt.query(params_from_iter(
            std::iter::once(bucket).chain(authors.iter().copied()),
        ))?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            if id == conversation_id || ids.contains(&id) {
                continue;
            }
            if ids.len() == AUTHOR_CONVERSATIONS {
                more = true;
                break 'buckets;
            }
            ids.push(id);
        }
    }
    let mut conversations = Vec::with_capacity(ids.len());
    for id in ids {
        conversations.push(summary(conn, id)?);
    }
    conversations.sort_by_key(|c| std::cmp::Reverse((c.last_activity_at, c.id)));
    Ok(AuthorPanel {
        network,
        author,
        conversations,
        more,
    })
}

/// How many conversations are urgent and still unread (open or pending), for
/// the tray and the window title.
pub fn urgent_unread(conn: &Connection) -> Result<u32> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM conversations
             WHERE urgent = 1 AND unread_count > 0 AND state IN ('open', 'pending')",
        )?
        .query_row([], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgent_unread_counts_what_still_needs_looking_at() {
        let (_dir, ws, _account) = crate::sync::testing::workspace();
        let mut risky = crate::sync::testing::item("1", None, 1_000);
        risky.content = crate::item::Content::Text("I want a refund now".into());
        ws.ingest(vec![risky, crate::sync::testing::item("2", None, 2_000)])
            .unwrap();
        let count = || ws.store().read(urgent_unread).unwrap();
        assert_eq!(count(), 1, "the default rule marks the refund urgent");
        let id = ws.inbox(&Default::default()).unwrap().conversations[1].id;
        ws.mark_read(id).unwrap();
        assert_eq!(count(), 0, "read, it no longer counts");
    }

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
            attachments: Vec::new(),
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
    fn no_filter_makes_the_inbox_sort_or_scan_a_table() {
        let (_dir, store) = crate::store::testing::temp_store();
        let every = InboxFilter {
            account_id: Some(1),
            network: Some("mastodon".into()),
            saved: Some(false),
            unread: Some(true),
            priority: Some(2),
            sentiment: Some(Sentiment::Negative),
            lang: Some("en".into()),
            after: Some(1),
            before: Some(2),
            cursor: Some("2:1".into()),
            ..Default::default()
        };
        // A tag is the one filter that drives the query from its own rows (a tag's
        // conversations are few next to the inbox, so sorting them beats walking all).
        let plan_of = |filter: &InboxFilter| -> String {
            let (sql, values) = list_query(filter, 50).unwrap();
            store
                .read(|c| -> Result<Vec<String>> {
                    let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let rows =
                        stmt.query_map(params_from_iter(values), |r| r.get::<_, String>(3))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .unwrap()
                .join("\n")
        };
        let high = plan_of(&InboxFilter {
            priority: Some(3),
            ..Default::default()
        });
        assert!(
            high.contains("conversations_high_priority"),
            "high priority walks its own index:\n{high}"
        );
        let plan = plan_of(&InboxFilter {
            tag: Some("vip".into()),
            ..every.clone()
        });
        assert!(
            plan.contains("SEARCH conversation_tags USING PRIMARY KEY (tag=?)"),
            "{plan}"
        );
        for (what, filter) in [
            ("no filter", InboxFilter::default()),
            ("every filter", every.clone()),
            (
                "every filter and a state",
                InboxFilter {
                    state: Some(TriageState::Open),
                    ..every
                },
            ),
        ] {
            let plan = plan_of(&filter);
            assert!(
                !plan.contains("TEMP B-TREE"),
                "{what}: the page must not be sorted:\n{plan}"
            );
            assert!(
                plan.contains("SCAN c USING INDEX conversations_")
                    || plan.contains("SEARCH c USING INDEX conversations_"),
                "{what}: conversations walk an activity index:\n{plan}"
            );
            assert!(
                !plan
                    .lines()
                    .any(|l| l.starts_with("SCAN") && !l.contains("INDEX")),
                "{what}: no table is scanned whole:\n{plan}"
            );
        }
    }

    #[test]
    fn filters_become_search_terms() {
        let filter = InboxFilter {
            state: Some(TriageState::Open),
            tag: Some("#VIP".into()),
            priority: Some(2),
            sentiment: Some(Sentiment::Negative),
            after: Some(1_793_491_200_000),  // 2026-11-01T00:00Z
            before: Some(1_793_577_600_000), // 2026-11-02T00:00Z
            limit: Some(5),
            ..Default::default()
        };
        assert_eq!(
            filter.search_terms(),
            "state:open tag:vip priority:2 sentiment:negative after:2026-11-01 before:2026-11-02"
        );
        assert!(
            crate::search::parse(&filter.search_terms()).is_ok(),
            "search reads them back"
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
