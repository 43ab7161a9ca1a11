//! One module per subcommand.

pub mod clone;
pub mod completions;
pub mod doctor;
pub mod gc;
pub mod hooks;
pub mod mcp;
pub mod repo;
pub mod ssh_agent_relay;
pub mod workspace;

/// The hidden command that runs the ssh agent relay.
pub const SSH_AGENT_RELAY: &str = "ssh-agent-relay";

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::printer::Printer;

/// Runs the parsed command line.
pub fn dispatch(cli: Cli, printer: &Printer) -> Result<ExitStatus, CliError> {
    if let Command::Completions(args) = &cli.command {
        return completions::run(args);
    }
    if let Command::SshAgentRelay(args) = &cli.command {
        return ssh_agent_relay::run(args);
    }
    if let Command::Mcp(args) = &cli.command {
        // Each tool call makes its own context; the protocol owns stdin and stdout.
        return mcp::run(&cli.global, args, printer);
    }
    let context = Context::new(&cli.global, printer)?;
    match cli.command {
        Command::Clone(args) => clone::run(&context, &args),
        Command::Workspace(command) => workspace::dispatch(&context, command),
        Command::Repo(command) => repo::dispatch(&context, command),
        Command::Doctor(args) => doctor::run(&context, &args),
        Command::Gc(args) => gc::run(&context, &args),
        Command::Hooks(command) => hooks::dispatch(&context, command),
        Command::Completions(_) | Command::Mcp(_) | Command::SshAgentRelay(_) => {
            Ok(ExitStatus::Success)
        }
    }
}
