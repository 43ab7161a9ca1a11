//! The contract run against the Docker sandbox: labelled containers on the real daemon,
//! from a small image built FROM the local base image (no registry needed), built once and
//! shared by every case. Everything a case makes carries its data root's label and is
//! swept when the case ends.

use std::sync::{Arc, Mutex, PoisonError};

use skipper_backend_docker::{DockerBackend, DockerConfig, labels, spec};
use skipper_contract::{Harness, Scene, chain, contract_tests};
use skipper_core::NoProgress;
use skipper_git::{GitCheckouts, Layout};
use skipper_testkit::docker::{Sweep, docker_ready, write_dockerfile};

/// The test image: the base image as it is (it has git, coreutils and a shell). The same
/// content in every case, so the backend's content hash names one image for all of them.
const IMAGE_STEPS: &str = "LABEL dev.skipper.test=contract";

/// Cases build (or find) the shared image one at a time.
static IMAGE_BUILD: Mutex<()> = Mutex::new(());

/// A Docker backend and host checkouts on a fresh data root, or `None` without a daemon
/// and the base image (a failure under `SK_REQUIRE_DOCKER=1`).
fn docker() -> Option<Harness> {
    if !docker_ready() {
        return None;
    }
    let scene = Scene::new("docker");
    let data_root = scene.data_root();
    let sweep = Sweep::label(labels::DATA_ROOT, &spec::namespace(&data_root));
    let dockerfile = write_dockerfile(
        &scene.home().root().join("Contract.Dockerfile"),
        IMAGE_STEPS,
    );
    let config = DockerConfig {
        data_root: data_root.clone(),
        home: scene.home().home(),
        dockerfile: Some(dockerfile),
        ..DockerConfig::default()
    };
    let backend = Arc::new(
        DockerBackend::connect(config, Arc::new(NoProgress))
            .unwrap_or_else(|err| panic!("connecting: {}", chain(&err))),
    );
    {
        let _one_at_a_time = IMAGE_BUILD.lock().unwrap_or_else(PoisonError::into_inner);
        backend
            .ensure_image()
            .unwrap_or_else(|err| panic!("building the test image: {}", chain(&err)));
    }
    let checkouts = Arc::new(GitCheckouts::new(
        Layout::new(data_root),
        Arc::new(NoProgress),
    ));
    Some(Harness::new(scene, checkouts, backend.clone(), backend).keep(sweep))
}

contract_tests!(docker);
