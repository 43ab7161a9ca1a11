//! The Docker backend of one command: connected once, on first use, and usable as a
//! registry before it is connected, so that a listing connects on its own thread while the
//! other sandboxes read their workspaces (the connection's ping is no longer waited for
//! before `list` starts).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

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
    progress: Arc<dyn Progress>,
}

impl DockerSlot {
    pub fn new(progress: Arc<dyn Progress>) -> Self {
        Self {
            connected: OnceLock::new(),
            expected: Mutex::new(None),
            progress,
        }
    }

    /// Whether a connection was made or tried.
    pub fn is_connected(&self) -> bool {
        self.connected.get().is_some()
    }

    /// The backend, connected with `config` unless it was already; a failure to connect is
    /// [`SandboxError::Unavailable`].
    pub fn connect(&self, config: DockerConfig) -> Result<&DockerBackend, SandboxError> {
        let connected = self.connected.get_or_init(|| {
            DockerBackend::connect(config, Arc::clone(&self.progress))
                .map_err(|err| crate::error::with_causes(&err))
        });
        usable(connected)
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
