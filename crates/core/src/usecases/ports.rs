use std::collections::BTreeSet;

use crate::domain::{PortCount, PortRange, WorkspaceRef, choose_ports};
use crate::ports::{ErrorKind, HostPorts, WorkspaceRegistry};

use super::WorkspaceError;

/// How the workspaces a use case makes get their host ports: how many (the repository's
/// `[ports] count`), from which range (the user's `[ports] range`), and the host to ask
/// which ports something listens on already.
#[derive(Debug, Clone, Copy)]
pub struct PortPlan<'a> {
    /// The range ports are given from.
    pub range: PortRange,
    /// How many each workspace gets.
    pub count: PortCount,
    /// Which ports are held on the host now.
    pub host: &'a dyn HostPorts,
}

/// Chooses the ports of `reference`'s new workspace: the slot its identity hashes to (see
/// [`choose_ports`]), or the next one holding no port that a workspace of `registries` was
/// given or that something on the host listens on. A registry whose engine cannot be
/// reached is passed over (its workspaces' ports are then not known to be taken; a
/// container of it that later starts on a port taken meanwhile fails, naming the port).
///
/// # Errors
/// [`WorkspaceError::NoFreePorts`], or a registry's other failure to look.
pub(super) fn choose(
    plan: PortPlan<'_>,
    registries: &[&dyn WorkspaceRegistry],
    reference: &WorkspaceRef,
) -> Result<Vec<u16>, WorkspaceError> {
    choose_among(plan, &given(registries)?, reference)
}

/// The ports the workspaces of `registries` were given (each kind of sandbox asked once);
/// a registry whose engine cannot be reached is passed over.
///
/// # Errors
/// A registry's failure to look, other than being unreachable.
pub(super) fn given(
    registries: &[&dyn WorkspaceRegistry],
) -> Result<BTreeSet<u16>, WorkspaceError> {
    let mut given = BTreeSet::new();
    let mut asked = Vec::new();
    for registry in registries {
        if asked.contains(&registry.kind()) {
            continue;
        }
        asked.push(registry.kind());
        match registry.ports_in_use() {
            Ok(ports) => given.extend(ports),
            Err(err) if err.kind() == ErrorKind::Unavailable => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(given)
}

/// [`choose`] with the ports the workspaces were given already known.
///
/// # Errors
/// [`WorkspaceError::NoFreePorts`].
pub(super) fn choose_among(
    plan: PortPlan<'_>,
    given: &BTreeSet<u16>,
    reference: &WorkspaceRef,
) -> Result<Vec<u16>, WorkspaceError> {
    choose_ports(&reference.identity_key(), plan.range, plan.count, |port| {
        given.contains(&port) || plan.host.in_use(port)
    })
    .ok_or_else(|| WorkspaceError::NoFreePorts {
        reference: reference.clone(),
        range: plan.range,
        count: plan.count.get(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{SandboxKind, WorkspaceTarget};
    use crate::fakes::{FakeHostPorts, FakeSandbox, branch, checkout};

    fn reference(name: &str) -> WorkspaceRef {
        WorkspaceRef {
            repository: checkout("acme", "api").repository,
            target: WorkspaceTarget::Branch(branch(name)),
        }
    }

    fn plan(host: &FakeHostPorts, count: u64) -> PortPlan<'_> {
        PortPlan {
            range: PortRange::new(30000, 30099).unwrap(),
            count: PortCount::new(count).unwrap(),
            host,
        }
    }

    #[test]
    fn ports_given_to_a_workspace_of_any_sandbox_or_held_on_the_host_are_passed_over() {
        let host = FakeHostPorts::default();
        let worktree = FakeSandbox::new(SandboxKind::Worktree);
        let docker = FakeSandbox::new(SandboxKind::Docker);
        let free = choose(plan(&host, 2), &[&worktree, &docker], &reference("feat/x")).unwrap();
        assert_eq!(free.len(), 2);

        let api = checkout("acme", "api");
        let holder = WorkspaceTarget::Branch(branch("other"));
        let docker = docker.with_ports(&api, &holder, &[free[1]]);
        let moved = choose(plan(&host, 2), &[&worktree, &docker], &reference("feat/x")).unwrap();
        assert_ne!(moved, free);
        assert!(!moved.contains(&free[1]));

        let host = FakeHostPorts::listening(&[moved[0]]);
        let docker = FakeSandbox::new(SandboxKind::Docker).with_ports(&api, &holder, &[free[1]]);
        let again = choose(plan(&host, 2), &[&worktree, &docker], &reference("feat/x")).unwrap();
        assert!(
            !again.contains(&free[1]) && !again.contains(&moved[0]),
            "{again:?}"
        );
    }

    #[test]
    fn a_range_with_no_free_slot_says_so() {
        let host = FakeHostPorts::listening(&(30000..30100).step_by(3).collect::<Vec<_>>());
        let err = choose(plan(&host, 3), &[], &reference("feat/x")).unwrap_err();
        assert!(
            matches!(err, WorkspaceError::NoFreePorts { count: 3, .. }),
            "{err:?}"
        );
    }
}
