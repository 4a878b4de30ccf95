//! Contacts: one person across networks.
//!
//! A contact is one or more authors (handles on any network) linked by the
//! manager, with a name, notes and tags (customer, advocate, press, partner,
//! VIP…). Its timeline is every conversation any of its handles took part in,
//! across networks, newest activity first. Linking and splitting only move
//! `authors.contact_id`: items stay with their authors, so splitting a handle
//! out restores both timelines exactly.
//!
//! Suggestions propose links when handles, display names, profile links or
//! verified domains match, each with its reasons; they are never applied
//! without the manager, and a dismissed pair (or a handle split out of a
//! contact) is not suggested again.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::inbox::{self, ConversationSummary};
use crate::Workspace;

/// Default and largest page of a contact's timeline.
pub const TIMELINE_PAGE: u32 = 30;
pub const MAX_TIMELINE_PAGE: u32 = 200;
/// The settings key holding dismissed suggestions (pairs of author ids).
const DISMISSED_KEY: &str = "contacts.dismissed";
/// A name or handle shared by more authors than this says nothing about who is who.
const MAX_GROUP: usize = 6;

/// One handle of a person: an author on one network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ContactHandle {
    pub author_id: i64,
    pub network: String,
    pub handle: String,
    pub name: Option<String>,
    pub url: Option<String>,
    pub followers: Option<i64>,
    /// The contact it is linked to, if any.
    pub contact_id: Option<i64>,
}

/// A person: their handles, name, notes and tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Contact {
    pub id: i64,
    pub name: String,
    pub notes: String,
    /// Sorted, normalised like conversation tags (`vip`, `press`, …).
    pub tags: Vec<String>,
    /// Every linked handle, by network then handle.
    pub handles: Vec<ContactHandle>,
    pub created_at: i64,
}

/// A page of a person's conversations, newest activity first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Timeline {
    pub conversations: Vec<ConversationSummary>,
    /// Pass back as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The panel beside a conversation: who it is with, and everything about them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ContactPanel {
    /// The conversation's person: the author of its newest item not written by us.
    pub author: ContactHandle,
    /// The contact they are linked to (all handles, tags, notes), if any.
    pub contact: Option<Contact>,
    /// Their conversations on every linked handle, newest first (this one included).
    pub timeline: Timeline,
}

/// Who to act on: an author (one handle) or a whole contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", tag = "kind", content = "id")]
#[ts(export)]
pub enum Person {
    Author(i64),
    Contact(i64),
}

/// Two handles that may be one person, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Suggestion {
    pub a: ContactHandle,
    pub b: ContactHandle,
    /// In words the manager reads: "same display name 'Maria Lopez'", …
    pub reasons: Vec<String>,
}

fn handle_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ContactHandle> {
    Ok(ContactHandle {
        author_id: r.get(0)?,
        network: r.get(1)?,
        handle: r.get(2)?,
        name: r.get(3)?,
        url: r.get(4)?,
        followers: r.get(5)?,
        contact_id: r.get(6)?,
    })
}

const HANDLE_COLUMNS: &str = "id, network, handle, display_name, url, followers, contact_id";

fn not_found(what: &'static str, id: i64) -> Error {
    Error::NotFound {
        what,
        id: id.to_string(),
    }
}

/// One author as a handle.
pub fn author(conn: &Connection, author_id: i64) -> Result<ContactHandle> {
    conn.prepare_cached(&format!(
        "SELECT {HANDLE_COLUMNS} FROM authors WHERE id = ?1"
    ))?
    .query_row([author_id], handle_from_row)
    .optional()?
    .ok_or_else(|| not_found("author", author_id))
}

/// The author with this handle on this network (handles compare case-insensitively).
pub fn find_author(conn: &Connection, network: &str, handle: &str) -> Result<Option<i64>> {
    let handle = handle.trim().trim_start_matches('@');
    let exact: Option<i64> = conn
        .prepare_cached("SELECT id FROM authors WHERE network = ?1 AND handle = ?2")?
        .query_row(params![network, handle], |r| r.get(0))
        .optional()?;
    if exact.is_some() {
        return Ok(exact);
    }
    Ok(conn
        .prepare_cached(
            "SELECT id FROM authors WHERE network = ?1 AND lower(handle) = lower(?2) LIMIT 1",
        )?
        .query_row(params![network, handle], |r| r.get(0))
        .optional()?)
}

/// A contact with its handles and tags.
pub fn get(conn: &Connection, contact_id: i64) -> Result<Contact> {
    let found = conn
        .prepare_cached("SELECT id, name, notes, created_at FROM contacts WHERE id = ?1")?
        .query_row([contact_id], |r| {
            Ok(Contact {
                id: r.get(0)?,
                name: r.get(1)?,
                notes: r.get(2)?,
                tags: Vec::new(),
                handles: Vec::new(),
                created_at: r.get(3)?,
            })
        })
        .optional()?;
    let mut contact = found.ok_or_else(|| not_found("contact", contact_id))?;
    contact.tags = contact_tags(conn, contact_id)?;
    contact.handles = handles(conn, contact_id)?;
    Ok(contact)
}

fn contact_tags(conn: &Connection, contact_id: i64) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT tag FROM contact_tags WHERE contact_id = ?1 ORDER BY tag")?;
    let rows = stmt.query_map([contact_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn handles(conn: &Connection, contact_id: i64) -> Result<Vec<ContactHandle>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {HANDLE_COLUMNS} FROM authors WHERE contact_id = ?1 ORDER BY network, handle"
    ))?;
    let rows = stmt.query_map([contact_id], handle_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What to list in the contacts view.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, optional_fields = nullable)]
pub struct ContactFilter {
    /// Only contacts with this tag.
    pub tag: Option<String>,
    /// Name, handle or display name containing this (case-insensitive).
    pub text: Option<String>,
}

/// Every contact matching the filter, by name.
pub fn list(conn: &Connection, filter: &ContactFilter) -> Result<Vec<Contact>> {
    let tag = filter
        .tag
        .as_deref()
        .map(inbox::normalise_tag)
        .transpose()?;
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| format!("%{}%", t.to_lowercase()));
    let mut stmt = conn.prepare_cached(
        "SELECT c.id FROM contacts c
         WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM contact_tags t
                                      WHERE t.contact_id = c.id AND t.tag = ?1))
           AND (?2 IS NULL OR lower(c.name) LIKE ?2
                OR EXISTS (SELECT 1 FROM authors a WHERE a.contact_id = c.id
                           AND (lower(a.handle) LIKE ?2 OR lower(a.display_name) LIKE ?2)))
         ORDER BY lower(c.name), c.id",
    )?;
    let ids = stmt
        .query_map(params![tag, text], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.into_iter().map(|id| get(conn, id)).collect()
}

/// The author ids a person stands for: the author, or every handle of the contact.
pub fn author_ids(conn: &Connection, person: Person) -> Result<Vec<i64>> {
    match person {
        Person::Author(id) => {
            let a = author(conn, id)?;
            match a.contact_id {
                Some(c) => author_ids(conn, Person::Contact(c)),
                None => Ok(vec![id]),
            }
        }
        Person::Contact(id) => {
            get(conn, id)?;
            let mut stmt =
                conn.prepare_cached("SELECT id FROM authors WHERE contact_id = ?1 ORDER BY id")?;
            let rows = stmt.query_map([id], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        }
    }
}

fn parse_cursor(cursor: &str) -> Result<(i64, i64)> {
    let bad = || Error::Invalid(format!("'{cursor}' is not a timeline cursor"));
    let (at, id) = cursor.split_once(':').ok_or_else(bad)?;
    Ok((
        at.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// How many items an author must have written for their timeline to be found by
/// walking the conversations newest first: where that walk (about `limit` ×
/// conversations ÷ theirs rows, each an item lookup or two) costs less than
/// reading every item of theirs. Tests lower it to try both ways on small data.
fn walk_threshold(conn: &Connection, limit: u32) -> Result<i64> {
    #[cfg(test)]
    if let Some(t) = tests::WALK_THRESHOLD.with(|t| t.get()) {
        return Ok(t);
    }
    let conversations = crate::store::counts::get(conn, "conversations")?;
    // Fitted at 1M items (`earshot-cli contact show`, page of 30): gathering took
    // ~70 ms for an author of ~4,000 items (~17 µs an item), walking ~5 ms for the
    // busiest one (~29,000), and a walk grows as their items shrink; the two cross
    // near 3,200 items, ≈ √(31 × 750,000 ÷ 2). The item counts are the generator's
    // Zipf law, not counted.
    let estimate = ((f64::from(limit) + 1.0) * conversations as f64 / 2.0).sqrt();
    Ok((estimate as i64).max(500))
}

/// `items_by_author` is keyed by `(id >> 48, author_id)`: a bucket of ~3.1 days
/// of item ids (see migration 16), then the author. A query for someone's items
/// names each bucket that holds any item, oldest first: this CTE, each step one
/// index seek to the next (so a stray item dated 1970 costs one step, not the
/// ~6,600 empty buckets between it and 2026), joined as [`items_of_authors`] says.
pub(crate) const AUTHOR_BUCKETS: &str = "WITH RECURSIVE buckets(b) AS (
    SELECT (SELECT min(id) FROM items) >> 48
    UNION ALL
    SELECT (SELECT n.id >> 48 FROM items n INDEXED BY items_by_author
            WHERE (n.id >> 48) > buckets.b ORDER BY (n.id >> 48) LIMIT 1)
    FROM buckets WHERE b IS NOT NULL)";

/// The items `i` of the authors whose parameters are `marks`, bucket by bucket
/// (after [`AUTHOR_BUCKETS`]).
fn items_of_authors(marks: &str) -> String {
    format!(
        "buckets CROSS JOIN items i INDEXED BY items_by_author
         WHERE (i.id >> 48) = buckets.b AND i.author_id IN ({marks})"
    )
}

/// The newest bucket of `items_by_author` before `before` (any, with `None`),
/// if an item is there: a walk from the newest items back.
pub(crate) fn bucket_before(conn: &Connection, before: Option<i64>) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id >> 48 FROM items INDEXED BY items_by_author
             WHERE (id >> 48) < ?1 ORDER BY (id >> 48) DESC LIMIT 1",
        )?
        .query_row([before.unwrap_or(i64::MAX)], |r| r.get(0))
        .optional()?)
}

/// Whether these authors wrote at least `n` items (reads at most `n` index entries).
fn wrote_at_least(conn: &Connection, authors: &[i64], n: i64) -> Result<bool> {
    let k = authors.len();
    let sql = format!(
        "{AUTHOR_BUCKETS} SELECT count(*) FROM (SELECT 1 FROM {} LIMIT ?{})",
        items_of_authors(&crate::store::numbered_marks(1, k)),
        k + 1
    );
    let mut values: Vec<i64> = authors.to_vec();
    values.push(n);
    let found: i64 = conn
        .prepare(&sql)?
        .query_row(params_from_iter(values), |r| r.get(0))?;
    Ok(found >= n)
}

/// Every conversation these authors took part in, newest activity first, a page at a time.
pub fn timeline_of(
    conn: &Connection,
    authors: &[i64],
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Timeline> {
    let limit = limit.unwrap_or(TIMELINE_PAGE).clamp(1, MAX_TIMELINE_PAGE);
    if authors.is_empty() {
        return Ok(Timeline {
            conversations: Vec::new(),
            next_cursor: None,
        });
    }
    let (before_at, before_id) = match cursor {
        Some(c) => parse_cursor(c)?,
        None => (i64::MAX, i64::MAX),
    };
    // Numbered: the walk's query names the cursor before the authors.
    let marks = crate::store::numbered_marks(1, authors.len());
    let n = authors.len();
    let (a, b, l) = (n + 1, n + 2, n + 3);
    // Two exact ways to the newest `limit` conversations. Most people wrote a few
    // items: gather the conversations of all of them, then sort. For someone who
    // wrote thousands (a regular, a bot), walk the conversations newest first and
    // keep those they took part in, which stops after a few hundred: at 1M items
    // the first way read ~29,000 items of the busiest author for one panel. The
    // walk must look items up by conversation: by author (SQLite's own choice
    // here) it reads all of theirs for every conversation passed, minutes at 1M.
    let walk = wrote_at_least(conn, authors, walk_threshold(conn, limit)?)?;
    let sql = if walk {
        format!(
            "SELECT c.id, c.last_activity_at FROM conversations c INDEXED BY conversations_by_activity
             WHERE (c.last_activity_at < ?{a} OR (c.last_activity_at = ?{a} AND c.id < ?{b}))
               AND EXISTS (SELECT 1 FROM items i INDEXED BY items_by_conversation
                           WHERE i.conversation_id = c.id AND i.author_id IN ({marks}))
             ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ?{l}"
        )
    } else {
        format!(
            "{AUTHOR_BUCKETS} SELECT c.id, c.last_activity_at FROM conversations c
             WHERE c.id IN (SELECT i.conversation_id FROM {})
               AND (c.last_activity_at < ?{a} OR (c.last_activity_at = ?{a} AND c.id < ?{b}))
             ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ?{l}",
            items_of_authors(&marks)
        )
    };
    let mut values: Vec<i64> = authors.to_vec();
    values.extend([before_at, before_id, i64::from(limit) + 1]);
    let mut stmt = conn.prepare(&sql)?;
    let mut rows: Vec<(i64, i64)> = stmt
        .query_map(params_from_iter(values), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|(id, at)| format!("{at}:{id}"))
    } else {
        None
    };
    let conversations = rows
        .iter()
        .map(|(id, _)| inbox::summary(conn, *id))
        .collect::<Result<_>>()?;
    Ok(Timeline {
        conversations,
        next_cursor,
    })
}

/// A person's timeline: every conversation with any of their handles.
pub fn timeline(
    conn: &Connection,
    person: Person,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Timeline> {
    let ids = author_ids(conn, person)?;
    timeline_of(conn, &ids, cursor, limit)
}

/// The author a conversation is with: the writer of its newest item not by us.
pub fn conversation_author(conn: &Connection, conversation_id: i64) -> Result<i64> {
    conn.prepare_cached(
        "SELECT p.author_id FROM conversations c
         JOIN items p ON p.id = coalesce(c.last_incoming_item_id, c.last_item_id)
         WHERE c.id = ?1",
    )?
    .query_row([conversation_id], |r| r.get(0))
    .optional()?
    .ok_or_else(|| not_found("conversation", conversation_id))
}

/// The contact panel beside a conversation.
pub fn panel(conn: &Connection, conversation_id: i64, limit: Option<u32>) -> Result<ContactPanel> {
    let author_id = conversation_author(conn, conversation_id)?;
    let author = author(conn, author_id)?;
    let contact = author.contact_id.map(|id| get(conn, id)).transpose()?;
    let timeline = timeline(conn, Person::Author(author_id), None, limit)?;
    Ok(ContactPanel {
        author,
        contact,
        timeline,
    })
}

fn now_of(ws: &Workspace) -> i64 {
    ws.now()
}

/// The contact of a person, made for an author that has none (named after them).
fn ensure_contact(tx: &Transaction<'_>, person: Person, now: i64) -> Result<i64> {
    match person {
        Person::Contact(id) => {
            get(tx, id)?;
            Ok(id)
        }
        Person::Author(id) => {
            let a = author(tx, id)?;
            if let Some(c) = a.contact_id {
                return Ok(c);
            }
            let name = a
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| a.handle.clone());
            let contact: i64 = tx
                .prepare_cached(
                    "INSERT INTO contacts (name, notes, created_at) VALUES (?1, '', ?2) RETURNING id",
                )?
                .query_row(params![name.trim(), now], |r| r.get(0))?;
            tx.prepare_cached("UPDATE authors SET contact_id = ?2 WHERE id = ?1")?
                .execute(params![id, contact])?;
            Ok(contact)
        }
    }
}

/// The contact for a person, made if an author has none yet.
pub fn contact_of(ws: &Workspace, person: Person) -> Result<Contact> {
    let now = now_of(ws);
    let id = ws.store().write(|tx| ensure_contact(tx, person, now))?;
    ws.store().read(|c| get(c, id))
}

/// Links people into one contact: the oldest contact among them keeps its id and
/// name and takes the others' handles, tags and notes; the others are removed.
/// Authors with no contact yet join it (a new contact is made if none has one).
pub fn link(ws: &Workspace, people: &[Person]) -> Result<Contact> {
    if people.is_empty() {
        return Err(Error::Invalid("linking needs at least one person".into()));
    }
    let now = now_of(ws);
    let id = ws.store().write(|tx| -> Result<i64> {
        let mut contacts: Vec<i64> = Vec::new();
        let mut loose: Vec<i64> = Vec::new();
        for &p in people {
            match p {
                Person::Contact(id) => {
                    get(tx, id)?;
                    contacts.push(id);
                }
                Person::Author(id) => match author(tx, id)?.contact_id {
                    Some(c) => contacts.push(c),
                    None => loose.push(id),
                },
            }
        }
        contacts.sort_unstable();
        contacts.dedup();
        let target = match contacts.first() {
            Some(&c) => c,
            None => ensure_contact(tx, Person::Author(loose[0]), now)?,
        };
        for &other in contacts.iter().filter(|&&c| c != target) {
            merge_into(tx, target, other)?;
        }
        for a in loose {
            tx.prepare_cached("UPDATE authors SET contact_id = ?2 WHERE id = ?1")?
                .execute(params![a, target])?;
        }
        Ok(target)
    })?;
    ws.store().read(|c| get(c, id))
}

/// Moves `from`'s handles, tags and notes into `into`, and removes `from`.
fn merge_into(tx: &Transaction<'_>, into: i64, from: i64) -> Result<()> {
    tx.prepare_cached("UPDATE authors SET contact_id = ?1 WHERE contact_id = ?2")?
        .execute(params![into, from])?;
    tx.prepare_cached(
        "INSERT OR IGNORE INTO contact_tags (contact_id, tag)
         SELECT ?1, tag FROM contact_tags WHERE contact_id = ?2",
    )?
    .execute(params![into, from])?;
    let (kept, moved): (String, String) = tx
        .prepare_cached(
            "SELECT (SELECT notes FROM contacts WHERE id = ?1), (SELECT notes FROM contacts WHERE id = ?2)",
        )?
        .query_row(params![into, from], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let notes = match (kept.trim().is_empty(), moved.trim().is_empty()) {
        (_, true) => kept,
        (true, false) => moved,
        (false, false) if kept.contains(moved.trim()) => kept,
        (false, false) => format!("{}\n\n{}", kept.trim_end(), moved.trim()),
    };
    tx.prepare_cached("UPDATE contacts SET notes = ?2 WHERE id = ?1")?
        .execute(params![into, notes])?;
    tx.prepare_cached("DELETE FROM contacts WHERE id = ?1")?
        .execute([from])?;
    Ok(())
}

/// Takes one handle out of its contact again. Its conversations leave the
/// contact's timeline (they were only ever the handle's), and the pair is not
/// suggested again. The contact keeps its name, notes and tags.
pub fn split(ws: &Workspace, author_id: i64) -> Result<Contact> {
    let contact = ws.store().write(|tx| -> Result<i64> {
        let a = author(tx, author_id)?;
        let contact = a.contact_id.ok_or_else(|| {
            Error::Invalid(format!(
                "{} on {} is not linked to a contact",
                a.handle, a.network
            ))
        })?;
        let others: Vec<i64> = handles(tx, contact)?
            .into_iter()
            .map(|h| h.author_id)
            .filter(|&id| id != author_id)
            .collect();
        if others.is_empty() {
            return Err(Error::Invalid(format!(
                "{} is the only handle of its contact; delete the contact instead",
                a.handle
            )));
        }
        tx.prepare_cached("UPDATE authors SET contact_id = NULL WHERE id = ?1")?
            .execute([author_id])?;
        let mut dismissed = read_dismissed(tx)?;
        for other in others {
            dismissed.insert(pair(author_id, other));
        }
        write_dismissed(tx, &dismissed)?;
        Ok(contact)
    })?;
    ws.store().read(|c| get(c, contact))
}

/// Removes a contact: its handles stay, unlinked; its notes and tags go.
pub fn delete(ws: &Workspace, contact_id: i64) -> Result<()> {
    ws.store().write(|tx| -> Result<()> {
        get(tx, contact_id)?;
        tx.execute(
            "UPDATE authors SET contact_id = NULL WHERE contact_id = ?1",
            [contact_id],
        )?;
        tx.execute(
            "DELETE FROM contact_tags WHERE contact_id = ?1",
            [contact_id],
        )?;
        tx.execute("DELETE FROM contacts WHERE id = ?1", [contact_id])?;
        Ok(())
    })
}

/// Adds and removes tags on a person (an author gets a contact first).
pub fn tag(ws: &Workspace, person: Person, add: &[String], remove: &[String]) -> Result<Contact> {
    let now = now_of(ws);
    let id = ws.store().write(|tx| -> Result<i64> {
        let id = ensure_contact(tx, person, now)?;
        for t in add {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?1, ?2)",
            )?
            .execute(params![id, inbox::normalise_tag(t)?])?;
        }
        for t in remove {
            tx.prepare_cached("DELETE FROM contact_tags WHERE contact_id = ?1 AND tag = ?2")?
                .execute(params![id, inbox::normalise_tag(t)?])?;
        }
        Ok(id)
    })?;
    ws.store().read(|c| get(c, id))
}

/// Replaces a person's notes (an author gets a contact first).
pub fn set_notes(ws: &Workspace, person: Person, notes: &str) -> Result<Contact> {
    let now = now_of(ws);
    let id = ws.store().write(|tx| -> Result<i64> {
        let id = ensure_contact(tx, person, now)?;
        tx.prepare_cached("UPDATE contacts SET notes = ?2 WHERE id = ?1")?
            .execute(params![id, notes])?;
        Ok(id)
    })?;
    ws.store().read(|c| get(c, id))
}

/// Renames a person's contact (an author gets a contact first).
pub fn rename(ws: &Workspace, person: Person, name: &str) -> Result<Contact> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("a contact needs a name".into()));
    }
    let now = now_of(ws);
    let id = ws.store().write(|tx| -> Result<i64> {
        let id = ensure_contact(tx, person, now)?;
        tx.prepare_cached("UPDATE contacts SET name = ?2 WHERE id = ?1")?
            .execute(params![id, name])?;
        Ok(id)
    })?;
    ws.store().read(|c| get(c, id))
}

/// Every contact tag in use, the most used first.
pub fn tags(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tag FROM contact_tags GROUP BY tag ORDER BY count(*) DESC, tag LIMIT 500",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Contact tags by (network, lower-cased handle), for rules that ask whether an
/// item's author is, say, a VIP.
pub fn tags_by_handle(conn: &Connection) -> Result<HashMap<(String, String), Vec<String>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.network, a.handle, t.tag FROM contact_tags t
         JOIN authors a ON a.contact_id = t.contact_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out: HashMap<(String, String), Vec<String>> = HashMap::new();
    while let Some(r) = rows.next()? {
        let handle: String = r.get(1)?;
        out.entry((r.get(0)?, handle.to_lowercase()))
            .or_default()
            .push(r.get(2)?);
    }
    Ok(out)
}

fn pair(a: i64, b: i64) -> (i64, i64) {
    (a.min(b), a.max(b))
}

fn read_dismissed(conn: &Connection) -> Result<HashSet<(i64, i64)>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([DISMISSED_KEY], |r| r.get(0))
        .optional()?;
    // A value this build cannot read (written by a newer one) counts as none dismissed.
    let pairs: Vec<(i64, i64)> = text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    Ok(pairs.into_iter().collect())
}

fn write_dismissed(tx: &Transaction<'_>, pairs: &HashSet<(i64, i64)>) -> Result<()> {
    let mut sorted: Vec<(i64, i64)> = pairs.iter().copied().collect();
    sorted.sort_unstable();
    // A list of pairs of integers always serialises.
    let text = serde_json::to_string(&sorted).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![DISMISSED_KEY, text])?;
    Ok(())
}

/// Never suggests these two handles as one person again.
pub fn dismiss(ws: &Workspace, a: i64, b: i64) -> Result<()> {
    ws.store().write(|tx| -> Result<()> {
        author(tx, a)?;
        author(tx, b)?;
        let mut dismissed = read_dismissed(tx)?;
        dismissed.insert(pair(a, b));
        write_dismissed(tx, &dismissed)
    })
}

/// The part of a handle that names the person: `maria` in `@maria@social.example`,
/// `maria.bsky.social` and `u/maria`.
fn handle_stem(network: &str, handle: &str) -> Option<String> {
    let h = handle.trim().trim_start_matches('@').to_lowercase();
    let h = h
        .strip_prefix("u/")
        .or_else(|| h.strip_prefix("/u/"))
        .unwrap_or(&h);
    let stem = if let Some((user, _)) = h.split_once('@') {
        user.to_owned()
    } else if network == "bluesky" {
        match h.strip_suffix(".bsky.social") {
            Some(user) => user.to_owned(),
            None => h.split('.').next().unwrap_or("").to_owned(),
        }
    } else {
        h.to_owned()
    };
    let stem: String = stem.chars().filter(|c| c.is_alphanumeric()).collect();
    (stem.chars().count() >= 3).then_some(stem)
}

/// A domain the network has verified the person controls: a Bluesky handle
/// that is not under bsky.social (checked by the network through DNS).
fn verified_domain(network: &str, handle: &str) -> Option<String> {
    let h = handle.trim().trim_start_matches('@').to_lowercase();
    (network == "bluesky" && h.contains('.') && !h.ends_with(".bsky.social")).then_some(h)
}

fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?.to_lowercase();
    let host = host.rsplit_once('@').map_or(host.as_str(), |(_, h)| h);
    let host = host.split(':').next()?.trim_start_matches("www.");
    (!host.is_empty()).then(|| host.to_owned())
}

fn normal_url(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://").map_or(url.trim(), |(_, r)| r);
    let rest = rest.trim_start_matches("www.").trim_end_matches('/');
    (rest.len() > 3).then(|| rest.to_lowercase())
}

fn normal_name(name: &str) -> Option<String> {
    let n: String = name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    (n.chars().filter(|c| c.is_alphanumeric()).count() >= 3).then_some(n)
}

/// Handles that may be the same person, each with its reasons, the most reasons
/// first. With `author_id`, only suggestions involving that author.
pub fn suggestions(conn: &Connection, author_id: Option<i64>) -> Result<Vec<Suggestion>> {
    let dismissed = read_dismissed(conn)?;
    let mut stmt = conn.prepare(&format!("SELECT {HANDLE_COLUMNS} FROM authors"))?;
    let all: Vec<ContactHandle> = stmt
        .query_map([], handle_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    // Our own accounts are never someone else's contact.
    let ours: HashSet<(String, String)> = {
        let mut s = conn.prepare("SELECT network, lower(handle) FROM accounts")?;
        let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let all: Vec<ContactHandle> = all
        .into_iter()
        .filter(|h| !ours.contains(&(h.network.clone(), h.handle.to_lowercase())))
        .collect();

    // Each kind of evidence groups authors by a key; a pair in one group is a reason.
    let mut groups: BTreeMap<(u8, String), Vec<usize>> = BTreeMap::new();
    for (i, h) in all.iter().enumerate() {
        if let Some(stem) = handle_stem(&h.network, &h.handle) {
            groups.entry((0, stem)).or_default().push(i);
        }
        if let Some(name) = h.name.as_deref().and_then(normal_name) {
            groups.entry((1, name)).or_default().push(i);
        }
        if let Some(url) = h.url.as_deref().and_then(normal_url) {
            groups.entry((2, url)).or_default().push(i);
        }
        // A verified domain matches handles and profile links on that domain.
        if let Some(domain) = verified_domain(&h.network, &h.handle) {
            groups.entry((3, domain)).or_default().push(i);
        } else {
            let host = h
                .handle
                .trim_start_matches('@')
                .split_once('@')
                .map(|(_, host)| host.to_lowercase())
                .or_else(|| h.url.as_deref().and_then(host_of));
            if let Some(host) = host {
                groups.entry((3, host)).or_default().push(i);
            }
        }
    }
    let mut reasons: BTreeMap<(usize, usize), Vec<String>> = BTreeMap::new();
    for ((kind, key), members) in &groups {
        if members.len() < 2 || members.len() > MAX_GROUP {
            continue;
        }
        // The domain group only counts when one member's domain is verified.
        let verified: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&m| verified_domain(&all[m].network, &all[m].handle).is_some())
            .collect();
        if *kind == 3 && verified.is_empty() {
            continue;
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                let (a, b) = (&all[i], &all[j]);
                if a.contact_id.is_some() && a.contact_id == b.contact_id {
                    continue;
                }
                if *kind == 3 && !verified.contains(&i) && !verified.contains(&j) {
                    continue;
                }
                if let Some(only) = author_id {
                    if a.author_id != only && b.author_id != only {
                        continue;
                    }
                }
                if dismissed.contains(&pair(a.author_id, b.author_id)) {
                    continue;
                }
                let why = match kind {
                    0 => format!("same handle '{key}' ({} and {})", a.network, b.network),
                    1 => format!(
                        "same display name '{}'",
                        a.name.as_deref().unwrap_or(key).trim()
                    ),
                    2 => format!("same profile link {key}"),
                    _ => format!("verified domain {key}"),
                };
                let k = if a.author_id < b.author_id {
                    (i, j)
                } else {
                    (j, i)
                };
                let list = reasons.entry(k).or_default();
                if !list.contains(&why) {
                    list.push(why);
                }
            }
        }
    }
    let mut out: Vec<Suggestion> = reasons
        .into_iter()
        .map(|((i, j), reasons)| Suggestion {
            a: all[i].clone(),
            b: all[j].clone(),
            reasons,
        })
        .collect();
    out.sort_by(|x, y| {
        y.reasons
            .len()
            .cmp(&x.reasons.len())
            .then(x.a.author_id.cmp(&y.a.author_id))
            .then(x.b.author_id.cmp(&y.b.author_id))
    });
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use crate::item::{Content, ItemKind, NewAuthor, NewItem};
    pub use crate::sync::testing::conversation_of;
    use crate::vault::MemoryVault;

    pub fn item(network: &str, id: &str, handle: &str, name: &str, at: i64) -> NewItem {
        NewItem {
            network: network.into(),
            remote_id: id.into(),
            account_id: None,
            kind: ItemKind::Mention,
            author: NewAuthor {
                handle: handle.into(),
                display_name: Some(name.into()),
                ..Default::default()
            },
            content: Content::Text(format!("hello from {handle}")),
            created_at: at,
            parent_remote_id: None,
            root_remote_id: None,
            url: None,
            lang: Some("en".into()),
            attachments: Vec::new(),
        }
    }

    pub fn open() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path(), &MemoryVault::default()).unwrap();
        (dir, ws)
    }

    pub fn author_id(ws: &Workspace, network: &str, handle: &str) -> i64 {
        ws.store()
            .read(|c| find_author(c, network, handle))
            .unwrap()
            .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::*;
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Overrides [`walk_threshold`] on this thread (tests of both ways).
        pub(super) static WALK_THRESHOLD: Cell<Option<i64>> = const { Cell::new(None) };
    }

    #[test]
    fn a_persons_items_are_read_a_bucket_at_a_time_from_the_index() {
        let (_dir, store) = crate::store::testing::temp_store();
        let sql = format!(
            "EXPLAIN QUERY PLAN {AUTHOR_BUCKETS} SELECT i.conversation_id FROM {}",
            items_of_authors("?1, ?2")
        );
        let plan: Vec<String> = store
            .read(|c| {
                let mut stmt = c.prepare(&sql)?;
                let rows = stmt.query_map([1, 2], |r| r.get(3))?;
                rows.collect::<rusqlite::Result<_>>()
                    .map_err(crate::store::StoreError::from)
            })
            .unwrap();
        let plan = plan.join(" | ");
        assert!(
            plan.contains("INDEX items_by_author (<expr>=? AND author_id=?)"),
            "{plan}"
        );
        assert!(
            plan.contains("INDEX items_by_author (<expr>>?)"),
            "each step to the next bucket is a seek: {plan}"
        );
    }

    /// Every page of these authors' timeline, `limit` at a time, with the walk
    /// from `threshold` items on.
    fn pages(ws: &Workspace, authors: &[i64], limit: u32, threshold: i64) -> Vec<Vec<i64>> {
        WALK_THRESHOLD.with(|t| t.set(Some(threshold)));
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = ws
                .store()
                .read(|c| timeline_of(c, authors, cursor.as_deref(), Some(limit)))
                .unwrap();
            out.push(ids(&page));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        WALK_THRESHOLD.with(|t| t.set(None));
        out
    }

    #[test]
    fn walking_the_conversations_and_gathering_the_authors_items_give_the_same_pages() {
        let (_dir, ws) = open();
        // Twelve threads started by Maria or Bob; later replies (Carol's, Bob's)
        // reorder their activity away from the order they were started in, and two
        // threads end at the same moment.
        let mut items = Vec::new();
        for k in 0..12_i64 {
            let (handle, name) = if k % 3 == 0 {
                ("bob@social.example", "Bob")
            } else {
                ("maria@social.example", "Maria")
            };
            items.push(item(
                "mastodon",
                &format!("r{k}"),
                handle,
                name,
                1_000 * (k + 1),
            ));
        }
        for (k, at) in [(2_i64, 50_000), (5, 40_000), (7, 50_000), (9, 20_000)] {
            let mut reply = item(
                "mastodon",
                &format!("c{k}"),
                "carol@social.example",
                "Carol",
                at,
            );
            reply.parent_remote_id = Some(format!("r{k}"));
            items.push(reply);
        }
        let mut reply = item("mastodon", "b4", "bob@social.example", "Bob", 60_000);
        reply.parent_remote_id = Some("r4".into());
        items.push(reply);
        ws.ingest(items).unwrap();
        let maria = author_id(&ws, "mastodon", "maria@social.example");
        let bob = author_id(&ws, "mastodon", "bob@social.example");
        let carol = author_id(&ws, "mastodon", "carol@social.example");
        for authors in [vec![maria], vec![bob], vec![carol], vec![maria, bob]] {
            for limit in [1, 3, 30] {
                let gathered = pages(&ws, &authors, limit, i64::MAX);
                let walked = pages(&ws, &authors, limit, 1);
                assert_eq!(walked, gathered, "authors {authors:?}, {limit} a page");
                assert!(!gathered[0].is_empty());
            }
        }
        // Newest activity first: Bob's reply moved Maria's r4 to the top.
        assert_eq!(
            pages(&ws, &[maria], 30, 1)[0][0],
            conversation_of(&ws, "r4")
        );
    }

    fn ids(t: &Timeline) -> Vec<i64> {
        t.conversations.iter().map(|c| c.id).collect()
    }

    fn timeline_ids(ws: &Workspace, p: Person) -> Vec<i64> {
        ids(&ws.store().read(|c| timeline(c, p, None, None)).unwrap())
    }

    /// Maria on Mastodon (two conversations) and on Bluesky (one), and Bob.
    fn people(ws: &Workspace) -> (i64, i64, i64) {
        ws.ingest(vec![
            item(
                "mastodon",
                "m1",
                "maria@social.example",
                "Maria Lopez",
                1_000,
            ),
            item(
                "mastodon",
                "m2",
                "maria@social.example",
                "Maria Lopez",
                3_000,
            ),
            item("bluesky", "b1", "maria.bsky.social", "Maria Lopez", 2_000),
            item("bluesky", "b2", "bob.bsky.social", "Bob", 4_000),
        ])
        .unwrap();
        (
            author_id(ws, "mastodon", "maria@social.example"),
            author_id(ws, "bluesky", "maria.bsky.social"),
            author_id(ws, "bluesky", "bob.bsky.social"),
        )
    }

    #[test]
    fn linking_merges_both_timelines_and_splitting_restores_them() {
        let (_dir, ws) = open();
        let (m, b, bob) = people(&ws);
        let masto_before = timeline_ids(&ws, Person::Author(m));
        let bsky_before = timeline_ids(&ws, Person::Author(b));
        assert_eq!(masto_before.len(), 2);
        assert_eq!(bsky_before.len(), 1);

        let contact = link(&ws, &[Person::Author(m), Person::Author(b)]).unwrap();
        assert_eq!(contact.name, "Maria Lopez", "named after the first handle");
        assert_eq!(contact.handles.len(), 2);
        let merged = timeline_ids(&ws, Person::Contact(contact.id));
        let mut expected: Vec<i64> = masto_before.iter().chain(&bsky_before).copied().collect();
        // Newest activity first: m2 (3,000), b1 (2,000), m1 (1,000).
        expected.sort_by_key(|&id| {
            std::cmp::Reverse(ws.conversation_summary(id).unwrap().last_activity_at)
        });
        assert_eq!(
            merged, expected,
            "one timeline, newest first, across networks"
        );
        assert_eq!(
            timeline_ids(&ws, Person::Author(b)),
            merged,
            "either handle shows the whole person"
        );
        assert!(
            !merged
                .iter()
                .any(|id| timeline_ids(&ws, Person::Author(bob)).contains(id)),
            "Bob's conversation is not Maria's"
        );

        // Paging walks the same timeline.
        let first = ws
            .store()
            .read(|c| timeline(c, Person::Contact(contact.id), None, Some(2)))
            .unwrap();
        let cursor = first.next_cursor.clone().expect("a second page");
        let second = ws
            .store()
            .read(|c| timeline(c, Person::Contact(contact.id), Some(&cursor), Some(2)))
            .unwrap();
        assert_eq!([ids(&first), ids(&second)].concat(), merged);
        assert!(second.next_cursor.is_none());

        let after = split(&ws, b).unwrap();
        assert_eq!(
            after.handles.len(),
            1,
            "the contact keeps the Mastodon handle"
        );
        assert_eq!(timeline_ids(&ws, Person::Author(m)), masto_before);
        assert_eq!(timeline_ids(&ws, Person::Author(b)), bsky_before);
        assert!(
            ws.store()
                .read(|c| suggestions(c, None))
                .unwrap()
                .is_empty(),
            "a handle split out is not suggested again"
        );
    }

    #[test]
    fn merging_contacts_keeps_tags_and_notes_of_both() {
        let (_dir, ws) = open();
        let (m, b, _) = people(&ws);
        let a = tag(&ws, Person::Author(m), &["VIP".into()], &[]).unwrap();
        set_notes(&ws, Person::Contact(a.id), "Met at FOSDEM").unwrap();
        let c = tag(&ws, Person::Author(b), &["press".into()], &[]).unwrap();
        set_notes(&ws, Person::Contact(c.id), "Writes for the Gazette").unwrap();
        let merged = link(&ws, &[Person::Contact(c.id), Person::Author(m)]).unwrap();
        assert_eq!(merged.id, a.id, "the older contact stays");
        assert_eq!(merged.tags, vec!["press".to_string(), "vip".to_string()]);
        assert_eq!(merged.notes, "Met at FOSDEM\n\nWrites for the Gazette");
        assert!(
            ws.store().read(|conn| get(conn, c.id)).is_err(),
            "the other is gone"
        );
        let listed = ws
            .store()
            .read(|conn| {
                list(
                    conn,
                    &ContactFilter {
                        tag: Some("vip".into()),
                        text: None,
                    },
                )
            })
            .unwrap();
        assert_eq!(listed.len(), 1);
        let by_handle = ws
            .store()
            .read(|conn| {
                list(
                    conn,
                    &ContactFilter {
                        tag: None,
                        text: Some("BSKY".into()),
                    },
                )
            })
            .unwrap();
        assert_eq!(by_handle.len(), 1, "found by one of its handles");
    }

    #[test]
    fn suggestions_say_why_and_dismissals_are_remembered() {
        let (_dir, ws) = open();
        let (m, b, _) = people(&ws);
        ws.ingest(vec![
            item("bluesky", "d1", "maria.dev", "M. L.", 5_000),
            item("mastodon", "d2", "ml@maria.dev", "ml", 6_000),
        ])
        .unwrap();
        let s = ws.store().read(|c| suggestions(c, None)).unwrap();
        let maria = s
            .iter()
            .find(|s| (s.a.author_id, s.b.author_id) == (m.min(b), m.max(b)))
            .expect("the two Marias are suggested");
        assert_eq!(
            maria.reasons,
            vec![
                "same handle 'maria' (mastodon and bluesky)".to_string(),
                "same display name 'Maria Lopez'".to_string()
            ]
        );
        let domain = author_id(&ws, "bluesky", "maria.dev");
        let selfhosted = author_id(&ws, "mastodon", "ml@maria.dev");
        assert!(
            s.iter().any(
                |s| s.reasons == vec!["verified domain maria.dev".to_string()]
                    && [s.a.author_id, s.b.author_id].contains(&domain)
                    && [s.a.author_id, s.b.author_id].contains(&selfhosted)
            ),
            "{s:?}"
        );
        let nothing_linked: i64 = ws
            .store()
            .read(|c| -> Result<i64> {
                Ok(c.query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))?)
            })
            .unwrap();
        assert_eq!(nothing_linked, 0, "a suggestion is never applied by itself");

        dismiss(&ws, b, m).unwrap();
        let only_b = ws.store().read(|c| suggestions(c, Some(b))).unwrap();
        assert!(
            !only_b
                .iter()
                .any(|s| [s.a.author_id, s.b.author_id].contains(&m)),
            "dismissed stays dismissed: {only_b:?}"
        );
    }

    #[test]
    fn the_panel_shows_the_whole_person_beside_any_of_their_conversations() {
        let (_dir, ws) = open();
        let (m, b, _) = people(&ws);
        let on_bluesky = timeline_ids(&ws, Person::Author(b))[0];
        let before = ws.store().read(|c| panel(c, on_bluesky, None)).unwrap();
        assert!(before.contact.is_none());
        assert_eq!(ids(&before.timeline), vec![on_bluesky]);
        let contact = link(&ws, &[Person::Author(m), Person::Author(b)]).unwrap();
        tag(&ws, Person::Contact(contact.id), &["customer".into()], &[]).unwrap();
        let after = ws.store().read(|c| panel(c, on_bluesky, None)).unwrap();
        assert_eq!(after.author.handle, "maria.bsky.social");
        let c = after.contact.expect("linked");
        assert_eq!(c.tags, vec!["customer".to_string()]);
        assert_eq!(c.handles.len(), 2);
        assert_eq!(after.timeline.conversations.len(), 3);
    }
}

#[cfg(test)]
mod rule_tests {
    use super::tests_support::*;
    use super::*;
    use crate::rules::{Actions, Conditions, Rule};

    #[test]
    fn a_rule_can_ask_whether_the_author_is_a_tagged_contact() {
        let (_dir, ws) = open();
        ws.ingest(vec![
            item(
                "mastodon",
                "m1",
                "maria@social.example",
                "Maria Lopez",
                1_000,
            ),
            item("bluesky", "b1", "maria.bsky.social", "Maria Lopez", 2_000),
        ])
        .unwrap();
        let m = author_id(&ws, "mastodon", "maria@social.example");
        let b = author_id(&ws, "bluesky", "maria.bsky.social");
        link(&ws, &[Person::Author(m), Person::Author(b)]).unwrap();
        tag(&ws, Person::Author(b), &["VIP".into()], &[]).unwrap();
        crate::rules::save(
            &ws,
            &Rule {
                id: 0,
                name: "VIPs".into(),
                enabled: true,
                position: 0,
                conditions: Conditions {
                    contact_tags: vec!["vip".into(), "#Press".into()],
                    ..Default::default()
                },
                actions: Actions {
                    urgent: true,
                    ..Default::default()
                },
                builtin: false,
            },
        )
        .unwrap();
        ws.ingest(vec![
            item(
                "mastodon",
                "m2",
                "maria@social.example",
                "Maria Lopez",
                3_000,
            ),
            item("bluesky", "x1", "bob.bsky.social", "Bob", 3_000),
        ])
        .unwrap();
        let conversation = |remote: &str| conversation_of(&ws, remote);
        let maria = conversation("m2");
        assert!(
            ws.conversation_summary(maria).unwrap().urgent,
            "the tag on the contact reaches her other handle"
        );
        assert_eq!(
            crate::rules::reasons(&ws, maria).unwrap(),
            vec!["urgent: a contact tagged vip".to_string()]
        );
        assert!(!ws.conversation_summary(conversation("x1")).unwrap().urgent);
    }
}
