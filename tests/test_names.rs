use crate::support::TestEnv;

#[test]
fn hostile_branch_names_are_refused_before_anything_is_created() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let checkout = env.checkout("api");
    let branches_before = env.git(&checkout, &["for-each-ref", "refs/heads"]);
    let mut screens = String::new();
    for name in [
        "..", "a..b", "-x", "x.lock", "a b", "a~1", "a:b", "@{", "a/../b", "HEAD",
    ] {
        let branch = format!("--branch={name}");
        let screen = env.screen_of(&["workspace", "create", "-r", "api", &branch]);
        screens.push_str(&format!("$ sk workspace create -r api {branch}\n{screen}"));
    }
    insta::assert_snapshot!(screens, @r#"
    $ sk workspace create -r api --branch=..
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `..`: Reference name cannot start with a dot
    $ sk workspace create -r api --branch=a..b
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `a..b`: Reference name cannot contain repeated dots
    $ sk workspace create -r api --branch=-x
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `-x`: it must not start with `-`
    $ sk workspace create -r api --branch=x.lock
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `x.lock`: Reference name cannot end with '.lock'
    $ sk workspace create -r api --branch=a b
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `a b`: it must not contain whitespace
    $ sk workspace create -r api --branch=a~1
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `a~1`: Reference name contains invalid byte: "~"
    $ sk workspace create -r api --branch=a:b
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `a:b`: Reference name contains invalid byte: ":"
    $ sk workspace create -r api --branch=@{
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `@{`: Reference name cannot contain '@{'
    $ sk workspace create -r api --branch=a/../b
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `a/../b`: Reference name cannot start with a dot
    $ sk workspace create -r api --branch=HEAD
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `HEAD`: Reference name is reserved and cannot be used: "refs/heads/HEAD"
    "#);
    assert!(!env.data_root().join("worktrees").exists());
    assert_eq!(
        env.git(&checkout, &["for-each-ref", "refs/heads"]),
        branches_before
    );
}

#[test]
fn hostile_repository_names_are_refused() {
    let env = TestEnv::new();
    let mut screens = String::new();
    for name in ["../x", "..", "a/../../b", "x y"] {
        let screen = env.screen_of(&["workspace", "create", "-r", name, "-b", "ok"]);
        screens.push_str(&format!(
            "$ sk workspace create -r {name:?} -b ok\n{screen}"
        ));
    }
    insta::assert_snapshot!(screens, @r#"
    $ sk workspace create -r "../x" -b ok
    [exit: 2]
    ----- stderr -----
    error: invalid repository `../x`: the owner must not be `.` or `..`
    $ sk workspace create -r ".." -b ok
    [exit: 2]
    ----- stderr -----
    error: invalid repository `..`: the name must not be `.` or `..`
    $ sk workspace create -r "a/../../b" -b ok
    [exit: 2]
    ----- stderr -----
    error: invalid repository `a/../../b`: the owner must not be `.` or `..`
    $ sk workspace create -r "x y" -b ok
    [exit: 2]
    ----- stderr -----
    error: invalid repository `x y`: the name contains ` `
    "#);
}

/// A clone of an origin whose default branch is `master`.
fn cloned_master() -> TestEnv {
    let env = TestEnv::new();
    let origin = env.origin("api", "master");
    env.ok(&["clone", &origin.url]);
    env
}

#[test]
fn the_main_workspace_is_called_by_the_default_branch_and_b_of_it_means_main() {
    let env = cloned_master();
    let host = env.checkout("api");

    // `-b master` is the host checkout, for every command.
    let pwd = env.ok(&["workspace", "run", "-r", "api", "-b", "master", "--", "pwd"]);
    assert_eq!(pwd.trim(), host.display().to_string());
    insta::assert_snapshot!(env.screen_of(&["workspace", "create", "-r", "api", "-b", "master"]), @"
    [exit: 0]
    Workspace master of remotes/api is its main workspace, at [ROOT]/xdg-data/skipper/repos/local/remotes/api
    ----- stderr -----
    ");
    // A branch called `main` is just a branch: its row does not look like the host's.
    env.ok(&["workspace", "create", "-r", "api", "-b", "main"]);
    insta::assert_snapshot!(env.screen_of(&["workspace", "list", "-r", "api"]), @"
    [exit: 0]
    REPOSITORY   BRANCH  SANDBOX   STATE  CHANGES  UNPUSHED  PORTS  PATH
    remotes/api  master  worktree  -      clean    none      -      [ROOT]/xdg-data/skipper/repos/local/remotes/api
    remotes/api  main    worktree  -      clean    none      [PORT]  [ROOT]/xdg-data/skipper/worktrees/local/remotes/api/main
    ----- stderr -----
    ");
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&env.ok(&["workspace", "list", "--json", "-r", "api"])).unwrap();
    let names: Vec<(serde_json::Value, serde_json::Value)> = rows
        .iter()
        .map(|row| (row["branch"].clone(), row["default_branch"].clone()))
        .collect();
    assert_eq!(
        names,
        [
            (serde_json::Value::Null, "master".into()),
            ("main".into(), "master".into()),
        ]
    );
}
