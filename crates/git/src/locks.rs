//! [`Locks`] as advisory file locks (`flock`) under `<root>/locks/`: the kernel lets go
//! when the holding process dies, however it dies, so a crash never leaves a lock that
//! needs cleaning. The holder writes who it is into the file, for the message of whoever
//! waits.

use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fs_err as fs;
use skipper_core::{LockError, LockGuard, Locks, Progress, RepositoryId, WorkspaceRef, short_hash};

use crate::Layout;

/// How long `sk` waits for a lock by default; `SKIPPER_LOCK_TIMEOUT` (seconds) overrides.
const DEFAULT_WAIT: Duration = Duration::from_mins(10);
/// How often a waiting process tries again.
const RETRY: Duration = Duration::from_millis(50);

/// File locks under the data root.
#[derive(Debug, Clone)]
pub struct FileLocks {
    dir: PathBuf,
    wait: Duration,
    progress: Arc<dyn Progress>,
}

impl FileLocks {
    /// Locks under `layout`'s data root, waiting as `SKIPPER_LOCK_TIMEOUT` says (else ten
    /// minutes) and telling `progress` whom they wait for.
    #[must_use]
    pub fn new(layout: &Layout, progress: Arc<dyn Progress>) -> Self {
        let wait = std::env::var("SKIPPER_LOCK_TIMEOUT")
            .ok()
            .and_then(|secs| secs.trim().parse::<f64>().ok())
            .filter(|secs| secs.is_finite() && *secs >= 0.0)
            .map_or(DEFAULT_WAIT, Duration::from_secs_f64);
        Self {
            dir: layout.root().join("locks"),
            wait,
            progress,
        }
    }

    /// The lock files' directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn take(&self, what: String, key: &str) -> Result<Box<dyn LockGuard>, LockError> {
        let io = |source: std::io::Error| LockError::Io {
            what: what.clone(),
            source: source.into(),
        };
        fs::create_dir_all(&self.dir).map_err(io)?;
        let path = self.dir.join(format!("{}.lock", short_hash(key, 24)));
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let started = Instant::now();
        let mut told = false;
        loop {
            match file.file().try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(err)) => return Err(io(err)),
            }
            let holder = holder(&mut file);
            if started.elapsed() >= self.wait {
                return Err(LockError::Timeout {
                    what,
                    holder,
                    waited_secs: started.elapsed().as_secs(),
                });
            }
            if !told {
                self.progress
                    .step(&format!("Waiting for {what}, held by {holder}"));
                told = true;
            }
            std::thread::sleep(RETRY);
        }
        // Who holds it now, for whoever waits next: written over the last holder's words,
        // then cut to its own length. Cutting the file to nothing first would free its
        // block only to take one again, which costs more than the rest of the lock.
        let me = format!(
            "pid {}: {}",
            std::process::id(),
            std::env::args().collect::<Vec<_>>().join(" ")
        );
        let _ = file
            .rewind()
            .and_then(|()| file.write_all(me.as_bytes()))
            .and_then(|()| file.set_len(me.len() as u64));
        Ok(Box::new(FileGuard { _file: file }))
    }
}

/// Who the lock file says holds it.
fn holder(file: &mut fs::File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
    let text = text.trim();
    if text.is_empty() {
        "another sk process".to_owned()
    } else {
        text.to_owned()
    }
}

/// A held lock: the open file, unlocked when closed.
#[derive(Debug)]
struct FileGuard {
    _file: fs::File,
}

impl LockGuard for FileGuard {}

impl Locks for FileLocks {
    fn repository(&self, repository: &RepositoryId) -> Result<Box<dyn LockGuard>, LockError> {
        self.take(
            format!("the lock on repository {}", repository.key()),
            &format!("repository\n{}", repository.key()),
        )
    }

    fn workspace(&self, workspace: &WorkspaceRef) -> Result<Box<dyn LockGuard>, LockError> {
        self.take(
            format!(
                "the lock on workspace {} {}",
                workspace.repository.key(),
                workspace.target
            ),
            &format!("workspace\n{}", workspace.identity_key()),
        )
    }
}

#[cfg(test)]
mod tests {
    use skipper_core::NoProgress;

    use super::*;

    fn locks(dir: &tempfile::TempDir, wait: Duration) -> FileLocks {
        FileLocks {
            dir: dir.path().join("locks"),
            wait,
            progress: Arc::new(NoProgress),
        }
    }

    #[test]
    fn a_held_lock_times_out_naming_its_holder_and_is_free_once_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let locks = locks(&dir, Duration::ZERO);
        let repository = RepositoryId::new("github.com", "acme", "api").unwrap();
        let held = locks.repository(&repository).unwrap();
        let err = locks.repository(&repository).unwrap_err();
        let LockError::Timeout { what, holder, .. } = err else {
            panic!("expected a timeout, got {err:?}");
        };
        assert!(what.contains("github.com/acme/api"), "{what}");
        assert!(
            holder.starts_with(&format!("pid {}", std::process::id())),
            "{holder}"
        );
        drop(held);
        locks.repository(&repository).unwrap();
    }

    #[test]
    fn a_holder_writes_itself_over_a_longer_last_holder() {
        let dir = tempfile::tempdir().unwrap();
        let locks = locks(&dir, Duration::ZERO);
        let repository = RepositoryId::new("github.com", "acme", "api").unwrap();
        drop(locks.repository(&repository).unwrap());
        let file = fs::read_dir(locks.dir())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        fs::write(&file, "x".repeat(10_000)).unwrap();
        let _held = locks.repository(&repository).unwrap();
        let me = format!(
            "pid {}: {}",
            std::process::id(),
            std::env::args().collect::<Vec<_>>().join(" ")
        );
        assert_eq!(fs::read_to_string(&file).unwrap(), me);
    }

    #[test]
    fn locks_of_different_things_do_not_block_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let locks = locks(&dir, Duration::ZERO);
        let a = RepositoryId::new("github.com", "acme", "a").unwrap();
        let b = RepositoryId::new("github.com", "acme", "b").unwrap();
        let _a = locks.repository(&a).unwrap();
        let _b = locks.repository(&b).unwrap();
    }
}
