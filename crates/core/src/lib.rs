//! The core of skipper: the domain (validated names and workspace references), the ports
//! every sandbox backend implements, and one module per use case.
//!
//! This crate is the centre of the hexagon. It spawns no process, touches no file and knows
//! nothing of git's command line, tmux or Docker: adapters in `skipper-backend-*` implement
//! [`ports`], and the CLI chooses and wires them.

pub mod domain;
#[cfg(any(test, feature = "fakes"))]
pub mod fakes;
pub mod ports;
pub mod usecases;

pub mod faults;

pub use domain::{
    AgentActivity, AgentError, AgentMark, AgentMode, AgentOverride, AgentPreset, AgentState,
    Agents, AllowEntry, AtRisk, BranchName, Carried, CarriedContent, CarriedFile, CarriedPath,
    CarrySelection, Checkout, CommandLine, CommandStatus, ContainerState, DiffFormat, DiffMade,
    DiffRequest, Environment, Finding, FindingKind, HookStage, Hooks, Ignored, IncludeList,
    IncludeSource, InvalidName, InvalidPorts, LAST_RUN_RECORD, LastRun, MARKER_VARIABLE,
    NestedWork, NetworkMode, NetworkPolicy, NetworkSettings, PROJECT_FILE, PortCount, PortRange,
    PortsSection, ProjectConfig, ProjectConfigError, RESERVED_PREFIX, RemoteUrl, RepositoryId,
    RepositoryQuery, SandboxKind, SaveId, SaveSlot, SavedContents, SavedConversation, SavedHead,
    SavedNested, SavedRef, SavedRemote, SavedWork, Secret, SkipReason, SkippedFile, UnpushedBranch,
    UnpushedRef, WorkState, Workspace, WorkspaceLocation, WorkspaceRef, WorkspaceTarget,
    format_ports, parse_ports, short_hash,
};
pub use faults::fault_point;
pub use ports::{
    ApprovalError, ApprovalStore, AttachOutcome, BoxError, BranchExport, BranchImport,
    BranchPresence, BranchStanding, BranchStart, CheckoutError, CheckoutWork, CloneOutcome,
    CreateRequest, DetachOutcome, ErrorKind, ExecIo, ExportRequest, Forgotten, HostBranch,
    HostCheckouts, HostPorts, Housekeeping, Imported, LiveOutput, LockError, LockGuard, Locks,
    NoProgress, Operation, PipedIo, Progress, ProjectEnvironment, PullRequestFetched, PushStanding,
    RefChange, Refreshed, RemovalRecord, Sandbox, SandboxError, SaveError, SaveStore, SessionIo,
    StopOutcome, SyncReport, Transfer, WorkspaceRegistry,
};
