//! The Docker backend against the real daemon, through the core's ports: one test binary,
//! one module per behaviour, the fixture in `fixture`.

// Test helpers outside `#[test]` functions panic on failure too.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Helpers are methods of their fixture for reading, whether or not they need its state, and
// take what a test hands them by value; tests build their expected text with format!.
#![allow(
    clippy::unused_self,
    clippy::needless_pass_by_value,
    clippy::format_push_string,
    clippy::duration_suboptimal_units
)]

mod fixture;

mod adoption;
mod branch_workspaces;
mod commands;
mod daemon;
mod dirty_gate;
mod images;
mod listing;
mod main_container;
mod spawner;
mod start_failures;
