//! Writing replies: drafts kept as you type, saved replies with variables, and
//! who a reply can be sent as.
//!
//! Drafts live in the encrypted store, one per conversation, so they survive
//! restarts and crashes. Saved replies are starting points: their variables
//! (`{author.name}`, `{author.handle}`, `{my.name}`, `{my.handle}`) are filled
//! from the conversation, and prompted placeholders (`{?Order number}`) are
//! asked for, so a template is always personalised before it is sent.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::accounts::Account;
use crate::error::{Error, Result};
use crate::Workspace;

/// A reply being written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Draft {
    pub conversation_id: i64,
    /// The account it will be sent as; `None` means the conversation's own.
    pub account_id: Option<i64>,
    pub body: String,
    pub updated_at: i64,
}

/// Saves what has been typed so far; an empty body deletes the draft.
pub fn save_draft(
    ws: &Workspace,
    conversation_id: i64,
    account_id: Option<i64>,
    body: &str,
) -> Result<Option<Draft>> {
    let now = ws.now();
    ws.store().write(|tx| -> Result<()> {
        if body.trim().is_empty() {
            tx.execute(
                "DELETE FROM drafts WHERE conversation_id = ?1",
                [conversation_id],
            )?;
        } else {
            tx.prepare_cached(
                "INSERT INTO drafts (conversation_id, account_id, body, updated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (conversation_id) DO UPDATE SET account_id = excluded.account_id,
                    body = excluded.body, updated_at = excluded.updated_at",
            )?
            .execute(params![conversation_id, account_id, body, now])
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    Error::NotFound {
                        what: "conversation",
                        id: conversation_id.to_string(),
                    }
                }
                other => other.into(),
            })?;
        }
        Ok(())
    })?;
    draft(ws, conversation_id)
}

pub fn draft(ws: &Workspace, conversation_id: i64) -> Result<Option<Draft>> {
    ws.store().read(|c| {
        Ok(c.prepare_cached(
            "SELECT conversation_id, account_id, body, updated_at FROM drafts
             WHERE conversation_id = ?1",
        )?
        .query_row([conversation_id], |r| {
            Ok(Draft {
                conversation_id: r.get(0)?,
                account_id: r.get(1)?,
                body: r.get(2)?,
                updated_at: r.get(3)?,
            })
        })
        .optional()?)
    })
}

/// A saved reply: a named template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SavedReply {
    pub id: i64,
    pub name: String,
    pub body: String,
    /// The placeholders it will ask for (`{?Order number}` → "Order number").
    pub prompts: Vec<String>,
}

fn saved_reply(id: i64, name: String, body: String) -> SavedReply {
    let prompts = prompts(&body);
    SavedReply {
        id,
        name,
        body,
        prompts,
    }
}

/// Adds a saved reply, or replaces the one with the same name.
pub fn save_reply_template(ws: &Workspace, name: &str, body: &str) -> Result<SavedReply> {
    let (name, body) = (name.trim(), body.trim());
    if name.is_empty() || body.is_empty() {
        return Err(Error::Invalid(
            "a saved reply needs a name and some text".into(),
        ));
    }
    if let Some(bad) = unknown_variables(body).first() {
        return Err(Error::Invalid(format!(
            "{{{bad}}} is not a variable Earshot knows; use {{author.name}}, {{author.handle}}, \
             {{my.name}}, {{my.handle}}, or {{?A question}} to be asked when inserting"
        )));
    }
    let now = ws.now();
    let id = ws.store().write(|tx| -> Result<i64> {
        Ok(tx
            .prepare_cached(
                "INSERT INTO saved_replies (name, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
                 RETURNING id",
            )?
            .query_row(params![name, body, now], |r| r.get(0))?)
    })?;
    Ok(saved_reply(id, name.to_owned(), body.to_owned()))
}

pub fn saved_replies(ws: &Workspace) -> Result<Vec<SavedReply>> {
    ws.store().read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT id, name, body FROM saved_replies ORDER BY name COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| Ok(saved_reply(r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

pub fn delete_saved_reply(ws: &Workspace, name: &str) -> Result<()> {
    let n = ws.store().write(|tx| -> Result<usize> {
        Ok(tx.execute("DELETE FROM saved_replies WHERE name = ?1", [name.trim()])?)
    })?;
    if n == 0 {
        return Err(Error::NotFound {
            what: "saved reply",
            id: name.to_owned(),
        });
    }
    Ok(())
}

/// What a template's variables are filled with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TemplateContext {
    pub author_name: String,
    pub author_handle: String,
    pub my_name: String,
    pub my_handle: String,
    /// Answers to the prompted placeholders, by their question.
    #[serde(default)]
    pub answers: std::collections::BTreeMap<String, String>,
}

/// The variables of a reply to `conversation_id` sent as `account_id` (or the
/// conversation's own account): who we answer, and who we are.
pub fn context(
    ws: &Workspace,
    conversation_id: i64,
    account_id: Option<i64>,
) -> Result<TemplateContext> {
    let (author_name, author_handle, own): (Option<String>, String, Option<i64>) =
        ws.store().read(|c| {
            c.prepare_cached(
                "SELECT a.display_name, a.handle, cv.account_id FROM conversations cv
                 JOIN items i ON i.id = coalesce(cv.last_incoming_item_id, cv.last_item_id)
                 JOIN authors a ON a.id = i.author_id
                 WHERE cv.id = ?1",
            )?
            .query_row([conversation_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?
            .ok_or(Error::NotFound {
                what: "conversation",
                id: conversation_id.to_string(),
            })
        })?;
    let me = match account_id.or(own) {
        Some(id) => Some(ws.account(id)?),
        None => None,
    };
    Ok(TemplateContext {
        author_name: author_name.unwrap_or_default(),
        author_handle: format!("@{}", author_handle.trim_start_matches('@')),
        my_name: me
            .as_ref()
            .and_then(|a| a.display_name.clone())
            .unwrap_or_default(),
        my_handle: me
            .map(|a| format!("@{}", a.handle.trim_start_matches('@')))
            .unwrap_or_default(),
        answers: Default::default(),
    })
}

/// The `{…}` spans of a template, with their byte ranges.
fn placeholders(body: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = body[rest..].find('{').map(|i| i + rest) {
        let Some(close) = body[open..].find('}').map(|i| i + open) else {
            break;
        };
        let inner = &body[open + 1..close];
        if !inner.is_empty() && !inner.contains('{') {
            out.push((open, close + 1, inner));
        }
        rest = open + 1;
    }
    out
}

fn prompts(body: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for (_, _, inner) in placeholders(body) {
        if let Some(q) = inner.strip_prefix('?') {
            let q = q.trim().to_owned();
            if !q.is_empty() && !seen.contains(&q) {
                seen.push(q);
            }
        }
    }
    seen
}

const VARIABLES: &[&str] = &["author.name", "author.handle", "my.name", "my.handle"];

fn unknown_variables(body: &str) -> Vec<String> {
    placeholders(body)
        .into_iter()
        .map(|(_, _, inner)| inner.trim())
        .filter(|inner| !inner.starts_with('?') && !VARIABLES.contains(inner))
        .map(str::to_owned)
        .collect()
}

/// Fills a template. A prompted placeholder without an answer is an error that
/// names it, so nothing goes out with a hole in it.
pub fn fill(template: &str, context: &TemplateContext) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for (start, end, inner) in placeholders(template) {
        let inner = inner.trim();
        let value = match inner {
            "author.name" if !context.author_name.is_empty() => context.author_name.as_str(),
            "author.name" | "author.handle" => context.author_handle.as_str(),
            "my.name" if !context.my_name.is_empty() => context.my_name.as_str(),
            "my.name" | "my.handle" => context.my_handle.as_str(),
            q if q.starts_with('?') => {
                let q = q[1..].trim();
                context
                    .answers
                    .get(q)
                    .map(String::as_str)
                    .filter(|a| !a.trim().is_empty())
                    .ok_or_else(|| Error::Invalid(format!("the saved reply asks for \"{q}\"")))?
            }
            // Not a variable: left as typed.
            _ => continue,
        };
        out.push_str(&template[last..start]);
        out.push_str(value);
        last = end;
    }
    out.push_str(&template[last..]);
    Ok(out)
}

/// The accounts a reply to this conversation can be sent as: signed-in accounts
/// on its network that can sign in, the conversation's own first.
pub fn senders(ws: &Workspace, conversation_id: i64) -> Result<Vec<Account>> {
    let (network, own): (String, Option<i64>) = ws.store().read(|c| {
        c.prepare_cached("SELECT network, account_id FROM conversations WHERE id = ?1")?
            .query_row([conversation_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(Error::NotFound {
                what: "conversation",
                id: conversation_id.to_string(),
            })
    })?;
    let mut accounts: Vec<Account> = ws
        .accounts()?
        .into_iter()
        .filter(|a| a.network == network && a.origin == crate::accounts::AccountOrigin::SignedIn)
        .collect();
    accounts.sort_by_key(|a| (Some(a.id) != own, a.handle.to_lowercase()));
    Ok(accounts)
}

/// Someone in the thread, offered when typing `@` in the composer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Participant {
    /// As written in a mention on this network (`@maria@fosstodon.example`, `@maria.bsky.social`).
    pub mention: String,
    pub name: Option<String>,
}

/// Everything the composer needs when it opens on a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ComposeInfo {
    pub conversation_id: i64,
    pub network: String,
    /// Who the reply answers: the newest item not written by us.
    pub replying_to: Participant,
    /// The accounts it can be sent as, the conversation's own (the one mentioned) first.
    /// Empty when none can send (the demo workspace, an imported conversation).
    pub senders: Vec<Account>,
    pub draft: Option<Draft>,
    /// The thread's people, the one answered first, then the most recent.
    pub participants: Vec<Participant>,
    /// A reply to a direct message stays direct (visible to the people in it only).
    pub direct: bool,
}

/// How a handle is written in a mention.
fn mention_of(handle: &str) -> String {
    format!("@{}", handle.trim_start_matches('@'))
}

/// Opens the composer's view of a conversation: who it answers, as whom it can
/// be sent, the draft so far and the people to mention.
pub fn open(ws: &Workspace, conversation_id: i64) -> Result<ComposeInfo> {
    let senders = senders(ws, conversation_id)?;
    let draft = draft(ws, conversation_id)?;
    ws.store().read(|c| {
        let (network, handle, name, kind): (String, String, Option<String>, String) = c
            .prepare_cached(
                "SELECT cv.network, a.handle, a.display_name, i.kind FROM conversations cv
                 JOIN items i ON i.id = coalesce(cv.last_incoming_item_id, cv.last_item_id)
                 JOIN authors a ON a.id = i.author_id
                 WHERE cv.id = ?1",
            )?
            .query_row([conversation_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?
            .ok_or(Error::NotFound {
                what: "conversation",
                id: conversation_id.to_string(),
            })?;
        let mut stmt = c.prepare_cached(
            "SELECT a.handle, a.display_name FROM items i JOIN authors a ON a.id = i.author_id
             WHERE i.conversation_id = ?1 AND i.from_us = 0
             GROUP BY a.id ORDER BY max(i.created_at) DESC LIMIT 50",
        )?;
        let replying_to = Participant {
            mention: mention_of(&handle),
            name,
        };
        let mut participants = vec![replying_to.clone()];
        for row in stmt.query_map([conversation_id], |r| {
            Ok(Participant {
                mention: mention_of(&r.get::<_, String>(0)?),
                name: r.get(1)?,
            })
        })? {
            let p = row?;
            if p.mention != replying_to.mention {
                participants.push(p);
            }
        }
        Ok(ComposeInfo {
            conversation_id,
            network,
            replying_to,
            senders,
            draft,
            participants,
            direct: kind == "dm",
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::testing::{item, workspace};

    #[test]
    fn templates_fill_variables_and_ask_for_placeholders() {
        let context = TemplateContext {
            author_name: "Maria".into(),
            author_handle: "@maria@fosstodon.example".into(),
            my_name: String::new(),
            my_handle: "@lumen".into(),
            answers: [("Order number".to_owned(), "A-1042".to_owned())].into(),
        };
        let text = fill(
            "Hi {author.name}, {my.name} here: order {?Order number} is on its way. {not a var}",
            &context,
        )
        .unwrap();
        assert_eq!(
            text, "Hi Maria, @lumen here: order A-1042 is on its way. {not a var}",
            "my.name falls back to the handle; unknown braces stay as typed"
        );
        let err = fill("Your ticket {?Ticket}", &context).unwrap_err();
        assert!(err.to_string().contains("\"Ticket\""), "{err}");
        assert_eq!(
            prompts("{?A} and {?B} and {? A }"),
            vec!["A".to_owned(), "B".to_owned()]
        );
    }

    #[test]
    fn the_context_names_who_we_answer_and_who_we_are() {
        let (_dir, ws, _account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let conversation = ws.inbox(&Default::default()).unwrap().conversations[0].id;
        let c = context(&ws, conversation, None).unwrap();
        assert_eq!(c.author_handle, "@bob@example.test");
        assert_eq!(c.my_handle, "@alice@example.test");
        let text = fill("Hi {author.name}, {my.handle} here", &c).unwrap();
        assert_eq!(text, "Hi @bob@example.test, @alice@example.test here");
    }

    #[test]
    fn saved_replies_are_named_replaced_and_checked() {
        let (_dir, ws, _account) = workspace();
        save_reply_template(&ws, "thanks", "Thanks {author.name}!").unwrap();
        let again = save_reply_template(&ws, "thanks", "Thank you {author.name}!").unwrap();
        let all = saved_replies(&ws).unwrap();
        assert_eq!(all.len(), 1, "same name replaces");
        assert_eq!(all[0], again);
        let err = save_reply_template(&ws, "bad", "Hi {author.nmae}").unwrap_err();
        assert!(err.to_string().contains("{author.nmae}"), "{err}");
        delete_saved_reply(&ws, "thanks").unwrap();
        assert!(saved_replies(&ws).unwrap().is_empty());
        assert!(delete_saved_reply(&ws, "thanks").is_err());
    }

    #[test]
    fn drafts_survive_and_clear_when_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let vault = crate::vault::MemoryVault::default();
        let conversation;
        {
            let ws = Workspace::open(dir.path(), &vault).unwrap();
            let mut one = item("1", None, 1_000);
            one.account_id = None;
            ws.ingest(vec![one]).unwrap();
            conversation = ws.inbox(&Default::default()).unwrap().conversations[0].id;
            save_draft(&ws, conversation, None, "Hello the").unwrap();
            save_draft(&ws, conversation, None, "Hello there").unwrap();
        }
        // A new process (the app restarted) finds it.
        let ws = Workspace::open(dir.path(), &vault).unwrap();
        let d = draft(&ws, conversation).unwrap().unwrap();
        assert_eq!(d.body, "Hello there");
        assert_eq!(save_draft(&ws, conversation, None, "  ").unwrap(), None);
        assert_eq!(draft(&ws, conversation).unwrap(), None);
        assert!(
            save_draft(&ws, 999, None, "x").is_err(),
            "no such conversation"
        );
    }

    #[test]
    fn the_composer_opens_with_who_we_answer_the_people_to_mention_and_the_draft() {
        let (_dir, ws, _account) = workspace();
        let mut dm = item("1", None, 1_000);
        dm.kind = crate::item::ItemKind::Dm;
        let mut other = item("2", Some("1"), 2_000);
        other.author.handle = "carol@example.test".into();
        other.author.display_name = Some("Carol".into());
        let mut last = item("3", Some("2"), 3_000);
        last.kind = crate::item::ItemKind::Dm;
        ws.ingest(vec![dm, other, last]).unwrap();
        let page = ws.inbox(&Default::default()).unwrap();
        let conversation = page.conversations[0].id;
        assert!(!page.conversations[0].has_draft);
        save_draft(&ws, conversation, None, "Hi Bob").unwrap();
        assert!(ws.inbox(&Default::default()).unwrap().conversations[0].has_draft);

        let info = open(&ws, conversation).unwrap();
        assert_eq!(info.replying_to.mention, "@bob@example.test");
        assert_eq!(
            info.participants
                .iter()
                .map(|p| p.mention.as_str())
                .collect::<Vec<_>>(),
            ["@bob@example.test", "@carol@example.test"],
            "the one answered first, then the others, once each"
        );
        assert_eq!(info.participants[1].name.as_deref(), Some("Carol"));
        assert!(info.direct, "the newest incoming item is a direct message");
        assert_eq!(info.draft.unwrap().body, "Hi Bob");
        assert_eq!(info.senders.len(), 1);
        assert_eq!(info.network, "mastodon");
        assert!(open(&ws, 999).is_err());
    }

    #[test]
    fn the_undo_window_defaults_to_five_seconds_and_is_bounded() {
        let (_dir, ws, _account) = workspace();
        let five = std::time::Duration::from_secs(5);
        assert_eq!(crate::outbox::undo_window(&ws).unwrap(), five);
        crate::outbox::set_undo_window(&ws, 0).unwrap();
        assert!(crate::outbox::undo_window(&ws).unwrap().is_zero());
        assert!(crate::outbox::set_undo_window(&ws, 61).is_err());
        let settings = crate::outbox::ReplySettings {
            undo_seconds: 10,
            after_first_reply: crate::outbox::AfterFirstReply::Done,
        };
        crate::outbox::set_reply_settings(&ws, &settings).unwrap();
        assert_eq!(crate::outbox::reply_settings(&ws).unwrap(), settings);
    }

    #[test]
    fn senders_are_signed_in_accounts_on_the_network_own_first() {
        let (_dir, ws, _account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let conversation = ws.inbox(&Default::default()).unwrap().conversations[0].id;
        let vault = crate::vault::MemoryVault::default();
        ws.add_account(
            &vault,
            &crate::accounts::SignedInAccount {
                network: "mastodon".into(),
                server: "https://other.example".into(),
                handle: "aaa@other.example".into(),
                display_name: None,
                remote_user_id: None,
            },
            &crate::vault::Secret::new("{}"),
        )
        .unwrap();
        let senders = senders(&ws, conversation).unwrap();
        assert_eq!(senders.len(), 2);
        assert_eq!(senders[0].id, 1, "the conversation's own account first");
    }
}
