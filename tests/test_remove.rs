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
      - 1 modified file: README.md
      - commit and push that work, or pass --force to save it (`sk workspace restore` brings it back) and remove anyway
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
      - 1 untracked file: notes.txt
      - commit and push that work, or pass --force to save it (`sk workspace restore` brings it back) and remove anyway
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
      - branch `feat/c` has 1 commit on no remote branch
      - commit and push that work, or pass --force to save it (`sk workspace restore` brings it back) and remove anyway
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
    error: remotes/api (main workspace) cannot be removed: it is the repository's own (`sk repo remove` removes the repository)
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
        Saved the work at risk as [HASH] (1 commit, 2 modified, 1 untracked) in [ROOT]/xdg-data/skipper/saved/local/remotes/api/[HASH]
          Restore it with: sk workspace restore --repository remotes/api --branch feat/dirty --saved [HASH]
        Removed workspace remotes/api (feat/dirty)
        ----- stderr -----
        ");
    }
    assert!(!workspace.exists());
    let out = stdout(&output);
    let saved = out
        .split_whitespace()
        .skip_while(|word| *word != "--saved")
        .nth(1)
        .unwrap()
        .to_owned();
    let save_dir = env.data_root().join("saved/local/remotes/api").join(&saved);
    assert!(save_dir.join("save.json").is_file(), "{out}");
    // The bundle is whole, and needs only commits the host checkout has.
    let checkout = env.checkout("api");
    let bundle = save_dir.join("work.bundle");
    env.git(
        &checkout,
        &["bundle", "verify", "--quiet", bundle.to_str().unwrap()],
    );
    // The branch is kept with its commit, and no ref of the save is left behind.
    assert_eq!(env.git(&checkout, &["rev-parse", "feat/dirty"]), unpushed);
    assert_eq!(
        env.git(&checkout, &["for-each-ref", "refs/skipper/saved"]),
        ""
    );

    env.ok(&["workspace", "restore", "-r", "api", "-b", "feat/dirty"]);
    for (file, content) in [
        ("README.md", "modified\n"),
        ("untracked.txt", "untracked\n"),
        ("staged.txt", "staged\n"),
        ("committed.txt", "committed\n"),
    ] {
        assert_eq!(
            fs_err::read_to_string(workspace.join(file)).unwrap(),
            content
        );
    }
    assert_eq!(
        env.git(&workspace, &["status", "--porcelain"]),
        "M README.md\nA  staged.txt\n?? untracked.txt"
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
      - a detached HEAD has 1 commit on no branch
      - commit and push that work, or pass --force to save it (`sk workspace restore` brings it back) and remove anyway
    ");
    // --force saves them, and the restore puts HEAD back where it was.
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
    {
        let _filters = snapshot_filters();
        insta::assert_snapshot!(screen, @"
        [exit: 0]
        Saved the work at risk as [HASH] (1 commit) in [ROOT]/xdg-data/skipper/saved/local/remotes/api/[HASH]
          Restore it with: sk workspace restore --repository remotes/api --branch feat/detached --saved [HASH]
        Removed workspace remotes/api (feat/detached)
        ----- stderr -----
        ");
    }
    env.ok(&["workspace", "restore", "-r", "api", "-b", "feat/detached"]);
    assert_eq!(env.git(&workspace, &["rev-parse", "HEAD"]), adrift);
    assert_eq!(
        env.git(&workspace, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "HEAD",
        "detached again"
    );
}

#[test]
fn remove_says_which_ignored_files_go_with_the_workspace() {
    let (env, workspace) = setup("feat/ign");
    fs_err::write(
        env.checkout("api").join(".git/info/exclude"),
        "*.log\nbuild/\n",
    )
    .unwrap();
    fs_err::write(workspace.join("debug.log"), "0123456789").unwrap();
    fs_err::create_dir_all(workspace.join("build/deep")).unwrap();
    fs_err::write(workspace.join("build/deep/out.bin"), "x".repeat(2000)).unwrap();

    let output = env.run(&["workspace", "remove", "-r", "api", "-b", "feat/ign"]);
    assert!(output.status.success(), "{}", env.screen(&output));
    let said = crate::support::stderr(&output);
    // Their size on disk, as `du` counts it: at least what they hold.
    let line = said
        .lines()
        .find(|line| line.starts_with("Deleted with it: 2 ignored paths, "))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(line.contains(" KiB: "), "{line}");
    assert!(
        line.contains("build/") && line.contains("debug.log"),
        "{line}"
    );
    assert!(!workspace.exists());
}
