//! What `git worktree list --porcelain -z` says, read in process (git's own files, through
//! `gix`) when that can be done, or parsed from git's output.

use std::path::{Path, PathBuf};

use skipper_core::CheckoutError;

use crate::runner::Git;

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

/// Every worktree git knows for the repository whose working tree is `checkout` (the main
/// one first): read in process ([`read`]) when it can be, else from `git worktree list`.
///
/// # Errors
/// [`CheckoutError`] when git has to be asked and fails.
pub fn list(checkout: &Path) -> Result<Vec<WorktreeEntry>, CheckoutError> {
    if let Some(entries) = read(checkout) {
        tracing::debug!("worktrees of {}: read in process", checkout.display());
        return Ok(entries);
    }
    let listing = Git::in_dir(checkout).run(["worktree", "list", "--porcelain", "-z"])?;
    Ok(parse(&listing))
}

/// The entries `git worktree list` would give for the repository whose working tree is
/// `checkout`, read in process from git's files (`.git/HEAD`, `.git/worktrees/*/{gitdir,
/// HEAD,locked}`) without starting git: the main worktree first, then the linked ones
/// in the order of their git directories. `None` when it cannot be told that way (no
/// `.git` directory there, a file that cannot be read): ask git instead.
///
/// One difference from git, harmless to its callers: a linked worktree whose `gitdir`
/// file is gone is not listed (git lists it as prunable; nothing can be checked out there).
#[must_use]
pub fn read(checkout: &Path) -> Option<Vec<WorktreeEntry>> {
    if !checkout.join(".git").is_dir() {
        return None;
    }
    let repo = crate::objects::open(checkout)?;
    let main = WorktreeEntry {
        // git names the main worktree by its real path.
        path: fs_err::canonicalize(checkout).ok()?,
        branch: branch_of(repo.common_dir())?.0,
        prunable: false,
        locked: None,
    };
    let mut entries = vec![main];
    for proxy in repo.worktrees().ok()? {
        let locked = proxy
            .lock_reason()
            .map(|reason| String::from_utf8_lossy(&reason).into_owned());
        entries.push(WorktreeEntry {
            path: proxy.base().ok()?,
            branch: branch_of(proxy.git_dir())?.0,
            prunable: proxy.is_prunable(),
            locked,
        });
    }
    Some(entries)
}

/// What a worktree's `HEAD` says: the branch it names, `None` when detached.
struct Head(Option<String>);

/// What `git_dir`'s `HEAD` says; `None` when the file cannot be read.
fn branch_of(git_dir: &Path) -> Option<Head> {
    let head = fs_err::read_to_string(git_dir.join("HEAD")).ok()?;
    Some(Head(
        head.trim_end()
            .strip_prefix("ref: refs/heads/")
            .map(str::to_owned),
    ))
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
