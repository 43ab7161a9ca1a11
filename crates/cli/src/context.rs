//! What every command runs with: paths, configuration, the printer, and the one place that
//! chooses and wires a sandbox backend.

use std::sync::OnceLock;

use skipper_backend_docker::{DockerBackend, DockerConfig, docker_may_be_available};
use skipper_backend_worktree::{GitCheckouts, Layout, WorktreeSandbox};
use skipper_core::usecases::Backend;
use skipper_core::{Checkout, SandboxKind, WorkspaceRegistry, WorkspaceTarget};

use crate::cli::{GlobalArgs, SandboxArg};
use crate::config::{Config, Paths};
use crate::error::CliError;
use crate::printer::Printer;

#[derive(Debug)]
pub struct Context<'a> {
    pub printer: &'a Printer,
    pub paths: Paths,
    pub config: Config,
    /// The sandbox the user chose with `--sandbox` or in config.toml.
    pub chosen: Option<SandboxKind>,
    checkouts: GitCheckouts,
    worktree: WorktreeSandbox,
    /// Connected on first use only: a machine without Docker never pays for it.
    docker: OnceLock<Result<DockerBackend, String>>,
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
            docker: OnceLock::new(),
        })
    }

    pub fn checkouts(&self) -> &GitCheckouts {
        &self.checkouts
    }

    /// The sandbox to use: the chosen one, else the worktree backend.
    pub fn sandbox_kind(&self) -> SandboxKind {
        self.chosen.unwrap_or(SandboxKind::Worktree)
    }

    fn docker(&self) -> Result<&DockerBackend, CliError> {
        let connected = self.docker.get_or_init(|| {
            let config = self.docker_config().map_err(|err| err.message)?;
            DockerBackend::connect(config).map_err(|err| err.to_string())
        });
        connected.as_ref().map_err(|message| {
            CliError::failure(message.clone())
                .hint("start the Docker daemon, set DOCKER_HOST, or use the worktree sandbox")
        })
    }

    fn docker_config(&self) -> Result<DockerConfig, CliError> {
        self.config.docker.resolve(&self.paths)
    }

    /// The ports of `kind`, wired.
    pub fn backend(&self, kind: SandboxKind) -> Result<Backend<'_>, CliError> {
        match kind {
            SandboxKind::Worktree => Ok(Backend {
                checkouts: &self.checkouts,
                sandbox: &self.worktree,
                registry: &self.worktree,
            }),
            SandboxKind::Docker => {
                let docker = self.docker()?;
                Ok(Backend {
                    checkouts: &self.checkouts,
                    sandbox: docker,
                    registry: docker,
                })
            }
        }
    }

    /// The registries `list` reads: the chosen backend's, else every available one (Docker
    /// only when it may be there and answers).
    pub fn registries(&self) -> Result<Vec<&dyn WorkspaceRegistry>, CliError> {
        if let Some(kind) = self.chosen {
            return Ok(vec![self.backend(kind)?.registry]);
        }
        let mut registries: Vec<&dyn WorkspaceRegistry> = vec![&self.worktree];
        if docker_may_be_available() {
            match self.docker() {
                Ok(docker) => registries.push(docker),
                Err(err) => tracing::debug!("not listing Docker workspaces: {}", err.message),
            }
        }
        Ok(registries)
    }

    /// The backend holding `target` of `checkout`: the chosen one; else the one backend
    /// where it exists; when it exists in both, `--sandbox` is required.
    pub fn backend_for(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Backend<'_>, CliError> {
        if let Some(kind) = self.chosen {
            return self.backend(kind);
        }
        let worktree = self.backend(SandboxKind::Worktree)?;
        if !docker_may_be_available() {
            return Ok(worktree);
        }
        let Ok(docker) = self.backend(SandboxKind::Docker) else {
            return Ok(worktree);
        };
        let in_worktree = worktree.registry.locate(checkout, target)?.is_some();
        let in_docker = docker.registry.locate(checkout, target)?.is_some();
        match (in_worktree, in_docker) {
            (true, true) => Err(CliError::usage(format!(
                "{} ({target}) exists in both the worktree and the docker sandbox",
                checkout.repository
            ))
            .hint("choose one with `--sandbox worktree` or `--sandbox docker`")),
            (false, true) => Ok(docker),
            _ => Ok(worktree),
        }
    }
}
