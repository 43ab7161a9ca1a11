//! Fixtures for skipper's integration tests, outside the hexagon: the CLI's tests and the
//! Docker backend's tests both build on them. They know git, tmux and the `docker` CLI, and
//! no skipper crate, so they keep working while the ports and adapters change.
//!
//! Everything a test makes is cleaned up by a guard's `Drop`, so a failing test leaks no
//! tmux server, container or image.

// A fixture that cannot be set up is a failed test, with the reason in its panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Fixtures panic by design (a failed setup is a failed test), and their values are always
// used by the test that asked for them.
#![allow(clippy::missing_panics_doc, clippy::must_use_candidate)]

pub mod docker;
pub mod git;
mod home;
mod names;
pub mod tmux;

pub use git::{Origin, cloned_origin, git};
pub use home::TempHome;
pub use names::unique_name;
