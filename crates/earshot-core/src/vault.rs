//! The vault: where secrets live.
//!
//! Every secret Earshot holds (the cache key, account tokens, app passwords) is
//! kept only in a [`Vault`]. The real implementation is the operating system's
//! keyring ([`KeyringVault`]: Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows). [`MemoryVault`] exists for unit tests of
//! other pieces and is never used by the app or the CLI.
//!
//! There is deliberately no fallback: when the keyring is missing or locked the
//! caller gets a [`VaultError`] that says what to install or unlock, never a
//! key written to disk.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use zeroize::Zeroizing;

/// The keyring "service" under which every Earshot secret is filed.
pub const SERVICE: &str = "earshot";

/// A secret value. Its `Debug` never prints the value, and it is wiped from
/// memory when dropped.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret's text. Callers must not log or persist it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No entry under that name (never created, or deleted).
    #[error("no secret named '{name}' in the OS keyring")]
    NotFound { name: String },
    /// The keyring exists but refused access: usually locked.
    #[error(
        "the OS keyring is locked or refused access ({detail}). Unlock it (on Linux: log in to \
         your desktop session, or run `gnome-keyring-daemon --unlock`; on macOS: unlock the \
         login keychain) and try again"
    )]
    Locked { detail: String },
    /// There is no keyring service to talk to at all.
    #[error(
        "no OS keyring is available ({detail}). Earshot keeps its cache key and credentials only \
         in the OS keyring. On Linux install and start a Secret Service provider \
         (`sudo apt install gnome-keyring dbus-user-session`, or KeePassXC with Secret Service \
         enabled) inside a D-Bus session; on macOS and Windows the system keyring is used"
    )]
    Unavailable { detail: String },
}

/// A small store of named secrets.
pub trait Vault: Send + Sync {
    fn get(&self, name: &str) -> Result<Secret, VaultError>;
    fn set(&self, name: &str, secret: &Secret) -> Result<(), VaultError>;
    /// Deletes a secret; deleting one that does not exist is not an error.
    fn delete(&self, name: &str) -> Result<(), VaultError>;
}

/// The OS keyring, through the `keyring` crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyringVault;

impl KeyringVault {
    fn entry(name: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(SERVICE, name).map_err(|e| map_keyring_error(name, e))
    }
}

impl Vault for KeyringVault {
    fn get(&self, name: &str) -> Result<Secret, VaultError> {
        Self::entry(name)?
            .get_password()
            .map(Secret::new)
            .map_err(|e| map_keyring_error(name, e))
    }

    fn set(&self, name: &str, secret: &Secret) -> Result<(), VaultError> {
        Self::entry(name)?
            .set_password(secret.expose())
            .map_err(|e| map_keyring_error(name, e))
    }

    fn delete(&self, name: &str) -> Result<(), VaultError> {
        match Self::entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(name, e)),
        }
    }
}

/// Turns the keyring crate's errors into ones a person can act on. The
/// keyring's own messages never contain the secret, only the service's words.
fn map_keyring_error(name: &str, error: keyring::Error) -> VaultError {
    match error {
        keyring::Error::NoEntry => VaultError::NotFound {
            name: name.to_owned(),
        },
        keyring::Error::NoStorageAccess(inner) => {
            let detail = inner.to_string();
            if looks_unavailable(&detail) {
                VaultError::Unavailable { detail }
            } else {
                VaultError::Locked { detail }
            }
        }
        keyring::Error::PlatformFailure(inner) => {
            let detail = inner.to_string();
            if looks_locked(&detail) {
                VaultError::Locked { detail }
            } else {
                VaultError::Unavailable { detail }
            }
        }
        other => VaultError::Unavailable {
            detail: other.to_string(),
        },
    }
}

fn looks_locked(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    d.contains("lock") || d.contains("prompt") || d.contains("dismissed")
}

fn looks_unavailable(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    d.contains("dbus")
        || d.contains("d-bus")
        || d.contains("serviceunknown")
        || d.contains("not provided by any .service")
        || d.contains("no such file")
        || d.contains("connection refused")
}

/// An in-memory vault for unit tests of other pieces. Not used by the app.
#[derive(Debug, Default)]
pub struct MemoryVault {
    secrets: Mutex<HashMap<String, Secret>>,
}

impl MemoryVault {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        // A poisoned map still holds consistent data: every operation is a single insert/remove.
        self.secrets.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Vault for MemoryVault {
    fn get(&self, name: &str) -> Result<Secret, VaultError> {
        self.lock()
            .get(name)
            .cloned()
            .ok_or_else(|| VaultError::NotFound {
                name: name.to_owned(),
            })
    }

    fn set(&self, name: &str, secret: &Secret) -> Result<(), VaultError> {
        self.lock().insert(name.to_owned(), secret.clone());
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), VaultError> {
        self.lock().remove(name);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("hunter2");
        assert_eq!(
            format!("{s:?}"),
            "Secret(<redacted>)",
            "secrets must never reach logs"
        );
    }

    #[test]
    fn memory_vault_round_trip_and_delete() {
        let v = MemoryVault::new();
        assert!(matches!(v.get("a"), Err(VaultError::NotFound { .. })));
        v.set("a", &Secret::new("x")).unwrap();
        assert_eq!(v.get("a").unwrap().expose(), "x");
        v.delete("a").unwrap();
        v.delete("a").unwrap();
        assert!(matches!(v.get("a"), Err(VaultError::NotFound { .. })));
    }

    #[test]
    fn keyring_errors_say_what_to_do() {
        let e = map_keyring_error(
            "cache-key/x",
            keyring::Error::PlatformFailure("org.freedesktop.DBus.Error.ServiceUnknown".into()),
        );
        let text = e.to_string();
        assert!(matches!(e, VaultError::Unavailable { .. }));
        assert!(
            text.contains("gnome-keyring"),
            "the error must say what to install: {text}"
        );
        let e = map_keyring_error(
            "cache-key/x",
            keyring::Error::NoStorageAccess("collection is locked".into()),
        );
        assert!(matches!(e, VaultError::Locked { .. }));
        assert!(
            e.to_string().contains("Unlock"),
            "the error must say to unlock"
        );
    }
}
