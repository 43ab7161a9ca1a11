//! What the Docker backend never adopts: a container whose creation was interrupted (it is
//! made anew), one that failed midway (nothing is left), and a foreign container that has
//! the workspace's name.

use skipper_backend_docker::{DockerBackend, DockerConfig};
use skipper_core::{
    BranchName, BranchStart, CommandLine, ExecIo, PipedIo, Sandbox, Workspace, WorkspaceRegistry,
    WorkspaceTarget,
};

use crate::fixture::{
    BASE_IMAGE, Fixture, WithCauses, container, default_branch, docker, docker_ready, sh_ok,
};

/// A fixture and a backend on the base image, as it is (nothing to build).
fn on_the_base_image(test: &str) -> (Fixture, DockerBackend) {
    let fixture = Fixture::new(test);
    let backend = fixture.backend(DockerConfig {
        image: Some(BASE_IMAGE.to_owned()),
        ..fixture.shipped_config()
    });
    (fixture, backend)
}

/// The container id of `name`.
fn id_of(name: &str) -> String {
    docker(&["inspect", "-f", "{{.Id}}", name]).1
}

/// The error of running a command in `workspace`.
fn run_error(backend: &DockerBackend, workspace: &Workspace) -> String {
    backend
        .execute(
            workspace,
            &CommandLine::Shell("pwd".into()),
            &skipper_core::Environment::new(),
            ExecIo::Piped(PipedIo {
                stdin: None,
                stdout: &mut Vec::new(),
                stderr: &mut Vec::new(),
                interrupts: None,
            }),
        )
        .unwrap_err()
        .with_causes()
}

#[test]
fn a_creation_interrupted_during_the_setup_is_not_started_and_is_made_anew() {
    if !docker_ready() {
        return;
    }
    let (fixture, backend) = on_the_base_image("halfmade");
    let head = |workspace| sh_ok(&backend, workspace, "git symbolic-ref --short HEAD");
    let run_error = |workspace| run_error(&backend, workspace);

    // `sk` killed during the setup: the container has its labels, not its marker.
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    let name = container(&feat);
    let (removed, out) = docker(&["exec", &name, "rm", "/workspace/api/.git/skipper/ready"]);
    assert!(removed, "{out}");
    docker(&["stop", "-t", "0", &name]);
    let err = run_error(&feat);
    assert!(
        err.contains(&name)
            && err.contains("creation was interrupted")
            && err.contains("sk workspace remove --force"),
        "{err}"
    );
    let (_, state) = docker(&["inspect", "-f", "{{.State.Status}}", &name]);
    assert_eq!(state, "exited", "a half-made container was started");
    // Nothing in it is at risk: it never was a workspace.
    assert!(backend.at_risk(&feat).unwrap().is_empty());
    let before = id_of(&name);
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert_ne!(
        id_of(&container(&feat)),
        before,
        "the half-made one was adopted"
    );
    assert_eq!(head(&feat), "feat/x");
}

#[test]
fn a_creation_interrupted_during_the_copy_is_not_adopted_and_is_made_anew() {
    if !docker_ready() {
        return;
    }
    let (fixture, backend) = on_the_base_image("halfcopied");
    let run_error = |workspace| run_error(&backend, workspace);

    // `sk` killed during the copy: a labelled container without a repository.
    let reference = skipper_core::WorkspaceRef {
        repository: fixture.checkout.repository.clone(),
        target: WorkspaceTarget::Branch(BranchName::new("feat/y").unwrap()),
    };
    let namespace = skipper_backend_docker::spec::namespace(&fixture.data_root);
    let name = skipper_backend_docker::spec::container_name(&reference, &namespace);
    let mut args = vec!["create".to_owned(), "--name".to_owned(), name.clone()];
    for (key, value) in
        skipper_backend_docker::labels::workspace_labels(&reference, "x", &namespace, &[])
    {
        args.extend(["--label".to_owned(), format!("{key}={value}")]);
    }
    args.extend([BASE_IMAGE, "tail", "-f", "/dev/null"].map(str::to_owned));
    let (made, out) = docker(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(made, "{out}");
    let y = backend
        .locate(&fixture.checkout, &reference.target)
        .unwrap()
        .unwrap();
    let err = run_error(&y);
    assert!(err.contains("creation was interrupted"), "{err}");
    let before = id_of(&name);
    let y = backend
        .create(&fixture.branch_request("feat/y", BranchStart::TrackRemote))
        .unwrap();
    assert_ne!(id_of(&container(&y)), before);
    assert_eq!(sh_ok(&backend, &y, "cat y.txt"), "y");
}

#[test]
fn a_creation_that_fails_midway_leaves_nothing_behind() {
    if !docker_ready() {
        return;
    }
    let (fixture, backend) = on_the_base_image("failedmidway");

    // A creation that fails midway leaves nothing behind.
    let missing = BranchName::new("no/such").unwrap();
    let err = backend
        .create(&fixture.branch_request("no/such", BranchStart::Existing))
        .unwrap_err()
        .with_causes();
    assert!(err.contains("setting up the repository"), "{err}");
    assert!(
        backend
            .locate(&fixture.checkout, &WorkspaceTarget::Branch(missing))
            .unwrap()
            .is_none()
    );
    let (_, left) = docker(&[
        "ps",
        "-aq",
        "--filter",
        &fixture.repository_label(),
        "--filter",
        "label=dev.skipper.branch=no/such",
    ]);
    assert_eq!(left, "");
}

#[test]
fn a_foreign_container_with_the_name_is_not_adopted() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("foreign");
    let backend = fixture.backend(DockerConfig {
        image: Some(BASE_IMAGE.to_owned()),
        ..fixture.shipped_config()
    });
    let reference = skipper_core::WorkspaceRef {
        repository: fixture.checkout.repository.clone(),
        target: WorkspaceTarget::Main,
    };
    let namespace = skipper_backend_docker::spec::namespace(&fixture.data_root);
    let name = skipper_backend_docker::spec::container_name(&reference, &namespace);
    let (made, out) = docker(&[
        "create",
        "--name",
        &name,
        "--label",
        &format!(
            "dev.skipper.repository={}",
            fixture.checkout.repository.key()
        ),
        BASE_IMAGE,
        "tail",
        "-f",
        "/dev/null",
    ]);
    assert!(made, "{out}");
    assert!(
        backend
            .locate(&fixture.checkout, &WorkspaceTarget::Main)
            .unwrap()
            .is_none()
    );
    let err = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap_err()
        .with_causes();
    assert!(err.contains(&name) && err.contains("not adopted"), "{err}");
    // Left alone, not started.
    let (_, state) = docker(&["inspect", "-f", "{{.State.Status}}", &name]);
    assert_eq!(state, "created");
}
