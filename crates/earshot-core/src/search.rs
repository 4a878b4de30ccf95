//! Full-text search over every item ever synced, with field filters.
//!
//! `refund "charged twice" from:maria network:mastodon -spam after:2026-11-01`
//!
//! Free words and "phrases" must all appear (`OR` between two terms allows
//! either, `-word` excludes, `word*` matches a prefix). Fields narrow the
//! results: `from:` `network:` `account:` `tag:` `lang:` `state:` `kind:`
//! `is:saved|unsaved|unread|read|reply|ours` `has:link` `sentiment:negative|neutral|positive`
//! `priority:N` (N or higher) `before:` `after:` (dates as YYYY-MM-DD, UTC).
//!
//! Newest-first search walks the FTS5 index in rowid order, which is time order
//! (see [`crate::ingest::item_id`]), and stops at the page size. Relevance
//! ranks with BM25 over the newest [`RELEVANCE_WINDOW`] matches, so a word in
//! most items costs the same as a rare one.

use rusqlite::{params_from_iter, types::Value, Connection};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::inbox::{item_from_row, ItemView, Sentiment, TriageState, ITEM_COLUMNS};
use crate::ingest::first_item_id_at;
use crate::item::ItemKind;

/// How many of the newest matches relevance ranking considers.
pub const RELEVANCE_WINDOW: u32 = 2_000;
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 1_000;
/// Marks around matched words in snippets (private-use characters, never in text).
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SearchOrder {
    #[default]
    Newest,
    Relevance,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, optional_fields = nullable)]
pub struct SearchOptions {
    pub order: SearchOrder,
    pub limit: Option<u32>,
    /// Newest order only: continue after this item id (a previous page's last).
    pub before_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SearchHit {
    pub item: ItemView,
    pub conversation_id: i64,
    /// Plain text around the match; matched words between [`MARK_START`] and [`MARK_END`].
    pub snippet: String,
}

/// A parsed query: the FTS5 expression (if any words) and SQL filters.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedQuery {
    pub fts: Option<String>,
    clauses: Vec<String>,
    values: Vec<Value>,
}

/// Splits a query into words, keeping "quoted phrases" together.
fn tokens(query: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut token = String::new();
        let mut in_quotes = false;
        while let Some(&c) = chars.peek() {
            if c == '"' {
                in_quotes = !in_quotes;
                token.push(c);
                chars.next();
                continue;
            }
            if c.is_whitespace() && !in_quotes {
                break;
            }
            token.push(c);
            chars.next();
        }
        if in_quotes {
            return Err(Error::Invalid(format!("unclosed quote in: {token}")));
        }
        out.push(token);
    }
    Ok(out)
}

/// Quotes one term for FTS5 (so user text can never be FTS5 syntax), keeping a
/// trailing `*` as a prefix search.
fn fts_term(word: &str) -> Option<String> {
    let (body, prefix) = match word.strip_suffix('*') {
        Some(b) => (b, true),
        None => (word, false),
    };
    let body = body.trim_matches('"');
    if !body.chars().any(char::is_alphanumeric) {
        return None;
    }
    let quoted = format!("\"{}\"", body.replace('"', "\"\""));
    Some(if prefix { format!("{quoted}*") } else { quoted })
}

/// Midnight UTC of a `YYYY-MM-DD` date, in Unix ms; `field` names it in the error.
pub fn day_ms(text: &str, field: &str) -> Result<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).map_err(|_| {
        Error::Invalid(format!(
            "{field}: expects a date like 2026-11-01, not '{text}'"
        ))
    })?;
    Ok(date.midnight().assume_utc().unix_timestamp() * 1000)
}

/// Parses a search query.
pub fn parse(query: &str) -> Result<ParsedQuery> {
    let mut positive: Vec<String> = Vec::new();
    let mut negative: Vec<String> = Vec::new();
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    let mut pending_or = false;
    for token in tokens(query)? {
        if token == "OR" {
            pending_or = !positive.is_empty();
            continue;
        }
        if token == "AND" {
            continue;
        }
        if let Some((field, value)) = token.split_once(':').filter(|(f, v)| {
            !v.is_empty() && f.chars().all(|c| c.is_ascii_lowercase()) && !f.is_empty()
        }) {
            let value = value.trim_matches('"');
            let known = field_filter(field, value, &mut clauses, &mut values)?;
            if known {
                continue;
            }
        }
        let (negated, word) = match token.strip_prefix('-') {
            Some(w) if !w.is_empty() => (true, w),
            _ => (false, token.as_str()),
        };
        let Some(term) = fts_term(word) else { continue };
        if negated {
            negative.push(term);
        } else if pending_or {
            if let Some(last) = positive.pop() {
                positive.push(format!("({last} OR {term})"));
            }
            pending_or = false;
        } else {
            positive.push(term);
        }
    }
    if positive.is_empty() && !negative.is_empty() {
        return Err(Error::Invalid(
            "a search needs at least one word that must appear, besides the excluded ones".into(),
        ));
    }
    let fts = if positive.is_empty() {
        None
    } else {
        let mut e = positive.join(" AND ");
        for n in negative {
            e = format!("({e}) NOT {n}");
        }
        Some(e)
    };
    Ok(ParsedQuery {
        fts,
        clauses,
        values,
    })
}

/// Adds the SQL for one `field:value`; returns false for an unknown field (then
/// the token is searched as a word, like "re:invent").
fn field_filter(
    field: &str,
    value: &str,
    clauses: &mut Vec<String>,
    values: &mut Vec<Value>,
) -> Result<bool> {
    let text = |v: &str| Value::Text(v.to_owned());
    match field {
        "from" => {
            let handle = value.trim_start_matches('@').to_lowercase();
            clauses.push(
                "(lower(a.handle) = ? OR lower(a.handle) LIKE ? || '@%' OR lower(a.display_name) = ?)"
                    .into(),
            );
            values.extend([text(&handle), text(&handle), text(&handle)]);
        }
        "network" => {
            clauses.push("i.network = ?".into());
            values.push(text(&value.to_lowercase()));
        }
        "account" => match value.parse::<i64>() {
            // An account id, as the inbox's filters name accounts.
            Ok(id) => {
                clauses.push("i.account_id = ?".into());
                values.push(Value::Integer(id));
            }
            Err(_) => {
                clauses.push(
                    "i.account_id IN (SELECT id FROM accounts WHERE lower(handle) = ?)".into(),
                );
                values.push(text(&value.trim_start_matches('@').to_lowercase()));
            }
        },
        "priority" => {
            let priority = value
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= 3)
                .ok_or_else(|| {
                    Error::Invalid(format!("priority: is 0 (low) to 3 (urgent), not '{value}'"))
                })?;
            clauses.push(
                "i.conversation_id IN (SELECT id FROM conversations WHERE priority >= ?)".into(),
            );
            values.push(Value::Integer(priority.into()));
        }
        "tag" => {
            clauses.push(
                "i.conversation_id IN (SELECT conversation_id FROM conversation_tags WHERE tag = ?)"
                    .into(),
            );
            values.push(text(&crate::inbox::normalise_tag(value)?));
        }
        "lang" => {
            clauses.push("i.lang = ?".into());
            values.push(text(&value.to_lowercase()));
        }
        "state" => {
            let state = TriageState::parse(value).ok_or_else(|| {
                Error::Invalid(format!(
                    "state: is open, pending, snoozed or done, not '{value}'"
                ))
            })?;
            clauses
                .push("i.conversation_id IN (SELECT id FROM conversations WHERE state = ?)".into());
            values.push(text(state.as_str()));
        }
        "kind" => {
            let kind = ItemKind::parse(value).ok_or_else(|| {
                Error::Invalid(format!(
                    "kind: is mention, reply, dm, comment or post, not '{value}'"
                ))
            })?;
            clauses.push("i.kind = ?".into());
            values.push(text(kind.as_str()));
        }
        "is" => clauses.push(
            match value {
                "saved" => "i.conversation_id IN (SELECT id FROM conversations WHERE saved = 1)",
                "unread" => {
                    "i.conversation_id IN (SELECT id FROM conversations WHERE unread_count > 0)"
                }
                "read" => {
                    "i.conversation_id IN (SELECT id FROM conversations WHERE unread_count = 0)"
                }
                "unsaved" => "i.conversation_id IN (SELECT id FROM conversations WHERE saved = 0)",
                "reply" => "i.parent_remote_id IS NOT NULL",
                "ours" => "i.from_us = 1",
                other => {
                    return Err(Error::Invalid(format!(
                        "is: is saved, unsaved, unread, read, reply or ours, not '{other}'"
                    )))
                }
            }
            .into(),
        ),
        "has" => match value {
            "link" => clauses.push("i.has_link = 1".into()),
            other => {
                return Err(Error::Invalid(format!(
                    "has: only knows 'link', not '{other}'"
                )))
            }
        },
        "sentiment" => {
            let sentiment = Sentiment::parse(value).ok_or_else(|| {
                Error::Invalid(format!(
                    "sentiment: is negative, neutral or positive, not '{value}'"
                ))
            })?;
            clauses.push(sentiment.sql("i.sentiment"));
        }
        "before" => {
            clauses.push("i.id < ?".into());
            values.push(Value::Integer(first_item_id_at(day_ms(value, "before")?)));
        }
        "after" => {
            clauses.push("i.id >= ?".into());
            values.push(Value::Integer(first_item_id_at(day_ms(value, "after")?)));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Runs a search.
pub fn search(conn: &Connection, query: &str, options: &SearchOptions) -> Result<Vec<SearchHit>> {
    let parsed = parse(query)?;
    let limit = options.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let mut clauses = parsed.clauses.clone();
    let mut values = parsed.values.clone();
    if let Some(before) = &options.before_id {
        let id: i64 = before
            .parse()
            .map_err(|_| Error::Invalid(format!("'{before}' is not an item id")))?;
        clauses.push("i.id < ?".into());
        values.push(Value::Integer(id));
    }
    let filters = clauses
        .iter()
        .map(|c| format!(" AND {c}"))
        .collect::<String>();
    let mut hits = match (&parsed.fts, options.order) {
        (None, _) => {
            let sql = format!(
                "SELECT {ITEM_COLUMNS}, i.conversation_id, NULL FROM items i
                 JOIN authors a ON a.id = i.author_id WHERE 1 = 1{filters}
                 ORDER BY i.id DESC LIMIT ?"
            );
            values.push(Value::Integer(limit.into()));
            collect(conn, &sql, values)?
        }
        (Some(fts), SearchOrder::Newest) => {
            let sql = format!(
                "SELECT {ITEM_COLUMNS}, i.conversation_id, NULL
                 FROM items_fts JOIN items i ON i.id = items_fts.rowid
                 JOIN authors a ON a.id = i.author_id
                 WHERE items_fts MATCH ?{filters}
                 ORDER BY items_fts.rowid DESC LIMIT ?"
            );
            values.insert(0, Value::Text(fts.clone()));
            values.push(Value::Integer(limit.into()));
            collect(conn, &sql, values)?
        }
        (Some(fts), SearchOrder::Relevance) => {
            let sql = format!(
                "WITH recent AS (
                    SELECT items_fts.rowid AS id, bm25(items_fts) AS score
                    FROM items_fts JOIN items i ON i.id = items_fts.rowid
                    JOIN authors a ON a.id = i.author_id
                    WHERE items_fts MATCH ?{filters}
                    ORDER BY items_fts.rowid DESC LIMIT {RELEVANCE_WINDOW})
                 SELECT {ITEM_COLUMNS}, i.conversation_id, NULL
                 FROM recent JOIN items i ON i.id = recent.id JOIN authors a ON a.id = i.author_id
                 ORDER BY recent.score, i.id DESC LIMIT ?"
            );
            values.insert(0, Value::Text(fts.clone()));
            values.push(Value::Integer(limit.into()));
            collect(conn, &sql, values)?
        }
    };
    if let Some(fts) = &parsed.fts {
        snippets(conn, fts, &mut hits)?;
    }
    Ok(hits)
}

/// Cuts each hit's snippet around what matched, with the matches marked.
///
/// The index holds no text (it is contentless, see [`crate::store::search`]),
/// so FTS5's `snippet()` runs over a small in-memory index of the hits' text
/// alone, with the same tokenizer: the same snippets for the cost of indexing
/// a page of results. The store keeps temporary tables in memory, so no text
/// reaches the disk unencrypted.
fn snippets(conn: &Connection, fts: &str, hits: &mut [SearchHit]) -> Result<()> {
    if hits.is_empty() {
        return Ok(());
    }
    // The hits' text in a table the index reads it from (external content),
    // so that emptying both, before each search, costs no tokenizing.
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS temp.hit_rows (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.hit_text USING fts5(
             text, content = 'hit_rows', content_rowid = 'id',
             tokenize = 'unicode61 remove_diacritics 2'
         );",
    )?;
    conn.prepare_cached("DELETE FROM temp.hit_rows")?
        .execute([])?;
    conn.prepare_cached("INSERT INTO temp.hit_text (hit_text) VALUES ('delete-all')")?
        .execute([])?;
    let rows: Vec<Value> = hits
        .iter()
        .flat_map(|hit| {
            [
                Value::Integer(hit.item.id.parse().unwrap_or_default()),
                Value::Text(hit.item.text.clone()),
            ]
        })
        .collect();
    conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO temp.hit_rows (id, text) VALUES {}",
        crate::store::value_rows(2, hits.len())
    ))?
    .execute(params_from_iter(rows))?;
    // One statement: FTS5 writes a segment per statement.
    conn.prepare_cached(
        "INSERT INTO temp.hit_text (rowid, text) SELECT id, text FROM temp.hit_rows",
    )?
    .execute([])?;
    let mut cut = conn.prepare_cached(&format!(
        "SELECT rowid, snippet(hit_text, 0, char({}), char({}), '…', 24)
         FROM temp.hit_text WHERE hit_text MATCH ?1",
        MARK_START as u32, MARK_END as u32
    ))?;
    let cuts = cut
        .query_map([fts], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<std::collections::HashMap<_, _>>>()
        .map_err(fts_error)?;
    for hit in hits.iter_mut() {
        let id: i64 = hit.item.id.parse().unwrap_or_default();
        if let Some(snippet) = cuts.get(&id) {
            hit.snippet = snippet.clone();
        }
    }
    Ok(())
}

fn collect(conn: &Connection, sql: &str, values: Vec<Value>) -> Result<Vec<SearchHit>> {
    let mut stmt = conn.prepare_cached(sql).map_err(fts_error)?;
    let rows = stmt
        .query_map(params_from_iter(values), |r| {
            let (item, _) = item_from_row(r)?;
            let conversation_id: i64 = r.get(16)?;
            let snippet: Option<String> = r.get(17)?;
            Ok((item, conversation_id, snippet))
        })
        .map_err(fts_error)?;
    let mut hits = Vec::new();
    for row in rows {
        let (item, conversation_id, snippet) = row.map_err(fts_error)?;
        let snippet = snippet.unwrap_or_else(|| {
            let flat: String = item.text.split_whitespace().collect::<Vec<_>>().join(" ");
            flat.chars().take(160).collect()
        });
        hits.push(SearchHit {
            item,
            conversation_id,
            snippet,
        });
    }
    Ok(hits)
}

fn fts_error(e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.contains("fts5") => {
            Error::Invalid(format!("the search could not be understood: {msg}"))
        }
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_or_not_and_prefix() {
        let q = parse(r#"refund "charged twice" sync OR backup -spam lum*"#).unwrap();
        assert_eq!(
            q.fts.as_deref(),
            Some(
                r#"("refund" AND "charged twice" AND ("sync" OR "backup") AND "lum"*) NOT "spam""#
            )
        );
    }

    #[test]
    fn fields_become_filters_not_words() {
        let q = parse("outage from:@maria network:bluesky is:saved after:2026-11-01").unwrap();
        assert_eq!(q.fts.as_deref(), Some("\"outage\""));
        assert_eq!(q.clauses.len(), 4);
        let q = parse("re:invent").unwrap();
        assert_eq!(
            q.fts.as_deref(),
            Some("\"re:invent\""),
            "unknown fields are words"
        );
    }

    #[test]
    fn fts_syntax_in_user_text_is_inert() {
        let q = parse(r#"NEAR( a"b ) ^c {x} :"#);
        assert!(q.is_err(), "odd quotes are reported");
        let q = parse("NEAR( ^c {x} col:umn* AND").unwrap();
        assert!(q.fts.unwrap().split(" AND ").all(|t| t.starts_with('"')));
    }

    #[test]
    fn bad_queries_say_what_is_wrong() {
        for (q, needle) in [
            ("-spam", "at least one word"),
            ("state:closed", "open, pending"),
            ("after:yesterday", "2026-11-01"),
            ("is:starred", "saved"),
        ] {
            let e = parse(q).unwrap_err().to_string();
            assert!(e.contains(needle), "{q}: {e}");
        }
    }
}
