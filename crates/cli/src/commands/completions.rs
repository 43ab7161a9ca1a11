use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};

use crate::error::{CliError, ExitStatus};

/// Print a shell's completion script to stdout.
///
/// The script asks `sk` itself for each completion, so repositories and branches are
/// completed from what exists at that moment. For example, in `~/.bashrc`:
/// `source <(sk completions bash)`; for fish:
/// `sk completions fish > ~/.config/fish/completions/sk.fish`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: &CompletionsArgs) -> Result<ExitStatus, CliError> {
    let shell: &dyn EnvCompleter = match args.shell {
        clap_complete::Shell::Bash => &Bash,
        clap_complete::Shell::Zsh => &Zsh,
        clap_complete::Shell::Fish => &Fish,
        clap_complete::Shell::Elvish => &Elvish,
        clap_complete::Shell::PowerShell => &Powershell,
        other => {
            return Err(CliError::usage(format!("no completion script for {other}")));
        }
    };
    shell
        .write_registration("COMPLETE", "sk", "sk", "sk", &mut std::io::stdout())
        .map_err(|err| CliError::failure(format!("cannot write the completion script: {err}")))?;
    Ok(ExitStatus::Success)
}
