//! Connectors against real servers on 127.0.0.1, started by
//! `tests/servers/start.sh` (`make test` does it): one module per network.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bluesky;
mod mastodon;
mod saved;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use earshot_core::connector::{ConnectorError, CredentialStore};
use earshot_core::vault::Secret;

/// An account's credentials in memory, as the vault would keep them.
pub struct MemoryCredentials(Mutex<Secret>);

impl MemoryCredentials {
    pub fn new(secret: Secret) -> Self {
        Self(Mutex::new(secret))
    }

    /// The stored document, parsed (connectors keep JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.0.lock().unwrap().expose()).unwrap()
    }
}

impl CredentialStore for MemoryCredentials {
    fn load(&self) -> Result<Secret, ConnectorError> {
        Ok(self.0.lock().unwrap().clone())
    }

    fn save(&self, secret: &Secret) -> Result<(), ConnectorError> {
        *self.0.lock().unwrap() = secret.clone();
        Ok(())
    }
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The env file `tests/servers/start.sh` writes (`export NAME='value'` lines),
/// in `$EARSHOT_SERVERS_DIR` (as `make test` sets it) or the default run folder.
fn env_file() -> PathBuf {
    if let Some(dir) = std::env::var_os("EARSHOT_SERVERS_DIR") {
        return PathBuf::from(dir).join("env");
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("earshot/servers/run/env")
}

/// A value the test servers published: from the process environment when set
/// (a sourced env file), else from the env file.
pub fn server_env(name: &str) -> String {
    if let Ok(value) = std::env::var(name) {
        return value;
    }
    let path = env_file();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "start the test servers: tests/servers/start.sh (make test does it) \
             [{}: {e}]",
            path.display()
        )
    });
    let values: HashMap<&str, &str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim().trim_matches('\'')))
        .collect();
    values
        .get(name)
        .map(|v| (*v).to_owned())
        .unwrap_or_else(|| {
            panic!(
                "start the test servers: tests/servers/start.sh (make test does it) \
             [{name} is not in {}]",
                path.display()
            )
        })
}
