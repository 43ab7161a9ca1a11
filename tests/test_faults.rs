//! What the world outside `sk` gets wrong, through the real binary: names holding terminal
//! escapes, a Docker daemon that is not there, says nothing, answers only its ping, or
//! names a container state Docker does not have.

use std::process::Output;

use crate::support::fake_docker::{PingOnlyDaemon, SilentSocket};
use crate::support::{TestEnv, cloned_api as cloned, stderr, stdout};

/// `sk args` as on a colour terminal: `CLICOLOR_FORCE` makes sk's output stream pass every
/// byte through (without it, a pipe strips escape sequences and hides what a terminal would
/// receive). Returns the output and its stdout and stderr without sk's own styling.
fn on_colour_terminal(env: &TestEnv, vars: &[(&str, &std::ffi::OsStr)], args: &[&str]) -> Output {
    let mut command = env.sk();
    command
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(args);
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// `text` without sk's own styling: SGR sequences (`ESC [ digits ; m`).
fn unstyled(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("\u{1b}[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let params = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[params..].starts_with('m') {
            rest = &after[params + 1..];
        } else {
            out.push_str(&rest[start..start + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `text`, once sk's styling is taken out, holds no terminal control character (ESC, BEL,
/// a C1 control such as CSI, a carriage return) but line breaks.
fn assert_no_controls(text: &str) {
    let text = unstyled(text);
    for (i, c) in text.char_indices() {
        assert!(
            !(c.is_control() && c != '\n'),
            "control character {c:?} at byte {i} in:\n{text:?}"
        );
    }
}

#[test]
fn terminal_escapes_in_file_names_are_printed_escaped_in_the_remove_refusal() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/esc"]);
    let workspace = env.worktree("api", "feat/esc");
    for name in [
        "x\u{1b}[2J\u{1b}]0;OWNED\u{7}.txt",
        "y\u{9b}31m.txt",
        "z\n  - all clear, nothing at risk.txt",
    ] {
        fs_err::write(workspace.join(name), "mine\n").unwrap();
    }
    let args = ["workspace", "remove", "-r", "api", "-b", "feat/esc"];
    let coloured = on_colour_terminal(&env, &[], &args);
    assert_eq!(coloured.status.code(), Some(1));
    assert_no_controls(&stderr(&coloured));
    assert!(workspace.is_dir(), "the workspace must stay");
    insta::assert_snapshot!(env.screen_of(&args), @r"
    [exit: 1]
    ----- stderr -----
    error: refusing to remove remotes/api (feat/esc): it holds work that would be lost
      - 3 untracked files: x\e[2J\e]0;OWNED\a.txt, y\u{9b}31m.txt, z\n  - all clear, nothing at risk.txt
      - commit and push that work, or pass --force to save it (`sk workspace restore` brings it back) and remove anyway
    ");
}

#[test]
fn terminal_escapes_in_a_branch_name_are_printed_escaped_in_its_refusal() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let args = [
        "workspace",
        "create",
        "-r",
        "api",
        "-b",
        "a\u{1b}]0;OWNED\u{7}b",
    ];
    let coloured = on_colour_terminal(&env, &[], &args);
    assert_eq!(coloured.status.code(), Some(2));
    assert_no_controls(&stderr(&coloured));
    insta::assert_snapshot!(env.screen_of(&args), @r#"
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `a\e]0;OWNED\ab`: Reference name contains invalid byte: "\x1b"
    "#);
}

#[test]
fn terminal_escapes_in_paths_are_printed_escaped_in_the_list() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    let root = env.root().join("data\u{1b}[2J\u{9b}0;OWNED\u{7}");
    let home = [("SKIPPER_HOME", root.as_os_str())];
    let sk = |args: &[&str]| {
        let output = on_colour_terminal(&env, &home, args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        output
    };
    sk(&["clone", &origin.url]);
    sk(&["workspace", "create", "-r", "api", "-b", "feat/x"]);
    let table = sk(&["workspace", "list", "--sandbox", "worktree"]);
    assert_no_controls(&stdout(&table));
    assert_no_controls(&stderr(&table));
    insta::assert_snapshot!(unstyled(&env.screen(&table)), @r"
    [exit: 0]
    REPOSITORY   BRANCH  SANDBOX   STATE  CHANGES  UNPUSHED  PORTS  PATH
    remotes/api  main    worktree  -      clean    none      -      [ROOT]/data\e[2J\u{9b}0;OWNED\a/repos/local/remotes/api
    remotes/api  feat/x  worktree  -      clean    none      [PORT]  [ROOT]/data\e[2J\u{9b}0;OWNED\a/worktrees/local/remotes/api/feat%2Fx
    ----- stderr -----
    ");
    let json = stdout(&sk(&[
        "workspace",
        "list",
        "--sandbox",
        "worktree",
        "--json",
    ]));
    assert_no_controls(&json);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(
        rows[0]["path"].as_str().unwrap(),
        root.join("repos/local/remotes/api").to_str().unwrap()
    );
}

/// `sk args` against the Docker daemon at `host`, given a second to answer each request.
fn at_docker(env: &TestEnv, host: String) -> impl Fn(&[&str]) -> Output + '_ {
    move |args| {
        env.sk()
            .env("DOCKER_HOST", &host)
            .env("SKIPPER_DOCKER_TIMEOUT", "1")
            .args(args)
            .output()
            .unwrap()
    }
}

/// Each of `commands` run by `sk`, as the user sees them, one after another.
fn session(env: &TestEnv, sk: impl Fn(&[&str]) -> Output, commands: &[&[&str]]) -> String {
    let mut screens = String::new();
    for args in commands {
        screens.push_str(&format!(
            "$ sk {}\n{}",
            args.join(" "),
            env.screen(&sk(args))
        ));
    }
    screens
}

#[test]
fn a_workspace_an_unreachable_docker_may_hold_is_not_called_missing() {
    let env = cloned();
    let sk = |args: &[&str]| {
        env.sk()
            .env("DOCKER_HOST", "unix:///nope.sock")
            .args(args)
            .output()
            .unwrap()
    };
    let mut settings = insta::Settings::clone_current();
    // The cause is the Docker client's own wording: not ours to pin.
    settings.add_filter(r"(unix:///nope\.sock): .*(\): remotes)", "$1: [CAUSE]$2");
    let _filters = settings.bind_to_scope();
    let screens = session(
        &env,
        sk,
        &[
            &[
                "workspace",
                "run",
                "-r",
                "api",
                "-b",
                "feat/x",
                "--",
                "true",
            ],
            &["workspace", "remove", "-r", "api", "-b", "feat/x"],
            &[
                "workspace",
                "attach",
                "-r",
                "api",
                "-b",
                "feat/x",
                "--create",
            ],
        ],
    );
    insta::assert_snapshot!(screens, @"
    $ sk workspace run -r api -b feat/x -- true
    [exit: 1]
    ----- stderr -----
    error: the docker sandbox could not be asked (Docker is not reachable at unix:///nope.sock: [CAUSE]): remotes/api (feat/x) may exist there
      - start the Docker daemon or set DOCKER_HOST, then try again
    $ sk workspace remove -r api -b feat/x
    [exit: 1]
    ----- stderr -----
    error: the docker sandbox could not be asked (Docker is not reachable at unix:///nope.sock: [CAUSE]): remotes/api (feat/x) may exist there
      - start the Docker daemon or set DOCKER_HOST, then try again
    $ sk workspace attach -r api -b feat/x --create
    [exit: 1]
    ----- stderr -----
    error: the docker sandbox could not be asked (Docker is not reachable at unix:///nope.sock: [CAUSE]): remotes/api (feat/x) may exist there
      - start the Docker daemon or set DOCKER_HOST, then try again
    ");
    assert!(!screens.contains("create it"), "{screens}");
    assert!(!env.data_root().join("worktrees").exists());
}

#[test]
fn worktree_commands_never_wait_for_a_silent_docker_socket() {
    let env = cloned();
    let silent = SilentSocket::bind(env.root());
    let sk = at_docker(&env, silent.docker_host());
    // `create` asks Docker whether it holds the branch (a branch has one workspace); a
    // Docker that does not answer is said, and the workspace made where new ones go.
    let created = sk(&["workspace", "create", "-r", "api", "-b", "feat/w"]);
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(
        stderr(&created)
            .contains("the docker sandbox was not asked whether it holds this branch's workspace"),
        "{}",
        stderr(&created)
    );
    let asked = silent.connections();
    // The worktree sandbox's own commands, and commands on a workspace it holds: Docker is
    // not asked, so the socket sees no connection.
    let commands: [&[&str]; 6] = [
        &[
            "workspace",
            "run",
            "-r",
            "api",
            "-b",
            "feat/w",
            "--",
            "true",
        ],
        &["workspace", "run", "-r", "api", "--", "true"],
        &["workspace", "detach", "-r", "api", "-b", "feat/w"],
        &["--sandbox", "worktree", "workspace", "list"],
        &[
            "--sandbox",
            "worktree",
            "workspace",
            "run",
            "-r",
            "api",
            "-b",
            "feat/w",
            "--",
            "true",
        ],
        &["workspace", "remove", "-r", "api", "-b", "feat/w"],
    ];
    for args in commands {
        let output = sk(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }
    assert_eq!(
        silent.connections(),
        asked,
        "a worktree command asked Docker"
    );
    // Listing everything and a workspace the worktree sandbox lacks must ask Docker; its
    // silence costs the deadline, and is said.
    let screens = session(
        &env,
        sk,
        &[
            &["workspace", "list"],
            &[
                "workspace",
                "run",
                "-r",
                "api",
                "-b",
                "feat/elsewhere",
                "--",
                "true",
            ],
        ],
    );
    assert!(silent.connections() >= 2);
    insta::assert_snapshot!(screens, @"
    $ sk workspace list
    [exit: 0]
    REPOSITORY   BRANCH  SANDBOX   STATE  CHANGES  UNPUSHED  PATH
    remotes/api  main    worktree  -      clean    none      [ROOT]/xdg-data/skipper/repos/local/remotes/api
    ----- stderr -----
    warning: Docker workspaces are not listed: Docker is not reachable at unix://[ROOT]/silent-docker.sock: no answer within 1 s
    $ sk workspace run -r api -b feat/elsewhere -- true
    [exit: 1]
    ----- stderr -----
    error: the docker sandbox could not be asked (Docker is not reachable at unix://[ROOT]/silent-docker.sock: no answer within 1 s): remotes/api (feat/elsewhere) may exist there
      - start the Docker daemon or set DOCKER_HOST, then try again
    ");
}

#[test]
fn a_daemon_that_answers_only_its_ping_is_given_up_on_naming_the_endpoint() {
    let env = cloned();
    let daemon = PingOnlyDaemon::start(env.root());
    let sk = at_docker(&env, daemon.docker_host());
    let screens = session(
        &env,
        sk,
        &[
            &["workspace", "list"],
            &["workspace", "list", "--sandbox", "docker"],
            &[
                "workspace",
                "create",
                "-r",
                "api",
                "-b",
                "feat/d",
                "--sandbox",
                "docker",
            ],
            &["workspace", "run", "-r", "api", "--", "echo", "on the host"],
            &[
                "workspace",
                "run",
                "-r",
                "api",
                "-b",
                "feat/d",
                "--",
                "true",
            ],
        ],
    );
    insta::assert_snapshot!(screens, @"
    $ sk workspace list
    [exit: 0]
    REPOSITORY   BRANCH  SANDBOX   STATE  CHANGES  UNPUSHED  PATH
    remotes/api  main    worktree  -      clean    none      [ROOT]/xdg-data/skipper/repos/local/remotes/api
    ----- stderr -----
    warning: Docker workspaces are not listed: Docker at unix://[ROOT]/ping-only-docker.sock did not answer list containers of skipper workspaces within 1 s (SKIPPER_DOCKER_TIMEOUT)
    $ sk workspace list --sandbox docker
    [exit: 1]
    ----- stderr -----
    error: Docker at unix://[ROOT]/ping-only-docker.sock did not answer list containers of skipper workspaces within 1 s (SKIPPER_DOCKER_TIMEOUT)
      - start the Docker daemon or set DOCKER_HOST
      - or use the worktree sandbox: `--sandbox worktree`
    $ sk workspace create -r api -b feat/d --sandbox docker
    [exit: 1]
    ----- stderr -----
    error: Docker at unix://[ROOT]/ping-only-docker.sock did not answer inspect container of remotes/api (feat/d) within 1 s (SKIPPER_DOCKER_TIMEOUT)
      - start the Docker daemon or set DOCKER_HOST
      - or use the worktree sandbox: `--sandbox worktree`
    $ sk workspace run -r api -- echo on the host
    [exit: 0]
    on the host
    ----- stderr -----
    $ sk workspace run -r api -b feat/d -- true
    [exit: 1]
    ----- stderr -----
    error: the docker sandbox could not be asked (Docker at unix://[ROOT]/ping-only-docker.sock did not answer inspect container of remotes/api (feat/d) within 1 s (SKIPPER_DOCKER_TIMEOUT)): remotes/api (feat/d) may exist there
      - start the Docker daemon or set DOCKER_HOST, then try again
    ");
}

/// Podman 4's Docker API lists a container whose process ended and whose cleanup has not
/// finished as `stopped`, a state Docker does not have: any container being stopped on the
/// engine (another user's, another test's) made every listing fail.
#[test]
fn a_container_podman_lists_as_stopped_does_not_fail_the_listing() {
    let env = cloned();
    let daemon = PingOnlyDaemon::listing(
        env.root(),
        r#"[{"Id":"4f1c","Names":["/elsewhere"],"Image":"ubuntu","State":"stopped","Status":"stopped","Labels":{}},
            {"Id":"9a2e","Names":["/web"],"Image":"nginx","State":"running","Status":"Up 2 minutes","Labels":{}}]"#,
    );
    let sk = at_docker(&env, daemon.docker_host());
    let screens = session(
        &env,
        sk,
        &[
            &["workspace", "list"],
            &["workspace", "list", "--sandbox", "docker", "--json"],
        ],
    );
    insta::assert_snapshot!(screens, @"
    $ sk workspace list
    [exit: 0]
    REPOSITORY   BRANCH  SANDBOX   STATE  CHANGES  UNPUSHED  PATH
    remotes/api  main    worktree  -      clean    none      [ROOT]/xdg-data/skipper/repos/local/remotes/api
    ----- stderr -----
    $ sk workspace list --sandbox docker --json
    [exit: 0]
    []
    ----- stderr -----
    ");
}

#[test]
fn the_docker_deadline_must_be_whole_seconds() {
    let env = cloned();
    let mut screens = String::new();
    for value in ["soon", "0", "-1", "1.5"] {
        let output = env
            .sk()
            .env("DOCKER_HOST", "unix:///nope.sock")
            .env("SKIPPER_DOCKER_TIMEOUT", value)
            .args(["workspace", "list", "--sandbox", "docker"])
            .output()
            .unwrap();
        screens.push_str(&format!(
            "$ SKIPPER_DOCKER_TIMEOUT={value} sk workspace list --sandbox docker\n{}",
            env.screen(&output)
        ));
    }
    insta::assert_snapshot!(screens, @"
    $ SKIPPER_DOCKER_TIMEOUT=soon sk workspace list --sandbox docker
    [exit: 2]
    ----- stderr -----
    error: SKIPPER_DOCKER_TIMEOUT `soon` is not a whole number of seconds above 0
      - set it to the seconds the Docker daemon gets to answer a request, e.g. 30 (unset: 15 s)
    $ SKIPPER_DOCKER_TIMEOUT=0 sk workspace list --sandbox docker
    [exit: 2]
    ----- stderr -----
    error: SKIPPER_DOCKER_TIMEOUT `0` is not a whole number of seconds above 0
      - set it to the seconds the Docker daemon gets to answer a request, e.g. 30 (unset: 15 s)
    $ SKIPPER_DOCKER_TIMEOUT=-1 sk workspace list --sandbox docker
    [exit: 2]
    ----- stderr -----
    error: SKIPPER_DOCKER_TIMEOUT `-1` is not a whole number of seconds above 0
      - set it to the seconds the Docker daemon gets to answer a request, e.g. 30 (unset: 15 s)
    $ SKIPPER_DOCKER_TIMEOUT=1.5 sk workspace list --sandbox docker
    [exit: 2]
    ----- stderr -----
    error: SKIPPER_DOCKER_TIMEOUT `1.5` is not a whole number of seconds above 0
      - set it to the seconds the Docker daemon gets to answer a request, e.g. 30 (unset: 15 s)
    ");
}
