//! What every command runs with: paths, configuration, the printer, and the one place that
//! chooses and wires a sandbox backend.

use std::sync::{Arc, OnceLock};

use skipper_backend_docker::{DockerBackend, docker_may_be_available};
use skipper_backend_worktree::WorktreeSandbox;
use skipper_core::usecases::{self, Backend, Candidate, PortPlan, SandboxChoice};
use skipper_core::{
    BoxError, Checkout, NetworkMode, PortCount, Progress, SandboxError, SandboxKind,
    WorkspaceRegistry, WorkspaceTarget,
};
use skipper_git::{
    DataRootHousekeeping, DiskApprovals, DiskSaves, FileLocks, GitCheckouts, Layout, LoopbackPorts,
};

use crate::cli::{GlobalArgs, SandboxArg};
use crate::config::{Config, Paths};
use crate::docker_slot::DockerSlot;
use crate::error::CliError;
use crate::printer::Printer;
use crate::progress::CliProgress;

#[derive(Debug)]
pub struct Context<'a> {
    pub printer: &'a Printer,
    pub paths: Paths,
    pub config: Config,
    /// `--sandbox` (or `SKIPPER_SANDBOX`) and `sandbox` in config.toml.
    pub choice: SandboxChoice,
    /// The sandbox new workspaces go to: the explicit one, else `sandbox` in config.toml,
    /// else the worktree sandbox.
    pub preferred: SandboxKind,
    checkouts: GitCheckouts,
    worktree: WorktreeSandbox,
    saves: DiskSaves,
    approvals: DiskApprovals,
    locks: FileLocks,
    data_root: DataRootHousekeeping,
    /// Connected on first use only: a machine without Docker never pays for it.
    docker: DockerSlot,
    /// Whether the user was told that Docker could not be asked whether it holds a branch's
    /// workspace: said once per command.
    unasked_said: std::cell::Cell<bool>,
    /// `create --runtime`: the runtime new Docker workspaces run under instead of
    /// `docker.runtime`, set before Docker is connected to.
    runtime: OnceLock<String>,
    /// `--network`: the mode of the workspace this command makes, over `[network] mode`.
    /// Set before Docker is connected to ([`Context::set_network_mode`]).
    network_mode: std::cell::Cell<Option<NetworkMode>>,
}

impl<'a> Context<'a> {
    pub fn new(global: &GlobalArgs, printer: &'a Printer) -> Result<Self, CliError> {
        let paths = Paths::from_env()?;
        let config = Config::load(&paths.config_file)?;
        let kind = |arg: SandboxArg| match arg {
            SandboxArg::Worktree => SandboxKind::Worktree,
            SandboxArg::Docker => SandboxKind::Docker,
        };
        let choice = SandboxChoice {
            explicit: global.sandbox.map(kind),
            configured: config.sandbox.map(kind),
        };
        let preferred = choice.for_new();
        let layout = Layout::new(paths.data_root.clone());
        let progress: Arc<dyn Progress> = Arc::new(CliProgress::new(printer.quiet()));
        Ok(Self {
            printer,
            checkouts: GitCheckouts::new(layout.clone(), Arc::clone(&progress)),
            saves: DiskSaves::new(layout.clone()),
            approvals: DiskApprovals::new(layout.clone()),
            data_root: DataRootHousekeeping::new(layout.clone()),
            locks: FileLocks::new(&layout, Arc::clone(&progress)),
            worktree: WorktreeSandbox::new(layout, Arc::clone(&progress)),
            docker: DockerSlot::new(progress),
            paths,
            config,
            choice,
            preferred,
            unasked_said: std::cell::Cell::new(false),
            runtime: OnceLock::new(),
            network_mode: std::cell::Cell::new(None),
        })
    }

    /// Makes `mode` (`--network`) the mode of the Docker workspaces this command makes,
    /// over the config's. Called before anything asks Docker, which is connected once.
    pub fn set_network_mode(&self, mode: Option<NetworkMode>) {
        debug_assert!(
            !self.docker.is_connected(),
            "--network set after Docker was connected to"
        );
        self.network_mode.set(mode);
    }

    /// `--network`, when given.
    pub fn network_mode(&self) -> Option<NetworkMode> {
        self.network_mode.get()
    }

    /// The Docker sandbox's settings, `--network` over the config's `[network] mode` and
    /// `--runtime` over `docker.runtime`.
    fn docker_config(&self) -> Result<skipper_backend_docker::DockerConfig, CliError> {
        let mut config = self.config.docker(&self.paths)?;
        if let Some(mode) = self.network_mode.get() {
            config.network.mode = Some(mode);
        }
        if let Some(runtime) = self.runtime.get() {
            config.runtime = Some(runtime.clone());
        }
        Ok(config)
    }

    /// Whether Docker may be there (see [`docker_may_be_available`]), or the config names
    /// an engine (`docker.host`, `docker.context`).
    fn docker_may_be_there(&self) -> bool {
        docker_may_be_available()
            || self
                .config
                .docker
                .host
                .as_deref()
                .is_some_and(|host| !host.is_empty())
            || self
                .config
                .docker
                .context
                .as_deref()
                .is_some_and(|context| !context.is_empty())
    }

    /// How new workspaces get their host ports: the range of the config (or
    /// `SKIPPER_PORT_RANGE`), one port each, this machine's loopback asked which are held.
    pub fn port_plan(&self) -> Result<PortPlan<'static>, CliError> {
        Ok(PortPlan {
            range: self.config.ports.range(&self.paths)?,
            count: PortCount::default(),
            host: &LoopbackPorts,
        })
    }

    pub fn checkouts(&self) -> &GitCheckouts {
        &self.checkouts
    }

    pub fn saves(&self) -> &DiskSaves {
        &self.saves
    }

    /// The user's approvals of repositories' hook commands.
    pub fn approvals(&self) -> &DiskApprovals {
        &self.approvals
    }

    /// Every area `doctor` and `gc` look at: the data root, the worktrees, and Docker
    /// when it may be there (its being unreachable is the inspection's failure).
    pub fn housekeepers(&self) -> Vec<&dyn skipper_core::Housekeeping> {
        let mut keepers: Vec<&dyn skipper_core::Housekeeping> = vec![&self.data_root];
        if self.choice.explicit != Some(SandboxKind::Docker) {
            keepers.push(&self.worktree);
        }
        let docker_wanted = self.choice.explicit != Some(SandboxKind::Worktree)
            && (self.preferred == SandboxKind::Docker || self.docker_may_be_there());
        if docker_wanted {
            match self.docker() {
                Ok(docker) => keepers.push(docker),
                Err(err) => self
                    .printer
                    .warning(&format!("Docker is not looked at: {}", err.message)),
            }
        }
        keepers
    }

    /// The save with this id.
    pub fn saves_get(
        &self,
        id: &skipper_core::SaveId,
    ) -> Result<skipper_core::SavedWork, CliError> {
        use skipper_core::SaveStore as _;
        self.saves
            .get(id)
            .map_err(|err| CliError::from(usecases::WorkspaceError::from(err)))
    }

    /// Makes `runtime` the runtime of the Docker workspaces this command makes (`create
    /// --runtime`), over `docker.runtime`. Called before anything connects to Docker.
    pub fn choose_runtime(&self, runtime: String) {
        debug_assert!(
            !self.docker.is_connected(),
            "Docker was connected to already"
        );
        let _ = self.runtime.set(runtime);
    }

    /// The runtime [`Self::choose_runtime`] chose, if any.
    pub fn chosen_runtime(&self) -> Option<&str> {
        self.runtime.get().map(String::as_str)
    }

    fn docker(&self) -> Result<&DockerBackend, CliError> {
        // The configuration is checked first, so its errors keep their own words.
        let config = self.docker_config()?;
        self.connect_docker(config).map_err(CliError::from)
    }

    /// The Docker backend, connected once with `config`; a failure to connect is
    /// [`SandboxError::Unavailable`].
    fn connect_docker(
        &self,
        config: skipper_backend_docker::DockerConfig,
    ) -> Result<&DockerBackend, SandboxError> {
        self.docker.connect(config)
    }

    /// Takes the lock of `target`'s workspace of `checkout`, as the use cases take it.
    ///
    /// # Errors
    /// The lock's failure (held too long by another `sk`, say).
    pub fn lock_workspace(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Box<dyn skipper_core::LockGuard>, CliError> {
        let reference = skipper_core::WorkspaceRef {
            repository: checkout.repository.clone(),
            target: target.clone(),
        };
        skipper_core::Locks::workspace(&self.locks, &reference)
            .map_err(|err| CliError::from(usecases::WorkspaceError::from(err)))
    }

    /// The ports of `kind`, wired.
    pub fn backend(&self, kind: SandboxKind) -> Result<Backend<'_>, CliError> {
        match kind {
            SandboxKind::Worktree => Ok(Backend {
                checkouts: &self.checkouts,
                sandbox: &self.worktree,
                registry: &self.worktree,
                saves: &self.saves,
                locks: &self.locks,
            }),
            SandboxKind::Docker => {
                let docker = self.docker()?;
                Ok(Backend {
                    checkouts: &self.checkouts,
                    sandbox: docker,
                    registry: docker,
                    saves: &self.saves,
                    locks: &self.locks,
                })
            }
        }
    }

    /// The registries to list workspaces from: the explicit backend's, else every
    /// available one (Docker only when it may be there; a daemon that does not answer is
    /// a warning, not an error: the listing's [`usecases::Listing::unreachable`]). Docker
    /// is connected to as it is first asked, on the listing's own thread.
    pub fn registries(&self) -> Result<Vec<&dyn WorkspaceRegistry>, CliError> {
        if let Some(kind) = self.choice.explicit {
            return Ok(vec![self.backend(kind)?.registry]);
        }
        let mut registries: Vec<&dyn WorkspaceRegistry> = vec![&self.worktree];
        if self.preferred == SandboxKind::Docker || self.docker_may_be_there() {
            match self.docker_config() {
                Ok(config) => {
                    self.docker.expect(config);
                    registries.push(&self.docker);
                }
                Err(err) => self.printer.warning(&format!(
                    "{} workspaces are not listed: {}",
                    title(SandboxKind::Docker),
                    err.message
                )),
            }
        }
        Ok(registries)
    }

    /// The registries of the sandboxes other than `kind`, for the rule that a branch has
    /// one workspace: Docker's only when it may be there (see [`docker_may_be_available`]);
    /// when it cannot be connected to, a warning says it was not asked.
    pub fn other_registries(&self, kind: SandboxKind) -> Vec<&dyn WorkspaceRegistry> {
        match kind {
            SandboxKind::Docker => vec![&self.worktree],
            SandboxKind::Worktree => {
                if self.preferred != SandboxKind::Docker && !self.docker_may_be_there() {
                    return Vec::new();
                }
                match self.docker() {
                    Ok(docker) => vec![docker],
                    Err(err) => {
                        self.warn_unasked(&format!(
                            "Docker was not asked whether it holds this branch's workspace: {}",
                            err.message
                        ));
                        Vec::new()
                    }
                }
            }
        }
    }

    /// Every backend that may hold workspaces of a repository: the worktree sandbox's, and
    /// Docker's when it may be there (`--sandbox docker`, the configured sandbox, or a
    /// daemon that may answer). A Docker that may be there and cannot be reached is the
    /// error: its workspaces are never taken for none.
    pub fn every_backend(&self) -> Result<(Backend<'_>, Vec<Backend<'_>>), CliError> {
        let worktree = self.backend(SandboxKind::Worktree)?;
        let docker_wanted = self.choice.explicit == Some(SandboxKind::Docker)
            || self.preferred == SandboxKind::Docker
            || self.docker_may_be_there();
        let others = if docker_wanted {
            vec![self.backend(SandboxKind::Docker)?]
        } else {
            Vec::new()
        };
        Ok((worktree, others))
    }

    /// The backend holding `target` of `checkout`: `--sandbox`'s; else the one where it
    /// exists (see [`usecases::sandbox_for`]), the worktree sandbox asked first. Docker is
    /// asked only when it may be there (see [`docker_may_be_available`]) and its answer
    /// matters: the workspace is not in the worktree sandbox, or Docker is the configured
    /// sandbox. When it cannot answer, that is the error: the workspace may be there.
    pub fn backend_for(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Backend<'_>, CliError> {
        if let Some(kind) = self.choice.explicit {
            return self.backend(kind);
        }
        let kind = self
            .sandbox_holding(checkout, target)
            .map_err(|err| CliError::from(*err))?;
        self.backend(kind)
    }

    /// The backend for making `target` of `checkout`: `--sandbox`'s; else the one holding
    /// its workspace (so that a branch keeps one workspace), else the one for new ones. A
    /// Docker that does not answer is warned of, and the workspace goes where new ones go.
    pub fn backend_for_new(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Backend<'_>, CliError> {
        if let Some(kind) = self.choice.explicit {
            return self.backend(kind);
        }
        match self.sandbox_holding(checkout, target).map_err(|err| *err) {
            Ok(kind) => self.backend(kind),
            Err(usecases::WorkspaceError::SandboxNotAsked { sandbox, cause, .. }) => {
                self.warn_unasked(&format!(
                    "the {sandbox} sandbox was not asked whether it holds this branch's workspace: {}",
                    crate::error::with_causes(&*cause)
                ));
                self.backend(self.preferred)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// The worktree backend for making `target` of `checkout` before Docker has answered
    /// whether it holds the workspace, with the registries of the other sandboxes (Docker's
    /// connecting on first use): when neither `--sandbox`, `--runtime` nor `--network` was
    /// given, new workspaces go to the worktree sandbox, it lacks this one, and Docker may
    /// hold it. The create then asks Docker ([`Context::docker_holding`]) while it fetches.
    /// `None` when the sandbox must be chosen first ([`Context::backend_for_new`]).
    ///
    /// # Errors
    /// The worktree sandbox's failure to look.
    pub fn worktree_while_docker_is_asked(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<EarlyWorktree<'_>>, CliError> {
        let asks = self.choice.explicit.is_none()
            && self.preferred == SandboxKind::Worktree
            && self.chosen_runtime().is_none()
            && self.network_mode().is_none()
            && self.docker_asked_for_holder();
        if !asks || self.worktree.locate(checkout, target)?.is_some() {
            return Ok(None);
        }
        let mut others: Vec<&dyn WorkspaceRegistry> = Vec::new();
        // A configuration that does not load leaves Docker out; its question says why.
        if let Ok(config) = self.docker_config() {
            self.docker.expect(config);
            others.push(&self.docker);
        }
        Ok(Some(EarlyWorktree {
            backend: self.backend(SandboxKind::Worktree)?,
            others,
        }))
    }

    /// Whether Docker holds `target`'s workspace of `checkout`, asked as
    /// [`Context::backend_for_new`] asks it: `Some(Docker)` when it does; `None` when it
    /// does not, or it could not be asked, which is warned of.
    ///
    /// # Errors
    /// Docker's other failures to look.
    pub fn docker_holding(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<SandboxKind>, Box<usecases::WorkspaceError>> {
        let open_docker = || -> Result<&dyn WorkspaceRegistry, BoxError> {
            Ok(self.connect_docker(self.docker_config_asking(checkout, target)?)?)
        };
        let candidates = [Candidate {
            kind: SandboxKind::Docker,
            open: &open_docker,
        }];
        match usecases::sandbox_for(&candidates, checkout, target, self.choice) {
            Ok(SandboxKind::Docker) => Ok(Some(SandboxKind::Docker)),
            Ok(SandboxKind::Worktree) => Ok(None),
            Err(usecases::WorkspaceError::SandboxNotAsked { sandbox, cause, .. }) => {
                self.warn_unasked(&format!(
                    "the {sandbox} sandbox was not asked whether it holds this branch's workspace: {}",
                    crate::error::with_causes(&*cause)
                ));
                Ok(None)
            }
            Err(err) => Err(Box::new(err)),
        }
    }

    /// Warns that Docker could not be asked whether it holds a branch's workspace, unless
    /// this command said so already.
    fn warn_unasked(&self, warning: &str) {
        if !self.unasked_said.replace(true) {
            self.printer.warning(warning);
        }
    }

    /// The sandbox holding `target` of `checkout`, as [`Context::backend_for`] finds it.
    fn sandbox_holding(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<SandboxKind, Box<usecases::WorkspaceError>> {
        let open_worktree = || Ok(&self.worktree as &dyn WorkspaceRegistry);
        let open_docker = || -> Result<&dyn WorkspaceRegistry, BoxError> {
            Ok(self.connect_docker(self.docker_config_asking(checkout, target)?)?)
        };
        let mut candidates = vec![Candidate {
            kind: SandboxKind::Worktree,
            open: &open_worktree,
        }];
        if self.docker_asked_for_holder() {
            candidates.push(Candidate {
                kind: SandboxKind::Docker,
                open: &open_docker,
            });
        }
        usecases::sandbox_for(&candidates, checkout, target, self.choice).map_err(Box::new)
    }

    /// Whether choosing the sandbox of a workspace (without `--sandbox`) asks Docker.
    fn docker_asked_for_holder(&self) -> bool {
        self.preferred == SandboxKind::Docker || self.docker_may_be_there()
    }

    /// The Docker configuration whose connection asks, alongside its ping, for `target`'s
    /// workspace of `checkout`: the first question of choosing its sandbox.
    fn docker_config_asking(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<skipper_backend_docker::DockerConfig, CliError> {
        let mut config = self.docker_config()?;
        config.anticipate = Some(skipper_core::WorkspaceRef {
            repository: checkout.repository.clone(),
            target: target.clone(),
        });
        Ok(config)
    }

    /// Starts connecting to Docker on a thread of its own when choosing `target`'s sandbox
    /// will ask it, so that its answer comes while the worktree sandbox looks. Called with
    /// the workspace's lock held: the answer is the one the choice would get asking itself.
    /// A configuration that does not load is left for the choice to report.
    pub fn ask_docker_ahead(&self, checkout: &Checkout, target: &WorkspaceTarget) {
        if self.choice.explicit.is_some() || !self.docker_asked_for_holder() {
            return;
        }
        if let Ok(config) = self.docker_config_asking(checkout, target) {
            self.docker.connect_ahead(config);
        }
    }

    /// Warns of each sandbox whose workspaces `listing` lacks because it did not answer.
    pub fn warn_unlisted(&self, listing: &usecases::Listing) {
        for (sandbox, err) in &listing.unreachable {
            self.printer.warning(&format!(
                "{} workspaces are not listed: {}",
                title(*sandbox),
                crate::error::with_causes(err)
            ));
        }
    }
}

/// The worktree backend a create starts in before Docker has said whether it holds the
/// workspace ([`Context::worktree_while_docker_is_asked`]).
#[derive(Clone)]
pub struct EarlyWorktree<'a> {
    /// The worktree sandbox's ports.
    pub backend: Backend<'a>,
    /// The other sandboxes' registries, Docker's connecting on first use.
    pub others: Vec<&'a dyn WorkspaceRegistry>,
}

/// The sandbox's name at a sentence's start.
fn title(sandbox: SandboxKind) -> &'static str {
    match sandbox {
        SandboxKind::Worktree => "Worktree",
        SandboxKind::Docker => "Docker",
    }
}
