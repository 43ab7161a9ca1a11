//! Parsing `git worktree list --porcelain -z`.

use std::path::PathBuf;

/// One entry of `git worktree list --porcelain -z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorktreeEntry {
    /// The worktree's directory.
    pub path: PathBuf,
    /// The branch checked out, without `refs/heads/`; `None` when detached or bare.
    pub branch: Option<String>,
    /// Its directory is gone: git would prune it.
    pub prunable: bool,
    /// `Some(reason)` when it is locked (`git worktree lock`, or `add --lock`), the
    /// reason empty when none was given.
    pub locked: Option<String>,
}

/// Reads the output of `git worktree list --porcelain -z`: one entry per worktree (the
/// main one first), in git's order. Attributes skipper does not use (`HEAD`, `bare`...)
/// are skipped.
#[must_use]
pub fn parse(porcelain: &str) -> Vec<WorktreeEntry> {
    let mut entries = Vec::new();
    let mut current: Option<WorktreeEntry> = None;
    for field in porcelain.split('\0') {
        if field.is_empty() {
            if let Some(entry) = current.take() {
                entries.push(entry);
            }
            continue;
        }
        let (key, value) = field.split_once(' ').unwrap_or((field, ""));
        match key {
            "worktree" => {
                if let Some(entry) = current.take() {
                    entries.push(entry);
                }
                current = Some(WorktreeEntry {
                    path: PathBuf::from(value),
                    branch: None,
                    prunable: false,
                    locked: None,
                });
            }
            "branch" => {
                if let Some(entry) = current.as_mut() {
                    entry.branch = Some(
                        value
                            .strip_prefix("refs/heads/")
                            .unwrap_or(value)
                            .to_owned(),
                    );
                }
            }
            "prunable" => {
                if let Some(entry) = current.as_mut() {
                    entry.prunable = true;
                }
            }
            "locked" => {
                if let Some(entry) = current.as_mut() {
                    entry.locked = Some(value.to_owned());
                }
            }
            _ => {}
        }
    }
    if let Some(entry) = current.take() {
        entries.push(entry);
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_branches_detached_and_prunable_entries() {
        let text = "worktree /r\0HEAD 1\0branch refs/heads/main\0\0\
                    worktree /w/a b\0HEAD 2\0branch refs/heads/feat/x\0\0\
                    worktree /w/d\0HEAD 3\0detached\0\0\
                    worktree /w/gone\0HEAD 4\0branch refs/heads/old\0prunable gitdir file points to non-existent location\0\0\
                    worktree /w/new\0HEAD 5\0branch refs/heads/new\0locked skipper: being created\0\0\
                    worktree /w/kept\0HEAD 6\0detached\0locked\0\0";
        let entries = parse(text);
        assert_eq!(entries.len(), 6);
        assert_eq!(entries[1].locked, None);
        assert_eq!(entries[4].locked.as_deref(), Some("skipper: being created"));
        assert_eq!(entries[5].locked.as_deref(), Some(""));
        assert_eq!(entries[1].path, PathBuf::from("/w/a b"));
        assert_eq!(entries[1].branch.as_deref(), Some("feat/x"));
        assert_eq!(entries[2].branch, None);
        assert!(entries[3].prunable);
    }
}
