//! The outbox: replies waiting for the network to confirm them.
//!
//! A reply is stored before anything is sent, with an idempotency key chosen
//! once. Sending marks it `sending` (committed) before the request goes out, so
//! a crash mid-send leaves it `sending`, and the next run sends it again with
//! the same key: Mastodon's `Idempotency-Key` and Bluesky's deterministic
//! record key make the network keep one copy. Only the network's answer moves
//! it to `sent` (and its item into the conversation) or `refused`.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::connector::{Connector, ConnectorError, OutgoingReply};
use crate::error::{Error, Result};
use crate::Workspace;

/// Where an outbox entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum OutboxState {
    Queued,
    Sending,
    Sent,
    Refused,
    Cancelled,
}

impl OutboxState {
    fn parse(text: &str) -> Self {
        match text {
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "refused" => Self::Refused,
            "cancelled" => Self::Cancelled,
            _ => Self::Queued,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutboxEntry {
    pub id: i64,
    pub conversation_id: i64,
    pub account_id: i64,
    pub body: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub remote_url: Option<String>,
    /// Unix ms before which it is not sent: the end of its undo window, or of
    /// the wait before a retry.
    pub not_before: i64,
}

const COLUMNS: &str =
    "id, conversation_id, account_id, body, state, attempts, last_error, remote_url, not_before";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        account_id: r.get(2)?,
        body: r.get(3)?,
        state: OutboxState::parse(&r.get::<_, String>(4)?),
        attempts: r.get(5)?,
        last_error: r.get(6)?,
        remote_url: r.get(7)?,
        not_before: r.get(8)?,
    })
}

pub fn get(ws: &Workspace, id: i64) -> Result<OutboxEntry> {
    ws.store().read(|c| {
        c.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"))?
            .query_row([id], from_row)
            .optional()?
            .ok_or(Error::NotFound {
                what: "outbox entry",
                id: id.to_string(),
            })
    })
}

/// What the conversation becomes once our first reply to it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum AfterFirstReply {
    /// Waiting on them (the default).
    Pending,
    Done,
    /// Left as it is.
    Unchanged,
}

const AFTER_FIRST_REPLY: &str = "reply.afterFirstReply";

pub fn after_first_reply(ws: &Workspace) -> Result<AfterFirstReply> {
    Ok(ws
        .setting(AFTER_FIRST_REPLY)?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or(AfterFirstReply::Pending))
}

pub fn set_after_first_reply(ws: &Workspace, value: AfterFirstReply) -> Result<()> {
    ws.set_setting(AFTER_FIRST_REPLY, &serde_json::json!(value))
}

/// The manager's reply settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReplySettings {
    /// Seconds a sent reply waits, so that it can be undone (0 to 60).
    pub undo_seconds: u32,
    pub after_first_reply: AfterFirstReply,
}

pub fn reply_settings(ws: &Workspace) -> Result<ReplySettings> {
    Ok(ReplySettings {
        undo_seconds: undo_window(ws)?.as_secs() as u32,
        after_first_reply: after_first_reply(ws)?,
    })
}

pub fn set_reply_settings(ws: &Workspace, settings: &ReplySettings) -> Result<()> {
    set_undo_window(ws, settings.undo_seconds.into())?;
    set_after_first_reply(ws, settings.after_first_reply)
}

const UNDO_SECONDS: &str = "reply.undoSeconds";

/// How long a sent reply waits in the outbox, so that it can be taken back
/// (5 s unless the manager chose otherwise; 0 sends at once).
pub fn undo_window(ws: &Workspace) -> Result<Duration> {
    let secs = ws
        .setting(UNDO_SECONDS)?
        .and_then(|v| v.as_u64())
        .unwrap_or(5);
    Ok(Duration::from_secs(secs.min(MAX_UNDO_SECONDS)))
}

/// The longest undo window that can be set: a reply should not wait longer.
pub const MAX_UNDO_SECONDS: u64 = 60;

pub fn set_undo_window(ws: &Workspace, seconds: u64) -> Result<()> {
    if seconds > MAX_UNDO_SECONDS {
        return Err(Error::Invalid(format!(
            "the undo window is at most {MAX_UNDO_SECONDS} seconds"
        )));
    }
    ws.set_setting(UNDO_SECONDS, &serde_json::json!(seconds))
}

/// Queues a reply to a conversation's newest incoming item, through the account
/// the conversation arrived on, to be sent now.
pub fn queue_reply(ws: &Workspace, conversation_id: i64, body: &str) -> Result<OutboxEntry> {
    queue_reply_as(ws, conversation_id, body, None, Duration::ZERO)
}

/// Queues a reply as `account` (any signed-in account on the conversation's
/// network; `None` for the conversation's own), held for `undo` before it may
/// be sent so that [`cancel`] can take it back. The conversation's draft is
/// cleared: the text is in the outbox now.
pub fn queue_reply_as(
    ws: &Workspace,
    conversation_id: i64,
    body: &str,
    account: Option<i64>,
    undo: Duration,
) -> Result<OutboxEntry> {
    let body = body.trim();
    if body.is_empty() {
        return Err(Error::Invalid("a reply needs some text".into()));
    }
    let mut key = [0u8; 16];
    getrandom::fill(&mut key)
        .map_err(|e| Error::Invalid(format!("no randomness for the reply's key: {e}")))?;
    let key = hex::encode(key);
    let now = ws.now();
    let requested = account;
    let not_before = now + undo.as_millis() as i64;
    let id = ws.store().write(|tx| -> Result<i64> {
        let row: Option<(Option<i64>, Option<i64>, Option<i64>)> = tx
            .prepare_cached(
                "SELECT c.account_id, c.last_incoming_item_id, c.last_item_id
                 FROM conversations c WHERE c.id = ?1",
            )?
            .query_row([conversation_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((account, incoming, last)) = row else {
            return Err(Error::NotFound {
                what: "conversation",
                id: conversation_id.to_string(),
            });
        };
        let account = requested.or(account).ok_or_else(|| {
            Error::Invalid(format!(
                "conversation {conversation_id} did not arrive through a signed-in account, \
                 so there is no account to reply as"
            ))
        })?;
        let same_network: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM accounts a JOIN conversations c ON c.network = a.network
                            WHERE a.id = ?1 AND c.id = ?2)",
            [account, conversation_id],
            |r| r.get(0),
        )?;
        if !same_network {
            return Err(Error::Invalid(format!(
                "account {account} is not on conversation {conversation_id}'s network"
            )));
        }
        let origin: String = tx.query_row(
            "SELECT origin FROM accounts WHERE id = ?1",
            [account],
            |r| r.get(0),
        )?;
        if origin != "signed-in" {
            return Err(Error::Invalid(format!(
                "conversation {conversation_id} belongs to a {origin} account, which cannot send"
            )));
        }
        let parent = incoming.or(last).ok_or_else(|| {
            Error::Invalid(format!(
                "conversation {conversation_id} has no item to reply to"
            ))
        })?;
        tx.execute(
            "DELETE FROM drafts WHERE conversation_id = ?1",
            [conversation_id],
        )?;
        Ok(tx
            .prepare_cached(
                "INSERT INTO outbox (conversation_id, account_id, in_reply_to_item_id, body,
                                     idempotency_key, state, not_before, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?7) RETURNING id",
            )?
            .query_row(
                params![conversation_id, account, parent, body, key, not_before, now],
                |r| r.get(0),
            )?)
    })?;
    get(ws, id)
}

/// Takes back a reply that has not started sending: it is cancelled and its
/// text becomes the conversation's draft again (unless a newer draft exists).
pub fn cancel(ws: &Workspace, id: i64) -> Result<OutboxEntry> {
    let now = ws.now();
    ws.store().write(|tx| -> Result<()> {
        let n = tx.execute(
            "UPDATE outbox SET state = 'cancelled', updated_at = ?2 WHERE id = ?1 AND state = 'queued'",
            params![id, now],
        )?;
        if n == 0 {
            return Err(Error::Invalid(format!(
                "outbox entry {id} is already being sent, sent, or not there; it cannot be taken back"
            )));
        }
        restore_draft(tx, id, now)
    })?;
    get(ws, id)
}

/// Puts an outbox entry's text back as its conversation's draft, unless the
/// manager has started a newer one.
fn restore_draft(tx: &rusqlite::Transaction<'_>, id: i64, now: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO drafts (conversation_id, account_id, body, updated_at)
         SELECT conversation_id, account_id, body, ?2 FROM outbox WHERE id = ?1
         ON CONFLICT (conversation_id) DO NOTHING",
        params![id, now],
    )?;
    Ok(())
}

/// A conversation's replies in the outbox that are not cancelled, oldest first:
/// waiting, sending, sent, or refused (with the network's reason).
pub fn for_conversation(ws: &Workspace, conversation_id: i64) -> Result<Vec<OutboxEntry>> {
    ws.store().read(|c| {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE conversation_id = ?1 AND state <> 'cancelled' ORDER BY id"
        ))?;
        let rows = stmt.query_map([conversation_id], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

/// Moves a conversation on after our first reply, as the setting says.
fn after_sent(ws: &Workspace, conversation_id: i64) -> Result<()> {
    let first = ws.store().read(|c| -> Result<bool> {
        Ok(c.query_row(
            "SELECT count(*) = 1 FROM outbox WHERE conversation_id = ?1 AND state = 'sent'",
            [conversation_id],
            |r| r.get(0),
        )?)
    })?;
    if !first {
        return Ok(());
    }
    match after_first_reply(ws)? {
        AfterFirstReply::Pending => {
            ws.set_state(conversation_id, crate::inbox::TriageState::Pending, None)
        }
        AfterFirstReply::Done => {
            ws.set_state(conversation_id, crate::inbox::TriageState::Done, None)
        }
        AfterFirstReply::Unchanged => Ok(()),
    }
}

/// Replies of this account that are due: queued ones whose time has come, and
/// ones left `sending` by a run that stopped mid-send.
fn due(ws: &Workspace, account_id: i64) -> Result<Vec<(i64, OutgoingReply)>> {
    let now = ws.now();
    ws.store().read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT o.id, i.remote_id, cv.root_key, cv.provisional, o.body, o.idempotency_key,
                    o.created_at
             FROM outbox o
             JOIN items i ON i.id = o.in_reply_to_item_id
             JOIN conversations cv ON cv.id = o.conversation_id
             WHERE o.account_id = ?1 AND o.state IN ('queued', 'sending') AND o.not_before <= ?2
             ORDER BY o.id",
        )?;
        let rows = stmt.query_map(params![account_id, now], |r| {
            let provisional: bool = r.get(3)?;
            Ok((
                r.get(0)?,
                OutgoingReply {
                    parent_remote_id: r.get(1)?,
                    root_remote_id: if provisional { None } else { Some(r.get(2)?) },
                    text: r.get(4)?,
                    idempotency_key: r.get(5)?,
                    queued_at: r.get(6)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

fn set_state(
    ws: &Workspace,
    id: i64,
    state: &str,
    error: Option<&str>,
    not_before: Option<i64>,
) -> Result<()> {
    let now = ws.now();
    ws.store().write(|tx| {
        tx.execute(
            "UPDATE outbox SET state = ?2, last_error = ?3, not_before = coalesce(?4, not_before),
                               attempts = attempts + (?2 = 'sending'), updated_at = ?5
             WHERE id = ?1",
            params![id, state, error, not_before, now],
        )?;
        Ok(())
    })
}

/// Sends every due reply of the connector's account, oldest first. Returns the
/// entries it touched, in their new state.
pub async fn send_due(ws: &Arc<Workspace>, connector: &dyn Connector) -> Result<Vec<OutboxEntry>> {
    let account_id = connector.account().id;
    let mut touched = Vec::new();
    for (id, reply) in due(ws, account_id)? {
        set_state(ws, id, "sending", None, None)?;
        match connector.reply(&reply).await {
            Ok(sent) => {
                let now = ws.now();
                ws.store().write(|tx| {
                    tx.execute(
                        "UPDATE outbox SET state = 'sent', last_error = NULL, remote_id = ?2,
                                           remote_url = ?3, updated_at = ?4 WHERE id = ?1",
                        params![id, sent.remote_id, sent.url, now],
                    )?;
                    Ok::<_, Error>(())
                })?;
                if let Some(item) = sent.item {
                    let ws2 = Arc::clone(ws);
                    tokio::task::spawn_blocking(move || ws2.ingest(vec![item]))
                        .await
                        .map_err(|e| Error::Invalid(format!("the ingest task failed: {e}")))??;
                }
                let conversation = get(ws, id)?.conversation_id;
                after_sent(ws, conversation)?;
            }
            Err(e) if e.is_transient() => {
                let wait = match &e {
                    ConnectorError::RateLimited { retry_after, .. } => *retry_after,
                    _ => Duration::from_secs(30),
                };
                let at = ws.now() + wait.as_millis() as i64;
                set_state(ws, id, "queued", Some(&e.to_string()), Some(at))?;
            }
            Err(e @ ConnectorError::Auth { .. }) => {
                // Kept queued: it goes out once the account signs in again.
                set_state(ws, id, "queued", Some(&e.to_string()), None)?;
                ws.set_needs_sign_in(account_id, true)?;
            }
            Err(e) => {
                set_state(ws, id, "refused", Some(&e.to_string()), None)?;
                let now = ws.now();
                ws.store().write(|tx| restore_draft(tx, id, now))?;
            }
        }
        touched.push(get(ws, id)?);
    }
    Ok(touched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::SentReply;
    use crate::item::{Content, ItemKind, NewAuthor, NewItem};
    use crate::sync::testing::{conversation_of, item, workspace, Scripted};

    fn sent(id: &str) -> SentReply {
        SentReply {
            remote_id: id.into(),
            url: Some(format!("https://example.test/@alice/{id}")),
            item: Some(NewItem {
                kind: ItemKind::Reply,
                author: NewAuthor {
                    handle: "alice@example.test".into(),
                    ..Default::default()
                },
                content: Content::Text("thanks!".into()),
                ..item(id, Some("1"), 5_000)
            }),
        }
    }

    #[tokio::test]
    async fn a_reply_is_sent_once_and_lands_in_its_conversation() {
        let (_dir, ws, account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let conversation = conversation_of(&ws, "1");
        let entry = queue_reply(&ws, conversation, "  thanks!  ").unwrap();
        assert_eq!(
            (entry.state, entry.body.as_str()),
            (OutboxState::Queued, "thanks!")
        );

        let c = Scripted::new(account);
        c.replies.lock().unwrap().push_back(Ok(sent("2")));
        let touched = send_due(&ws, &c).await.unwrap();
        assert_eq!(touched[0].state, OutboxState::Sent);
        assert_eq!(c.sent.lock().unwrap()[0].parent_remote_id, "1");
        assert_eq!(
            conversation_of(&ws, "2"),
            conversation,
            "the reply joins the thread"
        );
        assert!(
            send_due(&ws, &c).await.unwrap().is_empty(),
            "sent means never again"
        );
    }

    #[tokio::test]
    async fn a_send_cut_off_mid_way_is_retried_with_the_same_key() {
        let (_dir, ws, account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let entry = queue_reply(&ws, conversation_of(&ws, "1"), "thanks!").unwrap();
        // A run that died after marking it sending, before the answer came.
        set_state(&ws, entry.id, "sending", None, None).unwrap();

        let c = Scripted::new(account);
        c.replies
            .lock()
            .unwrap()
            .push_back(Err(ConnectorError::Server {
                server: "example.test".into(),
                message: "HTTP 502".into(),
            }));
        let touched = send_due(&ws, &c).await.unwrap();
        assert_eq!(
            touched[0].state,
            OutboxState::Queued,
            "a 502 is retried later"
        );
        assert!(touched[0].last_error.as_deref().unwrap().contains("502"));
        assert!(
            send_due(&ws, &c).await.unwrap().is_empty(),
            "not before its backoff"
        );

        ws.store()
            .write(|tx| -> Result<()> {
                tx.execute("UPDATE outbox SET not_before = 0", [])?;
                Ok(())
            })
            .unwrap();
        c.replies.lock().unwrap().push_back(Ok(sent("2")));
        send_due(&ws, &c).await.unwrap();
        let keys: Vec<String> = c
            .sent
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.idempotency_key.clone())
            .collect();
        assert_eq!(keys.len(), 2);
        assert_eq!(
            keys[0], keys[1],
            "every attempt carries the same idempotency key"
        );
        assert_eq!(get(&ws, entry.id).unwrap().attempts, 3);
    }

    #[tokio::test]
    async fn a_refused_reply_says_why_and_stops() {
        let (_dir, ws, account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        queue_reply(&ws, conversation_of(&ws, "1"), "x").unwrap();
        let c = Scripted::new(account);
        let touched = send_due(&ws, &c).await.unwrap();
        assert_eq!(touched[0].state, OutboxState::Refused);
        assert!(send_due(&ws, &c).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_held_reply_can_be_taken_back_into_the_draft() {
        let (_dir, ws, account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let conversation = conversation_of(&ws, "1");
        crate::compose::save_draft(&ws, conversation, None, "thanks!").unwrap();
        let entry =
            queue_reply_as(&ws, conversation, "thanks!", None, Duration::from_secs(5)).unwrap();
        assert_eq!(
            crate::compose::draft(&ws, conversation).unwrap(),
            None,
            "now in the outbox"
        );
        let c = Scripted::new(account);
        assert!(
            send_due(&ws, &c).await.unwrap().is_empty(),
            "held for the undo window"
        );

        let cancelled = cancel(&ws, entry.id).unwrap();
        assert_eq!(cancelled.state, OutboxState::Cancelled);
        let draft = crate::compose::draft(&ws, conversation).unwrap().unwrap();
        assert_eq!(draft.body, "thanks!", "the text is back in the composer");
        assert!(cancel(&ws, entry.id).is_err(), "only once");
        assert!(for_conversation(&ws, conversation).unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_refused_reply_comes_back_as_the_draft_with_the_reason() {
        let (_dir, ws, account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let conversation = conversation_of(&ws, "1");
        queue_reply(&ws, conversation, "far too long").unwrap();
        send_due(&ws, &Scripted::new(account)).await.unwrap();
        let draft = crate::compose::draft(&ws, conversation).unwrap().unwrap();
        assert_eq!(draft.body, "far too long");
        let entries = for_conversation(&ws, conversation).unwrap();
        assert!(entries[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("nothing scripted"));
    }

    #[tokio::test]
    async fn the_first_reply_moves_the_conversation_on_as_set() {
        let (_dir, ws, account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let conversation = conversation_of(&ws, "1");
        assert_eq!(after_first_reply(&ws).unwrap(), AfterFirstReply::Pending);
        set_after_first_reply(&ws, AfterFirstReply::Done).unwrap();
        queue_reply(&ws, conversation, "thanks!").unwrap();
        let c = Scripted::new(account);
        c.replies.lock().unwrap().push_back(Ok(sent("2")));
        send_due(&ws, &c).await.unwrap();
        let state = ws.conversation_summary(conversation).unwrap().state;
        assert_eq!(state, crate::inbox::TriageState::Done);
    }

    #[test]
    fn a_reply_can_be_sent_as_another_account_on_the_same_network_only() {
        let (_dir, ws, _account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let conversation = conversation_of(&ws, "1");
        let vault = crate::vault::MemoryVault::default();
        let add = |network: &str, handle: &str| {
            ws.add_account(
                &vault,
                &crate::accounts::SignedInAccount {
                    network: network.into(),
                    server: "https://other.example".into(),
                    handle: handle.into(),
                    display_name: None,
                    remote_user_id: None,
                },
                &crate::vault::Secret::new("{}"),
            )
            .unwrap()
            .id
        };
        let other = add("mastodon", "team@other.example");
        let bluesky = add("bluesky", "team.bsky.social");
        let entry = queue_reply_as(&ws, conversation, "hi", Some(other), Duration::ZERO).unwrap();
        assert_eq!(entry.account_id, other);
        let err =
            queue_reply_as(&ws, conversation, "hi", Some(bluesky), Duration::ZERO).unwrap_err();
        assert!(err.to_string().contains("network"), "{err}");
    }

    #[test]
    fn replies_need_text_and_a_signed_in_account() {
        let (_dir, ws, _account) = workspace();
        ws.ingest(vec![item("1", None, 1_000)]).unwrap();
        let conversation = conversation_of(&ws, "1");
        assert!(matches!(
            queue_reply(&ws, conversation, "   "),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            queue_reply(&ws, 999, "hi"),
            Err(Error::NotFound { .. })
        ));
        let mut demo = item("d", None, 1_000);
        demo.account_id = None;
        ws.ingest(vec![demo]).unwrap();
        let err = queue_reply(&ws, conversation_of(&ws, "d"), "hi").unwrap_err();
        assert!(err.to_string().contains("no account to reply as"), "{err}");
    }
}
