//! [`Housekeeping`] of skipper's worktrees: what git and the filesystem disagree on after a
//! crash or a hand-made change. Nothing here is collectable by `sk gc`: each finding may
//! hold the user's files, so each names the command that fixes it instead.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use skipper_core::{
    BranchName, Checkout, ErrorKind, Finding, FindingKind, Housekeeping, SandboxError,
};
use skipper_git::Git;

use crate::registry::CREATING_REASON;
use crate::sandbox::WorktreeSandbox;

/// One worktree of `git worktree list --porcelain -z`, with what housekeeping needs.
#[derive(Debug, Default)]
struct Listed {
    path: PathBuf,
    locked: Option<String>,
    prunable: bool,
}

/// The worktrees of `git worktree list --porcelain -z`, main first.
fn listed(porcelain: &str) -> Vec<Listed> {
    let mut all = Vec::new();
    let mut current: Option<Listed> = None;
    for field in porcelain.split('\0') {
        if field.is_empty() {
            all.extend(current.take());
            continue;
        }
        let (key, value) = field.split_once(' ').unwrap_or((field, ""));
        match key {
            "worktree" => {
                all.extend(current.take());
                current = Some(Listed {
                    path: PathBuf::from(value),
                    ..Listed::default()
                });
            }
            "locked" => {
                if let Some(entry) = current.as_mut() {
                    entry.locked = Some(value.to_owned());
                }
            }
            "prunable" => {
                if let Some(entry) = current.as_mut() {
                    entry.prunable = true;
                }
            }
            _ => {}
        }
    }
    all.extend(current);
    all
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs_err::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.path())
        .collect();
    dirs.sort();
    dirs
}

fn finding(kind: FindingKind, subject: &Path, detail: String, fix: String) -> Finding {
    Finding {
        kind,
        subject: subject.display().to_string(),
        detail,
        fix,
        collectable: false,
        bytes: None,
        handle: String::new(),
    }
}

impl WorktreeSandbox {
    fn findings_of(&self, checkout: &Checkout) -> Result<Vec<Finding>, SandboxError> {
        let porcelain = Git::in_dir(&checkout.path)
            .run(["worktree", "list", "--porcelain", "-z"])
            .map_err(|err| {
                SandboxError::backend(
                    ErrorKind::CommandFailed,
                    format!(
                        "listing the worktrees of {} failed: {err}",
                        checkout.repository
                    ),
                )
            })?;
        let ours = self.layout.worktrees(&checkout.repository);
        let repository = &checkout.repository;
        let git_c = format!("git -C '{}'", checkout.path.display());
        let mut findings = Vec::new();
        let mut known = BTreeSet::new();
        for entry in listed(&porcelain) {
            if !entry.path.starts_with(&ours) {
                continue;
            }
            known.insert(entry.path.clone());
            let branch = entry
                .path
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(|name| BranchName::from_path_component(name).ok())
                .map_or_else(|| "<branch>".to_owned(), |b| b.to_string());
            if entry.prunable && entry.path.is_dir() {
                // Its `.git` file was deleted: git would forget it, its files stay.
                findings.push(finding(
                    FindingKind::ForgottenWorktree,
                    &entry.path,
                    "a worktree whose `.git` file is gone, so git no longer sees it as one; its files may be yours".to_owned(),
                    format!("{git_c} worktree repair '{}'", entry.path.display()),
                ));
            } else if entry.prunable {
                findings.push(finding(
                    FindingKind::OrphanedWorktree,
                    &entry.path,
                    "git still lists this worktree, whose directory is gone".to_owned(),
                    format!("{git_c} worktree prune"),
                ));
            } else if matches!(
                entry.locked.as_deref(),
                Some("initializing" | CREATING_REASON)
            ) {
                findings.push(finding(
                    FindingKind::HalfMadeWorkspace,
                    &entry.path,
                    "a worktree whose creation was interrupted (git holds it locked as being created)".to_owned(),
                    format!("sk workspace create --repository {repository} --branch {branch}"),
                ));
            } else if let Some(reason) = &entry.locked {
                let why = if reason.is_empty() {
                    String::new()
                } else {
                    format!(": {reason}")
                };
                findings.push(finding(
                    FindingKind::LockedWorktree,
                    &entry.path,
                    format!("git holds this worktree locked{why}, so it cannot be removed"),
                    format!("{git_c} worktree unlock '{}'", entry.path.display()),
                ));
            }
        }
        for dir in subdirs(&ours) {
            if !known.contains(&dir) {
                findings.push(finding(
                    FindingKind::ForgottenWorktree,
                    &dir,
                    "a directory in the worktree area that git does not know (its `.git` file is gone); its files may be yours".to_owned(),
                    format!(
                        "copy out what you need, then delete it: rm -rf '{}'",
                        dir.display()
                    ),
                ));
            }
        }
        Ok(findings)
    }

    /// Directories of worktrees of repositories that are no longer cloned.
    fn uncloned(&self, checkouts: &[Checkout]) -> Vec<Finding> {
        let cloned: BTreeSet<PathBuf> = checkouts
            .iter()
            .map(|c| self.layout.worktrees(&c.repository))
            .collect();
        let root = self.layout.root().join("worktrees");
        let mut findings = Vec::new();
        for host in subdirs(&root) {
            for owner in subdirs(&host) {
                for name in subdirs(&owner) {
                    if !cloned.contains(&name) && !subdirs(&name).is_empty() {
                        findings.push(finding(
                            FindingKind::ForgottenWorktree,
                            &name,
                            "worktrees of a repository that is no longer cloned; their files may be yours".to_owned(),
                            format!(
                                "copy out what you need, then delete it: rm -rf '{}'",
                                name.display()
                            ),
                        ));
                    }
                }
            }
        }
        findings
    }
}

impl Housekeeping for WorktreeSandbox {
    fn area(&self) -> &'static str {
        "the worktrees"
    }

    fn inspect(&self, checkouts: &[Checkout]) -> Result<Vec<Finding>, SandboxError> {
        let mut findings = Vec::new();
        for checkout in checkouts {
            findings.extend(self.findings_of(checkout)?);
        }
        findings.extend(self.uncloned(checkouts));
        Ok(findings)
    }

    fn collect(&self, finding: &Finding) -> Result<u64, SandboxError> {
        Err(SandboxError::backend(
            ErrorKind::Refused,
            format!(
                "{} may hold your files: `sk gc` leaves it; {}",
                finding.subject, finding.fix
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_and_prunable_entries_are_read() {
        let porcelain = "worktree /r\0HEAD 1\0branch refs/heads/main\0\0\
                         worktree /w/a\0HEAD 2\0detached\0locked initializing\0\0\
                         worktree /w/b\0HEAD 3\0branch refs/heads/b\0locked\0\0\
                         worktree /w/c\0HEAD 4\0detached\0prunable gitdir file points to non-existent location\0\0";
        let all = listed(porcelain);
        assert_eq!(all.len(), 4);
        assert_eq!(all[1].locked.as_deref(), Some("initializing"));
        assert_eq!(all[2].locked.as_deref(), Some(""));
        assert!(all[3].prunable);
        assert!(all[0].locked.is_none() && !all[0].prunable);
    }
}
