//! The ports: what the use cases need from the outside world, as traits that the backend
//! crates implement. Each method documents its contract, and its errors carry an
//! [`ErrorKind`] the CLI acts on.

mod approvals;
mod checkouts;
mod error;
mod host_ports;
mod housekeeping;
mod io;
mod locks;
mod progress;
mod sandbox;
mod saves;
mod transfer;

pub use approvals::{ApprovalError, ApprovalStore};
pub use checkouts::{
    BranchPresence, CheckoutError, CheckoutWork, CloneOutcome, HostCheckouts, PullRequestFetched,
    Refreshed,
};
pub use error::{BoxError, ErrorKind, Operation, SandboxError};
pub use host_ports::HostPorts;
pub use housekeeping::Housekeeping;
pub use io::{ExecIo, PipedIo, SessionIo};
pub use locks::{LockError, LockGuard, Locks};
pub use progress::{LiveOutput, NoProgress, Progress, Transfer};
pub use sandbox::{
    AttachOutcome, BranchStart, CreateRequest, DetachOutcome, Forgotten, ProjectEnvironment,
    Sandbox, StopOutcome, WorkspaceRegistry,
};
pub use saves::{RemovalRecord, SaveError, SaveStore};
pub use transfer::{
    BranchExport, BranchImport, BranchStanding, ExportRequest, HostBranch, Imported, PushStanding,
    RefChange, SyncReport,
};
