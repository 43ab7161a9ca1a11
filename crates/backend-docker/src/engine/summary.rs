//! What a listed container is: its name, its workspace, and the identity its labels give.

use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, ContainerSummary, ContainerSummaryStateEnum,
};
use skipper_core::{
    Checkout, ContainerState, SandboxKind, Workspace, WorkspaceLocation, WorkspaceRef,
    WorkspaceTarget,
};

use crate::labels;
use crate::spec;

/// A container's name as listed (without the leading `/`).
#[must_use]
pub fn summary_name(summary: &ContainerSummary) -> String {
    summary
        .names
        .as_ref()
        .and_then(|names| names.first())
        .map(|name| name.trim_start_matches('/').to_owned())
        .or_else(|| summary.id.clone())
        .unwrap_or_default()
}

/// The workspace a listed container is.
#[must_use]
pub fn workspace_from_summary(reference: WorkspaceRef, summary: &ContainerSummary) -> Workspace {
    let path = spec::repository_path(&reference.repository);
    Workspace {
        reference,
        sandbox: SandboxKind::Docker,
        location: WorkspaceLocation::Container {
            name: summary_name(summary),
            path,
            state: container_state(summary.state),
        },
        risk: None,
        ports: summary
            .labels
            .as_ref()
            .map(labels::ports_from_labels)
            .unwrap_or_default(),
        half_made: false,
        broken: None,
        agent: None,
        runtime: summary
            .labels
            .as_ref()
            .and_then(labels::runtime_from_labels),
        network: summary
            .labels
            .as_ref()
            .and_then(labels::network_from_labels),
    }
}

/// The workspace an inspected container `name` is.
#[must_use]
pub fn workspace_from_inspect(
    reference: WorkspaceRef,
    name: &str,
    info: &ContainerInspectResponse,
) -> Workspace {
    let path = spec::repository_path(&reference.repository);
    let state = match info.state.as_ref().and_then(|state| state.status) {
        Some(ContainerStateStatusEnum::CREATED) => ContainerState::Created,
        Some(ContainerStateStatusEnum::RUNNING) => ContainerState::Running,
        Some(ContainerStateStatusEnum::PAUSED) => ContainerState::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => ContainerState::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => ContainerState::Removing,
        Some(ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::STOPPING) => {
            ContainerState::Exited
        }
        Some(ContainerStateStatusEnum::DEAD) => ContainerState::Dead,
        Some(ContainerStateStatusEnum::EMPTY) | None => ContainerState::Unknown,
    };
    Workspace {
        reference,
        sandbox: SandboxKind::Docker,
        location: WorkspaceLocation::Container {
            name: name.to_owned(),
            path,
            state,
        },
        risk: None,
        ports: info
            .config
            .as_ref()
            .and_then(|config| config.labels.as_ref())
            .map(labels::ports_from_labels)
            .unwrap_or_default(),
        half_made: false,
        broken: None,
        agent: None,
        runtime: info
            .config
            .as_ref()
            .and_then(|config| config.labels.as_ref())
            .and_then(labels::runtime_from_labels),
        network: info
            .config
            .as_ref()
            .and_then(|config| config.labels.as_ref())
            .and_then(labels::network_from_labels),
    }
}

/// The daemon's state of a container, as the domain knows it.
fn container_state(state: Option<ContainerSummaryStateEnum>) -> ContainerState {
    match state {
        Some(ContainerSummaryStateEnum::CREATED) => ContainerState::Created,
        Some(ContainerSummaryStateEnum::RUNNING) => ContainerState::Running,
        Some(ContainerSummaryStateEnum::PAUSED) => ContainerState::Paused,
        Some(ContainerSummaryStateEnum::RESTARTING) => ContainerState::Restarting,
        Some(ContainerSummaryStateEnum::REMOVING) => ContainerState::Removing,
        Some(ContainerSummaryStateEnum::EXITED | ContainerSummaryStateEnum::STOPPING) => {
            ContainerState::Exited
        }
        Some(ContainerSummaryStateEnum::DEAD) => ContainerState::Dead,
        Some(ContainerSummaryStateEnum::EMPTY) | None => ContainerState::Unknown,
    }
}

/// The identity a listed container's labels give, if it belongs to one of `checkouts`.
#[must_use]
pub fn reference_of(summary: &ContainerSummary, checkouts: &[Checkout]) -> Option<WorkspaceRef> {
    let container_labels = summary.labels.as_ref()?;
    let key = container_labels.get(labels::REPOSITORY)?;
    let checkout = checkouts.iter().find(|c| &c.repository.key() == key)?;
    let target: WorkspaceTarget = labels::target_from_labels(container_labels)?;
    Some(WorkspaceRef {
        repository: checkout.repository.clone(),
        target,
    })
}
