//! The ports: what the use cases need from the outside world, as traits that the backend
//! crates implement. Each method documents its contract; each trait has its own error type.

mod checkouts;
mod sandbox;

pub use checkouts::{BranchPresence, CheckoutError, CloneOutcome, HostCheckouts, Refreshed};
pub use sandbox::{
    AttachOutcome, BranchStart, CreateRequest, DetachOutcome, Sandbox, SandboxError,
    WorkspaceRegistry,
};
