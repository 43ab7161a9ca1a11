//! One module per use case. Each takes the ports it needs and returns what happened, or a
//! [`WorkspaceError`] naming what failed; printing is the CLI's business.

mod attach;
mod carry;
mod choose;
mod clone;
mod conversation;
mod create;
mod detach;
mod diff;
mod error;
mod fetch;
mod hooks;
mod housekeeping;
mod list;
mod moving;
mod ports;
mod project_at;
mod prompt;
mod pull_request;
mod push;
mod remove;
mod remove_repository;
mod resolve;
mod restore;
mod run;
mod saved;
mod stop;
mod sync;

pub use attach::{attach, check_attachable};
pub use carry::{carry_files, carry_patterns};
pub use choose::{Candidate, SandboxChoice, sandbox_for};
pub use clone::{Cloned, clone};
pub use create::{
    AskedOutcome, CreateOutcome, HolderQuestion, create, create_under_lock,
    create_under_lock_asking,
};
pub use detach::detach;
pub use diff::{DiffOptions, diff};
pub use error::{WorkspaceError, display_command};
pub use fetch::{FetchOutcome, Fetched, fetch};
pub use hooks::{
    Approval, DefaultBranchProject, HookOutput, HookPlan, ProjectFile, approve_hooks,
    default_branch_project, hooks_approved, parse_project, plan_hooks, project_file_bytes,
    read_project, run_hooks, workspace_environment,
};
pub use housekeeping::{Collected, Inspection, doctor, gc};
pub use list::{Listing, list};
pub use moving::{Moved, move_workspace};
pub use ports::PortPlan;
pub use project_at::project_at;
pub use prompt::{PromptRequest, prompt};
pub use pull_request::fetch_pull_request;
pub use push::{Pushed, push};
pub use remove::{Removed, remove, remove_with};
pub use remove_repository::{RemovedMain, RepositoryRemoved, WorkspaceRisk, remove_repository};
pub use resolve::{locate, resolve_checkout, target_of};
pub use restore::{Restored, find_saved, restore};
pub use run::run;
pub use saved::{drop_saved, list_saved};
pub use stop::stop;
pub use sync::{Synced, sync};

use crate::ports::{HostCheckouts, Locks, Sandbox, SaveStore, WorkspaceRegistry};

/// The ports a workspace use case works through, for one chosen backend.
#[derive(Debug, Clone, Copy)]
pub struct Backend<'a> {
    /// The host checkouts.
    pub checkouts: &'a dyn HostCheckouts,
    /// The chosen sandbox.
    pub sandbox: &'a dyn Sandbox,
    /// The chosen sandbox's registry.
    pub registry: &'a dyn WorkspaceRegistry,
    /// Where forced removals keep work.
    pub saves: &'a dyn SaveStore,
    /// The locks that serialise `sk` processes.
    pub locks: &'a dyn Locks,
}

/// Seconds since the Unix epoch now (0 when the clock is before it).
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// What a scoped thread returned; its panic goes on in the caller.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
