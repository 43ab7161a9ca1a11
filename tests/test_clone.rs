use crate::support::{TestEnv, stderr};

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

/// `owner/name` with no such local path is GitHub's, as `gh repo clone` takes it, and
/// `host/owner/name` is that host's; both say so. (The test's git sends those URLs to local
/// bare repositories with `url.<base>.insteadOf`: nothing leaves the machine.)
#[test]
fn owner_name_shorthands_mean_github_and_host_urls() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    let parent = origin.bare.parent().unwrap().display().to_string();
    let gitconfig = env.home().join(".gitconfig");
    let mut config = fs_err::read_to_string(&gitconfig).unwrap_or_default();
    config.push_str(&format!(
        "[url \"file://{parent}/\"]\n\tinsteadOf = https://github.com/acme/\n\tinsteadOf = https://git.example.org/team/\n"
    ));
    fs_err::write(&gitconfig, config).unwrap();

    let cloned = env.run(&["clone", "acme/api"]);
    assert!(cloned.status.success(), "{}", stderr(&cloned));
    assert!(
        stderr(&cloned).contains("Taking `acme/api` as https://github.com/acme/api"),
        "{}",
        stderr(&cloned)
    );
    assert!(env.data_root().join("repos/github.com/acme/api").is_dir());

    let other = env.run(&["clone", "git.example.org/team/api"]);
    assert!(other.status.success(), "{}", stderr(&other));
    assert!(
        stderr(&other).contains("as https://git.example.org/team/api"),
        "{}",
        stderr(&other)
    );
    assert!(
        env.data_root()
            .join("repos/git.example.org/team/api")
            .is_dir()
    );
}

/// An ssh host that accepts the connection and never says a word: the clone fails with
/// ssh's own cause after the connect timeout, and leaves no directory behind.
#[test]
fn an_ssh_host_that_never_answers_fails_with_the_cause_and_leaves_nothing() {
    let env = TestEnv::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let connection = listener.accept();
        // Held open, silent, until sk has given up.
        std::thread::park();
        drop(connection);
    });

    let output = env
        .sk()
        .env("SKIPPER_SSH_CONNECT_TIMEOUT", "1")
        .args(["clone", &format!("ssh://git@127.0.0.1:{port}/acme/api.git")])
        .output()
        .unwrap();
    held.thread().unpark();

    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("timed out"), "{}", stderr(&output));
    assert!(!stderr(&output).contains(".cloning"), "{}", stderr(&output));
    let repos = env.data_root().join("repos");
    assert!(
        !repos.join("127.0.0.1").exists(),
        "{:?}",
        fs_err::read_dir(&repos).map(Iterator::count)
    );
}

/// On a terminal git's progress is shown, naming the checkout, never the staging path.
#[test]
fn clone_progress_on_a_terminal_names_the_checkout() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    let mut session = env.pty(&["clone", &origin.url]);
    let mut seen = Vec::new();
    std::io::Read::read_to_end(&mut session, &mut seen).ok();
    let seen = String::from_utf8_lossy(&seen);
    assert!(seen.contains("Cloning into"), "{seen}");
    assert!(seen.contains("repos/local/remotes/api"), "{seen}");
    assert!(!seen.contains(".cloning"), "{seen}");
}
