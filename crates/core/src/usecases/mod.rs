//! One module per use case. Each takes the ports it needs and returns what happened, or a
//! [`WorkspaceError`] naming what failed; printing is the CLI's business.

mod attach;
mod choose;
mod clone;
mod create;
mod detach;
mod error;
mod list;
mod prompt;
mod remove;
mod resolve;
mod run;

pub use attach::attach;
pub use choose::{Candidate, SandboxChoice, sandbox_for};
pub use clone::{Cloned, clone};
pub use create::{CreateOutcome, create};
pub use detach::detach;
pub use error::WorkspaceError;
pub use list::{Listing, list};
pub use prompt::{AgentCommand, prompt};
pub use remove::{Removed, remove};
pub use resolve::{locate, resolve_checkout};
pub use run::run;

use crate::ports::{HostCheckouts, Sandbox, WorkspaceRegistry};

/// The ports a workspace use case works through, for one chosen backend.
#[derive(Debug, Clone, Copy)]
pub struct Backend<'a> {
    /// The host checkouts.
    pub checkouts: &'a dyn HostCheckouts,
    /// The chosen sandbox.
    pub sandbox: &'a dyn Sandbox,
    /// The chosen sandbox's registry.
    pub registry: &'a dyn WorkspaceRegistry,
}
