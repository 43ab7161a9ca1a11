//! The Docker backend against the real daemon, through the core's ports: one test binary,
//! one module per behaviour, the fixture in `fixture`.

// Test helpers outside `#[test]` functions panic on failure too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;

mod adoption;
mod branch_workspaces;
mod commands;
mod daemon;
mod dirty_gate;
mod images;
mod listing;
mod main_container;
mod start_failures;
