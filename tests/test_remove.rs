use std::path::PathBuf;

use crate::support::{TestEnv, stderr, stdout};

fn setup(branch: &str) -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", branch]);
    let workspace = env.worktree("api", branch);
    (env, workspace)
}

fn assert_refused(env: &TestEnv, branch: &str, problem: &str) {
    let output = env.run(&["workspace", "remove", "-r", "api", "-b", branch]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("refusing to remove"), "{err}");
    assert!(err.contains(problem), "expected {problem:?} in {err}");
    assert!(
        env.worktree("api", branch).is_dir(),
        "the workspace must stay"
    );
}

#[test]
fn remove_refuses_a_modified_file() {
    let (env, workspace) = setup("feat/m");
    std::fs::write(workspace.join("README.md"), "changed\n").unwrap();
    assert_refused(&env, "feat/m", "1 modified file(s): README.md");
}

#[test]
fn remove_refuses_an_untracked_file() {
    let (env, workspace) = setup("feat/u");
    std::fs::write(workspace.join("notes.txt"), "mine\n").unwrap();
    assert_refused(&env, "feat/u", "1 untracked file(s): notes.txt");
}

#[test]
fn remove_refuses_an_unpushed_commit() {
    let (env, workspace) = setup("feat/c");
    std::fs::write(workspace.join("work.txt"), "work\n").unwrap();
    env.git(&workspace, &["add", "work.txt"]);
    env.git(&workspace, &["commit", "--quiet", "-m", "local work"]);
    assert_refused(
        &env,
        "feat/c",
        "branch `feat/c` has 1 commit(s) on no remote branch",
    );
}

#[test]
fn remove_removes_a_clean_pushed_workspace_and_keeps_the_branch() {
    let (env, workspace) = setup("feat/clean");
    let out = env.ok(&["workspace", "remove", "-r", "api", "-b", "feat/clean"]);
    assert!(out.contains("Removed workspace"), "{out}");
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
    let output = env.run(&["workspace", "remove", "-r", "api", "-b", "main", "--force"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("main workspace and cannot be removed"),
        "{}",
        stderr(&output)
    );
    assert_eq!(env.git(&checkout, &["rev-parse", "HEAD"]), head);
    assert!(checkout.join("README.md").exists());
    // Without a terminal, a missing --branch is a usage error, not the main workspace.
    let missing = env.run(&["workspace", "remove", "-r", "api"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn force_saves_the_work_where_it_can_be_restored() {
    let (env, workspace) = setup("feat/dirty");
    // An unpushed commit, a modified file, an untracked file and a staged new file.
    std::fs::write(workspace.join("committed.txt"), "committed\n").unwrap();
    env.git(&workspace, &["add", "committed.txt"]);
    env.git(&workspace, &["commit", "--quiet", "-m", "unpushed"]);
    let unpushed = env.git(&workspace, &["rev-parse", "HEAD"]);
    std::fs::write(workspace.join("README.md"), "modified\n").unwrap();
    std::fs::write(workspace.join("untracked.txt"), "untracked\n").unwrap();
    std::fs::write(workspace.join("staged.txt"), "staged\n").unwrap();
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
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("Saved the work at risk to"), "{out}");
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
        std::fs::read_to_string(workspace.join("README.md")).unwrap(),
        "modified\n"
    );
    assert_eq!(
        std::fs::read_to_string(workspace.join("untracked.txt")).unwrap(),
        "untracked\n"
    );
    assert_eq!(
        std::fs::read_to_string(workspace.join("staged.txt")).unwrap(),
        "staged\n"
    );
    assert_eq!(
        std::fs::read_to_string(workspace.join("committed.txt")).unwrap(),
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
    assert_refused(
        &env,
        "feat/detached",
        "a detached HEAD has 1 commit(s) on no branch",
    );
    // --force keeps them reachable from the saved ref.
    let adrift = env.git(&workspace, &["rev-parse", "HEAD"]);
    let out = env.ok(&[
        "workspace",
        "remove",
        "-r",
        "api",
        "-b",
        "feat/detached",
        "--force",
    ]);
    assert!(out.contains("Saved the work at risk"), "{out}");
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
