//! What every command runs with: paths, configuration, the printer, and the one place that
//! chooses and wires a sandbox backend.

use skipper_backend_worktree::{GitCheckouts, Layout, WorktreeSandbox};
use skipper_core::SandboxKind;
use skipper_core::usecases::Backend;

use crate::cli::{GlobalArgs, SandboxArg};
use crate::config::{Config, Paths};
use crate::error::CliError;
use crate::printer::Printer;

#[derive(Debug)]
pub struct Context<'a> {
    pub printer: &'a Printer,
    #[allow(dead_code)]
    pub paths: Paths,
    #[allow(dead_code)] // `docker` is read once the docker sandbox is wired.
    pub config: Config,
    /// The sandbox the user chose with `--sandbox` or in config.toml.
    pub chosen: Option<SandboxKind>,
    checkouts: GitCheckouts,
    worktree: WorktreeSandbox,
}

impl<'a> Context<'a> {
    pub fn new(global: &GlobalArgs, printer: &'a Printer) -> Result<Self, CliError> {
        let paths = Paths::from_env()?;
        let config = Config::load(&paths.config_file)?;
        let chosen = global.sandbox.or(config.sandbox).map(|arg| match arg {
            SandboxArg::Worktree => SandboxKind::Worktree,
            SandboxArg::Docker => SandboxKind::Docker,
        });
        let layout = Layout::new(paths.data_root.clone());
        Ok(Self {
            printer,
            checkouts: GitCheckouts::new(layout.clone()),
            worktree: WorktreeSandbox::new(layout),
            paths,
            config,
            chosen,
        })
    }

    pub fn checkouts(&self) -> &GitCheckouts {
        &self.checkouts
    }

    /// The sandbox to use: the chosen one, else the worktree backend.
    pub fn sandbox_kind(&self) -> SandboxKind {
        self.chosen.unwrap_or(SandboxKind::Worktree)
    }

    /// The ports of `kind`, wired.
    pub fn backend(&self, kind: SandboxKind) -> Result<Backend<'_>, CliError> {
        match kind {
            SandboxKind::Worktree => Ok(Backend {
                checkouts: &self.checkouts,
                sandbox: &self.worktree,
                registry: &self.worktree,
            }),
            SandboxKind::Docker => Err(CliError::failure(
                "the docker sandbox is not available yet in this version of sk",
            )
            .hint("use the default worktree sandbox (omit --sandbox)")),
        }
    }
}
