//! The tools of `sk mcp`: their typed arguments (the input schemas clients see) and what
//! each runs. A tool runs the code of its CLI command on a thread of its own, with a
//! [`Context`] of its own whose printer keeps what the command says; its answer is JSON,
//! and a failure is a tool error carrying the CLI's message, hints and exit code.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rmcp::model::{CallToolResult, Implementation, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use skipper_core::usecases::{self, Backend, DiffOptions, FetchOutcome};
use skipper_core::{
    Checkout, CommandLine, DiffFormat, ExecIo, HostCheckouts as _, NetworkMode, PipedIo,
    WorkspaceTarget,
};

use super::capped::{Capped, OUTPUT_LIMIT};
use crate::cli::{GlobalArgs, SandboxArg};
use crate::commands::workspace::create::NetworkArg;
use crate::commands::workspace::{create, diff, fetch, list, remove, scratch};
use crate::context::Context;
use crate::error::CliError;
use crate::picker::{self, Omitted};
use crate::printer::{Captured, Printer};

/// `workspace_list`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Only this repository's workspaces: `name`, or `owner/name` when two clones share a
    /// name. Absent: every cloned repository's.
    repository: Option<String>,
    /// Only this sandbox's workspaces (`worktree` or `docker`). Absent: both.
    sandbox: Option<SandboxArg>,
}

/// The arguments naming one workspace.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceArgs {
    /// The repository: `name`, or `owner/name` when two clones share a name.
    #[schemars(with = "String")]
    repository: Option<String>,
    /// The workspace's branch. Absent: the main workspace (the host checkout, or the main
    /// container), on the repository's default branch.
    branch: Option<String>,
    /// The sandbox: `worktree` or `docker`. Absent: the one holding the workspace (for a
    /// new one, `sandbox` in config.toml, else `worktree`).
    sandbox: Option<SandboxArg>,
}

/// `workspace_create`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The repository: `name`, or `owner/name` when two clones share a name.
    #[schemars(with = "String")]
    repository: Option<String>,
    /// The workspace's branch. Absent: the main workspace (the host checkout, or the main
    /// container), on the repository's default branch.
    branch: Option<String>,
    /// The sandbox: `worktree` or `docker`. Absent: the one holding the workspace (for a
    /// new one, `sandbox` in config.toml, else `worktree`).
    sandbox: Option<SandboxArg>,
    /// A new Docker workspace's network, fixed once it is made: `bridge` (Docker's default
    /// bridge), `none` (loopback only) or `allow` (only the hosts of `[network] allow`,
    /// through an HTTP(S) proxy). Absent: `[network] mode`, else `bridge`. Not for the
    /// worktree sandbox.
    network: Option<NetworkArg>,
}

/// `workspace_run`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunArgs {
    /// The repository: `name`, or `owner/name` when two clones share a name.
    #[schemars(with = "String")]
    repository: Option<String>,
    /// The workspace's branch. Absent: the main workspace (the host checkout, or the main
    /// container).
    branch: Option<String>,
    /// The sandbox: `worktree` or `docker`. Absent: the one holding the workspace.
    sandbox: Option<SandboxArg>,
    /// The program and its arguments, run as given (never through a shell). Give this or
    /// `command`.
    argv: Option<Vec<String>>,
    /// Shell text, run by `sh -c`. Give this or `argv`.
    command: Option<String>,
    /// Interrupt the command (as Ctrl-C does) after this many seconds, and kill it if it
    /// is still running 5 seconds later; the answer then has `timed_out: true`. Absent: no
    /// limit.
    timeout_seconds: Option<u64>,
}

/// How long an interrupted command has to end before it is killed.
const GRACE: Duration = Duration::from_secs(5);

/// `workspace_diff`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffArgs {
    /// The repository: `name`, or `owner/name` when two clones share a name.
    #[schemars(with = "String")]
    repository: Option<String>,
    /// The workspace's branch. Absent: the main workspace.
    branch: Option<String>,
    /// The sandbox: `worktree` or `docker`. Absent: the one holding the workspace.
    sandbox: Option<SandboxArg>,
    /// A summary of each changed file (`git diff --stat`) instead of the patch.
    #[serde(default)]
    stat: bool,
    /// Start from the merge base with this ref of the workspace (a branch, a tag, a
    /// commit) instead of `origin/<default branch>`.
    base: Option<String>,
}

/// `workspace_remove`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveArgs {
    /// The repository: `name`, or `owner/name` when two clones share a name.
    #[schemars(with = "String")]
    repository: Option<String>,
    /// The workspace's branch (the main workspace is never removed).
    branch: Option<String>,
    /// The sandbox: `worktree` or `docker`. Absent: the one holding the workspace.
    sandbox: Option<SandboxArg>,
    /// Save the work at risk under the data root, then remove anyway. Refused unless the
    /// user's config.toml has `[mcp] allow_force = true`.
    #[serde(default)]
    force: bool,
}

/// The MCP server: the workspace commands as tools.
#[derive(Debug, Clone)]
pub struct Skipper {
    /// `sk mcp`'s own `--sandbox`, for tool calls that name none.
    sandbox: Option<SandboxArg>,
    quiet: bool,
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Skipper {
    pub fn new(global: &GlobalArgs) -> Self {
        Self {
            sandbox: global.sandbox,
            quiet: global.quiet,
            tool_router: Self::tool_router(),
        }
    }

    /// List workspaces, as `sk workspace list --json` does: `workspaces` holds one object
    /// per workspace with `repository`, `branch` (null for the main workspace),
    /// `default_branch`, `sandbox`, `path`, `container`, `state`, `dirty`, `unpushed`,
    /// `clean` (nothing `workspace_remove` would refuse for) and `ports`.
    #[tool(annotations(read_only_hint = true))]
    async fn workspace_list(&self, Parameters(args): Parameters<ListArgs>) -> CallToolResult {
        self.call(args.sandbox, move |context| {
            let rows = list::rows(context, args.repository.as_deref())?;
            Ok(json!({ "workspaces": rows }))
        })
        .await
    }

    /// Create the workspace of a branch, as `sk workspace create` does: fetches origin,
    /// then uses the local branch, else tracks `origin/<branch>`, else starts a new branch
    /// from the default branch; carries over the files `.worktreeinclude` names and runs the
    /// approved post-create hooks. An existing workspace is not an error. Answers with
    /// `outcome` (`created`, `exists`, or `main` for the default branch) and the
    /// workspace's `workspace_list` row.
    #[tool(annotations(destructive_hint = false, idempotent_hint = true))]
    async fn workspace_create(&self, Parameters(args): Parameters<CreateArgs>) -> CallToolResult {
        self.call(args.sandbox, move |context| {
            context.set_network_mode(args.network.map(NetworkMode::from));
            let checkout = checkout(context, args.repository.as_deref())?;
            let target = target(context, &checkout, args.branch.as_deref())?;
            let made = create::make(context, &checkout, target, None, false)?;
            let row = list::rows(context, Some(&checkout.repository.to_string()))?
                .into_iter()
                .find(|row| row.is_of(made.workspace()));
            Ok(json!({ "outcome": made.outcome(), "workspace": row }))
        })
        .await
    }

    /// Run a command in a workspace, as `sk workspace run` does, with an empty stdin.
    /// Answers with its `exit_code`, `stdout` and `stderr` (each cut past 64 KiB, its start
    /// and end kept around a note; `stdout_truncated`, `stderr_truncated` say so). A
    /// command that fails is not a tool error: its exit code says it. A call the client
    /// cancels interrupts the command, as `timeout_seconds` does.
    #[tool]
    async fn workspace_run(
        &self,
        Parameters(args): Parameters<RunArgs>,
        request: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let (interrupt, interrupts) = std::sync::mpsc::channel();
        let timed_out = Arc::new(AtomicBool::new(false));
        let limit = args.timeout_seconds.map(Duration::from_secs);
        let answer_says = Arc::clone(&timed_out);
        let run = self.call(args.sandbox, move |context| {
            let command = match (args.argv, args.command) {
                (Some(argv), None) if !argv.is_empty() => CommandLine::Argv(argv),
                (None, Some(text)) => CommandLine::Shell(text),
                (Some(_), Some(_)) => {
                    return Err(CliError::usage("give `argv` or `command`, not both"));
                }
                _ => {
                    return Err(CliError::usage("nothing to run").hint(
                        "give `argv` (a program and its arguments) or `command` (shell text)",
                    ));
                }
            };
            let (checkout, target, backend) =
                resolve(context, args.repository.as_deref(), args.branch.as_deref())?;
            let mut stdout = Capped::new(OUTPUT_LIMIT);
            let mut stderr = Capped::new(OUTPUT_LIMIT);
            let io = ExecIo::Piped(PipedIo {
                stdin: None,
                stdout: &mut stdout,
                stderr: &mut stderr,
                interrupts: Some(interrupts),
            });
            let status = usecases::run(
                backend,
                &checkout,
                &target,
                &command,
                &skipper_core::Environment::new(),
                io,
                &|err| {
                    crate::setup::warn_unusable(context, err);
                },
            )?;
            let (stdout, stderr) = (stdout.kept(), stderr.kept());
            Ok(json!({
                "exit_code": status.0,
                "stdout": stdout.text,
                "stderr": stderr.text,
                "stdout_truncated": stdout.truncated,
                "stderr_truncated": stderr.truncated,
                "timed_out": answer_says.load(Ordering::SeqCst),
            }))
        });
        tokio::pin!(run);
        let stop = async {
            match limit {
                Some(limit) => tokio::select! {
                    () = tokio::time::sleep(limit) => timed_out.store(true, Ordering::SeqCst),
                    () = request.ct.cancelled() => {}
                },
                None => request.ct.cancelled().await,
            }
        };
        tokio::select! {
            answer = &mut run => return answer,
            () = stop => {}
        }
        // Interrupted, then killed past the grace period; a command that already ended
        // reads neither.
        let _ = interrupt.send(());
        tokio::select! {
            answer = &mut run => answer,
            () = tokio::time::sleep(GRACE) => {
                let _ = interrupt.send(());
                run.await
            }
        }
    }

    /// Everything a workspace changed since it started, as `sk workspace diff` gives it:
    /// its commits since the merge base with `origin/<default branch>` (or `base`), plus its
    /// staged, unstaged and untracked files, as one git diff in `diff` (cut past 64 KiB
    /// with a note; `truncated` says so). Nothing in the workspace changes.
    #[tool(annotations(read_only_hint = true))]
    async fn workspace_diff(&self, Parameters(args): Parameters<DiffArgs>) -> CallToolResult {
        self.call(args.sandbox, move |context| {
            let (checkout, target, backend) =
                resolve(context, args.repository.as_deref(), args.branch.as_deref())?;
            let options = DiffOptions {
                base: args.base,
                format: if args.stat {
                    DiffFormat::Stat
                } else {
                    DiffFormat::Patch
                },
                color: false,
                columns: None,
            };
            let scratch = scratch(context)?;
            let file = diff::write(context, &checkout, &target, backend, options, &scratch)?;
            let mut kept = Capped::new(OUTPUT_LIMIT);
            fs_err::File::open(&file)
                .and_then(|mut file| std::io::copy(&mut file, &mut kept))
                .map_err(|err| CliError::failure(format!("cannot read the diff: {err}")))?;
            let kept = kept.kept();
            Ok(json!({ "diff": kept.text, "truncated": kept.truncated }))
        })
        .await
    }

    /// Bring a workspace's branch into the host checkout, as `sk workspace fetch` does
    /// (fast-forward only; a worktree shares the host's branches, so nothing comes).
    /// Answers with `branch`, `outcome` (`shared`, `up_to_date` or `arrived`), the host's
    /// `tip`, the `commits` that arrived and the `uncommitted` paths left in the workspace.
    #[tool(annotations(destructive_hint = false, idempotent_hint = true))]
    async fn workspace_fetch(&self, Parameters(args): Parameters<WorkspaceArgs>) -> CallToolResult {
        self.call(args.sandbox, move |context| {
            let (checkout, target, backend) =
                resolve(context, args.repository.as_deref(), args.branch.as_deref())?;
            let fetched = fetch::fetch(context, &checkout, &target, backend)?;
            let (outcome, commits) = match &fetched.outcome {
                FetchOutcome::Shared { .. } => ("shared", 0),
                FetchOutcome::UpToDate { .. } => ("up_to_date", 0),
                FetchOutcome::Arrived(imported) => ("arrived", imported.commits),
            };
            Ok(json!({
                "branch": fetched.branch.to_string(),
                "outcome": outcome,
                "tip": fetched.tip(),
                "commits": commits,
                "uncommitted": fetched.uncommitted,
            }))
        })
        .await
    }

    /// Remove a branch's workspace, as `sk workspace remove` does; the branch is kept.
    /// Refuses, changing nothing, when it holds work that would be lost (uncommitted or
    /// untracked files, commits on no remote branch, a stash...), each named in the error's
    /// hints. `force` saves that work and removes anyway, only when the user's config.toml
    /// has `[mcp] allow_force = true`. Answers with `removed` and the `saved` work's id.
    #[tool(annotations(destructive_hint = true))]
    async fn workspace_remove(&self, Parameters(args): Parameters<RemoveArgs>) -> CallToolResult {
        self.call(args.sandbox, move |context| {
            if args.force && !context.config.mcp.allow_force {
                return Err(CliError::failure(
                    "`force` is not allowed through MCP: nothing was removed",
                )
                .hint(format!(
                    "the user can allow it with `[mcp] allow_force = true` in {}",
                    context.paths.config_file.display()
                ))
                .hint(
                    "or commit and push the work in the workspace, then remove it without `force`",
                ));
            }
            let (checkout, target, backend) =
                resolve(context, args.repository.as_deref(), args.branch.as_deref())?;
            let allowed = context.config.mcp.allow_force;
            let removed = remove::remove(context, &checkout, &target, backend, args.force, false)
                .map_err(|err| in_mcp_terms(err, allowed))?;
            Ok(json!({
                "removed": removed.reference.to_string(),
                "saved": removed.preserved.map(|saved| saved.id.to_string()),
            }))
        })
        .await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Skipper {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("skipper", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "skipper (`sk`) gives one isolated workspace per git branch of a cloned repository: a git worktree on the host, or a Docker container. Work in a workspace with workspace_run, look at its changes with workspace_diff, and bring its branch home with workspace_fetch.",
            )
    }
}

impl Skipper {
    /// Runs `work` on a thread of its own with a context for `sandbox` (else `sk mcp`'s
    /// own `--sandbox`), and turns its outcome and what its printer kept into the answer.
    async fn call(
        &self,
        sandbox: Option<SandboxArg>,
        work: impl FnOnce(&Context<'_>) -> Result<Value, CliError> + Send + 'static,
    ) -> CallToolResult {
        let global = GlobalArgs {
            sandbox: sandbox.or(self.sandbox),
            verbose: 0,
            quiet: self.quiet,
        };
        let (sender, answer) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("sk-mcp-tool".to_owned())
            .spawn(move || {
                let printer = Printer::capturing(global.quiet);
                let outcome = Context::new(&global, &printer).and_then(|context| work(&context));
                // A client that went away has no answer to receive.
                let _ = sender.send((outcome, printer.take()));
            });
        let (outcome, captured) = match spawned {
            Ok(_) => answer.await.unwrap_or_else(|_| {
                (
                    Err(CliError::failure(
                        "the tool call ended without an answer (sk's message is on its stderr)",
                    )),
                    Captured::default(),
                )
            }),
            Err(err) => (
                Err(CliError::failure(format!(
                    "cannot start a thread for the tool call: {err}"
                ))),
                Captured::default(),
            ),
        };
        answer_of(outcome, &captured)
    }
}

/// `err` with its hints in this server's terms: the `force` argument where the CLI says
/// `--force`, and that it must be allowed first where it is not.
fn in_mcp_terms(mut err: CliError, force_allowed: bool) -> CliError {
    let force = if force_allowed {
        "call workspace_remove with `force: true`"
    } else {
        "call workspace_remove with `force: true` once the user allows it (`[mcp] allow_force = true` in config.toml)"
    };
    for hint in &mut err.hints {
        if let Some(at) = hint.find("pass --force") {
            hint.replace_range(at..at + "pass --force".len(), force);
        } else if hint.contains("--force") {
            *hint = hint.replace("--force", "`force: true`");
        }
    }
    err
}

/// The tool's answer: `value` with what the command said (`messages`, `warnings`), or a
/// tool error with the CLI's error as `error` (`kind`, `message`, `hints`, `exit_code`).
fn answer_of(outcome: Result<Value, CliError>, captured: &Captured) -> CallToolResult {
    let said = |mut value: Value| {
        if let Value::Object(map) = &mut value {
            map.insert("messages".to_owned(), json!(captured.messages));
            map.insert("warnings".to_owned(), json!(captured.warnings));
        }
        value
    };
    match outcome {
        Ok(value) => CallToolResult::structured(said(value)),
        Err(err) => CallToolResult::structured_error(said(json!({
            "error": {
                "kind": err.status.kind(),
                "message": err.message,
                "hints": err.hints,
                "exit_code": err.status.code(),
            }
        }))),
    }
}

/// The checkout `repository` names; its absence is a usage error listing the clones.
fn checkout(context: &Context<'_>, repository: Option<&str>) -> Result<Checkout, CliError> {
    if let Some(query) = repository {
        return picker::repository(context.checkouts(), Some(query));
    }
    let names: Vec<String> = context
        .checkouts()
        .list()?
        .iter()
        .map(|checkout| checkout.repository.to_string())
        .collect();
    let error = CliError::usage("`repository` is required");
    Err(if names.is_empty() {
        error.hint("nothing is cloned yet: run `sk clone <remote>`")
    } else {
        error.hint(format!("cloned repositories: {}", names.join(", ")))
    })
}

/// The workspace `branch` names (the default branch names the main one), else the main
/// workspace. Never a picker.
fn target(
    context: &Context<'_>,
    checkout: &Checkout,
    branch: Option<&str>,
) -> Result<WorkspaceTarget, CliError> {
    match branch {
        Some(branch) => {
            picker::target(context, checkout, Some(branch), Omitted::MainOrPick).map(|(t, _)| t)
        }
        None => Ok(WorkspaceTarget::Main),
    }
}

/// The checkout, the workspace and the backend holding it, as the CLI finds them from
/// `--repository`, `--branch` and `--sandbox`.
fn resolve<'c>(
    context: &'c Context<'_>,
    repository: Option<&str>,
    branch: Option<&str>,
) -> Result<(Checkout, WorkspaceTarget, Backend<'c>), CliError> {
    let checkout = checkout(context, repository)?;
    let target = target(context, &checkout, branch)?;
    let backend = context.backend_for(&checkout, &target)?;
    Ok((checkout, target, backend))
}
