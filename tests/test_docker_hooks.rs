//! The project setup on the Docker sandbox: hooks run inside the container with skipper's
//! variables, a pre-remove hook stops a removal, and `.skipper.toml` is read from the
//! container's own commit.

use crate::support::docker::{DockerRepo, docker_ready, docker_ws};
use crate::support::stderr;

#[test]
fn hooks_run_in_the_container_with_every_sk_variable_and_pre_remove_can_stop_a_remove() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("hooks", "");
    repo.origin.push_commit(
        "release/v1",
        ".skipper.toml",
        "[hooks]\npost-create = [\"env | grep -E '^(SK_(REPOSITORY|BRANCH|SANDBOX|WORKSPACE|PORTS?)|APP_[A-Z_]*)=' | sort\"]\npre-remove = [\"test ! -e /tmp/block\"]\n\n[env]\nAPP_MODE = \"dev\"\n",
    );
    repo.ok(&["clone", &repo.origin.url.clone(), "--sandbox", "docker"]);
    repo.ok(&["hooks", "approve", "-r", &repo.name]);

    let created = repo.run(&docker_ws(&repo, "create", "feat/x", &[]));

    assert!(created.status.success(), "{}", stderr(&created));
    let rows = repo.list();
    let row = rows.iter().find(|row| row["branch"] == "feat/x").unwrap();
    let port = row["ports"][0].as_u64().unwrap();
    let expected = format!(
        "APP_MODE=dev\nSK_BRANCH=feat/x\nSK_PORT={port}\nSK_PORTS={port}\nSK_REPOSITORY=remotes/{name}\nSK_SANDBOX=docker\nSK_WORKSPACE=/workspace/{name}\n",
        name = repo.name
    );
    assert!(stderr(&created).contains(&expected), "{}", stderr(&created));
    assert_eq!(
        repo.sh("feat/x", "echo $APP_MODE $SK_SANDBOX"),
        "dev docker\n"
    );

    // The hook runs inside the container: a file there stops the removal.
    repo.sh("feat/x", "touch /tmp/block");
    let refused = repo.run(&docker_ws(&repo, "remove", "feat/x", &[]));
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("the pre-remove hook `test ! -e /tmp/block`"),
        "{}",
        stderr(&refused)
    );
    assert!(!repo.container(Some("feat/x")).is_empty());

    // The file is read at the container's own HEAD, a commit the host does not have.
    repo.sh(
        "feat/x",
        "printf '[env]\\nAPP_MODE = \"inside\"\\n' > .skipper.toml && git add .skipper.toml && git -c user.name=t -c user.email=t@e commit -qm inside",
    );
    assert_eq!(repo.sh("feat/x", "echo $APP_MODE"), "inside\n");

    let removed = repo.run(&docker_ws(&repo, "remove", "feat/x", &["--force"]));
    assert!(removed.status.success(), "{}", stderr(&removed));
}
