use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::ExitStatus;

/// Print a completion script for a shell to stdout.
///
/// For example: `sk completions bash > ~/.local/share/bash-completion/completions/sk`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: &CompletionsArgs) -> ExitStatus {
    clap_complete::generate(
        args.shell,
        &mut Cli::command(),
        "sk",
        &mut std::io::stdout(),
    );
    ExitStatus::Success
}
