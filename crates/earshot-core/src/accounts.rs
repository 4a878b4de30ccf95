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

pub(crate) fn list(conn: &Connection) -> Result<Vec<Account>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, network, server, handle, display_name, origin FROM accounts ORDER BY network, handle",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Account {
            id: r.get(0)?,
            network: r.get(1)?,
            server: r.get(2)?,
            handle: r.get(3)?,
            display_name: r.get(4)?,
            origin: AccountOrigin::parse(&r.get::<_, String>(5)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
