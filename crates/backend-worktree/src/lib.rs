//! The worktree backend of skipper: one `git worktree` of the host checkout per branch
//! workspace, and tmux for interactive sessions.
//!
//! It implements the core's [`Sandbox`](skipper_core::Sandbox) and
//! [`WorkspaceRegistry`](skipper_core::WorkspaceRegistry) ports; the host checkouts and the
//! git plumbing it runs on are `skipper-git`'s. Git and the filesystem are its only source
//! of truth: there is no database. Every git call goes through the `git` binary with
//! argument vectors and porcelain formats; no English output is ever parsed.

mod activity;
mod begun;
mod broken;
mod carry;
mod creation;
mod diff;
mod housekeeping;
mod operation;
mod ports;
mod preserve;
mod process;
mod registry;
mod removal;
mod sandbox;
mod tmux;
mod transfer;

pub use sandbox::WorktreeSandbox;
