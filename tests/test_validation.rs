//! Input refused up front, before git or the filesystem see it: branch names that are too
//! long for a file name or that git would read as another ref, and data roots that are
//! relative or would spread skipper's directories over the system.

use crate::support::{TestEnv, cloned_api as cloned, stderr, stdout};

/// `sk workspace create -r api --branch=<name>` for each name, as the user sees it, with
/// what the command did to the checkout's branches and the worktree directory checked.
fn refusals(env: &TestEnv, names: &[&str]) -> String {
    let checkout = env.checkout("api");
    let branches_before = env.git(&checkout, &["for-each-ref", "refs/heads"]);
    let mut screens = String::new();
    for name in names {
        let branch = format!("--branch={name}");
        let screen = env.screen_of(&["workspace", "create", "-r", "api", &branch]);
        screens.push_str(&format!("$ sk workspace create -r api {branch}\n{screen}"));
    }
    assert!(!env.data_root().join("worktrees").exists());
    assert_eq!(
        env.git(&checkout, &["for-each-ref", "refs/heads"]),
        branches_before
    );
    screens
}

#[test]
fn a_branch_too_long_for_a_file_name_is_a_usage_error() {
    let env = cloned();
    let long = "a".repeat(300);
    // `/` is written `%2F` on disk: 179 characters, 297 bytes.
    let slashes = ["ab"; 60].join("/");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter("a{300}", "[300 × a]");
    settings.add_filter("(ab/){59}ab", "[ab/ × 59]ab");
    let _filters = settings.bind_to_scope();
    insta::assert_snapshot!(refusals(&env, &[&long, &slashes]), @"
    $ sk workspace create -r api --branch=[300 × a]
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `[300 × a]`: it is too long: 300 bytes as a file name (`/` and `%` take three), at most 232
    $ sk workspace create -r api --branch=[ab/ × 59]ab
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `[ab/ × 59]ab`: it is too long: 297 bytes as a file name (`/` and `%` take three), at most 232
    ");
}

#[test]
fn a_branch_at_the_length_limit_is_created_saved_and_removed() {
    let env = cloned();
    // 232 bytes on disk: saving work writes `.<branch>-<seconds>.index.lock`, 255 bytes.
    let branch = "b".repeat(232);
    env.ok(&["workspace", "create", "-r", "api", "-b", &branch]);
    let workspace = env.worktree("api", &branch);
    fs_err::write(workspace.join("notes.txt"), "mine\n").unwrap();
    let removed = env.ok(&["workspace", "remove", "-r", "api", "-b", &branch, "--force"]);
    assert!(removed.contains("Saved the work at risk"), "{removed}");
    assert!(!workspace.exists());
}

#[test]
fn branch_names_git_would_read_as_other_refs_are_refused() {
    let env = cloned();
    let names = [
        "FETCH_HEAD",
        "ORIG_HEAD",
        "MERGE_HEAD",
        "CHERRY_PICK_HEAD",
        "REVERT_HEAD",
        "BISECT_HEAD",
        "AUTO_MERGE",
        "MY_OWN_HEAD",
        "refs/heads/x",
        "heads/x",
        "tags/v1",
        "remotes/origin/x",
        "origin/main",
    ];
    insta::assert_snapshot!(refusals(&env, &names), @"
    $ sk workspace create -r api --branch=FETCH_HEAD
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `FETCH_HEAD`: it is spelt like git's own refs beside HEAD (`FETCH_HEAD`, `ORIG_HEAD`, `AUTO_MERGE`, ...), so git would read it as one
    $ sk workspace create -r api --branch=ORIG_HEAD
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `ORIG_HEAD`: it is spelt like git's own refs beside HEAD (`FETCH_HEAD`, `ORIG_HEAD`, `AUTO_MERGE`, ...), so git would read it as one
    $ sk workspace create -r api --branch=MERGE_HEAD
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `MERGE_HEAD`: it is spelt like git's own refs beside HEAD (`FETCH_HEAD`, `ORIG_HEAD`, `AUTO_MERGE`, ...), so git would read it as one
    $ sk workspace create -r api --branch=CHERRY_PICK_HEAD
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `CHERRY_PICK_HEAD`: it is spelt like git's own refs beside HEAD (`FETCH_HEAD`, `ORIG_HEAD`, `AUTO_MERGE`, ...), so git would read it as one
    $ sk workspace create -r api --branch=REVERT_HEAD
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `REVERT_HEAD`: it is spelt like git's own refs beside HEAD (`FETCH_HEAD`, `ORIG_HEAD`, `AUTO_MERGE`, ...), so git would read it as one
    $ sk workspace create -r api --branch=BISECT_HEAD
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `BISECT_HEAD`: it is spelt like git's own refs beside HEAD (`FETCH_HEAD`, `ORIG_HEAD`, `AUTO_MERGE`, ...), so git would read it as one
    $ sk workspace create -r api --branch=AUTO_MERGE
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `AUTO_MERGE`: it is spelt like git's own refs beside HEAD (`FETCH_HEAD`, `ORIG_HEAD`, `AUTO_MERGE`, ...), so git would read it as one
    $ sk workspace create -r api --branch=MY_OWN_HEAD
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `MY_OWN_HEAD`: it is spelt like git's own refs beside HEAD (`FETCH_HEAD`, `ORIG_HEAD`, `AUTO_MERGE`, ...), so git would read it as one
    $ sk workspace create -r api --branch=refs/heads/x
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `refs/heads/x`: it starts with `refs/`, so git would also read it as a full ref name
    $ sk workspace create -r api --branch=heads/x
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `heads/x`: it starts with `heads/`, so git would also read it as branch `x`
    $ sk workspace create -r api --branch=tags/v1
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `tags/v1`: it starts with `tags/`, so git would also read it as tag `v1`
    $ sk workspace create -r api --branch=remotes/origin/x
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `remotes/origin/x`: it starts with `remotes/`, so git would also read it as remote-tracking branch `origin/x`
    $ sk workspace create -r api --branch=origin/main
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `origin/main`: it starts with `origin/`, so git would also read it as branch `main` of the remote `origin`
    ");
}

#[test]
fn branch_names_that_only_resemble_refs_are_accepted() {
    let env = cloned();
    for name in [
        "Fetch_Head",
        "my_HEAD",
        "feat/HEAD_x",
        "originals/x",
        "x/origin/y",
    ] {
        env.ok(&["workspace", "create", "-r", "api", "-b", name]);
        assert!(env.worktree("api", name).is_dir(), "{name}");
    }
}

/// `sk args` with `variable` set to `value`, as the user sees it; run from the test's root.
fn screen_with(env: &TestEnv, variable: &str, value: &str, args: &[&str]) -> String {
    let output = env
        .sk()
        .current_dir(env.root())
        .env(variable, value)
        .args(args)
        .output()
        .unwrap();
    env.screen(&output)
}

#[test]
fn a_relative_skipper_home_is_refused_and_creates_nothing() {
    let env = TestEnv::new();
    let screen = screen_with(&env, "SKIPPER_HOME", "relative", &["workspace", "list"]);
    insta::assert_snapshot!(screen, @"
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root relative (from SKIPPER_HOME): it is a relative path, so it would move with the current directory
      - set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper
    ");
    assert!(!env.root().join("relative").exists());
}

#[test]
fn dangerous_data_roots_are_refused() {
    let env = TestEnv::new();
    let home = env.home().display().to_string();
    let mut screens = String::new();
    for root in [
        "/", "/usr", "/etc/", "/bin", "/tmp", "/var", "/home", &home, "/tmp/..",
    ] {
        let screen = screen_with(&env, "SKIPPER_HOME", root, &["workspace", "list"]);
        let shown = root.replace(&home, "[HOME]");
        screens.push_str(&format!(
            "$ SKIPPER_HOME={shown} sk workspace list\n{screen}"
        ));
    }
    insta::assert_snapshot!(screens, @"
    $ SKIPPER_HOME=/ sk workspace list
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root / (from SKIPPER_HOME): it is the filesystem root
      - set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper
    $ SKIPPER_HOME=/usr sk workspace list
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root /usr (from SKIPPER_HOME): it is a system directory
      - set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper
    $ SKIPPER_HOME=/etc/ sk workspace list
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root /etc/ (from SKIPPER_HOME): it is a system directory
      - set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper
    $ SKIPPER_HOME=/bin sk workspace list
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root /bin (from SKIPPER_HOME): it is a system directory
      - set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper
    $ SKIPPER_HOME=/tmp sk workspace list
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root /tmp (from SKIPPER_HOME): it is a system directory
      - set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper
    $ SKIPPER_HOME=/var sk workspace list
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root /var (from SKIPPER_HOME): it is a system directory
      - set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper
    $ SKIPPER_HOME=/home sk workspace list
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root /home (from SKIPPER_HOME): it is a system directory
      - set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper
    $ SKIPPER_HOME=[HOME] sk workspace list
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root [ROOT]/home (from SKIPPER_HOME): it is your home directory itself; use a directory of skipper's own in it
      - set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper
    $ SKIPPER_HOME=/tmp/.. sk workspace list
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root /tmp/.. (from SKIPPER_HOME): it is the filesystem root
      - set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper
    ");
}

#[test]
fn a_data_root_under_a_relative_xdg_data_home_or_home_is_refused() {
    let env = TestEnv::new();
    let xdg = screen_with(&env, "XDG_DATA_HOME", "data", &["workspace", "list"]);
    let home = env
        .sk()
        .current_dir(env.root())
        .env("HOME", "home")
        .env_remove("XDG_DATA_HOME")
        .args(["workspace", "list"])
        .output()
        .unwrap();
    insta::assert_snapshot!(format!("{xdg}{}", env.screen(&home)), @"
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root data/skipper (from XDG_DATA_HOME): it is a relative path, so it would move with the current directory
      - set XDG_DATA_HOME to an absolute path, or SKIPPER_HOME to skipper's own directory
    [exit: 2]
    ----- stderr -----
    error: cannot use the data root home/.local/share/skipper (from HOME): it is a relative path, so it would move with the current directory
      - set HOME to an absolute path, or SKIPPER_HOME to skipper's own directory
    ");
    assert!(!env.root().join("data").exists());
    assert!(!env.root().join("home/.local").exists());
}

#[test]
fn listing_with_no_data_root_creates_nothing() {
    let env = TestEnv::new();
    let missing_home = env.root().join("missing-home");
    let list = |args: &[&str]| {
        env.sk()
            .env("HOME", &missing_home)
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .args(args)
            .output()
            .unwrap()
    };
    let table = list(&["workspace", "list"]);
    assert!(table.status.success(), "{}", stderr(&table));
    assert_eq!(stdout(&table), "");
    assert!(
        stderr(&table).contains("No workspaces yet"),
        "{}",
        stderr(&table)
    );
    let json = list(&["workspace", "list", "--json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    assert_eq!(stdout(&json).trim(), "[]");
    let repo = list(&["workspace", "list", "-r", "api"]);
    assert_eq!(repo.status.code(), Some(1), "{}", stderr(&repo));
    let run = list(&["workspace", "run", "-r", "api", "--", "true"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(
        !missing_home.exists(),
        "sk created {}",
        missing_home.display()
    );
}

#[test]
fn a_missing_data_root_is_made_by_the_first_clone_and_found_again() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    let root = env.root().join("not/yet/there");
    let sk = |args: &[&str]| {
        let output = env
            .sk()
            .env("SKIPPER_HOME", &root)
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    assert_eq!(sk(&["workspace", "list", "--json"]).trim(), "[]");
    assert!(!root.exists());
    sk(&["clone", &origin.url]);
    sk(&["workspace", "create", "-r", "api", "-b", "feat/new-root"]);
    let listed = sk(&["workspace", "list", "--json"]);
    assert!(listed.contains("feat/new-root"), "{listed}");
}
