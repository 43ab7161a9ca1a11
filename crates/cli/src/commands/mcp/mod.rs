//! `sk mcp`: the workspace commands as tools of a Model Context Protocol server on stdin
//! and stdout, for coding agents. Each tool call runs the same code as its CLI command,
//! on a thread of its own with a context of its own; its results and errors come back as
//! JSON in the tool's answer, never on stdout, which is the protocol's alone.

mod capped;
mod protocol_stdio;
mod tools;

use rmcp::ServiceExt as _;

use crate::cli::GlobalArgs;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::printer::Printer;

/// Serve the Model Context Protocol (MCP) on stdin and stdout, for coding agents.
///
/// The tools are the workspace commands: `workspace_list`, `workspace_create`,
/// `workspace_run` (an `argv` array, or shell text as `command`; its exit code, stdout and
/// stderr come back, each cut past 64 KiB with a note), `workspace_diff`,
/// `workspace_fetch` and `workspace_remove`. They take `repository`, `branch` (absent: the
/// main workspace) and `sandbox` (absent: `--sandbox`, else as the commands choose), answer
/// with JSON (`workspace_list` with the rows of `sk workspace list --json`), and fail as
/// the commands do, as tool errors with the same message, hints and exit code. Nothing is
/// ever asked: a choice the arguments leave open is an error. `workspace_remove` refuses a
/// workspace with work at risk; `force` is refused too unless config.toml says
/// `[mcp] allow_force = true`.
///
/// Give an MCP client `{"command": "sk", "args": ["mcp"]}`. Logs and progress go to
/// stderr.
#[derive(Debug, clap::Args)]
pub struct McpArgs {}

pub fn run(
    global: &GlobalArgs,
    _args: &McpArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    // A broken config.toml is told at once, not at the first tool call.
    Context::new(global, printer)?;
    crate::picker::never_ask();
    let (input, output) = protocol_stdio::take().map_err(|err| {
        CliError::failure(format!(
            "cannot set up stdin and stdout for the protocol: {err}"
        ))
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| CliError::failure(format!("cannot start the MCP server: {err}")))?;
    let server = tools::Skipper::new(global);
    let served = runtime.block_on(async move {
        let transport = (
            tokio::fs::File::from_std(input),
            tokio::fs::File::from_std(output),
        );
        let running = server.serve(transport).await.map_err(|err| {
            CliError::failure(format!("the MCP client did not start a session: {err}"))
        })?;
        running
            .waiting()
            .await
            .map_err(|err| CliError::failure(format!("the MCP session failed: {err}")))
    });
    // A tool call still running when the client left is not waited for.
    runtime.shutdown_background();
    served.map(|_| ExitStatus::Success)
}
