use std::path::PathBuf;

use crate::support::{TestEnv, snapshot_filters, stdout};

fn setup(branch: &str) -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", branch]);
    let workspace = env.worktree("api", branch);
    (env, workspace)
}

/// `sk workspace remove` of `branch` as the user sees it; the workspace must stay.
fn refusal(env: &TestEnv, branch: &str) -> String {
    let screen = env.screen_of(&["workspace", "remove", "-r", "api", "-b", branch]);
    assert!(
        env.worktree("api", branch).is_dir(),
        "the workspace must stay"
    );
    screen
}

#[test]
fn remove_refuses_a_modified_file() {
    let (env, workspace) = setup("feat/m");
    fs_err::write(workspace.join("README.md"), "changed\n").unwrap();
    insta::assert_snapshot!(refusal(&env, "feat/m"), @"
    [exit: 1]
    ----- stderr -----
    error: refusing to remove remotes/api (feat/m): it holds work that would be lost
      - 1 modified file(s): README.md
      - commit and push that work, or pass --force to save it under the data root and remove anyway
    ");
}

#[test]
fn remove_refuses_an_untracked_file() {
    let (env, workspace) = setup("feat/u");
    fs_err::write(workspace.join("notes.txt"), "mine\n").unwrap();
    insta::assert_snapshot!(refusal(&env, "feat/u"), @"
    [exit: 1]
    ----- stderr -----
    error: refusing to remove remotes/api (feat/u): it holds work that would be lost
      - 1 untracked file(s): notes.txt
      - commit and push that work, or pass --force to save it under the data root and remove anyway
    ");
}

#[test]
fn remove_refuses_an_unpushed_commit() {
    let (env, workspace) = setup("feat/c");
    fs_err::write(workspace.join("work.txt"), "work\n").unwrap();
    env.git(&workspace, &["add", "work.txt"]);
    env.git(&workspace, &["commit", "--quiet", "-m", "local work"]);
    insta::assert_snapshot!(refusal(&env, "feat/c"), @"
    [exit: 1]
    ----- stderr -----
    error: refusing to remove remotes/api (feat/c): it holds work that would be lost
      - branch `feat/c` has 1 commit(s) on no remote branch
      - commit and push that work, or pass --force to save it under the data root and remove anyway
    ");
}

#[test]
fn remove_removes_a_clean_pushed_workspace_and_keeps_the_branch() {
    let (env, workspace) = setup("feat/clean");
    let screen = env.screen_of(&["workspace", "remove", "-r", "api", "-b", "feat/clean"]);
    insta::assert_snapshot!(screen, @"
    [exit: 0]
    Removed workspace remotes/api (feat/clean)
    ----- stderr -----
    ");
    assert!(!workspace.exists());
    let checkout = env.checkout("api");
    env.git(
        &checkout,
        &["rev-parse", "--verify", "refs/heads/feat/clean"],
    );
    let listed = env.ok(&["workspace", "list", "--json"]);
    assert!(!listed.contains("feat/clean"), "{listed}");
}

#[test]
fn remove_refuses_the_main_workspace() {
    let (env, _) = setup("feat/x");
    let checkout = env.checkout("api");
    let head = env.git(&checkout, &["rev-parse", "HEAD"]);
    // The default branch names the host checkout: never removed, even with --force.
    let screen = env.screen_of(&["workspace", "remove", "-r", "api", "-b", "main", "--force"]);
    insta::assert_snapshot!(screen, @"
    [exit: 1]
    ----- stderr -----
    error: remotes/api (main) is the repository's main workspace and cannot be removed
    ");
    assert_eq!(env.git(&checkout, &["rev-parse", "HEAD"]), head);
    assert!(checkout.join("README.md").exists());
    // Without a terminal, a missing --branch is a usage error, not the main workspace.
    let missing = env.screen_of(&["workspace", "remove", "-r", "api"]);
    insta::assert_snapshot!(missing, @"
    [exit: 2]
    ----- stderr -----
    error: --branch is required without a terminal
      - workspaces of remotes/api: feat/x [worktree]
    ");
}

#[test]
fn force_saves_the_work_where_it_can_be_restored() {
    let (env, workspace) = setup("feat/dirty");
    // An unpushed commit, a modified file, an untracked file and a staged new file.
    fs_err::write(workspace.join("committed.txt"), "committed\n").unwrap();
    env.git(&workspace, &["add", "committed.txt"]);
    env.git(&workspace, &["commit", "--quiet", "-m", "unpushed"]);
    let unpushed = env.git(&workspace, &["rev-parse", "HEAD"]);
    fs_err::write(workspace.join("README.md"), "modified\n").unwrap();
    fs_err::write(workspace.join("untracked.txt"), "untracked\n").unwrap();
    fs_err::write(workspace.join("staged.txt"), "staged\n").unwrap();
    env.git(&workspace, &["add", "staged.txt"]);

    let output = env.run(&[
        "workspace",
        "remove",
        "-r",
        "api",
        "-b",
        "feat/dirty",
        "--force",
    ]);
    {
        let _filters = snapshot_filters();
        insta::assert_snapshot!(env.screen(&output), @"
        [exit: 0]
        Saved the work at risk to [ROOT]/xdg-data/skipper/saved/local/remotes/api/feat%2Fdirty-[HASH].bundle:
          - uncommitted and untracked files as commit [HASH] on refs/skipper/saved/feat%2Fdirty/[HASH]
          - branch `feat/dirty` with its commits (the branch itself is kept)
          To restore: recreate the workspace, then run `git restore --source=refs/skipper/saved/feat%2Fdirty/[HASH] -- .` in it
        Removed workspace remotes/api (feat/dirty)
        ----- stderr -----
        ");
    }
    let out = stdout(&output);
    assert!(!workspace.exists());
    let saved_ref = out
        .split_whitespace()
        .find(|word| word.starts_with("refs/skipper/saved/"))
        .unwrap()
        .trim_end_matches(['`', ',', '.'])
        .to_owned();
    let bundle = out
        .lines()
        .find_map(|l| l.strip_prefix("Saved the work at risk to "))
        .unwrap()
        .trim_end_matches(':');
    assert!(std::path::Path::new(bundle).starts_with(env.data_root()));
    let checkout = env.checkout("api");
    env.git(&checkout, &["bundle", "verify", "--quiet", bundle]);

    // The branch is kept with its commit; recreate the workspace and restore the rest.
    assert_eq!(env.git(&checkout, &["rev-parse", "feat/dirty"]), unpushed);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/dirty"]);
    env.git(
        &workspace,
        &["restore", &format!("--source={saved_ref}"), "--", "."],
    );
    assert_eq!(
        fs_err::read_to_string(workspace.join("README.md")).unwrap(),
        "modified\n"
    );
    assert_eq!(
        fs_err::read_to_string(workspace.join("untracked.txt")).unwrap(),
        "untracked\n"
    );
    assert_eq!(
        fs_err::read_to_string(workspace.join("staged.txt")).unwrap(),
        "staged\n"
    );
    assert_eq!(
        fs_err::read_to_string(workspace.join("committed.txt")).unwrap(),
        "committed\n"
    );
}

#[test]
fn remove_refuses_commits_on_a_detached_head() {
    let (env, workspace) = setup("feat/detached");
    env.git(&workspace, &["checkout", "--quiet", "--detach"]);
    env.git(
        &workspace,
        &["commit", "--quiet", "--allow-empty", "-m", "adrift"],
    );
    insta::assert_snapshot!(refusal(&env, "feat/detached"), @"
    [exit: 1]
    ----- stderr -----
    error: refusing to remove remotes/api (feat/detached): it holds work that would be lost
      - a detached HEAD has 1 commit(s) on no branch
      - commit and push that work, or pass --force to save it under the data root and remove anyway
    ");
    // --force keeps them reachable from the saved ref.
    let adrift = env.git(&workspace, &["rev-parse", "HEAD"]);
    let screen = env.screen_of(&[
        "workspace",
        "remove",
        "-r",
        "api",
        "-b",
        "feat/detached",
        "--force",
    ]);
    let _filters = snapshot_filters();
    insta::assert_snapshot!(screen, @"
    [exit: 0]
    Saved the work at risk to [ROOT]/xdg-data/skipper/saved/local/remotes/api/feat%2Fdetached-[HASH].bundle:
      - uncommitted and untracked files as commit [HASH] on refs/skipper/saved/feat%2Fdetached/[HASH]
      - branch `feat/detached` with its commits (the branch itself is kept)
      To restore: recreate the workspace, then run `git restore --source=refs/skipper/saved/feat%2Fdetached/[HASH] -- .` in it
    Removed workspace remotes/api (feat/detached)
    ----- stderr -----
    ");
    let checkout = env.checkout("api");
    let saved = env.git(
        &checkout,
        &["for-each-ref", "--format=%(refname)", "refs/skipper/saved"],
    );
    env.git(
        &checkout,
        &["merge-base", "--is-ancestor", &adrift, saved.trim()],
    );
}
