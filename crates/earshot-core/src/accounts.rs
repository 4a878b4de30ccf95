//! Accounts: the identities Earshot reads through. Rows hold no secrets; a
//! signed-in account's tokens will live in the vault (the networks issue).

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Where an account came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum AccountOrigin {
    /// Signed in: its credentials are in the vault.
    SignedIn,
    /// Named by an import file; has no credentials and never syncs.
    Import,
    /// Part of the demo workspace.
    Demo,
}

impl AccountOrigin {
    fn as_str(self) -> &'static str {
        match self {
            Self::SignedIn => "signed-in",
            Self::Import => "import",
            Self::Demo => "demo",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "import" => Self::Import,
            "demo" => Self::Demo,
            _ => Self::SignedIn,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Account {
    pub id: i64,
    pub network: String,
    pub server: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub origin: AccountOrigin,
    /// The account's own id on its network (a DID, a numeric id).
    pub remote_user_id: Option<String>,
    /// The network refused its credentials: it must sign in again.
    pub needs_sign_in: bool,
}

impl Account {
    /// What a connector needs to know of it.
    pub fn to_ref(&self) -> crate::connector::AccountRef {
        crate::connector::AccountRef {
            id: self.id,
            network: self.network.clone(),
            server: self.server.clone(),
            handle: self.handle.clone(),
            remote_user_id: self.remote_user_id.clone(),
        }
    }
}

/// An account that has just signed in, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInAccount {
    pub network: String,
    pub server: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub remote_user_id: Option<String>,
}

/// The vault entry holding an account's credentials.
pub fn credentials_entry(workspace_id: &str, account_id: i64) -> String {
    format!("account/{workspace_id}/{account_id}")
}

/// Finds an account by network and handle, creating it if missing.
pub(crate) fn ensure(
    tx: &Transaction<'_>,
    network: &str,
    handle: &str,
    display_name: Option<&str>,
    origin: AccountOrigin,
    now: i64,
) -> Result<i64> {
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM accounts WHERE network = ?1 AND lower(handle) = lower(?2)")?
        .query_row(params![network, handle], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    Ok(tx
        .prepare_cached(
            "INSERT INTO accounts (network, handle, display_name, origin, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        )?
        .query_row(
            params![network, handle, display_name, origin.as_str(), now],
            |r| r.get(0),
        )?)
}

const COLUMNS: &str =
    "id, network, server, handle, display_name, origin, remote_user_id, auth_state";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        network: r.get(1)?,
        server: r.get(2)?,
        handle: r.get(3)?,
        display_name: r.get(4)?,
        origin: AccountOrigin::parse(&r.get::<_, String>(5)?),
        remote_user_id: r.get(6)?,
        needs_sign_in: r.get::<_, String>(7)? == "reauth",
    })
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<Account>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM accounts ORDER BY network, handle"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn get(conn: &Connection, id: i64) -> Result<Account> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(crate::Error::NotFound {
            what: "account",
            id: id.to_string(),
        })
}

/// Stores a signed-in account, or marks an existing one signed in again.
pub(crate) fn upsert_signed_in(
    tx: &Transaction<'_>,
    account: &SignedInAccount,
    now: i64,
) -> Result<i64> {
    Ok(tx
        .prepare_cached(
            "INSERT INTO accounts (network, server, handle, display_name, origin, remote_user_id,
                                   auth_state, created_at)
             VALUES (?1, ?2, ?3, ?4, 'signed-in', ?5, 'ok', ?6)
             ON CONFLICT (network, server, handle) DO UPDATE SET
                display_name = excluded.display_name,
                remote_user_id = excluded.remote_user_id,
                origin = 'signed-in',
                auth_state = 'ok'
             RETURNING id",
        )?
        .query_row(
            params![
                account.network,
                account.server,
                account.handle,
                account.display_name,
                account.remote_user_id,
                now
            ],
            |r| r.get(0),
        )?)
}

/// Forgets an account. Conversations it synced stay (they are the manager's
/// history, and its sent replies are items in them); its outbox goes with it,
/// so replies queued but not sent are dropped.
pub(crate) fn remove(tx: &Transaction<'_>, id: i64) -> Result<()> {
    tx.execute("DELETE FROM outbox WHERE account_id = ?1", [id])?;
    let n = tx.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
    if n == 0 {
        return Err(crate::Error::NotFound {
            what: "account",
            id: id.to_string(),
        });
    }
    Ok(())
}

/// Records that the network refused (or accepted again) the account's credentials.
pub(crate) fn set_needs_sign_in(conn: &Connection, id: i64, needs: bool) -> Result<()> {
    conn.execute(
        "UPDATE accounts SET auth_state = ?2 WHERE id = ?1",
        params![id, if needs { "reauth" } else { "ok" }],
    )?;
    Ok(())
}
