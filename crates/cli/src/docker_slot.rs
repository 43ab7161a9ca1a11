//! The Docker backend of one command: connected once, on first use, and usable as a
//! registry before it is connected, so that a listing connects on its own thread while the
//! other sandboxes read their workspaces (the connection's ping is no longer waited for
//! before `list` starts), and able to connect on a thread of its own ahead of its first use
//! (a create asks Docker about the branch while the worktree sandbox looks for it).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;

use skipper_backend_docker::{DockerBackend, DockerConfig};
use skipper_core::{
    Checkout, Progress, SandboxError, SandboxKind, Workspace, WorkspaceRegistry, WorkspaceTarget,
};

/// The Docker backend, connected at most once per command.
#[derive(Debug)]
pub struct DockerSlot {
    /// The backend, or why it could not be connected, in words (`SandboxError` is not
    /// `Clone`).
    connected: OnceLock<Result<DockerBackend, String>>,
    /// The configuration a use as a registry connects with ([`Self::expect`]).
    expected: Mutex<Option<DockerConfig>>,
    /// The connection made ahead ([`Self::connect_ahead`]), until its first use takes it.
    ahead: Mutex<Option<JoinHandle<Result<DockerBackend, String>>>>,
    progress: Arc<dyn Progress>,
}

impl DockerSlot {
    pub fn new(progress: Arc<dyn Progress>) -> Self {
        Self {
            connected: OnceLock::new(),
            expected: Mutex::new(None),
            ahead: Mutex::new(None),
            progress,
        }
    }

    /// Whether a connection was made or tried, or is under way ([`Self::connect_ahead`]).
    pub fn is_connected(&self) -> bool {
        self.connected.get().is_some()
            || self
                .ahead
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_some()
    }

    /// The backend, connected with `config` unless it was already (or is being connected
    /// ahead, whose connection it waits for); a failure to connect is
    /// [`SandboxError::Unavailable`].
    pub fn connect(&self, config: DockerConfig) -> Result<&DockerBackend, SandboxError> {
        let connected = self.connected.get_or_init(|| {
            let ahead = self
                .ahead
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            // A connection that panicked on its thread is made again here.
            ahead
                .and_then(|thread| thread.join().ok())
                .unwrap_or_else(|| connect(config, Arc::clone(&self.progress)))
        });
        usable(connected)
    }

    /// Starts connecting with `config` on a thread of its own, for the first use to take
    /// (through [`Self::connect`] or as a registry): what the connection asks alongside its
    /// ping ([`DockerConfig::anticipate`]) is asked while the caller goes on. Nothing when a
    /// connection was made or is under way. Unused, the thread is left to end with the
    /// process.
    pub fn connect_ahead(&self, config: DockerConfig) {
        let mut ahead = self.ahead.lock().unwrap_or_else(PoisonError::into_inner);
        if ahead.is_none() && self.connected.get().is_none() {
            let progress = Arc::clone(&self.progress);
            *ahead = std::thread::Builder::new()
                .name("docker-connect".to_owned())
                .spawn(move || connect(config, progress))
                .ok();
        }
    }

    /// Makes `config` the one this slot connects with when it is first used as a registry.
    pub fn expect(&self, config: DockerConfig) {
        *self.expected.lock().unwrap_or_else(PoisonError::into_inner) = Some(config);
    }

    /// The backend, connected with the expected configuration unless it was already.
    fn backend(&self) -> Result<&DockerBackend, SandboxError> {
        if let Some(connected) = self.connected.get() {
            return usable(connected);
        }
        let config = self
            .expected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            // Only `Context::registries` hands the slot out as a registry, and it sets the
            // configuration first. A thread that comes while another connects finds none
            // left, and `connect` then waits for the other's connection and returns it:
            // this default is never connected with.
            .unwrap_or_default();
        self.connect(config)
    }
}

/// The backend connected with `config`, or why it could not be, in words.
fn connect(config: DockerConfig, progress: Arc<dyn Progress>) -> Result<DockerBackend, String> {
    DockerBackend::connect(config, progress).map_err(|err| crate::error::with_causes(&err))
}

/// The backend `connected` holds, or why it could not be connected as
/// [`SandboxError::Unavailable`].
fn usable(connected: &Result<DockerBackend, String>) -> Result<&DockerBackend, SandboxError> {
    connected
        .as_ref()
        .map_err(|what| SandboxError::Unavailable {
            sandbox: SandboxKind::Docker,
            what: what.clone(),
            source: None,
        })
}

impl WorkspaceRegistry for DockerSlot {
    fn kind(&self) -> SandboxKind {
        SandboxKind::Docker
    }

    fn locate(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError> {
        self.backend()?.locate(checkout, target)
    }

    fn locate_to_run(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError> {
        self.backend()?.locate_to_run(checkout, target)
    }

    fn holds(&self, checkout: &Checkout, target: &WorkspaceTarget) -> Result<bool, SandboxError> {
        self.backend()?.holds(checkout, target)
    }

    fn list(&self, checkouts: &[Checkout]) -> Result<Vec<Workspace>, SandboxError> {
        self.backend()?.list(checkouts)
    }

    fn ports_in_use(&self) -> Result<Vec<u16>, SandboxError> {
        self.backend()?.ports_in_use()
    }
}
