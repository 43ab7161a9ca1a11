//! The worktree backend of skipper: host checkouts cloned with git, one `git worktree` per
//! branch workspace, and tmux for interactive sessions.
//!
//! It implements the core's [`HostCheckouts`](skipper_core::HostCheckouts),
//! [`Sandbox`](skipper_core::Sandbox) and [`WorkspaceRegistry`](skipper_core::WorkspaceRegistry)
//! ports. Git and the filesystem are its only source of truth: there is no database. Every
//! git call goes through the `git` binary with argument vectors and porcelain formats; no
//! English output is ever parsed.

mod checkouts;
mod git;
mod layout;
mod operation;
mod preserve;
mod process;
mod registry;
mod sandbox;
mod status;
mod tmux;
mod worktree_list;

pub use checkouts::GitCheckouts;
pub use layout::Layout;
pub use sandbox::WorktreeSandbox;
