//! What the gate, the save, the restore and the diff need from a sandbox: a place to run the
//! shared scripts ([`ScriptHost`]: a worktree's directory on the host, or a container) and to
//! move bundles and diffs between it and the host, the policy that says which refs are a repository's own
//! ([`Policy`]), and the failures ([`WorkError`]) the backends turn into the port's errors.

use std::path::Path;

use skipper_core::{BoxError, ErrorKind};

/// Which refs of a repository hold work only it keeps (see `repository-refs.sh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// A git worktree of the host checkout: branches, tags, notes and the stash are shared
    /// with the host and survive the worktree; its own are the workspace's branch, the
    /// branch `HEAD` is on and the per-worktree refs.
    Worktree {
        /// The workspace's branch (`None` for the main workspace).
        branch: Option<String>,
    },
    /// A copy of the host checkout in a container: every ref the host did not have, the
    /// stash and `HEAD`.
    Container,
    /// A repository inside a workspace's working tree: all of it.
    Nested,
}

impl Policy {
    /// The script's `$2` and `$3`.
    pub(crate) fn args(&self) -> [String; 2] {
        match self {
            Self::Worktree { branch } => ["worktree".into(), branch.clone().unwrap_or_default()],
            Self::Container => ["container".into(), String::new()],
            Self::Nested => ["nested".into(), String::new()],
        }
    }
}

/// What a script did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptOutput {
    /// Its exit status (-1 when a signal ended it).
    pub status: i32,
    /// Its stdout, as bytes: ref names and paths are git's, not necessarily UTF-8.
    pub stdout: Vec<u8>,
    /// Its stderr.
    pub stderr: Vec<u8>,
}

/// Where the scripts run and how files cross between there and the host. Paths given to
/// scripts are relative to the workspace's top directory, which is the working directory of
/// every run.
pub trait ScriptHost {
    /// Runs `script` with `sh -c` and `args` as its positional parameters, in the
    /// workspace's top directory, with [`crate::scripts::SAVE_IDENTITY`] in its
    /// environment and none of the variables that point git elsewhere; returns what it did,
    /// whatever its exit status.
    ///
    /// # Errors
    /// [`WorkError::Host`] when it could not be run at all.
    fn run(&self, script: &str, args: &[String]) -> Result<ScriptOutput, WorkError>;

    /// Where a script is to write a file meant for `dest` on the host, which
    /// [`ScriptHost::bring_back`] then moves there.
    ///
    /// # Errors
    /// [`WorkError::Host`] when no such place can be named.
    fn outgoing(&self, dest: &Path) -> Result<String, WorkError>;

    /// Moves the file a script wrote at `written` (named by [`ScriptHost::outgoing`]) to
    /// `dest` on the host, whole or not at all.
    ///
    /// # Errors
    /// [`WorkError::Host`] when it cannot be moved.
    fn bring_back(&self, written: &str, dest: &Path) -> Result<(), WorkError>;

    /// Makes the host file `file` readable by scripts; returns its path for them.
    ///
    /// # Errors
    /// [`WorkError::Host`] when it cannot be.
    fn incoming(&self, file: &Path) -> Result<String, WorkError>;

    /// Forgets a file named by [`ScriptHost::outgoing`] or [`ScriptHost::incoming`] that
    /// is not the host's own (best effort).
    fn forget(&self, path: &str);
}

/// A failure of the gate, the save or the restore.
#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    /// The sandbox could not run a script or move a file.
    #[error("{what}")]
    Host {
        /// The sandbox's kind of failure (unavailable, I/O...).
        kind: ErrorKind,
        /// What could not be done.
        what: String,
        /// Why.
        #[source]
        source: Option<BoxError>,
    },
    /// A script failed.
    #[error("{step} in {dir} failed with status {status}: {stderr}")]
    Script {
        /// What the script was doing.
        step: &'static str,
        /// The repository's directory.
        dir: String,
        /// Its exit status.
        status: i32,
        /// What it said.
        stderr: String,
    },
    /// What the gate found cannot be saved: the removal is refused, nothing lost.
    #[error(
        "cannot save {what}; commit and push it, or delete it yourself, then remove the workspace"
    )]
    Unsaveable {
        /// What cannot be saved.
        what: String,
    },
    /// The saved work would move refs that have commits the save lacks.
    #[error(
        "the saved work conflicts with {}: it points elsewhere now, with commits the save does not hold; move or delete it (or push it), then restore again",
        refs.join(", ")
    )]
    Conflict {
        /// The refs, in full.
        refs: Vec<String>,
    },
    /// A script printed something that cannot be read.
    #[error("{0}")]
    Output(String),
    /// What the operation needs is not in the repository (a branch, say).
    #[error("{0}")]
    Missing(String),
    /// A name given to a script (a diff's start) names no commit in the repository.
    #[error("`{name}` names no commit in the workspace")]
    NoCommit {
        /// The name, as given.
        name: String,
    },
}

impl WorkError {
    /// The port's kind of this failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Host { kind, .. } => *kind,
            Self::Script { .. } | Self::Output(_) => ErrorKind::CommandFailed,
            Self::Unsaveable { .. } => ErrorKind::Refused,
            Self::Conflict { .. } => ErrorKind::Conflict,
            Self::Missing(_) | Self::NoCommit { .. } => ErrorKind::NotFound,
        }
    }

    pub(crate) fn script(step: &'static str, dir: &str, output: &ScriptOutput) -> Self {
        Self::Script {
            step,
            dir: dir.to_owned(),
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        }
    }
}

/// The NUL-ended fields the scripts print. A last field without its NUL (cut-off output)
/// is returned as it is, for the reader to refuse.
pub(crate) fn fields(output: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = output;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let field;
        if let Some(end) = rest.iter().position(|&b| b == 0) {
            field = &rest[..end];
            rest = &rest[end + 1..];
        } else {
            field = rest;
            rest = &[];
        }
        Some(field)
    })
}

/// `child` inside the repository directory `dir` (both relative to the workspace).
pub(crate) fn join(dir: &str, child: &str) -> String {
    if dir == "." {
        child.to_owned()
    } else {
        format!("{dir}/{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_end_at_nul_and_keep_a_cut_off_last_one() {
        let all: Vec<&[u8]> = fields(b"a\0\0b c\0d").collect();
        assert_eq!(all, [&b"a"[..], b"", b"b c", b"d"]);
        assert_eq!(fields(b"").count(), 0);
    }

    #[test]
    fn nested_directories_join_under_their_parent() {
        assert_eq!(join(".", "sub"), "sub");
        assert_eq!(join("sub", "inner"), "sub/inner");
    }
}
