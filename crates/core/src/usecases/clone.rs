use crate::domain::{BranchName, Checkout, RemoteUrl, Workspace, WorkspaceTarget};
use crate::ports::CloneOutcome;

use super::ports::{PortPlan, choose};
use super::{Backend, WorkspaceError};
use crate::domain::WorkspaceRef;
use crate::faults::fault_point;
use crate::ports::WorkspaceRegistry;

/// What `clone` did: the host checkout, and the main workspace of the chosen sandbox.
#[derive(Debug, Clone)]
pub struct Cloned {
    /// Whether the checkout is new or was there already.
    pub outcome: CloneOutcome,
    /// The main workspace.
    pub main: Workspace,
    /// Whether this clone made the main workspace (a container the Docker sandbox lacked,
    /// or one whose creation had been cut short); `false` when it was there already.
    pub main_made: bool,
    /// Why fetching `origin` into an existing checkout failed, if it did.
    pub fetch_warning: Option<String>,
}

/// Clones `remote` into its host checkout (once) and prepares the main workspace. An
/// existing checkout is fetched first, so a main workspace made now starts from the remote's
/// current default branch. Says whether the main workspace had to be made; one made now
/// is given ports chosen by `ports` (none no workspace of `backend` or `others` holds), an
/// existing one keeps its own.
///
/// A sandbox whose main workspace is a copy of the git directory makes it while the new
/// clone's working tree is written ([`HostCheckouts::clone_remote_beside`]).
///
/// # Errors
/// [`WorkspaceError`] from the checkout or the sandbox.
///
/// [`HostCheckouts::clone_remote_beside`]: crate::ports::HostCheckouts::clone_remote_beside
pub fn clone(
    backend: Backend<'_>,
    others: &[&dyn WorkspaceRegistry],
    remote: &RemoteUrl,
    ports: PortPlan<'_>,
) -> Result<Cloned, WorkspaceError> {
    let _lock = backend.locks.repository(remote.repository())?;
    let mut made_beside = None;
    let outcome = if backend.sandbox.main_is_the_host_checkout() {
        let outcome = backend.checkouts.clone_remote(remote)?;
        fault_point("clone.after-checkout");
        outcome
    } else {
        backend
            .checkouts
            .clone_remote_beside(remote, &mut |staged: &Checkout| {
                fault_point("clone.after-checkout");
                made_beside = Some(
                    backend
                        .checkouts
                        .default_branch(staged)
                        .map_err(WorkspaceError::from)
                        .and_then(|default| prepare_main(backend, others, staged, &default, ports)),
                );
            })?
    };
    let checkout = match &outcome {
        CloneOutcome::Cloned(checkout) | CloneOutcome::AlreadyCloned(checkout) => checkout,
    };
    let ((main, main_made), fetch_warning) = match (&outcome, made_beside) {
        (_, Some(made)) => (made?, None),
        (CloneOutcome::Cloned(_), None) => {
            let default = backend.checkouts.default_branch(checkout)?;
            (
                prepare_main(backend, others, checkout, &default, ports)?,
                None,
            )
        }
        (CloneOutcome::AlreadyCloned(_), None) => {
            let refreshed = backend.checkouts.refresh(checkout)?;
            (
                prepare_main(backend, others, checkout, &refreshed.default_branch, ports)?,
                refreshed.fetch_warning,
            )
        }
    };
    Ok(Cloned {
        outcome,
        main,
        main_made,
        fetch_warning,
    })
}

/// Makes sure the main workspace of `checkout` exists on `default_branch`; says whether it
/// had to be made (then with ports chosen by `ports`).
fn prepare_main(
    backend: Backend<'_>,
    others: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    default_branch: &BranchName,
    ports: PortPlan<'_>,
) -> Result<(Workspace, bool), WorkspaceError> {
    let main_made = backend
        .registry
        .locate(checkout, &WorkspaceTarget::Main)?
        .is_none_or(|main| main.half_made);
    let ports = if main_made {
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: WorkspaceTarget::Main,
        };
        let mut registries = vec![backend.registry];
        registries.extend_from_slice(others);
        choose(ports, &registries, &reference)?
    } else {
        Vec::new()
    };
    let main = backend
        .sandbox
        .prepare_main(checkout, default_branch, &ports)?;
    Ok((main, main_made))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SandboxKind;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, checkout, port_plan};

    fn remote() -> RemoteUrl {
        RemoteUrl::parse("https://github.com/acme/api.git").unwrap()
    }

    #[test]
    fn a_new_clone_prepares_main_on_the_default_branch() {
        let checkouts = FakeCheckouts::new("trunk");
        let sandbox = FakeSandbox::new(SandboxKind::Docker);

        let cloned = clone(backend(&checkouts, &sandbox), &[], &remote(), port_plan()).unwrap();

        assert_eq!(
            cloned.outcome,
            CloneOutcome::Cloned(checkout("acme", "api"))
        );
        assert_eq!(cloned.main.reference.target, WorkspaceTarget::Main);
        assert_eq!(cloned.main.sandbox, SandboxKind::Docker);
        assert_eq!(cloned.fetch_warning, None);
        assert!(cloned.main_made);
        assert_eq!(
            checkouts.calls(),
            [
                "clone https://github.com/acme/api.git",
                "default_branch acme/api"
            ]
        );
        assert_eq!(
            sandbox.calls(),
            ["locate main", "prepare_main main default=trunk"]
        );
        assert!(sandbox.contains(&checkout("acme", "api"), &WorkspaceTarget::Main));
    }

    #[test]
    fn an_existing_clone_is_refreshed_and_its_fetch_warning_returned() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main")
            .with_checkout(api.clone())
            .with_fetch_warning("could not resolve host github.com");
        let sandbox =
            FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &WorkspaceTarget::Main);

        let cloned = clone(backend(&checkouts, &sandbox), &[], &remote(), port_plan()).unwrap();

        assert_eq!(cloned.outcome, CloneOutcome::AlreadyCloned(api.clone()));
        assert!(!cloned.main_made, "the main workspace was there already");
        assert_eq!(
            cloned.fetch_warning.as_deref(),
            Some("could not resolve host github.com")
        );
        assert_eq!(
            cloned.main.location,
            crate::WorkspaceLocation::Host(api.path)
        );
        assert_eq!(
            checkouts.calls(),
            ["clone https://github.com/acme/api.git", "refresh acme/api"]
        );
        assert_eq!(
            sandbox.calls(),
            ["locate main", "prepare_main main default=main"]
        );
    }

    #[test]
    fn a_clone_of_a_cloned_repository_says_it_made_the_missing_main_workspace() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_checkout(api.clone());
        let sandbox = FakeSandbox::new(SandboxKind::Docker);

        let cloned = clone(backend(&checkouts, &sandbox), &[], &remote(), port_plan()).unwrap();

        assert_eq!(cloned.outcome, CloneOutcome::AlreadyCloned(api.clone()));
        assert!(cloned.main_made);
        assert!(sandbox.contains(&api, &WorkspaceTarget::Main));
    }
}
