//! One app instance per data directory: the first holds a lock file; a second
//! one asks it to come to the front and exits.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const LOCK_FILE: &str = "earshot.lock";
const SOCKET_FILE: &str = "earshot.sock";

/// Held while this process is the app for its data directory.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    dir: PathBuf,
}

/// What happened when trying to become the instance for a directory.
#[derive(Debug)]
pub enum Instance {
    /// This process is the instance; keep the lock for its lifetime.
    First(InstanceLock),
    /// Another process is; it was asked to show its window.
    AlreadyRunning,
}

impl InstanceLock {
    /// Takes the lock, or asks the running instance to show itself.
    pub fn acquire(dir: &Path) -> Result<Instance> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => Ok(Instance::First(Self {
                _file: file,
                dir: dir.to_owned(),
            })),
            Err(std::fs::TryLockError::WouldBlock) => {
                ask_to_show(dir);
                Ok(Instance::AlreadyRunning)
            }
            Err(std::fs::TryLockError::Error(e)) => {
                Err(Error::io(format!("cannot lock {}", path.display()), e))
            }
        }
    }

    /// Calls `show` whenever a second instance starts, until the process ends.
    #[cfg(unix)]
    pub fn on_second_instance(&self, show: impl Fn() + Send + 'static) -> Result<()> {
        use std::io::Read;
        use std::os::unix::net::UnixListener;
        let path = self.dir.join(SOCKET_FILE);
        // We hold the lock, so a socket file left here is stale.
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)
            .map_err(|e| Error::io(format!("cannot listen on {}", path.display()), e))?;
        std::thread::Builder::new()
            .name("second-instance".into())
            .spawn(move || {
                for mut stream in listener.incoming().flatten() {
                    let mut buf = [0u8; 16];
                    if matches!(stream.read(&mut buf), Ok(n) if &buf[..n] == b"show") {
                        show();
                    }
                }
            })
            .map_err(|e| Error::io("cannot start the second-instance listener", e))?;
        Ok(())
    }

    #[cfg(not(unix))]
    pub fn on_second_instance(&self, _show: impl Fn() + Send + 'static) -> Result<()> {
        Ok(())
    }
}

#[cfg(unix)]
fn ask_to_show(dir: &Path) {
    use std::io::Write;
    if let Ok(mut s) = std::os::unix::net::UnixStream::connect(dir.join(SOCKET_FILE)) {
        let _ = s.write_all(b"show");
    }
}

#[cfg(not(unix))]
fn ask_to_show(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_instance_is_refused_and_wakes_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let Instance::First(lock) = InstanceLock::acquire(dir.path()).unwrap() else {
            panic!("the first instance gets the lock")
        };
        let (tx, rx) = std::sync::mpsc::channel();
        lock.on_second_instance(move || {
            let _ = tx.send(());
        })
        .unwrap();
        assert!(matches!(
            InstanceLock::acquire(dir.path()).unwrap(),
            Instance::AlreadyRunning
        ));
        #[cfg(unix)]
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .expect("the first instance is asked to show itself");
        drop(lock);
        assert!(
            matches!(
                InstanceLock::acquire(dir.path()).unwrap(),
                Instance::First(_)
            ),
            "the lock is free once the first instance ends"
        );
        let other = tempfile::tempdir().unwrap();
        assert!(
            matches!(
                InstanceLock::acquire(other.path()).unwrap(),
                Instance::First(_)
            ),
            "another data directory runs side by side"
        );
    }
}
