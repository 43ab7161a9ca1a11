use std::path::PathBuf;

use crate::error::{CliError, ExitStatus};

/// Serve the host's ssh agent to Docker workspaces (started by `sk` itself).
///
/// Listens in DIR and passes each connection on to the agent `sk` last saw; ends when DIR
/// goes. `sk` starts one per data root when the host's agent is to reach workspaces
/// (`[ssh] forward_agent`, on by default).
#[derive(Debug, clap::Args)]
pub struct SshAgentRelayArgs {
    /// The relay's directory, under the data root.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

pub fn run(args: &SshAgentRelayArgs) -> Result<ExitStatus, CliError> {
    skipper_backend_docker::ssh_agent::serve(&args.dir).map_err(|err| {
        CliError::failure(format!(
            "the ssh agent relay in {} cannot run: {err}",
            args.dir.display()
        ))
    })?;
    Ok(ExitStatus::Success)
}
