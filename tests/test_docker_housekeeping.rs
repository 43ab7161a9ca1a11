//! `sk doctor` and `sk gc` on the Docker engine: an interrupted snapshot build's builder
//! and an untagged snapshot image are found and removed; a workspace is never touched.

use serde_json::Value;

use crate::support::docker::{BASE_IMAGE, DockerRepo, docker_ok, docker_ready};
use crate::support::{stderr, stdout};

/// Findings of `sk doctor --json` (which exits 1 when it finds something).
fn findings(repo: &DockerRepo) -> Vec<Value> {
    let output = repo.run(&["doctor", "--json"]);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr(&output)
    );
    serde_json::from_str(&stdout(&output)).unwrap()
}

#[test]
fn an_orphan_builder_and_an_untagged_snapshot_are_collected_and_workspaces_kept() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("gc", "");
    let main = repo.container(None);
    let label = |key: &str| {
        docker_ok(&[
            "inspect",
            "--format",
            &format!("{{{{index .Config.Labels \"{key}\"}}}}"),
            &main,
        ])
    };
    let namespace = label("dev.skipper.data-root");
    let repository = label("dev.skipper.repository");
    // What a `sk` killed while building a snapshot leaves: a builder whose pid (above any
    // pid_max) is not running.
    let builder = format!("sk-snapshot-deadbeef-4294967-{}", std::process::id());
    let labels = [
        "dev.skipper.managed=true".to_owned(),
        format!("dev.skipper.data-root={namespace}"),
        format!("dev.skipper.repository={repository}"),
        "dev.skipper.schema=1".to_owned(),
    ];
    let mut create = vec!["create".to_owned(), "--name".to_owned(), builder.clone()];
    for label in labels
        .iter()
        .cloned()
        .chain(["dev.skipper.role=snapshot-builder".to_owned()])
    {
        create.extend(["--label".to_owned(), label]);
    }
    create.extend([BASE_IMAGE.to_owned(), "true".to_owned()]);
    docker_ok(&create.iter().map(String::as_str).collect::<Vec<_>>());
    let untagged = docker_ok(&[
        "commit",
        "--change",
        "LABEL dev.skipper.role=repository-snapshot",
        &builder,
    ]);

    let found = findings(&repo);
    let kinds: Vec<(&str, bool)> = found
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["collectable"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("orphan-snapshot-builder", true)),
        "{found:#?}"
    );
    assert!(kinds.contains(&("untagged-image", true)), "{found:#?}");

    let gc = repo.ok(&["gc"]);
    assert!(
        gc.contains(&format!("Removed orphan-snapshot-builder: {builder}")),
        "{gc}"
    );
    assert!(gc.contains("Removed untagged-image: "), "{gc}");
    assert!(
        !docker_ok(&["ps", "-a", "--format", "{{.Names}}"])
            .lines()
            .any(|name| name == builder)
    );
    assert!(!docker_ok(&["images", "-q", "--no-trunc"]).contains(untagged.trim()));
    assert!(findings(&repo).is_empty(), "{:#?}", findings(&repo));
    // The main workspace is untouched.
    assert_eq!(repo.container(None), main);
    assert_eq!(
        docker_ok(&["inspect", "--format", "{{.State.Running}}", &main]).trim(),
        "true"
    );
}
