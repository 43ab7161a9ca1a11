use crate::support::{TestEnv, stderr};

#[test]
fn hostile_branch_names_are_refused_before_anything_is_created() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let checkout = env.checkout("api");
    let branches_before = env.git(&checkout, &["for-each-ref", "refs/heads"]);
    for name in [
        "..", "a..b", "-x", "x.lock", "a b", "a~1", "a:b", "@{", "a/../b", "HEAD",
    ] {
        let output = env.run(&[
            "workspace",
            "create",
            "-r",
            "api",
            &format!("--branch={name}"),
        ]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{name:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("invalid branch name"),
            "{name:?}: {}",
            stderr(&output)
        );
    }
    assert!(!env.data_root().join("worktrees").exists());
    assert_eq!(
        env.git(&checkout, &["for-each-ref", "refs/heads"]),
        branches_before
    );
}

#[test]
fn hostile_repository_names_are_refused() {
    let env = TestEnv::new();
    for name in ["../x", "..", "a/../../b", "x y"] {
        let output = env.run(&["workspace", "create", "-r", name, "-b", "ok"]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{name:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("invalid repository"),
            "{}",
            stderr(&output)
        );
    }
}
