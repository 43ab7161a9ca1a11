//! Validated values: what a branch, a remote, a repository and a workspace are.

mod activity;
mod agent;
mod branch;
mod carry;
mod command;
mod diff;
mod environment;
mod finding;
mod network;
mod ports;
mod project;
mod remote;
mod repository;
mod risk;
mod saved;
mod secret;
mod state;
mod workspace;

pub use activity::{
    AgentActivity, AgentMark, AgentState, LAST_RUN_RECORD, LastRun, MARKER_VARIABLE,
};
pub use agent::{
    AgentError, AgentMode, AgentOverride, AgentPreset, Agents, Conversation, DEFAULT_AGENT,
    FILE_PLACEHOLDER, PROMPT_PLACEHOLDER, Transcript, builtin_agents, render,
};
pub use branch::BranchName;
pub use carry::{
    Carried, CarriedContent, CarriedFile, CarriedPath, CarrySelection, IncludeList, IncludeSource,
    SkipReason, SkippedFile,
};
pub use command::{CommandLine, CommandStatus};
pub use diff::{DiffFormat, DiffMade, DiffRequest};
pub use environment::{Environment, RESERVED_PREFIX};
pub use finding::{Finding, FindingKind};
pub use network::{AllowEntry, NetworkMode, NetworkPolicy, NetworkSettings};
pub use ports::{InvalidPorts, PortCount, PortRange, choose_ports, format_ports, parse_ports};
pub use project::{
    HookStage, Hooks, MAX_PORTS, PROJECT_FILE, PortsSection, ProjectConfig, ProjectConfigError,
};
pub use remote::RemoteUrl;
pub use repository::{Checkout, RepositoryId, RepositoryQuery};
pub use risk::{AtRisk, Ignored, NestedWork, UnpushedBranch, UnpushedRef};
pub use saved::{
    SaveId, SaveSlot, SavedContents, SavedConversation, SavedHead, SavedNested, SavedRef,
    SavedRemote, SavedWork,
};
pub use secret::Secret;
pub use state::WorkState;
pub use workspace::{
    ContainerState, SandboxKind, Workspace, WorkspaceLocation, WorkspaceRef, WorkspaceTarget,
};

/// A name given by the user that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} `{value}`: {reason}")]
pub struct InvalidName {
    /// What the name was meant to be: "branch name", "remote", "repository".
    pub kind: &'static str,
    /// The rejected input, as given.
    pub value: String,
    /// Why it was rejected.
    pub reason: String,
}

impl InvalidName {
    pub(crate) fn new(kind: &'static str, value: &str, reason: impl Into<String>) -> Self {
        Self {
            kind,
            value: value.to_owned(),
            reason: reason.into(),
        }
    }
}

/// The first `len` hex digits of the SHA-256 of `input`: a short, stable fingerprint that
/// keeps sanitised names of different identities apart.
#[must_use]
pub fn short_hash(input: &str, len: usize) -> String {
    use sha2::{Digest, Sha256};
    let mut hex = format!("{:x}", Sha256::digest(input.as_bytes()));
    hex.truncate(len);
    hex
}
