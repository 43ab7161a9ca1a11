//! The project setup as commands meet it: running a stage's hooks in a workspace (the
//! user's, then the project's once approved, asked for on a terminal), their output on
//! stderr with a `post-create │ ` prefix on a terminal, and the warnings of an unusable
//! `.skipper.toml`.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use skipper_core::usecases::{
    self, Approval, Backend, HookOutput, HookPlan, ProjectFile, display_command,
};
use skipper_core::{
    Checkout, CommandLine, ExecIo, HookStage, Hooks, PipedIo, ProjectConfigError, Workspace,
};

use crate::context::Context;
use crate::error::CliError;

/// Warns that `.skipper.toml` cannot be used and that the command goes on without it.
pub fn warn_unusable(context: &Context<'_>, err: &ProjectConfigError) {
    context.printer.warning(&format!(
        "{err}; going on without the project's setup (fix .skipper.toml in the repository)"
    ));
}

/// How a stage's hooks went.
#[derive(Debug, PartialEq, Eq)]
pub enum StageRun {
    /// Every runnable command ran and succeeded (none is fine).
    Ran,
    /// The user's ran; the project's were not approved and did not run.
    ProjectSkipped,
}

/// Runs `stage`'s hooks in `workspace` of `checkout`: reads its `.skipper.toml`, asks for
/// the approval of the project's commands on a terminal (without one, they are skipped and
/// the approving command said), and runs the user's then the project's.
///
/// An unusable project file fails the stage when `strict` (create: the workspace stays),
/// else is warned of and the user's hooks run alone (remove).
///
/// # Errors
/// The first hook that fails ([`usecases::WorkspaceError::HookFailed`]), the project
/// file's problem when `strict`, a cancelled question, or the sandbox's failure.
pub fn run_stage(
    context: &Context<'_>,
    backend: Backend<'_>,
    checkout: &Checkout,
    workspace: &Workspace,
    stage: HookStage,
    strict: bool,
) -> Result<StageRun, CliError> {
    let file = usecases::read_project(backend.sandbox, workspace)
        .map_err(usecases::WorkspaceError::from)?;
    run_stage_of(context, backend, checkout, workspace, stage, strict, &file)
}

/// [`run_stage`] in a workspace just made at `start_point` of the host checkout, where
/// its `HEAD` is: the project file is read there, on the host, in process, rather than by
/// a command in the workspace (for a container, an exec saved). Read in the workspace
/// when the host cannot read it.
///
/// # Errors
/// As [`run_stage`].
pub fn run_stage_in_new(
    context: &Context<'_>,
    backend: Backend<'_>,
    checkout: &Checkout,
    workspace: &Workspace,
    start_point: &str,
) -> Result<StageRun, CliError> {
    let stage = HookStage::PostCreate;
    match backend
        .checkouts
        .file_at(checkout, start_point, skipper_core::PROJECT_FILE)
    {
        Ok(bytes) => {
            let file = usecases::parse_project(bytes.as_deref(), workspace);
            run_stage_of(context, backend, checkout, workspace, stage, true, &file)
        }
        Err(_) => run_stage(context, backend, checkout, workspace, stage, true),
    }
}

/// [`run_stage`] with the project file as read.
fn run_stage_of(
    context: &Context<'_>,
    backend: Backend<'_>,
    checkout: &Checkout,
    workspace: &Workspace,
    stage: HookStage,
    strict: bool,
    file: &ProjectFile,
) -> Result<StageRun, CliError> {
    if let ProjectFile::Unusable(err) = file {
        if strict {
            return Err(usecases::WorkspaceError::from(err.clone()).into());
        }
        warn_unusable(context, err);
    }
    let project = file.config();
    let mut plan = usecases::plan_hooks(
        context.approvals(),
        &checkout.repository,
        &context.config.hooks,
        &project.hooks,
        stage,
    )?;
    let mut outcome = StageRun::Ran;
    if plan.approval == Approval::Unapproved {
        if ask_approval(context, checkout, &project.hooks)? {
            plan.approval = Approval::Approved;
        } else {
            say_skipped(context, checkout, &plan);
            outcome = StageRun::ProjectSkipped;
        }
    }
    let commands = plan.runnable();
    if commands.is_empty() {
        return Ok(outcome);
    }
    let env = usecases::workspace_environment(backend, checkout, workspace, &project)?;
    let mut output = HookStreams::new(context.printer.quiet());
    usecases::run_hooks(
        backend.sandbox,
        workspace,
        &env,
        stage,
        &commands,
        &mut output,
    )?;
    Ok(outcome)
}

/// On a terminal, shows the project's hook commands and asks whether they may run; the
/// yes is stored. Without a terminal, no.
fn ask_approval(
    context: &Context<'_>,
    checkout: &Checkout,
    hooks: &Hooks,
) -> Result<bool, CliError> {
    if !crate::picker::interactive() {
        return Ok(false);
    }
    let mut shown = format!(
        "{}'s .skipper.toml has hook commands that would run on your machine:",
        checkout.repository
    );
    shown.push_str(&listing(hooks));
    eprintln!("{shown}");
    let yes = crate::picker::confirm("Run these commands, now and until they change?")?;
    if yes {
        usecases::approve_hooks(context.approvals(), &checkout.repository, hooks)?;
    }
    Ok(yes)
}

/// Every stage's commands, one per line, indented.
pub fn listing(hooks: &Hooks) -> String {
    let mut text = String::new();
    for stage in HookStage::ALL {
        for command in hooks.of(stage) {
            let _ = write!(
                text,
                "\n  {stage}: {}",
                crate::printer::untrusted(&display_command(command))
            );
        }
    }
    text
}

/// Says which project commands did not run and how to approve them.
fn say_skipped(context: &Context<'_>, checkout: &Checkout, plan: &HookPlan) {
    let mut text = format!(
        "Skipped the {} hooks of {}'s .skipper.toml, not approved:",
        plan.stage, checkout.repository
    );
    for command in &plan.project {
        let _ = write!(
            text,
            "\n  {}",
            crate::printer::untrusted(&display_command(command))
        );
    }
    context.printer.warning(&text);
    context.printer.warning(&format!(
        "Review and approve them with: sk hooks approve -r {}",
        checkout.repository
    ));
}

/// Where hook output goes: stderr (stdout is for `sk`'s results), each line prefixed with
/// the stage on a terminal.
struct HookStreams {
    /// Whether each command is announced (not with `--quiet`).
    announce: bool,
    out: LinePrefixer,
    err: LinePrefixer,
}

impl HookStreams {
    fn new(quiet: bool) -> Self {
        Self {
            announce: !quiet,
            out: LinePrefixer::default(),
            err: LinePrefixer::default(),
        }
    }
}

impl HookOutput for HookStreams {
    fn streams(&mut self, stage: HookStage, command: &CommandLine) -> ExecIo<'_> {
        let prefix = std::io::stderr()
            .is_terminal()
            .then(|| format!("{stage} │ "));
        if self.announce {
            eprintln!(
                "{}Running {stage} hook: {}",
                prefix.as_deref().unwrap_or_default(),
                crate::printer::untrusted(&display_command(command))
            );
        }
        self.out.start(prefix.clone());
        self.err.start(prefix);
        ExecIo::Piped(PipedIo {
            stdin: None,
            stdout: &mut self.out,
            stderr: &mut self.err,
            interrupts: None,
        })
    }
}

/// Writes to stderr, `prefix` before each line when there is one.
#[derive(Default)]
struct LinePrefixer {
    prefix: Option<String>,
    at_line_start: bool,
}

impl LinePrefixer {
    fn start(&mut self, prefix: Option<String>) {
        self.prefix = prefix;
        self.at_line_start = true;
    }
}

impl Write for LinePrefixer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut stderr = std::io::stderr().lock();
        let Some(prefix) = &self.prefix else {
            stderr.write_all(buf)?;
            return Ok(buf.len());
        };
        for piece in buf.split_inclusive(|&b| b == b'\n') {
            if self.at_line_start {
                stderr.write_all(prefix.as_bytes())?;
            }
            stderr.write_all(piece)?;
            self.at_line_start = piece.ends_with(b"\n");
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
