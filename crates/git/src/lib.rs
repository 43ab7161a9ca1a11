//! The git plumbing of skipper, shared by both backends and the CLI's wiring.
//!
//! An adapter-side library in the hexagon: it depends only on `skipper-core`, and the
//! backends (`skipper-backend-worktree`, `skipper-backend-docker`) and the CLI use it; it
//! knows nothing of them. It holds the [`Git`] runner (argument vectors, a safe
//! environment), [`GitCheckouts`] (the core's
//! [`HostCheckouts`](skipper_core::HostCheckouts) port, cloned with git on the host), the
//! [`Layout`] of the data root, parsers of git's porcelain formats ([`status`],
//! [`worktree_list`]), the selection of untracked and ignored files carried into a new
//! workspace (by `.worktreeinclude` and the repository's `copy` list), the save store
//! ([`DiskSaves`]), the probe of the host's ports ([`LoopbackPorts`]), and what both
//! sandboxes share: the dirty gate, the save, the restore and the diff of a workspace's work ([`gate`],
//! [`preserve`], [`restore`], [`diff`]), and the carrying of a branch out of a workspace
//! and of the remote's branches into one ([`export`], [`sync`]): one set of shell scripts
//! ([`scripts`]) run wherever the repository is, through a [`ScriptHost`]. Every git call
//! goes through the `git` binary; no English output is ever parsed. The exceptions read in
//! process with `gix`: [`clean_proof`], which proves that a worktree on the host holds
//! nothing the gate would find, so that `list` runs the gate script only where it cannot
//! (and, as `git status` does, writes back to the index the stat data of the files it
//! found unchanged, so that the next look need not read them again), and [`config_file`],
//! one value of a config file as `git config --file` reads it.

mod approvals;
mod carry;
mod checkouts;
pub mod clean_proof;
pub mod config_file;
pub mod diff;
pub mod export;
pub mod gate;
mod host_ports;
mod host_scripts;
mod housekeeping;
mod index_refresh;
mod layout;
mod locks;
mod objects;
pub mod preserve;
mod publish;
mod pull_request;
pub mod restore;
mod runner;
mod saves;
mod scratch;
pub mod scripts;
pub mod state;
pub mod status;
pub mod sync;
mod work;
pub mod worktree_list;

pub use approvals::DiskApprovals;
pub use carry::WORKTREE_INCLUDE;
pub use checkouts::{GitCheckouts, base_on_origin, new_branch_base};
pub use host_ports::LoopbackPorts;
pub use host_scripts::HostScripts;
pub use housekeeping::DataRootHousekeeping;
pub use layout::Layout;
pub use locks::FileLocks;
pub use objects::{FileRead, file_in};
pub use runner::{Git, REPOSITORY_ENV, clear_repository_env};
pub use saves::DiskSaves;
pub use scratch::ScratchDir;
pub use work::{Policy, ScriptHost, ScriptOutput, WorkError};
