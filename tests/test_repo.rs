//! `sk repo`: the cloned repositories, with their remote and default branch.

use serde_json::Value;

use crate::support::TestEnv;
use crate::support::docker::{DockerRepo, docker_ready};
use crate::support::snapshot_filters;

#[test]
fn repo_list_shows_each_clone_with_its_remote_and_default_branch() {
    let env = TestEnv::new();
    insta::assert_snapshot!(env.screen_of(&["repo", "list"]), @"
    [exit: 0]
    ----- stderr -----
    No repositories yet: clone one with `sk clone <remote>`.
    ");
    let api = env.origin("api", "release/v1");
    let web = env.origin("web", "main");
    env.ok(&["clone", &api.url]);
    env.ok(&["clone", &web.url]);
    insta::assert_snapshot!(env.screen_of(&["repo", "list"]), @"
    [exit: 0]
    REPOSITORY   REMOTE                                      DEFAULT     PATH
    remotes/api  file://[ROOT]/remotes/api.git  release/v1  [ROOT]/xdg-data/skipper/repos/local/remotes/api
    remotes/web  file://[ROOT]/remotes/web.git  main        [ROOT]/xdg-data/skipper/repos/local/remotes/web
    ----- stderr -----
    ");
    let rows: Vec<Value> = serde_json::from_str(&env.ok(&["repo", "list", "--json"])).unwrap();
    insta::assert_snapshot!(
        serde_json::to_string_pretty(&rows)
            .unwrap()
            .replace(&env.root().display().to_string(), "[ROOT]"),
        @r#"
    [
      {
        "default_branch": "release/v1",
        "path": "[ROOT]/xdg-data/skipper/repos/local/remotes/api",
        "remote": "file://[ROOT]/remotes/api.git",
        "repository": "remotes/api"
      },
      {
        "default_branch": "main",
        "path": "[ROOT]/xdg-data/skipper/repos/local/remotes/web",
        "remote": "file://[ROOT]/remotes/web.git",
        "repository": "remotes/web"
      }
    ]
    "#
    );
}

/// A clone of `api` with a worktree workspace of `feat/x`.
fn cloned_with_a_workspace() -> TestEnv {
    let env = TestEnv::new();
    let api = env.origin("api", "main");
    env.ok(&["clone", &api.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/x"]);
    env
}

fn saves(env: &TestEnv) -> Vec<Value> {
    serde_json::from_str(&env.ok(&["workspace", "saved", "--json"])).unwrap()
}

#[test]
fn repo_remove_removes_a_clean_repository_entirely() {
    let env = cloned_with_a_workspace();
    insta::assert_snapshot!(env.screen_of(&["repo", "remove", "-r", "api"]), @"
    [exit: 0]
    Removed workspace remotes/api (feat/x)
    Removed host checkout [ROOT]/xdg-data/skipper/repos/local/remotes/api
    ----- stderr -----
    ");
    assert!(!env.checkout("api").exists());
    assert!(!env.worktree("api", "feat/x").exists());
    assert!(!env.data_root().join("worktrees/local/remotes/api").exists());
    assert_eq!(env.ok(&["repo", "list", "--json"]).trim(), "[]");
    // Nothing is left for `sk gc` either.
    assert!(
        fs_err::read_dir(env.data_root().join("trash"))
            .map_or(true, |entries| entries.count() == 0)
    );
}

#[test]
fn repo_remove_refuses_a_dirty_workspace_and_removes_nothing() {
    let env = cloned_with_a_workspace();
    fs_err::write(env.worktree("api", "feat/x").join("notes.txt"), "mine\n").unwrap();
    insta::assert_snapshot!(env.screen_of(&["repo", "remove", "-r", "api"]), @"
    [exit: 1]
    ----- stderr -----
    error: refusing to remove remotes/api: it holds work that would be lost
      - remotes/api (feat/x) in the worktree sandbox: 1 untracked file: notes.txt
      - commit and push that work, or pass --force to save it (`sk workspace saved` lists it) and remove anyway
    ");
    assert!(env.worktree("api", "feat/x").join("notes.txt").is_file());
    assert!(env.checkout("api").join(".git").is_dir());
}

#[test]
fn repo_remove_refuses_a_dirty_host_checkout_and_removes_nothing() {
    let env = cloned_with_a_workspace();
    let checkout = env.checkout("api");
    fs_err::write(checkout.join("README.md"), "changed\n").unwrap();
    env.git(&checkout, &["checkout", "--quiet", "-b", "local-only"]);
    env.git(
        &checkout,
        &["commit", "--quiet", "--allow-empty", "-m", "local work"],
    );
    env.git(&checkout, &["tag", "mine"]);
    insta::assert_snapshot!(env.screen_of(&["repo", "remove", "-r", "api"]), @"
    [exit: 1]
    ----- stderr -----
    error: refusing to remove remotes/api: it holds work that would be lost
      - the host checkout: 1 modified file: README.md
      - the host checkout: branch `local-only` has 1 commit on no remote branch
      - the host checkout: tag `mine` exists only in the workspace
      - commit and push that work, or pass --force to save it (`sk workspace saved` lists it) and remove anyway
    ");
    assert!(
        env.worktree("api", "feat/x").is_dir(),
        "the workspace stays"
    );
    assert_eq!(
        fs_err::read_to_string(checkout.join("README.md")).unwrap(),
        "changed\n"
    );
}

#[test]
fn repo_remove_force_saves_the_work_and_removes_everything() {
    let env = cloned_with_a_workspace();
    fs_err::write(env.worktree("api", "feat/x").join("notes.txt"), "mine\n").unwrap();
    let checkout = env.checkout("api");
    fs_err::write(checkout.join("host.txt"), "host work\n").unwrap();
    let removed = env.run(&["repo", "remove", "-r", "api", "--force"]);
    {
        let _filters = crate::support::snapshot_filters();
        insta::assert_snapshot!(env.screen(&removed), @"
        [exit: 0]
        Saved the work at risk as [HASH] (1 untracked) in [ROOT]/xdg-data/skipper/saved/local/remotes/api/[HASH]
          Restore it with: sk workspace restore --repository remotes/api --branch feat/x --saved [HASH]
        Removed workspace remotes/api (feat/x)
        Saved the work at risk as [HASH] (1 untracked, 3 other refs) in [ROOT]/xdg-data/skipper/saved/local/remotes/api/[HASH]
          Get it back in any clone with: git fetch [ROOT]/xdg-data/skipper/saved/local/remotes/api/[HASH]/work.bundle 'refs/skipper/saved/[HASH]/*:refs/sk-restored/*' (save.json beside it names each ref)
        Removed host checkout [ROOT]/xdg-data/skipper/repos/local/remotes/api
        ----- stderr -----
        ");
    }
    assert!(!checkout.exists());
    let saved = saves(&env);
    assert_eq!(saved.len(), 2, "{saved:?}");
    // The host checkout's save holds its untracked file, reachable from its bundle.
    let host = saved.iter().find(|s| s["branch"] == "main").unwrap();
    let bundle = format!("{}/work.bundle", host["path"].as_str().unwrap());
    let id = host["id"].as_str().unwrap();
    let scratch = env.root().join("scratch");
    fs_err::create_dir_all(&scratch).unwrap();
    env.git(&scratch, &["init", "--quiet"]);
    env.git(
        &scratch,
        &[
            "fetch",
            "--quiet",
            &bundle,
            &format!("refs/skipper/saved/{id}/*:refs/sk-restored/*"),
        ],
    );
    assert_eq!(
        env.git(&scratch, &["show", "refs/sk-restored/worktree:host.txt"]),
        "host work"
    );
}

#[test]
fn repo_remove_of_a_repository_not_cloned_lists_what_is() {
    let env = cloned_with_a_workspace();
    insta::assert_snapshot!(env.screen_of(&["repo", "remove", "-r", "nope"]), @"
    [exit: 1]
    ----- stderr -----
    error: no cloned repository matches `nope`
      - cloned repositories: remotes/api
    ");
    assert!(env.checkout("api").is_dir());
}

#[test]
fn repo_remove_removes_the_containers_and_snapshot_images_of_a_docker_repository() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("reporm", "");
    repo.create("feat/x");
    assert_eq!(
        repo.resources("ps", "workspace").len(),
        2,
        "main and feat/x"
    );
    assert!(!repo.resources("images", "repository-snapshot").is_empty());
    // Dirty work in the branch container refuses it all.
    repo.sh("feat/x", "echo new > new.txt");
    let refused = repo.run(&["repo", "remove", "-r", &repo.name]);
    {
        let _filters = snapshot_filters();
        insta::assert_snapshot!(repo.screen(&refused), @"
        [exit: 1]
        ----- stderr -----
        error: refusing to remove remotes/[REPO]: it holds work that would be lost
          - remotes/[REPO] (feat/x) in the docker sandbox: 1 untracked file: new.txt
          - commit and push that work, or pass --force to save it (`sk workspace saved` lists it) and remove anyway
        ");
    }
    assert_eq!(
        repo.resources("ps", "workspace").len(),
        2,
        "nothing removed"
    );
    assert!(repo.env.checkout(&repo.name).is_dir());

    let removed = repo.run(&["repo", "remove", "-r", &repo.name, "--force"]);
    {
        let _filters = snapshot_filters();
        // The image's size, its base layers included, is the base image's business.
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(r"\(\d+(\.\d+)? [KMG]?i?B\)", "([SIZE])");
        let _sizes = settings.bind_to_scope();
        insta::assert_snapshot!(repo.screen(&removed), @"
        [exit: 0]
        Saved the work at risk as [HASH] (1 untracked) in [ROOT]/xdg-data/skipper/saved/local/remotes/[REPO]/[HASH]
          Restore it with: sk workspace restore --repository remotes/[REPO] --branch feat/x --saved [HASH]
        Removed workspace remotes/[REPO] (feat/x)
        Removed main container sk-[REPO]-main-[HASH] (remotes/[REPO] (main workspace))
        Removed snapshot image skipper-repo-[HASH]:[HASH] ([SIZE])
        Removed host checkout [ROOT]/xdg-data/skipper/repos/local/remotes/[REPO]
        ----- stderr -----
        ");
    }
    assert!(repo.resources("ps", "workspace").is_empty());
    assert!(repo.resources("images", "repository-snapshot").is_empty());
    assert!(!repo.env.checkout(&repo.name).exists());
    let saved: Vec<Value> =
        serde_json::from_str(&repo.ok(&["workspace", "saved", "--json"])).unwrap();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(!repo.ok(&["repo", "list"]).contains(&repo.name));
}
