//! `sk`: one isolated workspace per git branch.
//!
//! The binary is thin: it parses the command line, loads the configuration, wires the
//! chosen sandbox backend to the core's use cases and turns their outcome into output and
//! an exit code.

mod cli;
mod commands;
mod completion;
mod config;
mod context;
mod docker_runtime;
mod docker_slot;
mod error;
mod pager;
mod picker;
mod printer;
mod progress;
mod risk;
mod saved;
mod secrets;
mod setup;
mod terminal;
mod words;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser};

use crate::cli::Cli;

fn main() -> ExitCode {
    // `COMPLETE=<shell> sk -- <words>`: the shell asking for completions, answered from
    // the live state; exits.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (2).
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    init_logging(cli.global.verbose);
    let printer = printer::Printer::new(cli.global.quiet);
    match commands::dispatch(cli, &printer) {
        Ok(status) => status.into(),
        Err(err) => {
            printer.error(&err);
            err.exit_status().into()
        }
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("skipper={level},skipper_core={level},skipper_git={level},skipper_backend_worktree={level},skipper_backend_docker={level},sk={level}")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| secrets::MaskedStderr)
        .with_ansi(printer::colour_enabled())
        .without_time()
        .init();
}
