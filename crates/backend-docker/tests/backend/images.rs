//! Which image a Docker workspace runs: a custom Dockerfile built once per content and again
//! when its image is gone, and a prebuilt image used as it is.

use skipper_backend_docker::{DockerBackend, DockerConfig};
use std::sync::Arc;

use skipper_core::{BranchStart, NoProgress, Sandbox};

use crate::fixture::{
    BASE_IMAGE, DEFAULT_BRANCH, Fixture, WithCauses, container, default_branch, docker,
    docker_ready, image_tags_since, sh_ok, unix_now,
};

#[test]
fn a_custom_dockerfile_is_built_once_per_content_and_rebuilt_when_removed() {
    if !docker_ready() {
        return;
    }
    let mut fixture = Fixture::new("custom");
    let dockerfile = fixture.dir.root().join("Custom.Dockerfile");
    let write = |flavour: &str| {
        fs_err::write(
            &dockerfile,
            format!("FROM {BASE_IMAGE}\nRUN echo {flavour} > /etc/flavour\n"),
        )
        .unwrap();
    };
    let config = DockerConfig {
        dockerfile: Some(dockerfile.clone()),
        ..fixture.shipped_config()
    };
    let image_of = |backend: &DockerBackend, workspace| {
        let tag = backend.ensure_image().unwrap();
        let (_, hash) = docker(&[
            "inspect",
            "-f",
            "{{ index .Config.Labels \"dev.skipper.image-hash\" }}",
            &container(workspace),
        ]);
        assert_eq!(format!("skipper-workspace:{hash}"), tag);
        let (_, id) = docker(&["image", "inspect", "-f", "{{.Id}}", &tag]);
        (tag, id)
    };

    write("one");
    let backend = fixture.backend(config.clone());
    let main = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap();
    assert_eq!(sh_ok(&backend, &main, "cat /etc/flavour"), "one");
    let (tag_one, _) = image_of(&backend, &main);
    fixture.images.push(tag_one.clone());

    // A changed Dockerfile: a new image, built once.
    let since = unix_now();
    write("two");
    let backend = fixture.backend(config.clone());
    let a = backend
        .create(&fixture.branch_request("a", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(sh_ok(&backend, &a, "cat /etc/flavour"), "two");
    let (tag_two, id_two) = image_of(&backend, &a);
    fixture.images.push(tag_two.clone());
    assert_ne!(tag_one, tag_two);
    let b = backend
        .create(&fixture.branch_request("b", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(
        image_of(&backend, &b),
        (tag_two.clone(), id_two.clone()),
        "rebuilt although unchanged"
    );
    // Every build ends by tagging (even one served from the layer cache, which keeps the
    // id): the new tag was written exactly once across both creations.
    let tags = image_tags_since(&since).join("\n");
    assert_eq!(
        tags.lines().filter(|name| *name == tag_two).count(),
        1,
        "tag events: {tags}"
    );

    // The image removed behind skipper's back: built again on the next creation.
    let (removed, out) = docker(&["rmi", "-f", &tag_two]);
    assert!(removed, "{out}");
    let c = backend
        .create(&fixture.branch_request("c", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(sh_ok(&backend, &c, "cat /etc/flavour"), "two");
    let (tag, _) = image_of(&backend, &c);
    assert_eq!(tag, tag_two);
    assert!(docker(&["image", "inspect", &tag_two]).0);
}

#[test]
fn a_prebuilt_image_is_used_as_it_is() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("prebuilt");
    let backend = fixture.backend(DockerConfig {
        image: Some(BASE_IMAGE.to_owned()),
        ..fixture.shipped_config()
    });
    let main = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap();
    assert_eq!(
        sh_ok(&backend, &main, "git symbolic-ref --short HEAD"),
        DEFAULT_BRANCH
    );
    assert_eq!(sh_ok(&backend, &main, "id -u"), "0");

    let missing = DockerBackend::connect(
        DockerConfig {
            image: Some("skipper-test-no-such-image:1".to_owned()),
            ..fixture.shipped_config()
        },
        Arc::new(NoProgress),
    )
    .unwrap()
    .create(&fixture.branch_request("b", skipper_core::BranchStart::NewFromDefault))
    .unwrap_err()
    .with_causes();
    assert!(
        missing.contains("skipper-test-no-such-image:1")
            && missing.contains("never built or pulled"),
        "{missing}"
    );
}
