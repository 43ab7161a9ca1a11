//! The command line, as clap parses it. `///` comments are the help text.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::workspace::WorkspaceCommand;

/// One isolated workspace per git branch: a git worktree on the host, or a Docker
/// container, ready for you or a coding agent.
#[derive(Debug, Parser)]
#[command(name = "sk", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The sandbox backend holding workspaces [default: worktree, or `sandbox` in config.toml].
    #[arg(long, global = true, value_enum, env = "SKIPPER_SANDBOX")]
    pub sandbox: Option<SandboxArg>,

    /// Show debug logs on stderr (-vv for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print only results and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// A sandbox backend.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SandboxArg {
    /// A git worktree on the host per branch; sessions through tmux.
    Worktree,
    /// A long-lived Docker container per branch.
    Docker,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Clone(crate::commands::clone::CloneArgs),
    /// Create, list, enter and remove workspaces.
    #[command(subcommand, visible_alias = "w")]
    Workspace(WorkspaceCommand),
    /// List and remove the cloned repositories.
    #[command(subcommand)]
    Repo(crate::commands::repo::RepoCommand),
    #[command(subcommand)]
    Hooks(crate::commands::hooks::HooksCommand),
    Doctor(crate::commands::doctor::DoctorArgs),
    Gc(crate::commands::gc::GcArgs),
    Completions(crate::commands::completions::CompletionsArgs),
    Mcp(crate::commands::mcp::McpArgs),
    #[command(name = "ssh-agent-relay", hide = true)]
    SshAgentRelay(crate::commands::ssh_agent_relay::SshAgentRelayArgs),
}
