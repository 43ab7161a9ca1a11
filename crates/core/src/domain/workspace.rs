use std::fmt;
use std::path::PathBuf;

use super::{AtRisk, BranchName, RepositoryId};

/// Which sandbox backend holds a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// A stable text that tells this workspace from every other: the repository's key and
    /// the branch (main is spelt so that no branch can collide with it). Adapters hash it
    /// into the names of their resources.
    #[must_use]
    pub fn identity_key(&self) -> String {
        let target = match &self.target {
            WorkspaceTarget::Main => "\0main".to_owned(),
            WorkspaceTarget::Branch(branch) => branch.to_string(),
        };
        format!("{}\n{target}", self.repository.key())
    }
}

/// For people: `acme/api (feat/x)`, and `acme/api (main workspace)` for the main
/// workspace, whose branch is the repository's default (not necessarily `main`) and which a
/// branch named `main` must not be mistaken for.
impl fmt::Display for WorkspaceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            WorkspaceTarget::Main => write!(f, "{} (main workspace)", self.repository),
            WorkspaceTarget::Branch(branch) => write!(f, "{} ({branch})", self.repository),
        }
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
        /// Whether it runs.
        state: ContainerState,
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

/// The state of a workspace's container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerState {
    /// Made, never started.
    Created,
    /// Running: commands can run in it now.
    Running,
    /// Frozen.
    Paused,
    /// Being restarted.
    Restarting,
    /// Being removed.
    Removing,
    /// Stopped.
    Exited,
    /// Failed to stop or be removed.
    Dead,
    /// The engine did not say.
    Unknown,
}

impl ContainerState {
    /// The state's name, as `list` shows it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Restarting => "restarting",
            Self::Removing => "removing",
            Self::Exited => "exited",
            Self::Dead => "dead",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ContainerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    /// What the dirty gate finds in it (the work `remove` would refuse to lose, ignored
    /// files not measured), filled by [`crate::ports::WorkspaceRegistry::list`]; `None`
    /// when it was not looked at (a stopped container, a half-made or broken workspace,
    /// or a lookup that only finds it).
    pub risk: Option<AtRisk>,
    /// The ports given to it (`SK_PORT` is the first), in the order given; empty when it
    /// has none.
    pub ports: Vec<u16>,
    /// Left by a `create` that did not finish (killed while checking out or copying):
    /// nothing runs in it, `create` makes it again, and `remove` needs no `--force` for
    /// what the unfinished creation left in it.
    pub half_made: bool,
    /// Set when the workspace is there but something outside skipper broke it so that it
    /// cannot be used (a worktree whose `.git` file was deleted): what is wrong, for
    /// people. Nothing runs in it and `create` refuses it; its files are the user's, so
    /// `remove` gates them like any other work.
    pub broken: Option<String>,
    /// The agent working in it now, or the last one that did, filled by
    /// [`crate::ports::WorkspaceRegistry::list`] from facts (see [`super::AgentActivity`]);
    /// `None` when none ran or it was not looked at.
    pub agent: Option<super::AgentActivity>,
    /// The runtime its sandbox was made to run it under (a Docker OCI runtime such as
    /// `runsc`), fixed when it was made; `None`: the sandbox's default.
    pub runtime: Option<String>,
    /// The network policy it was made with; `None` for a sandbox without one (a worktree).
    pub network: Option<super::NetworkPolicy>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(target: WorkspaceTarget) -> WorkspaceRef {
        WorkspaceRef {
            repository: RepositoryId::new("h", "o", "r").unwrap(),
            target,
        }
    }

    #[test]
    fn the_main_workspace_is_never_shown_as_a_branch_named_main() {
        let main = reference(WorkspaceTarget::Main).to_string();
        let branch = reference(WorkspaceTarget::Branch(BranchName::new("main").unwrap()));
        assert_eq!(main, "o/r (main workspace)");
        assert_eq!(branch.to_string(), "o/r (main)");
    }

    #[test]
    fn identity_keys_tell_main_from_a_branch_named_main() {
        let main = reference(WorkspaceTarget::Main).identity_key();
        let branch =
            reference(WorkspaceTarget::Branch(BranchName::new("main").unwrap())).identity_key();
        assert_eq!(main, "h/o/r\n\0main");
        assert_eq!(branch, "h/o/r\nmain");
    }
}
