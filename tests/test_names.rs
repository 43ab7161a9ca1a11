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
