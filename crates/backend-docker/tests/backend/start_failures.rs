//! Workspaces that cannot be made: an image whose PID 1 dies at start, and a Dockerfile whose
//! build fails, each reported with what went wrong.

use skipper_backend_docker::{DockerBackend, DockerConfig};
use skipper_core::{Sandbox, WorkspaceRegistry, WorkspaceTarget};

use crate::fixture::{BASE_IMAGE, Fixture, WithCauses, default_branch, docker_ready};

#[test]
fn pid1_dying_at_start_fails_with_its_last_log_lines() {
    if !docker_ready() {
        return;
    }
    let mut fixture = Fixture::new("pid1");
    let dockerfile = fixture.dir.root().join("Dying.Dockerfile");
    fs_err::write(
        &dockerfile,
        format!("FROM {BASE_IMAGE}\nENTRYPOINT [\"sh\", \"-c\", \"echo 'fatal: this entrypoint refuses to run' >&2; exit 3\"]\n"),
    )
    .unwrap();
    let backend = fixture.backend(DockerConfig {
        dockerfile: Some(dockerfile),
        ..fixture.shipped_config()
    });
    fixture.images.push(backend.ensure_image().unwrap());
    let err = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap_err()
        .with_causes();
    assert!(err.contains("did not start"), "{err}");
    assert!(
        err.contains("fatal: this entrypoint refuses to run"),
        "{err}"
    );
    // Nothing half-made is left to be found later.
    assert!(
        backend
            .locate(&fixture.checkout, &WorkspaceTarget::Main)
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_failed_build_reports_the_step_and_its_output() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("badbuild");
    let dockerfile = fixture.dir.root().join("Bad.Dockerfile");
    fs_err::write(
        &dockerfile,
        format!("FROM {BASE_IMAGE}\nRUN echo about to fail && exit 42\n"),
    )
    .unwrap();
    let backend = DockerBackend::connect(
        DockerConfig {
            dockerfile: Some(dockerfile),
            ..fixture.shipped_config()
        },
        std::sync::Arc::new(skipper_core::NoProgress),
    )
    .unwrap();
    let err = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap_err()
        .with_causes();
    assert!(
        err.contains("at step 2/") && err.contains("(RUN echo about to fail && exit 42)"),
        "{err}"
    );
    assert!(
        err.contains("last output of that step:\n    about to fail"),
        "{err}"
    );
    assert!(err.contains("full build log: "), "{err}");
    assert!(err.contains("42"), "{err}");
}
