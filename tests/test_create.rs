use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{TestEnv, stdout};

fn head(env: &TestEnv, dir: &Path) -> String {
    env.git(dir, &["rev-parse", "HEAD"])
}

#[test]
fn new_remote_and_local_branches_each_start_where_they_should() {
    let env = TestEnv::new();
    let origin = env.origin("api", "release/v1");
    env.ok(&["clone", &origin.url]);
    let checkout = env.checkout("api");

    // A new branch starts from origin/<default>, even with a `/` in the default's name.
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/new"]);
    let new = env.worktree("api", "feat/new");
    assert_eq!(
        head(&env, &new),
        env.git(&checkout, &["rev-parse", "origin/release/v1"])
    );
    assert_eq!(env.git(&new, &["branch", "--show-current"]), "feat/new");

    // A branch that exists only on the remote becomes a local branch tracking it.
    env.ok(&["workspace", "create", "-r", "api", "-b", "feature"]);
    let feature = env.worktree("api", "feature");
    assert_eq!(
        head(&env, &feature),
        env.git(&checkout, &["rev-parse", "origin/feature"])
    );
    assert_eq!(
        env.git(
            &feature,
            &["rev-parse", "--abbrev-ref", "feature@{upstream}"]
        ),
        "origin/feature"
    );

    // An existing local branch, with a commit of its own, is used as it is.
    let own = env.git(
        &checkout,
        &[
            "commit-tree",
            "HEAD^{tree}",
            "-p",
            "origin/release/v1",
            "-m",
            "local only",
        ],
    );
    env.git(&checkout, &["branch", "local-only", &own]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "local-only"]);
    let local = env.worktree("api", "local-only");
    assert_eq!(head(&env, &local), own);

    // Creating it again says so and succeeds.
    let again = env.screen_of(&["workspace", "create", "-r", "api", "-b", "feature"]);
    insta::assert_snapshot!(again, @"
    [exit: 0]
    Workspace feature of remotes/api already exists at [ROOT]/xdg-data/skipper/worktrees/local/remotes/api/feature
    ----- stderr -----
    ");
}

/// Everything about the host checkout a user could care about, byte for byte.
/// The workspace's own new branch is left out: it is the one thing `create` adds.
fn snapshot(env: &TestEnv, checkout: &Path) -> BTreeMap<String, String> {
    let mut state = BTreeMap::new();
    for file in [
        "README.md",
        "untracked.txt",
        "staged.txt",
        ".git/HEAD",
        ".git/index",
    ] {
        let bytes = fs_err::read(checkout.join(file)).unwrap_or_default();
        state.insert(file.to_owned(), format!("{bytes:02x?}"));
    }
    for (name, args) in [
        ("head", vec!["rev-parse", "HEAD"]),
        ("branches", vec!["for-each-ref", "refs/heads", "refs/stash"]),
        ("stash", vec!["stash", "list"]),
        ("status", vec!["status", "--porcelain=v1"]),
    ] {
        let text = env.git(checkout, &args);
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.ends_with("refs/heads/feat/later"))
            .collect();
        state.insert(name.to_owned(), kept.join("\n"));
    }
    state
}

#[test]
fn a_commit_pushed_after_clone_is_the_next_base_and_the_host_checkout_is_untouched() {
    let env = TestEnv::new();
    let origin = env.origin("api", "release/v1");
    env.ok(&["clone", &origin.url]);
    let checkout = env.checkout("api");

    // The user's own state in the host checkout: a stash, staged, modified and untracked files.
    fs_err::write(checkout.join("README.md"), "stashed\n").unwrap();
    env.git(&checkout, &["stash", "push", "--quiet"]);
    fs_err::write(checkout.join("staged.txt"), "staged\n").unwrap();
    env.git(&checkout, &["add", "staged.txt"]);
    fs_err::write(checkout.join("README.md"), "modified\n").unwrap();
    fs_err::write(checkout.join("untracked.txt"), "untracked\n").unwrap();
    let before = snapshot(&env, &checkout);

    let pushed = origin.push_commit("release/v1", "later.txt", "later\n");
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/later"]);

    let workspace = env.worktree("api", "feat/later");
    assert_eq!(env.git(&workspace, &["rev-parse", "HEAD"]), pushed);
    assert!(workspace.join("later.txt").exists());
    assert_eq!(snapshot(&env, &checkout), before);
}

#[test]
fn a_failed_fetch_warns_and_uses_the_last_known_remote_refs() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    fs_err::rename(&origin.bare, env.root().join("moved.git")).unwrap();
    let output = env.run(&["workspace", "create", "-r", "api", "-b", "offline"]);
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("warning: could not fetch origin"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout(&output).contains("Created workspace offline"));
}
