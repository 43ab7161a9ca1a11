use crate::domain::{
    BranchName, Checkout, PortCount, SandboxKind, Workspace, WorkspaceRef, WorkspaceTarget,
};
use crate::faults::fault_point;
use std::collections::BTreeSet;

use crate::ports::{
    BranchPresence, BranchStart, CheckoutError, CreateRequest, ErrorKind, Refreshed,
    WorkspaceRegistry,
};

use super::ports::{PortPlan, choose_among, given};
use super::{Backend, WorkspaceError, joined};

/// What `create` did.
#[derive(Debug, Clone)]
pub enum CreateOutcome {
    /// A new workspace, with a warning when fetching failed and old remote refs were used.
    Created {
        /// The workspace.
        workspace: Workspace,
        /// How its branch came to be.
        start: BranchStart,
        /// Why fetching `origin` failed, if it did.
        fetch_warning: Option<String>,
        /// The host checkout's ref the branch started at
        /// ([`CreateRequest::start_point`]), where the workspace's own files are read.
        start_point: String,
    },
    /// The workspace was already there; nothing changed.
    AlreadyExists(Workspace),
}

/// What [`create_under_lock_asking`] did.
#[derive(Debug, Clone)]
pub enum AskedOutcome {
    /// The sandbox asked said it does not hold the workspace (or could not be asked), and
    /// the create went on.
    Made(Box<CreateOutcome>),
    /// The sandbox asked holds the workspace: nothing was made (the host checkout was
    /// refreshed, as a create of the workspace there may do).
    HeldBy(SandboxKind),
}

/// Whether another sandbox holds the workspace being made: the sandbox that does, `None`
/// when none does (or it could not be asked, which the asker tells the user of).
pub type HolderQuestion<'a> =
    &'a mut dyn FnMut() -> Result<Option<SandboxKind>, Box<WorkspaceError>>;

/// Creates the workspace of `branch`: fetches `origin`, resolves the default branch, then
/// uses the local branch, tracks the remote one, or starts a new one from
/// `origin/<default>`. The host checkout's working tree, index, `HEAD` and stash are left
/// as they were. Idempotent.
///
/// One branch has one workspace: when `backend`'s sandbox lacks it and one of `others`
/// (the other sandboxes' registries) holds it, nothing is made. A sandbox of `others` whose
/// engine cannot be reached is not asked.
///
/// The new workspace is given `ports.count` host ports (see [`PortPlan`]): the same for a
/// (repository, branch) in both sandboxes and every run, unless another workspace (of any
/// sandbox in `backend` and `others`) or a program on the host holds one of them, which
/// moves it to the next free slot. The sandbox remembers them, so they never change for
/// that workspace.
///
/// The workspace's lock is held throughout, so parallel creates of one branch make it
/// once (the others find it), and a `remove` of it waits; the repository's lock is held
/// while the host checkout is refreshed and the sandbox makes the workspace.
///
/// # Errors
/// [`WorkspaceError::InAnotherSandbox`] when another sandbox holds the branch's workspace;
/// [`WorkspaceError::NoFreePorts`]; [`WorkspaceError`] from the checkout, the sandbox or a
/// lock.
pub fn create(
    backend: Backend<'_>,
    others: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    branch: &BranchName,
    ports: PortPlan<'_>,
) -> Result<CreateOutcome, WorkspaceError> {
    let reference = WorkspaceRef {
        repository: checkout.repository.clone(),
        target: WorkspaceTarget::Branch(branch.clone()),
    };
    let _lock = backend.locks.workspace(&reference)?;
    let existing = backend.registry.locate(checkout, &reference.target)?;
    if existing.is_none() {
        refuse_elsewhere(backend, others, checkout, &reference)?;
    }
    make(backend, others, checkout, branch, existing, ports, &[])
}

/// Fails when one of `others` holds the workspace of `reference`: a branch's workspace is
/// in one sandbox (the main workspace aside, which is not made here). A registry whose
/// engine cannot be reached is passed over.
///
/// # Errors
/// [`WorkspaceError::InAnotherSandbox`], or a registry's other failure to look.
pub(super) fn refuse_elsewhere(
    backend: Backend<'_>,
    others: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    reference: &WorkspaceRef,
) -> Result<(), WorkspaceError> {
    let asked = backend.registry.kind();
    for other in others.iter().filter(|other| other.kind() != asked) {
        match other.locate(checkout, &reference.target) {
            Ok(Some(existing)) => {
                return Err(WorkspaceError::InAnotherSandbox {
                    reference: reference.clone(),
                    existing: existing.sandbox,
                    location: existing.location.display(),
                    asked,
                });
            }
            Ok(None) => {}
            Err(err) if err.kind() == ErrorKind::Unavailable => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// [`create`] for a caller that holds the workspace's lock ([`crate::ports::Locks::workspace`]
/// of the branch's workspace) and, under it, asked `others` whether they hold the workspace
/// (choosing `backend` as [`super::sandbox_for`] does): they are not asked again, and no
/// other `sk` can have made the workspace since.
///
/// # Errors
/// As [`create`], but for the lock.
pub fn create_under_lock(
    backend: Backend<'_>,
    others: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    branch: &BranchName,
    ports: PortPlan<'_>,
) -> Result<CreateOutcome, WorkspaceError> {
    create_locked(backend, others, checkout, branch, ports, &[])
}

/// [`create_under_lock`] for a caller that has asked every sandbox but one whether it
/// holds the workspace: `holder` asks that one (on the caller's thread) while the host
/// checkout is refreshed, so that a slow engine's answer and the fetch overlap. When it
/// names a sandbox, nothing is made in `backend`'s (a branch has one workspace); an
/// interrupted create's leftovers in `backend`'s sandbox are cleared only once it said no.
///
/// # Errors
/// As [`create_under_lock`], and `holder`'s own.
pub fn create_under_lock_asking(
    backend: Backend<'_>,
    others: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    branch: &BranchName,
    ports: PortPlan<'_>,
    holder: HolderQuestion<'_>,
) -> Result<AskedOutcome, WorkspaceError> {
    let target = WorkspaceTarget::Branch(branch.clone());
    let existing = backend.registry.locate(checkout, &target)?;
    if existing.is_some() {
        // Found here (half made, say): nothing is cleared away before the other sandbox
        // said it lacks the workspace.
        if let Some(kind) = holder().map_err(|err| *err)? {
            return Ok(AskedOutcome::HeldBy(kind));
        }
        return make(backend, others, checkout, branch, existing, ports, &[])
            .map(|outcome| AskedOutcome::Made(Box::new(outcome)));
    }
    make_asking(
        backend,
        others,
        checkout,
        branch,
        None,
        ports,
        &[],
        Some(holder),
    )
}

/// [`create`], with the workspace's lock already held by the caller (and `others` already
/// asked whether they hold it). A new workspace is given `kept` when it is not empty (the
/// ports of the workspace it stands in for), else ports chosen by `ports`.
pub(super) fn create_locked(
    backend: Backend<'_>,
    others: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    branch: &BranchName,
    ports: PortPlan<'_>,
    kept: &[u16],
) -> Result<CreateOutcome, WorkspaceError> {
    let target = WorkspaceTarget::Branch(branch.clone());
    let existing = backend.registry.locate(checkout, &target)?;
    make(backend, others, checkout, branch, existing, ports, kept)
}

/// [`create_locked`], with what `backend`'s registry found in the workspace's place.
fn make(
    backend: Backend<'_>,
    others: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    branch: &BranchName,
    existing: Option<Workspace>,
    ports: PortPlan<'_>,
    kept: &[u16],
) -> Result<CreateOutcome, WorkspaceError> {
    match make_asking(
        backend, others, checkout, branch, existing, ports, kept, None,
    )? {
        AskedOutcome::Made(outcome) => Ok(*outcome),
        // Invariant: only `holder`'s answer names a holder, and there is none here.
        AskedOutcome::HeldBy(kind) => unreachable!("{kind} named as holder unasked"),
    }
}

/// The host checkout refreshed (a fetch, on a thread of its own), with, unless `kept`
/// ports are to be given, the ports the workspaces of `registries` hold, asked on another,
/// and on the caller's thread `holder`'s answer (none when there is no question), then,
/// unless another sandbox holds the branch, `branch`'s workspace begun where the branch is
/// new (see [`crate::ports::Sandbox::begin_new_branch`]).
fn refresh_asking(
    backend: Backend<'_>,
    registries: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    branch: &BranchName,
    kept: &[u16],
    holder: Option<HolderQuestion<'_>>,
) -> Refreshing {
    std::thread::scope(|scope| {
        let taken = kept.is_empty().then(|| scope.spawn(|| given(registries)));
        let refreshing = scope.spawn(|| backend.checkouts.refresh(checkout));
        let held = holder.map_or(Ok(None), |holder| holder().map_err(|err| *err));
        let begun = matches!(held, Ok(None)) && begin(backend, checkout, branch);
        Refreshing {
            held,
            fetched: Fetched {
                refreshed: joined(refreshing),
                taken: taken.map(joined),
                begun,
            },
        }
    })
}

/// Begins `branch`'s workspace in `backend`'s sandbox while the fetch runs, where the branch
/// is new. A failure begins nothing and is not reported here: the `create` that follows
/// takes the same steps and says what failed.
fn begin(backend: Backend<'_>, checkout: &Checkout, branch: &BranchName) -> bool {
    // Before the sandbox makes anything, as before `create` where nothing was begun.
    fault_point("create.before-sandbox");
    backend
        .sandbox
        .begin_new_branch(checkout, branch)
        .unwrap_or(false)
}

/// What [`refresh_asking`] found: whether another sandbox holds the branch, and what
/// [`finish`] goes on from when none does.
struct Refreshing {
    held: Result<Option<SandboxKind>, WorkspaceError>,
    fetched: Fetched,
}

/// The fetch's outcome, the ports taken, and whether the sandbox began the workspace of a
/// new branch while the fetch ran.
struct Fetched {
    refreshed: Result<Refreshed, CheckoutError>,
    taken: Option<Result<BTreeSet<u16>, WorkspaceError>>,
    begun: bool,
}

/// [`make`], asking `holder` (when given) whether another sandbox holds the workspace
/// while the host checkout is refreshed: a fetch on a thread of its own, `holder` on the
/// caller's. Beside both, the registries are asked on a thread of their own which ports
/// their workspaces hold: a daemon's answers come while git works.
#[expect(clippy::too_many_arguments, reason = "make's own, and the question")]
fn make_asking(
    backend: Backend<'_>,
    others: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    branch: &BranchName,
    existing: Option<Workspace>,
    ports: PortPlan<'_>,
    kept: &[u16],
    holder: Option<HolderQuestion<'_>>,
) -> Result<AskedOutcome, WorkspaceError> {
    if let Some(existing) = &existing {
        if let Some(detail) = &existing.broken {
            return Err(WorkspaceError::Broken {
                reference: existing.reference.clone(),
                sandbox: existing.sandbox,
                detail: detail.clone(),
            });
        }
        if !existing.half_made {
            return Ok(AskedOutcome::Made(Box::new(CreateOutcome::AlreadyExists(
                existing.clone(),
            ))));
        }
    }
    let _repository = backend.locks.repository(&checkout.repository)?;
    if let Some(half_made) = existing {
        // An interrupted create left it. What that creation left is not the user's, but
        // commits made in it since are: those are never thrown away unasked.
        let risk = backend.sandbox.at_risk(&half_made)?;
        if !risk.is_empty() {
            return Err(WorkspaceError::HalfMadeHoldsWork {
                reference: half_made.reference,
                sandbox: half_made.sandbox,
                risk: Box::new(risk),
            });
        }
        match backend.sandbox.destroy(&half_made, true) {
            Ok(()) => {}
            // Gone meanwhile: nothing to clear away.
            Err(err) if err.kind() == ErrorKind::NotFound => {}
            Err(err) => return Err(err.into()),
        }
    }
    let mut registries = vec![backend.registry];
    registries.extend_from_slice(others);
    let Refreshing { held, fetched } =
        refresh_asking(backend, &registries, checkout, branch, kept, holder);
    if let Some(kind) = held? {
        return Ok(AskedOutcome::HeldBy(kind));
    }
    let made = finish(backend, checkout, branch, fetched, ports, kept);
    // What was begun while the fetch ran and `create` did not take up (it failed before
    // getting there, or the fetch found the branch after all) is cleared away.
    backend.sandbox.abandon_begun();
    made
}

/// [`make_asking`] once the host checkout is refreshed and no other sandbox holds the
/// branch: the workspace made in `backend`'s sandbox, from where the branch is now.
fn finish(
    backend: Backend<'_>,
    checkout: &Checkout,
    branch: &BranchName,
    fetched: Fetched,
    ports: PortPlan<'_>,
    kept: &[u16],
) -> Result<AskedOutcome, WorkspaceError> {
    let Fetched {
        refreshed,
        taken,
        begun,
    } = fetched;
    let target = WorkspaceTarget::Branch(branch.clone());
    let refreshed = refreshed?;
    // A branch the sandbox made for what it began is its own, not the user's.
    let start = if begun && backend.sandbox.begun_still_new() {
        BranchStart::NewFromDefault
    } else {
        match backend.checkouts.branch_presence(checkout, branch)? {
            BranchPresence::Local => BranchStart::Existing,
            BranchPresence::Remote => BranchStart::TrackRemote,
            BranchPresence::Absent => BranchStart::NewFromDefault,
        }
    };
    let mut request = CreateRequest {
        checkout: checkout.clone(),
        branch: branch.clone(),
        start: start.clone(),
        default_branch: refreshed.default_branch,
        ports: Vec::new(),
        network: crate::domain::NetworkSettings::default(),
    };
    let project = super::project_at(backend.checkouts, checkout, &request.start_point());
    request.ports = if let Some(taken) = taken {
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: target.clone(),
        };
        let plan = PortPlan {
            count: project
                .as_ref()
                .and_then(|project| PortCount::new(u64::from(project.ports.count)).ok())
                .unwrap_or(ports.count),
            ..ports
        };
        choose_among(plan, &taken?, &reference)?
    } else {
        kept.to_vec()
    };
    if let Some(project) = project {
        request.network = project.network;
    }
    fault_point("create.before-sandbox");
    let workspace = match backend.sandbox.create(&request) {
        Ok(workspace) => workspace,
        // Its place was taken meanwhile: by a finished workspace of this branch (made by a
        // process that did not wait for the lock), that is the workspace asked for.
        Err(err) if err.kind() == ErrorKind::Conflict => {
            return match backend.registry.locate(checkout, &target)? {
                Some(found) if !found.half_made && found.broken.is_none() => Ok(
                    AskedOutcome::Made(Box::new(CreateOutcome::AlreadyExists(found))),
                ),
                _ => Err(err.into()),
            };
        }
        Err(err) => return Err(err.into()),
    };
    fault_point("create.after-sandbox");
    Ok(AskedOutcome::Made(Box::new(CreateOutcome::Created {
        workspace,
        start,
        fetch_warning: refreshed.fetch_warning,
        start_point: request.start_point(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PortCount, PortRange, SandboxKind};
    use crate::fakes::{
        FakeCheckouts, FakeHostPorts, FakeSandbox, backend, branch, checkout, port_plan,
    };

    fn created(outcome: CreateOutcome) -> (Workspace, BranchStart, Option<String>) {
        match outcome {
            CreateOutcome::Created {
                workspace,
                start,
                fetch_warning,
                ..
            } => (workspace, start, fetch_warning),
            CreateOutcome::AlreadyExists(workspace) => {
                panic!("expected a new workspace, got the existing {workspace:?}")
            }
        }
    }

    #[test]
    fn an_existing_workspace_is_returned_and_nothing_is_created() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &target);

        let outcome = create(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap();

        let CreateOutcome::AlreadyExists(workspace) = outcome else {
            panic!("expected AlreadyExists, got {outcome:?}");
        };
        assert_eq!(workspace.reference.target, target);
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
        assert!(sandbox.created().is_empty());
        assert!(checkouts.calls().is_empty(), "{:?}", checkouts.calls());
    }

    /// `create` of feat/x in `sandbox` with `checkouts`.
    fn create_x(
        checkouts: &FakeCheckouts,
        sandbox: &FakeSandbox,
    ) -> Result<CreateOutcome, WorkspaceError> {
        create(
            backend(checkouts, sandbox),
            &[],
            &checkout("acme", "api"),
            &branch("feat/x"),
            port_plan(),
        )
    }

    #[test]
    fn a_branch_begun_while_fetching_is_new_though_the_checkout_now_holds_it() {
        // The local branch is the one the sandbox made for what it began.
        let checkouts = FakeCheckouts::new("main").with_local_branch("feat/x");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_begun(true);

        let (_, start, _) = created(create_x(&checkouts, &sandbox).unwrap());

        assert_eq!(start, BranchStart::NewFromDefault);
        assert_eq!(sandbox.created()[0].start, BranchStart::NewFromDefault);
        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "begin feat/x",
                "begun_still_new",
                "create feat/x",
                "abandon_begun"
            ]
        );
        assert!(
            !checkouts
                .calls()
                .iter()
                .any(|call| call.starts_with("branch_presence")),
            "{:?}",
            checkouts.calls()
        );
    }

    #[test]
    fn a_branch_begun_while_fetching_that_the_fetch_brought_is_tracked() {
        let checkouts = FakeCheckouts::new("main").with_remote_branch("feat/x");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_begun(false);

        let (_, start, _) = created(create_x(&checkouts, &sandbox).unwrap());

        assert_eq!(start, BranchStart::TrackRemote);
        assert!(
            checkouts
                .calls()
                .contains(&"branch_presence acme/api feat/x".to_owned())
        );
    }

    #[test]
    fn what_was_begun_is_abandoned_when_the_create_fails() {
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_begun(true)
            .with_failure(crate::fakes::SandboxCall::Create, ErrorKind::Unavailable);

        assert!(create_x(&checkouts, &sandbox).is_err());

        assert_eq!(
            sandbox.calls().last().map(String::as_str),
            Some("abandon_begun")
        );
    }

    #[test]
    fn asking_nothing_is_begun_while_the_other_sandbox_may_hold_the_branch() {
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_begun(true);

        let (outcome, _) = asking(&checkouts, &sandbox, || Ok(Some(SandboxKind::Docker)));

        assert!(matches!(
            outcome,
            Ok(AskedOutcome::HeldBy(SandboxKind::Docker))
        ));
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
    }

    #[test]
    fn a_local_branch_is_checked_out_as_it_is() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main")
            .with_local_branch("feat/x")
            .with_remote_branch("feat/x");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let outcome = create(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap();

        let (workspace, start, fetch_warning) = created(outcome);
        assert_eq!(start, BranchStart::Existing);
        assert_eq!(fetch_warning, None);
        assert_eq!(
            workspace.reference.target,
            WorkspaceTarget::Branch(branch("feat/x"))
        );
        let requests = sandbox.created();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].start, BranchStart::Existing);
        assert_eq!(requests[0].branch, branch("feat/x"));
        assert_eq!(requests[0].checkout, api);
        assert_eq!(
            checkouts.calls(),
            [
                "refresh acme/api",
                "branch_presence acme/api feat/x",
                "file_at acme/api refs/heads/feat/x .skipper.toml",
            ]
        );
        assert!(sandbox.contains(&api, &WorkspaceTarget::Branch(branch("feat/x"))));
    }

    #[test]
    fn a_branch_only_on_origin_is_tracked() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_remote_branch("feat/x");
        let sandbox = FakeSandbox::new(SandboxKind::Docker);

        let outcome = create(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap();

        let (workspace, start, _) = created(outcome);
        assert_eq!(start, BranchStart::TrackRemote);
        assert_eq!(workspace.sandbox, SandboxKind::Docker);
        assert_eq!(sandbox.created()[0].start, BranchStart::TrackRemote);
    }

    #[test]
    fn a_new_branch_starts_from_the_default_branch_named_in_the_request() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("trunk").with_local_branch("other");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let outcome = create(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap();

        let (_, start, _) = created(outcome);
        assert_eq!(start, BranchStart::NewFromDefault);
        let requests = sandbox.created();
        assert_eq!(requests[0].start, BranchStart::NewFromDefault);
        assert_eq!(requests[0].default_branch, branch("trunk"));
        assert_eq!(sandbox.calls(), ["locate feat/x", "create feat/x"]);
    }

    #[test]
    fn a_fetch_warning_is_passed_through() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_fetch_warning("could not resolve host");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let outcome = create(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap();

        let (_, _, fetch_warning) = created(outcome);
        assert_eq!(fetch_warning.as_deref(), Some("could not resolve host"));
    }

    #[test]
    fn a_half_made_workspace_is_made_again() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker).with_half_made(&api, &target);

        let (workspace, _, _) = created(
            create(
                backend(&checkouts, &sandbox),
                &[],
                &api,
                &branch("feat/x"),
                port_plan(),
            )
            .unwrap(),
        );

        assert!(!workspace.half_made);
        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "at_risk feat/x",
                "destroy feat/x force=true",
                "create feat/x"
            ]
        );
    }

    #[test]
    fn a_half_made_workspace_holding_commits_is_not_thrown_away() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let risk = crate::domain::AtRisk {
            unpushed: vec![crate::domain::UnpushedBranch {
                branch: "feat/x".into(),
                commits: 1,
            }],
            ..crate::domain::AtRisk::default()
        };
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_half_made(&api, &target)
            .with_risk(&api, &target, risk.clone());

        let err = create(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap_err();

        let WorkspaceError::HalfMadeHoldsWork {
            risk: found,
            reference,
            ..
        } = err
        else {
            panic!("expected HalfMadeHoldsWork, got {err:?}");
        };
        assert_eq!(*found, risk);
        assert_eq!(reference.target, target);
        assert_eq!(sandbox.calls(), ["locate feat/x", "at_risk feat/x"]);
        assert!(sandbox.contains(&api, &target));
    }

    #[test]
    fn a_broken_workspace_is_refused_and_left_alone() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_broken(
            &api,
            &target,
            "its .git file is missing",
        );

        let err = create(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap_err();

        let WorkspaceError::Broken { detail, .. } = err else {
            panic!("expected Broken, got {err:?}");
        };
        assert_eq!(detail, "its .git file is missing");
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
        assert!(checkouts.calls().is_empty(), "{:?}", checkouts.calls());
    }

    #[test]
    fn a_place_taken_meanwhile_by_the_finished_workspace_is_already_there() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        // The fake's create is a conflict when the workspace is there; its locate before
        // create is told to miss it, as when another process made it in between.
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &target)
            .missing_at_first_locate();

        let outcome = create(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap();

        assert!(
            matches!(outcome, CreateOutcome::AlreadyExists(_)),
            "{outcome:?}"
        );
        assert_eq!(
            sandbox.calls(),
            ["locate feat/x", "create feat/x", "locate feat/x"]
        );
    }

    #[test]
    fn a_branch_whose_workspace_is_in_another_sandbox_is_not_made_again() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let docker = FakeSandbox::new(SandboxKind::Docker);
        let worktree = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &target);

        let err = create(
            backend(&checkouts, &docker),
            &[&worktree, &docker],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap_err();

        let WorkspaceError::InAnotherSandbox {
            existing, asked, ..
        } = err
        else {
            panic!("expected InAnotherSandbox, got {err:?}");
        };
        assert_eq!(
            (existing, asked),
            (SandboxKind::Worktree, SandboxKind::Docker)
        );
        assert!(docker.created().is_empty());
        assert!(checkouts.calls().is_empty(), "{:?}", checkouts.calls());
    }

    #[test]
    fn a_workspace_in_the_asked_sandbox_is_found_whatever_the_others_hold() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let docker = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &target);
        let worktree = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &target);

        let outcome = create(
            backend(&checkouts, &docker),
            &[&worktree],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap();

        assert!(
            matches!(outcome, CreateOutcome::AlreadyExists(_)),
            "{outcome:?}"
        );
        assert!(worktree.calls().is_empty(), "{:?}", worktree.calls());
    }

    #[test]
    fn a_new_workspace_is_given_ports_no_workspace_of_either_sandbox_holds() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let first = FakeSandbox::new(SandboxKind::Worktree);
        created(
            create(
                backend(&checkouts, &first),
                &[],
                &api,
                &branch("feat/x"),
                port_plan(),
            )
            .unwrap(),
        );
        let ports = first.created()[0].ports.clone();
        assert_eq!(ports.len(), 1);
        assert!(PortRange::DEFAULT.contains(ports[0]));

        // The same branch in the other sandbox, in another run: the same ports.
        let docker = FakeSandbox::new(SandboxKind::Docker);
        let (workspace, _, _) = created(
            create(
                backend(&checkouts, &docker),
                &[],
                &api,
                &branch("feat/x"),
                port_plan(),
            )
            .unwrap(),
        );
        assert_eq!(docker.created()[0].ports, ports);
        assert_eq!(workspace.ports, ports);

        // Held by another workspace in the other sandbox: the next free slot.
        let holder = WorkspaceTarget::Branch(branch("other"));
        let worktree = FakeSandbox::new(SandboxKind::Worktree).with_ports(&api, &holder, &ports);
        let docker = FakeSandbox::new(SandboxKind::Docker);
        created(
            create(
                backend(&checkouts, &docker),
                &[&worktree],
                &api,
                &branch("feat/x"),
                port_plan(),
            )
            .unwrap(),
        );
        let moved = docker.created()[0].ports.clone();
        assert_ne!(moved, ports);

        // Listened on by a program on the host: passed over too.
        let host = FakeHostPorts::listening(&ports);
        let plan = PortPlan {
            host: &host,
            ..port_plan()
        };
        let docker = FakeSandbox::new(SandboxKind::Docker);
        created(
            create(
                backend(&checkouts, &docker),
                &[],
                &api,
                &branch("feat/x"),
                plan,
            )
            .unwrap(),
        );
        assert_eq!(docker.created()[0].ports, moved);
    }

    #[test]
    fn a_repository_asking_for_several_ports_gets_them_consecutive() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);
        let plan = PortPlan {
            count: PortCount::new(3).unwrap(),
            ..port_plan()
        };
        created(
            create(
                backend(&checkouts, &sandbox),
                &[],
                &api,
                &branch("feat/x"),
                plan,
            )
            .unwrap(),
        );
        let ports = sandbox.created()[0].ports.clone();
        assert_eq!(ports, vec![ports[0], ports[0] + 1, ports[0] + 2]);
    }

    /// `create_under_lock_asking` of feat/x in `sandbox`, the question answered by `answer`;
    /// returns the outcome and whether the question was asked.
    fn asking(
        checkouts: &FakeCheckouts,
        sandbox: &FakeSandbox,
        answer: fn() -> Result<Option<SandboxKind>, Box<WorkspaceError>>,
    ) -> (Result<AskedOutcome, WorkspaceError>, bool) {
        let api = checkout("acme", "api");
        let mut asked = false;
        let mut holder = || {
            asked = true;
            answer()
        };
        let outcome = create_under_lock_asking(
            backend(checkouts, sandbox),
            &[],
            &api,
            &branch("feat/x"),
            port_plan(),
            &mut holder,
        );
        (outcome, asked)
    }

    #[test]
    fn asking_nothing_is_made_where_the_other_sandbox_holds_the_workspace() {
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let (outcome, asked) = asking(&checkouts, &sandbox, || Ok(Some(SandboxKind::Docker)));

        assert!(asked);
        assert!(
            matches!(outcome, Ok(AskedOutcome::HeldBy(SandboxKind::Docker))),
            "{outcome:?}"
        );
        assert!(sandbox.created().is_empty());
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
        // The fetch ran beside the question; nothing was read from the checkout after it.
        assert_eq!(checkouts.calls(), ["refresh acme/api"]);
    }

    #[test]
    fn asking_the_workspace_is_made_as_by_create_when_no_other_sandbox_holds_it() {
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let (outcome, asked) = asking(&checkouts, &sandbox, || Ok(None));

        assert!(asked);
        let Ok(AskedOutcome::Made(made)) = outcome else {
            panic!("expected a made workspace, got {outcome:?}");
        };
        let (workspace, start, _) = created(*made);
        assert_eq!(start, BranchStart::NewFromDefault);
        assert_eq!(workspace.sandbox, SandboxKind::Worktree);
        assert_eq!(sandbox.calls(), ["locate feat/x", "create feat/x"]);
        assert_eq!(
            checkouts.calls(),
            [
                "refresh acme/api",
                "branch_presence acme/api feat/x",
                "file_at acme/api refs/remotes/origin/main .skipper.toml",
            ]
        );
    }

    #[test]
    fn asking_a_failed_question_makes_nothing() {
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let (outcome, _) = asking(&checkouts, &sandbox, || {
            Err(Box::new(WorkspaceError::Secrets(
                "the daemon answered nonsense".into(),
            )))
        });

        assert!(
            matches!(outcome, Err(WorkspaceError::Secrets(_))),
            "{outcome:?}"
        );
        assert!(sandbox.created().is_empty());
    }

    #[test]
    fn asking_a_half_made_workspace_is_kept_while_the_other_sandbox_holds_the_branch() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_half_made(&api, &target);

        let (outcome, _) = asking(&checkouts, &sandbox, || Ok(Some(SandboxKind::Docker)));

        assert!(matches!(
            outcome,
            Ok(AskedOutcome::HeldBy(SandboxKind::Docker))
        ));
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
        assert!(checkouts.calls().is_empty(), "{:?}", checkouts.calls());
    }

    #[test]
    fn asking_a_half_made_workspace_is_made_again_once_no_other_sandbox_holds_it() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_half_made(&api, &target);

        let (outcome, asked) = asking(&checkouts, &sandbox, || Ok(None));

        assert!(asked);
        assert!(matches!(outcome, Ok(AskedOutcome::Made(_))), "{outcome:?}");
        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "at_risk feat/x",
                "destroy feat/x force=true",
                "create feat/x"
            ]
        );
    }
}
