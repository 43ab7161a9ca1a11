use crate::support::TestEnv;

#[test]
fn clone_makes_a_host_checkout_and_a_second_clone_says_so() {
    let env = TestEnv::new();
    let origin = env.origin("api", "release/v1");
    insta::assert_snapshot!(env.screen_of(&["clone", &origin.url]), @"
    [exit: 0]
    Cloned remotes/api into [ROOT]/xdg-data/skipper/repos/local/remotes/api
    ----- stderr -----
    ");
    let checkout = env.checkout("api");
    assert_eq!(
        env.git(&checkout, &["symbolic-ref", "refs/remotes/origin/HEAD"]),
        "refs/remotes/origin/release/v1"
    );

    insta::assert_snapshot!(env.screen_of(&["clone", &origin.url]), @"
    [exit: 0]
    remotes/api is already cloned at [ROOT]/xdg-data/skipper/repos/local/remotes/api
    ----- stderr -----
    ");
}

#[test]
fn unsafe_remotes_are_refused_before_anything_is_created() {
    let env = TestEnv::new();
    let mut screens = String::new();
    for remote in [
        "--upload-pack=touch /tmp/sk-pwned",
        "-uhttps://example.com/a/b",
        "ext::sh -c touch% /tmp/sk-pwned",
    ] {
        let screen = env.screen_of(&["clone", "--", remote]);
        screens.push_str(&format!("$ sk clone -- {remote:?}\n{screen}"));
    }
    insta::assert_snapshot!(screens, @r#"
    $ sk clone -- "--upload-pack=touch /tmp/sk-pwned"
    [exit: 2]
    ----- stderr -----
    error: invalid remote `--upload-pack=touch /tmp/sk-pwned`: it must not start with `-`
    $ sk clone -- "-uhttps://example.com/a/b"
    [exit: 2]
    ----- stderr -----
    error: invalid remote `-uhttps://example.com/a/b`: it must not start with `-`
    $ sk clone -- "ext::sh -c touch% /tmp/sk-pwned"
    [exit: 2]
    ----- stderr -----
    error: invalid remote `ext::sh -c touch% /tmp/sk-pwned`: the `ext::` transport runs programs and is not allowed
    "#);
    assert!(!env.data_root().join("repos").exists());
}

#[test]
fn two_owners_repositories_of_one_name_do_not_collide() {
    let env = TestEnv::new();
    let a = env.origin("shared", "main");
    let b = env.origin_in("elsewhere", "shared", "main");
    env.ok(&["clone", &a.url]);
    env.ok(&["clone", &b.url]);

    let ambiguous = env.screen_of(&["workspace", "run", "-r", "shared", "--", "true"]);
    insta::assert_snapshot!(ambiguous, @"
    [exit: 2]
    ----- stderr -----
    error: `shared` matches several repositories
      - candidates: elsewhere/shared, remotes/shared
      - name one with `--repository owner/name`
    ");
    env.ok(&["workspace", "run", "-r", "elsewhere/shared", "--", "true"]);
}
