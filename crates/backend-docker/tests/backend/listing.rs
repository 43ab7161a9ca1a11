//! Finding Docker workspaces by their labels: listed main first, running or stopped; started
//! again on demand; gone when removed behind skipper's back; removed by `destroy`.

use skipper_backend_docker::DockerBackend;
use skipper_core::{
    BranchName, BranchStart, Sandbox, Workspace, WorkspaceLocation, WorkspaceRegistry,
    WorkspaceTarget,
};

use crate::fixture::{Fixture, container, default_branch, docker, docker_ready, git, sh_ok};

/// The main workspace and `feat/x` (new), `feat/y` (tracking origin) and `local/z` (a host
/// branch); returns the three branch workspaces.
fn four_workspaces(
    fixture: &Fixture,
    backend: &DockerBackend,
) -> (Workspace, Workspace, Workspace) {
    git(&fixture.checkout.path, &["branch", "local/z", "HEAD~1"]);
    backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap();
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    let y = backend
        .create(&fixture.branch_request("feat/y", BranchStart::TrackRemote))
        .unwrap();
    let z = backend
        .create(&fixture.branch_request("local/z", BranchStart::Existing))
        .unwrap();
    (feat, y, z)
}

#[test]
fn list_shows_main_first_then_branches_running_and_stopped() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("listing");
    let backend = fixture.backend(fixture.shipped_config());
    let (_, y, _) = four_workspaces(&fixture, &backend);
    // list: main first, then branches, running and stopped, by labels.
    docker(&["stop", "-t", "0", &container(&y)]);
    let listed = backend
        .list(std::slice::from_ref(&fixture.checkout))
        .unwrap();
    let summary: Vec<(String, String, Option<bool>)> = listed
        .iter()
        .map(|w| {
            let WorkspaceLocation::Container { state, .. } = &w.location else {
                panic!()
            };
            (
                w.reference.target.to_string(),
                state.to_string(),
                w.risk.as_ref().map(|risk| !risk.is_empty()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("main".to_owned(), "running".to_owned(), Some(false)),
            ("feat/x".to_owned(), "running".to_owned(), Some(false)),
            ("feat/y".to_owned(), "exited".to_owned(), None),
            ("local/z".to_owned(), "running".to_owned(), Some(false)),
        ]
    );
    // A stopped container is started again on demand.
    let y = backend
        .locate(
            &fixture.checkout,
            &WorkspaceTarget::Branch(BranchName::new("feat/y").unwrap()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        sh_ok(&backend, &y, "git symbolic-ref --short HEAD"),
        "feat/y"
    );
}

#[test]
fn a_container_removed_behind_skippers_back_is_gone_and_can_be_made_again() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("removed");
    let backend = fixture.backend(fixture.shipped_config());
    let (feat, _, z) = four_workspaces(&fixture, &backend);
    // A container removed behind skipper's back is simply gone, and can be made again.
    docker(&["rm", "-f", &container(&z)]);
    let target = WorkspaceTarget::Branch(BranchName::new("local/z").unwrap());
    assert!(
        backend
            .locate(&fixture.checkout, &target)
            .unwrap()
            .is_none()
    );
    let z = backend
        .create(&fixture.branch_request("local/z", BranchStart::Existing))
        .unwrap();
    assert_eq!(sh_ok(&backend, &z, "git log -1 --format=%s"), "commit 2");
    // destroy removes the container; the host keeps its branch.
    backend.destroy(&z, false).unwrap();
    assert!(
        backend
            .locate(&fixture.checkout, &target)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        git(&fixture.checkout.path, &["branch", "--list", "local/z"]),
        "local/z"
    );
    assert_eq!(
        backend.detach(&feat).unwrap(),
        skipper_core::DetachOutcome::NoSession
    );
}

#[test]
fn list_marks_running_containers_without_their_ready_marker_half_made_in_the_gates_exec() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("listready");
    let backend = fixture.backend(fixture.shipped_config());
    let (feat, y, z) = four_workspaces(&fixture, &backend);
    // A setup that never finished: running, labelled, no marker.
    let (removed, out) = docker(&[
        "exec",
        &container(&feat),
        "rm",
        "/workspace/api/.git/skipper/ready",
    ]);
    assert!(removed, "{out}");
    // A copy that never came: running, labelled, no repository directory at all (the exec
    // cannot even start in it).
    let (removed, out) = docker(&["exec", &container(&y), "rm", "-rf", "/workspace/api"]);
    assert!(removed, "{out}");
    let listed = backend
        .list(std::slice::from_ref(&fixture.checkout))
        .unwrap();
    let summary: Vec<(String, bool, Option<bool>)> = listed
        .iter()
        .map(|w| {
            (
                w.reference.target.to_string(),
                w.half_made,
                w.risk.as_ref().map(skipper_core::AtRisk::is_empty),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("main".to_owned(), false, Some(true)),
            ("feat/x".to_owned(), true, None),
            ("feat/y".to_owned(), true, None),
            ("local/z".to_owned(), false, Some(true)),
        ]
    );
    drop(z);
}

/// A look-up asked alongside the connection's ping (`anticipate`, as choosing a branch's
/// sandbox asks it) answers as one asked after it: a container under its own name, one
/// found by its labels under another name, none, and a look-up of another workspace.
#[test]
fn a_look_up_asked_with_the_connection_answers_as_one_asked_after_it() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("anticipated");
    let backend = fixture.backend(fixture.shipped_config());
    let named = backend
        .create(&fixture.branch_request("feat/named", BranchStart::NewFromDefault))
        .unwrap();
    let renamed = backend
        .create(&fixture.branch_request("feat/renamed", BranchStart::NewFromDefault))
        .unwrap();
    let elsewhere = format!("{}-elsewhere", container(&renamed));
    docker(&["rename", &container(&renamed), &elsewhere]);
    drop(backend);

    let target = |branch: &str| WorkspaceTarget::Branch(BranchName::new(branch).unwrap());
    let found = |anticipate: &str, branch: &str| {
        let config = skipper_backend_docker::DockerConfig {
            anticipate: Some(skipper_core::WorkspaceRef {
                repository: fixture.checkout.repository.clone(),
                target: target(anticipate),
            }),
            ..fixture.shipped_config()
        };
        let backend = fixture.backend(config);
        backend
            .locate_to_run(&fixture.checkout, &target(branch))
            .unwrap()
            .map(|workspace| container(&workspace))
    };
    assert_eq!(found("feat/named", "feat/named"), Some(container(&named)));
    assert_eq!(
        found("feat/renamed", "feat/renamed"),
        Some(elsewhere.clone())
    );
    assert_eq!(found("feat/none", "feat/none"), None);
    assert_eq!(found("feat/none", "feat/renamed"), Some(elsewhere));
    assert_eq!(found("feat/renamed", "feat/named"), Some(container(&named)));
}
