//! Removing Docker workspaces through `sk`: a clean one goes with its container, dirty work
//! is refused, and `--force` saves it where it can be restored.

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
      - 1 modified file(s): README.md
      - 1 untracked file(s): new.txt
      - branch `feat/d` has 1 commit(s) on no remote branch
      - commit and push that work, or pass --force to save it under the data root and remove anyway
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
fn force_leaves_a_bundle_that_restores_the_commit_and_the_changes() {
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
        Saved the work at risk to [ROOT]/xdg-data/skipper/saved/local/remotes/[REPO]/sk-[REPO]-feat-d-[HASH]-[HASH].bundle:
          - uncommitted and untracked changes, as commit refs/skipper/saved/[HASH]
          - branch feat/d (1 unpushed commit(s))
          To restore: git fetch '[ROOT]/xdg-data/skipper/saved/local/remotes/[REPO]/sk-[REPO]-feat-d-[HASH]-[HASH].bundle' 'refs/*:refs/sk-restored/*'   (in the host checkout)
        Removed workspace remotes/[REPO] (feat/d)
        ----- stderr -----
        ");
    }
    let bundle = crate::support::stdout(&forced)
        .lines()
        .find_map(|l| l.strip_prefix("Saved the work at risk to "))
        .unwrap()
        .trim_end_matches(':')
        .to_owned();
    assert!(
        std::path::Path::new(&bundle).starts_with(repo.env.data_root()),
        "{bundle}"
    );
    // Restore into a fresh clone of the origin: the unpushed commit and the changes are there.
    let restore = repo.env.root().join("restore");
    repo.env.git(
        repo.env.root(),
        &[
            "clone",
            "--quiet",
            &repo.origin.url,
            restore.to_str().unwrap(),
        ],
    );
    repo.env.git(
        &restore,
        &["fetch", "--quiet", &bundle, "refs/*:refs/sk-restored/*"],
    );
    let refs = repo.env.git(
        &restore,
        &["for-each-ref", "--format=%(refname)", "refs/sk-restored"],
    );
    assert_eq!(
        repo.env.git(
            &restore,
            &["log", "-1", "--format=%s", "refs/sk-restored/heads/feat/d"]
        ),
        "unpushed"
    );
    let saved = refs
        .lines()
        .find(|r| r.contains("saved"))
        .unwrap_or_else(|| panic!("{refs}"));
    assert_eq!(
        repo.env
            .git(&restore, &["show", &format!("{saved}:new.txt")]),
        "new"
    );
    assert_eq!(
        repo.env
            .git(&restore, &["show", &format!("{saved}:README.md")]),
        "changed"
    );
}
