use crate::support::{TestEnv, stderr, stdout};

#[test]
fn clone_makes_a_host_checkout_and_a_second_clone_says_so() {
    let env = TestEnv::new();
    let origin = env.origin("api", "release/v1");
    let out = env.ok(&["clone", &origin.url]);
    assert!(out.contains("Cloned remotes/api"), "{out}");
    let checkout = env.checkout("api");
    assert_eq!(
        env.git(&checkout, &["symbolic-ref", "refs/remotes/origin/HEAD"]),
        "refs/remotes/origin/release/v1"
    );

    let again = env.run(&["clone", &origin.url]);
    assert!(again.status.success());
    assert!(
        stdout(&again).contains("already cloned"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn unsafe_remotes_are_refused_before_anything_is_created() {
    let env = TestEnv::new();
    for remote in [
        "--upload-pack=touch /tmp/sk-pwned",
        "-uhttps://example.com/a/b",
        "ext::sh -c touch% /tmp/sk-pwned",
    ] {
        let output = env.run(&["clone", "--", remote]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{remote}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("invalid remote"),
            "{}",
            stderr(&output)
        );
    }
    assert!(!env.data_root().join("repos").exists());
}

#[test]
fn two_owners_repositories_of_one_name_do_not_collide() {
    let env = TestEnv::new();
    let a = env.origin("shared", "main");
    let b = env.origin_in("elsewhere", "shared", "main");
    env.ok(&["clone", &a.url]);
    env.ok(&["clone", &b.url]);

    let ambiguous = env.run(&["workspace", "run", "-r", "shared", "--", "true"]);
    assert_eq!(ambiguous.status.code(), Some(2));
    let err = stderr(&ambiguous);
    assert!(
        err.contains("remotes/shared") && err.contains("elsewhere/shared"),
        "{err}"
    );
    env.ok(&["workspace", "run", "-r", "elsewhere/shared", "--", "true"]);
}
