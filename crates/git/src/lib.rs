//! The git plumbing of skipper, shared by both backends and the CLI's wiring.
//!
//! An adapter-side library in the hexagon: it depends only on `skipper-core`, and the
//! backends (`skipper-backend-worktree`, `skipper-backend-docker`) and the CLI use it; it
//! knows nothing of them. It holds the [`Git`] runner (argument vectors, a safe
//! environment), [`GitCheckouts`] (the core's
//! [`HostCheckouts`](skipper_core::HostCheckouts) port, cloned with git on the host), the
//! [`Layout`] of the data root, parsers of git's porcelain formats ([`status`],
//! [`worktree_list`]), and the names of saved work ([`SaveStamp`]). Every git call goes
//! through the `git` binary; no English output is ever parsed.

mod checkouts;
mod housekeeping;
mod layout;
mod locks;
mod runner;
mod saved;
mod saves;
pub mod status;
pub mod worktree_list;

pub use checkouts::GitCheckouts;
pub use housekeeping::DataRootHousekeeping;
pub use layout::Layout;
pub use locks::FileLocks;
pub use runner::{Git, REPOSITORY_ENV, clear_repository_env};
pub use saved::SaveStamp;
pub use saves::DiskSaves;
