use skipper_core::CommandLine;
use skipper_core::usecases;

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// Run a command in a workspace.
///
/// `sk` exits with the command's own exit code.
/// Give shell text with `--command`, or a program and its arguments after `--` (run as
/// given, never through a shell). stdin, stdout and stderr pass through, and Ctrl-C
/// reaches the command. Without `--branch` it runs in the main workspace (on a terminal,
/// a picker offers the workspaces, `main` first). The command's environment has
/// `SK_REPOSITORY`, `SK_BRANCH`, `SK_SANDBOX`, `SK_WORKSPACE` (and `SK_PORT`, `SK_PORTS`
/// when the workspace has ports) and the `[env]` of the repository's `.skipper.toml`.
///
/// Examples: `sk workspace run -r api -b feat/x --command 'make test'`,
/// `sk workspace run -r api -b feat/x -- cargo test --workspace`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// Shell text, run by `sh -c`.
    #[arg(short, long, visible_alias = "cmd", conflicts_with = "argv")]
    pub command: Option<String>,

    /// Give the command secret NAME of `[secrets]` in config.toml, as the environment
    /// variable NAME, in its environment only (repeatable).
    #[arg(long = "secret", value_name = "NAME")]
    pub secrets: Vec<String>,

    /// The program and its arguments, after `--`.
    #[arg(last = true, value_name = "PROGRAM")]
    pub argv: Vec<String>,
}

pub fn run(context: &Context<'_>, args: RunArgs) -> Result<ExitStatus, CliError> {
    let command = match (args.command, args.argv) {
        (Some(text), _) => CommandLine::Shell(text),
        (None, argv) if !argv.is_empty() => CommandLine::Argv(argv),
        (None, _) => {
            return Err(CliError::usage("nothing to run")
                .hint("give shell text with `--command '...'` or a program after `--`"));
        }
    };
    let secrets =
        crate::secrets::resolve(&context.config.secrets, &context.paths, &args.secrets, &[])?;
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::MainOrPick)?;
    let status = usecases::run(
        backend,
        &checkout,
        &target,
        &command,
        &secrets,
        crate::terminal::exec_io(),
        &|err| crate::setup::warn_unusable(context, err),
    )?;
    Ok(ExitStatus::Code(status.0))
}
