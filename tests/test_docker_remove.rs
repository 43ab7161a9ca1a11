//! Removing Docker workspaces through `sk`: a clean one goes with its container, dirty work
//! is refused, and `--force` saves it for `sk workspace restore`.

use crate::support::docker::{DockerRepo, docker_ok, docker_ready};
use crate::support::snapshot_filters;

#[test]
fn removing_a_clean_workspace_removes_its_container() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("clean", "");
    repo.create("feat/x");
    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen_of("remove", "feat/x", &[]), @"
    [exit: 0]
    Removed workspace remotes/[REPO] (feat/x)
    ----- stderr -----
    ");
    assert!(
        repo.list()
            .iter()
            .all(|row| row["branch"].as_str() != Some("feat/x"))
    );
}

/// A workspace with an unpushed commit, a modified file and an untracked file.
fn dirty_workspace(prefix: &str) -> DockerRepo {
    let repo = DockerRepo::new(prefix, "");
    repo.create("feat/d");
    repo.sh(
        "feat/d",
        "git -c user.name=t -c user.email=t@e commit -q --allow-empty -m unpushed && echo changed > README.md && echo new > new.txt",
    );
    repo
}

#[test]
fn remove_refuses_dirty_work_and_leaves_the_container() {
    if !docker_ready() {
        return;
    }
    let repo = dirty_workspace("dirty");
    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen_of("remove", "feat/d", &[]), @"
    [exit: 1]
    ----- stderr -----
    error: refusing to remove remotes/[REPO] (feat/d): it holds work that would be lost
      - 1 modified file: README.md
      - 1 untracked file: new.txt
      - branch `feat/d` has 1 commit on no remote branch
      - commit and push that work, or pass --force to save it (`sk workspace restore` brings it back) and remove anyway
    ");
    let container = repo.container(Some("feat/d"));
    docker_ok(&["inspect", "--format", "{{.State.Running}}", &container]);
    assert_eq!(
        repo.sh("feat/d", "cat new.txt"),
        "new\n",
        "nothing was removed"
    );
}

#[test]
fn force_saves_the_work_and_restore_brings_it_back() {
    if !docker_ready() {
        return;
    }
    let repo = dirty_workspace("forced");
    let forced = repo.run(&[
        "workspace",
        "remove",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/d",
        "--force",
    ]);
    {
        let _filters = snapshot_filters();
        insta::assert_snapshot!(repo.screen(&forced), @"
        [exit: 0]
        Saved the work at risk as [HASH] (1 commit, 1 modified, 1 untracked) in [ROOT]/xdg-data/skipper/saved/local/remotes/[REPO]/[HASH]
          Restore it with: sk workspace restore --repository remotes/[REPO] --branch feat/d --saved [HASH]
        Removed workspace remotes/[REPO] (feat/d)
        ----- stderr -----
        ");
    }
    assert!(
        repo.list()
            .iter()
            .all(|row| row["branch"].as_str() != Some("feat/d"))
    );
    let saved = repo
        .env
        .data_root()
        .join("saved/local/remotes")
        .join(&repo.name);
    assert_eq!(fs_err::read_dir(&saved).unwrap().count(), 1);

    repo.ok(&["workspace", "restore", "-r", &repo.name, "-b", "feat/d"]);
    assert_eq!(
        repo.sh(
            "feat/d",
            "git log -1 --format=%s && cat README.md new.txt && git status --porcelain"
        ),
        "unpushed\nchanged\nnew\n M README.md\n?? new.txt\n"
    );
}
