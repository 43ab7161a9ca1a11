//! What users' environments throw at `sk`: git variables from hooks, symlinked data
//! roots, a remote that renames its default branch, branches in use, no terminal.

use fs_err::os::unix::fs::symlink;

use crate::support::{TestEnv, stderr, stdout};

#[test]
fn git_variables_from_a_hook_do_not_redirect_sk_or_the_workspace_commands() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    // As inside a git hook of another repository: GIT_DIR and GIT_INDEX_FILE point there.
    let other = env.root().join("other");
    fs_err::create_dir_all(&other).unwrap();
    env.git(&other, &["init", "--quiet"]);
    let other_git = other.join(".git");
    let refs_before = env.git(&other, &["for-each-ref"]);
    let with_hook_env = |args: &[&str]| {
        env.sk()
            .env("GIT_DIR", &other_git)
            .env("GIT_WORK_TREE", &other)
            .env("GIT_INDEX_FILE", other_git.join("index"))
            .args(args)
            .output()
            .unwrap()
    };
    let created = with_hook_env(&["workspace", "create", "-r", "api", "-b", "feat/hook"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let top = with_hook_env(&[
        "workspace",
        "run",
        "-r",
        "api",
        "-b",
        "feat/hook",
        "--",
        "git",
        "rev-parse",
        "--show-toplevel",
    ]);
    assert_eq!(
        stdout(&top).trim(),
        env.worktree("api", "feat/hook").display().to_string()
    );
    assert_eq!(env.git(&other, &["for-each-ref"]), refs_before);
}

#[test]
fn a_symlinked_data_root_finds_its_workspaces() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    let real = env.root().join("real-data");
    fs_err::create_dir_all(&real).unwrap();
    let link = env.root().join("linked-data");
    symlink(&real, &link).unwrap();
    let sk = |home: &str, args: &[&str]| {
        let output = env
            .sk()
            .current_dir(env.root())
            .env("SKIPPER_HOME", home)
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    let link_arg = link.to_str().unwrap();
    sk(link_arg, &["clone", &origin.url]);
    sk(
        link_arg,
        &["workspace", "create", "-r", "api", "-b", "feat/link"],
    );
    let listed = sk(link_arg, &["workspace", "list", "--json"]);
    assert!(listed.contains("feat/link"), "{listed}");
    let again = sk(
        link_arg,
        &["workspace", "create", "-r", "api", "-b", "feat/link"],
    );
    assert!(again.contains("already exists"), "{again}");
    // The same root named by its real path (a relative one is refused: test_validation).
    let real_listed = sk(real.to_str().unwrap(), &["workspace", "list", "--json"]);
    assert!(real_listed.contains("feat/link"), "{real_listed}");
}

#[test]
fn a_renamed_default_branch_on_the_remote_is_followed() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    // The remote moves its default branch to `trunk` (with a new commit) and drops `main`.
    env.git(&origin.seed, &["checkout", "--quiet", "-b", "trunk"]);
    let trunk = origin.push_commit("trunk", "trunk.txt", "trunk\n");
    env.git(&origin.bare, &["symbolic-ref", "HEAD", "refs/heads/trunk"]);
    env.git(
        &origin.seed,
        &["push", "--quiet", "origin", "--delete", "main"],
    );

    env.ok(&[
        "workspace",
        "create",
        "-r",
        "api",
        "-b",
        "feat/after-rename",
    ]);
    let workspace = env.worktree("api", "feat/after-rename");
    assert_eq!(env.git(&workspace, &["rev-parse", "HEAD"]), trunk);
}

#[test]
fn a_branch_checked_out_in_the_host_checkout_is_explained() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    // The default branch names the main workspace.
    let screen = env.screen_of(&["workspace", "create", "-r", "api", "-b", "main"]);
    insta::assert_snapshot!(screen, @"
    [exit: 0]
    Workspace main of remotes/api is its main workspace, at [ROOT]/xdg-data/skipper/repos/local/remotes/api
    ----- stderr -----
    ");
    // Another branch someone checked out in the host checkout by hand cannot be a
    // workspace of its own.
    env.git(&env.checkout("api"), &["switch", "-q", "-c", "by-hand"]);
    let screen = env.screen_of(&["workspace", "create", "-r", "api", "-b", "by-hand"]);
    insta::assert_snapshot!(screen, @"
    [exit: 1]
    ----- stderr -----
    error: creating remotes/api (by-hand) failed: branch `by-hand` is checked out in the host checkout, which is the main workspace: use it by leaving out --branch
    ");
}

#[test]
fn attach_without_a_terminal_says_so_and_starts_nothing() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/noterm"]);
    let screen = env.screen_of(&["workspace", "attach", "-r", "api", "-b", "feat/noterm"]);
    insta::assert_snapshot!(screen, @"
    [exit: 2]
    ----- stderr -----
    error: attach needs a terminal
      - run it from an interactive terminal
    ");
    let mut tmux = std::process::Command::new("tmux");
    env.isolate(&mut tmux);
    let sessions = tmux
        .args(["list-sessions"])
        .stderr(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(stdout(&sessions).is_empty(), "{}", stdout(&sessions));
}
