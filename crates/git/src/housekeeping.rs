//! [`Housekeeping`] of the data root itself: saves never finished, removals never
//! finished, clones and removals cut short, and locks held right now.

use std::path::{Path, PathBuf};

use fs_err as fs;
use skipper_core::{
    Checkout, ErrorKind, Finding, FindingKind, Housekeeping, SandboxError, SaveStore,
    WorkspaceTarget,
};

use crate::saves::{OWNER, size_of};
use crate::{DiskSaves, Layout};

/// The data root's leftovers.
#[derive(Debug, Clone)]
pub struct DataRootHousekeeping {
    layout: Layout,
    saves: DiskSaves,
}

impl DataRootHousekeeping {
    /// The housekeeper of `layout`'s data root.
    #[must_use]
    pub fn new(layout: Layout) -> Self {
        Self {
            saves: DiskSaves::new(layout.clone()),
            layout,
        }
    }
}

/// Whether a process with this pid runs now.
fn alive(pid: u32) -> bool {
    i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
        .is_some_and(|pid| rustix::process::test_kill_process(pid).is_ok())
}

/// The pid in `text`, if it is one.
fn pid_in(text: &str) -> Option<u32> {
    text.trim().parse().ok()
}

fn failed(what: String, source: impl Into<skipper_core::BoxError>) -> SandboxError {
    SandboxError::Backend {
        kind: ErrorKind::Io,
        what,
        source: Some(source.into()),
    }
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = read.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    paths
}

impl DataRootHousekeeping {
    fn incomplete_saves(&self) -> Result<Vec<Finding>, SandboxError> {
        let slots = self
            .saves
            .incomplete()
            .map_err(|err| failed("listing saved work".to_owned(), err))?;
        Ok(slots
            .into_iter()
            .map(|slot| {
                let saver = fs::read_to_string(slot.dir.join(OWNER))
                    .ok()
                    .and_then(|text| pid_in(&text));
                let running = saver.is_some_and(alive);
                Finding {
                    kind: FindingKind::IncompleteSave,
                    subject: slot.dir.display().to_string(),
                    detail: if running {
                        format!("save {} is being written by pid {}", slot.id, saver.unwrap_or(0))
                    } else {
                        format!(
                            "save {} was never finished (the `remove --force` making it was interrupted; the workspace was not removed)",
                            slot.id
                        )
                    },
                    fix: "sk gc".to_owned(),
                    collectable: !running,
                    bytes: Some(size_of(&slot.dir)),
                    handle: slot.dir.display().to_string(),
                }
            })
            .collect())
    }

    fn interrupted_removals(&self) -> Result<Vec<Finding>, SandboxError> {
        let records = self
            .saves
            .removals()
            .map_err(|err| failed("listing removals in progress".to_owned(), err))?;
        Ok(records
            .into_iter()
            .map(|record| {
                let branch = match &record.workspace.target {
                    WorkspaceTarget::Branch(branch) => branch.to_string(),
                    WorkspaceTarget::Main => "main".to_owned(),
                };
                Finding {
                    kind: FindingKind::InterruptedRemoval,
                    subject: format!(
                        "{} {branch} ({})",
                        record.workspace.repository, record.sandbox
                    ),
                    detail: match &record.saved {
                        Some(id) => {
                            format!("a removal began and did not finish; its work is in save {id}")
                        }
                        None => "a removal began and did not finish".to_owned(),
                    },
                    fix: format!(
                        "sk --sandbox {} workspace remove --repository {} --branch {branch}",
                        record.sandbox, record.workspace.repository
                    ),
                    collectable: false,
                    bytes: None,
                    handle: String::new(),
                }
            })
            .collect())
    }

    /// What interrupted clones and commands moving files between a workspace and the host
    /// (`fetch`, `push`, `sync`, `diff`, `move`: their scratch directories) left in the
    /// staging area; those of a running `sk` are in progress.
    fn staging_leftovers(&self) -> Vec<Finding> {
        entries(&self.layout.staging())
            .into_iter()
            .filter_map(|path| {
                let name = path.file_name()?.to_str()?.to_owned();
                let (kind, pid, what) = if let Some(stem) = name.strip_suffix(".cloning") {
                    let pid = stem.rsplit('-').next().and_then(pid_in);
                    (FindingKind::InterruptedClone, pid, "clone")
                } else if let Some(stem) = name.strip_suffix(".transfer") {
                    let pid = stem.split('-').next().and_then(pid_in);
                    (
                        FindingKind::LeftoverScratch,
                        pid,
                        "command's scratch directory",
                    )
                } else {
                    return None;
                };
                let running = pid.is_some_and(alive);
                Some(Finding {
                    kind,
                    subject: path.display().to_string(),
                    detail: if running {
                        format!("a {what} in use")
                    } else if kind == FindingKind::InterruptedClone {
                        "an interrupted clone's partial copy".to_owned()
                    } else {
                        "an interrupted command's scratch directory".to_owned()
                    },
                    fix: "sk gc".to_owned(),
                    collectable: !running,
                    bytes: Some(size_of(&path)),
                    handle: path.display().to_string(),
                })
            })
            .collect()
    }

    fn trashed(&self) -> Vec<Finding> {
        entries(&self.layout.trash())
            .into_iter()
            .map(|path| Finding {
                kind: FindingKind::Trash,
                subject: path.display().to_string(),
                detail: "a removed workspace's files that an interrupted removal did not finish deleting".to_owned(),
                fix: "sk gc".to_owned(),
                collectable: true,
                bytes: Some(size_of(&path)),
                handle: path.display().to_string(),
            })
            .collect()
    }

    fn held_locks(&self) -> Vec<Finding> {
        entries(&self.layout.root().join("locks"))
            .into_iter()
            .filter(|path| path.extension().is_some_and(|e| e == "lock"))
            .filter_map(|path| {
                let file = fs::File::open(&path).ok()?;
                if file.file().try_lock_shared().is_ok() {
                    return None;
                }
                let holder = fs::read_to_string(&path).unwrap_or_default();
                Some(Finding {
                    kind: FindingKind::HeldLock,
                    subject: path.display().to_string(),
                    detail: format!("held by {}", holder.trim()),
                    fix: "wait for that command to finish (locks are released when their process ends)".to_owned(),
                    collectable: false,
                    bytes: None,
                    handle: String::new(),
                })
            })
            .collect()
    }
}

impl Housekeeping for DataRootHousekeeping {
    fn area(&self) -> &'static str {
        "the data root"
    }

    fn inspect(&self, _checkouts: &[Checkout]) -> Result<Vec<Finding>, SandboxError> {
        let mut findings = self.incomplete_saves()?;
        findings.extend(self.interrupted_removals()?);
        findings.extend(self.staging_leftovers());
        findings.extend(self.trashed());
        findings.extend(self.held_locks());
        Ok(findings)
    }

    fn collect(&self, finding: &Finding) -> Result<u64, SandboxError> {
        let path = PathBuf::from(&finding.handle);
        let inside = |dir: PathBuf| path.parent() == Some(dir.as_path());
        let ours = match finding.kind {
            FindingKind::Trash => inside(self.layout.trash()),
            FindingKind::InterruptedClone | FindingKind::LeftoverScratch => {
                inside(self.layout.staging())
            }
            FindingKind::IncompleteSave => path.starts_with(self.layout.root().join("saved")),
            _ => false,
        };
        if !ours || finding.handle.is_empty() {
            return Err(SandboxError::backend(
                ErrorKind::Refused,
                format!("{} is not something `sk gc` removes", finding.subject),
            ));
        }
        // Look again: a save or clone may have started since `inspect`.
        if let FindingKind::IncompleteSave = finding.kind {
            let saver = fs::read_to_string(path.join(OWNER))
                .ok()
                .and_then(|text| pid_in(&text));
            if saver.is_some_and(alive) || path.join("save.json").exists() {
                return Err(SandboxError::backend(
                    ErrorKind::Refused,
                    format!("{} is being saved now", finding.subject),
                ));
            }
        }
        let bytes = size_of(&path);
        match fs::remove_dir_all(&path) {
            Ok(()) => Ok(bytes),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(err) => Err(failed(format!("deleting {}", path.display()), err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use skipper_core::{
        BranchName, RemovalRecord, RepositoryId, SandboxKind, SaveStore, WorkspaceRef,
    };

    use super::*;

    #[test]
    fn leftovers_are_found_and_only_the_safe_ones_collected() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path().to_path_buf());
        let keeper = DataRootHousekeeping::new(layout.clone());
        let saves = DiskSaves::new(layout.clone());
        let ws = WorkspaceRef {
            repository: RepositoryId::new("github.com", "acme", "api").unwrap(),
            target: WorkspaceTarget::Branch(BranchName::new("feat/x").unwrap()),
        };
        // A save whose maker died: its pid file names a process that is not running.
        let dead = saves.reserve(&ws, SandboxKind::Worktree).unwrap();
        fs::write(dead.dir.join(OWNER), u32::MAX.to_string()).unwrap();
        // A save being made by this process.
        let live = saves.reserve(&ws, SandboxKind::Worktree).unwrap();
        saves
            .begin_removal(&RemovalRecord {
                workspace: ws.clone(),
                sandbox: SandboxKind::Docker,
                saved: None,
                began_at: 1,
            })
            .unwrap();
        fs::create_dir_all(layout.staging().join("abc-4294967295.cloning")).unwrap();
        fs::create_dir_all(layout.staging().join("4294967295-12.transfer/x")).unwrap();
        fs::create_dir_all(layout.trash().join("x/y")).unwrap();

        let findings = keeper.inspect(&[]).unwrap();
        let kinds: Vec<(FindingKind, bool)> =
            findings.iter().map(|f| (f.kind, f.collectable)).collect();
        assert!(
            kinds.contains(&(FindingKind::IncompleteSave, true)),
            "{findings:#?}"
        );
        assert!(
            kinds.contains(&(FindingKind::IncompleteSave, false)),
            "{findings:#?}"
        );
        assert!(
            kinds.contains(&(FindingKind::InterruptedRemoval, false)),
            "{findings:#?}"
        );
        assert!(
            kinds.contains(&(FindingKind::InterruptedClone, true)),
            "{findings:#?}"
        );
        assert!(
            kinds.contains(&(FindingKind::LeftoverScratch, true)),
            "{findings:#?}"
        );
        assert!(kinds.contains(&(FindingKind::Trash, true)), "{findings:#?}");
        let removal = findings
            .iter()
            .find(|f| f.kind == FindingKind::InterruptedRemoval)
            .unwrap();
        assert_eq!(
            removal.fix,
            "sk --sandbox docker workspace remove --repository acme/api --branch feat/x"
        );

        for finding in findings.iter().filter(|f| f.collectable) {
            keeper.collect(finding).unwrap();
        }
        assert!(!dead.dir.exists());
        assert!(live.dir.exists(), "a save in progress is never collected");
        assert!(entries(&layout.trash()).is_empty());
        assert!(entries(&layout.staging()).is_empty());
    }
}
