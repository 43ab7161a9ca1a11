//! The one integration-test binary: every test runs the real `sk` against real git
//! repositories (a bare "origin" per test), real tmux and a real PTY, in a temporary HOME.

// A failed unwrap is a failed test, with the reason in its panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Helpers are methods of their fixture for reading, whether or not they need its state, and
// take what a test hands them by value; tests build their expected text with format!.
#![allow(
    clippy::unused_self,
    clippy::needless_pass_by_value,
    clippy::format_push_string,
    clippy::duration_suboptimal_units
)]

mod support;

mod test_activity;
mod test_attach;
mod test_carry;
mod test_clone;
mod test_config;
mod test_crash;
mod test_create;
mod test_damaged;
mod test_diff;
mod test_docker_attach;
mod test_docker_create;
mod test_docker_daemon;
mod test_docker_hooks;
mod test_docker_housekeeping;
mod test_docker_image;
mod test_docker_list;
mod test_docker_network;
mod test_docker_podman;
mod test_docker_prompt;
mod test_docker_remote;
mod test_docker_remove;
mod test_docker_run;
mod test_docker_runtime;
mod test_docker_ssh_agent;
mod test_faults;
mod test_fetch;
mod test_help;
mod test_hooks;
mod test_housekeeping;
mod test_list;
mod test_mcp;
mod test_move;
mod test_names;
mod test_picker;
mod test_ports;
mod test_prompt;
mod test_pull_request;
mod test_push;
mod test_races;
mod test_readme;
mod test_remove;
mod test_repo;
mod test_robustness;
mod test_run;
mod test_saved;
mod test_secrets;
mod test_sync;
mod test_validation;
