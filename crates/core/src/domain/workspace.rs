use std::fmt;
use std::path::PathBuf;

use super::{BranchName, RepositoryId, short_hash};

/// Which sandbox backend holds a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SandboxKind {
    /// A git worktree on the host.
    Worktree,
    /// A long-lived Docker container.
    Docker,
}

impl SandboxKind {
    /// The name used on the command line and in output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Worktree => "worktree",
            Self::Docker => "docker",
        }
    }
}

impl fmt::Display for SandboxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which workspace of a repository: the one on its default branch ("main"), or a branch's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WorkspaceTarget {
    /// The repository's main workspace: the host checkout, or the main container.
    Main,
    /// The workspace of one branch.
    Branch(BranchName),
}

impl WorkspaceTarget {
    /// The branch, or `None` for main.
    #[must_use]
    pub fn branch(&self) -> Option<&BranchName> {
        match self {
            Self::Main => None,
            Self::Branch(branch) => Some(branch),
        }
    }
}

impl fmt::Display for WorkspaceTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Main => f.write_str("main"),
            Self::Branch(branch) => write!(f, "{branch}"),
        }
    }
}

/// A workspace's identity: repository plus target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkspaceRef {
    /// The repository.
    pub repository: RepositoryId,
    /// Main or a branch.
    pub target: WorkspaceTarget,
}

impl WorkspaceRef {
    /// A name for a sandbox resource (tmux session, container): a readable, sanitised part
    /// (`[a-z0-9_-]`) plus a hash of the raw identity, so two workspaces never share one.
    #[must_use]
    pub fn resource_name(&self, prefix: &str) -> String {
        self.resource_name_in(prefix, "")
    }

    /// Like [`Self::resource_name`], with `namespace` (say, a data root's fingerprint) in
    /// the hash, so two namespaces never share a resource.
    #[must_use]
    pub fn resource_name_in(&self, prefix: &str, namespace: &str) -> String {
        let readable = format!("{}-{}", self.repository.name(), self.target);
        let mut clean: String = readable
            .chars()
            .map(|c| {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        clean.truncate(48);
        let raw = if namespace.is_empty() {
            format!("{}\n{}", self.repository.key(), self.target_key())
        } else {
            format!(
                "{namespace}\n{}\n{}",
                self.repository.key(),
                self.target_key()
            )
        };
        format!("{prefix}{clean}-{}", short_hash(&raw, 8))
    }

    fn target_key(&self) -> String {
        match &self.target {
            WorkspaceTarget::Main => "\0main".to_owned(),
            WorkspaceTarget::Branch(branch) => branch.to_string(),
        }
    }
}

impl fmt::Display for WorkspaceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.repository, self.target)
    }
}

/// Where a workspace lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceLocation {
    /// A directory on the host.
    Host(PathBuf),
    /// A container, with the repository's directory inside it.
    Container {
        /// The container's name.
        name: String,
        /// The repository directory inside the container.
        path: String,
        /// The container's state as the daemon reports it (`running`, `exited`, ...).
        state: String,
    },
}

impl WorkspaceLocation {
    /// A one-line description: the host path, or `container:path`.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Self::Host(path) => path.display().to_string(),
            Self::Container { name, path, .. } => format!("{name}:{path}"),
        }
    }
}

/// A workspace as its backend found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// Which workspace this is.
    pub reference: WorkspaceRef,
    /// The backend holding it.
    pub sandbox: SandboxKind,
    /// Where it lives.
    pub location: WorkspaceLocation,
    /// Whether it has uncommitted changes or untracked files; `None` when it could not be
    /// looked at cheaply (for example a stopped container).
    pub dirty: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(branch: &str) -> WorkspaceRef {
        WorkspaceRef {
            repository: RepositoryId::new("h", "o", "Repo.x").unwrap(),
            target: WorkspaceTarget::Branch(BranchName::new(branch).unwrap()),
        }
    }

    #[test]
    fn resource_names_are_sanitised_and_distinct() {
        let a = reference("feat/x").resource_name("sk-");
        let b = reference("feat-x").resource_name("sk-");
        assert!(a.starts_with("sk-repo-x-feat-x-"), "{a}");
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}
