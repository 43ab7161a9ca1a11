//! The one integration-test binary: every test runs the real `sk` against real git
//! repositories (a bare "origin" per test), real tmux and a real PTY, in a temporary HOME.

// A failed unwrap is a failed test, with the reason in its panic message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod test_attach;
mod test_clone;
mod test_config;
mod test_create;
mod test_docker_attach;
mod test_docker_create;
mod test_docker_daemon;
mod test_docker_image;
mod test_docker_list;
mod test_docker_remove;
mod test_docker_run;
mod test_help;
mod test_list;
mod test_names;
mod test_picker;
mod test_prompt;
mod test_readme;
mod test_remove;
mod test_robustness;
mod test_run;
