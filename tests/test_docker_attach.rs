//! Attaching to Docker workspaces through `sk`: a shell on the user's terminal, sized like
//! it, restored afterwards; `sh` where there is no bash; and what needs a terminal says so.

use expectrl::Expect;

use crate::support::docker::{DockerRepo, OwnDockerfile, docker_ok, docker_ready};
use crate::support::{TestEnv, exit_code};

#[test]
fn attach_opens_a_shell_with_the_terminal_size_and_returns_its_exit_code() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("attach", "");
    repo.create("feat/tty");
    // A stopped container is started again by attach.
    docker_ok(&["stop", "-t", "1", &repo.container(Some("feat/tty"))]);
    // Through a shell, to look at the terminal after sk is gone.
    let sk = assert_cmd::cargo::cargo_bin("sk");
    let script = format!(
        "mode() {{ stty -g; }}; echo \"before=$(mode)=\"; \
         {} workspace attach --sandbox docker -r {} -b feat/tty; echo attach-exit-$?; \
         echo \"after=$(mode)=\"",
        sk.display(),
        repo.name
    );
    let mut command = std::process::Command::new("sh");
    repo.env.isolate(&mut command);
    command.args(["-c", &script]);
    let mut session = repo.env.pty_command(command);
    let before = session.expect(expectrl::Regex("before=[^=]*=")).unwrap();
    let before = String::from_utf8_lossy(before.get(0).unwrap()).replace("before=", "");
    // The size reaches the container's terminal asynchronously (like `docker exec -it`):
    // wait for it inside, bounded by the expect timeout.
    session
        .send_line("until [ \"$(stty size)\" = '30 100' ]; do :; done; echo size-$((30*100))")
        .unwrap();
    session.expect("size-3000").unwrap();
    session.get_process_mut().set_window_size(120, 40).unwrap();
    session
        .send_line("until [ \"$(stty size)\" = '40 120' ]; do :; done; echo size-$((40*120))")
        .unwrap();
    session.expect("size-4800").unwrap();
    session.send_line("exit 6").unwrap();
    session.expect("attach-exit-6").unwrap();
    // The local terminal is back in the mode it had before.
    let after = session.expect(expectrl::Regex("after=[^=]*=")).unwrap();
    let after = String::from_utf8_lossy(after.get(0).unwrap()).replace("after=", "");
    assert_eq!(after, before, "the terminal's mode was not restored");
}

#[test]
fn attach_falls_back_to_sh_in_an_image_without_bash() {
    if !docker_ready() {
        return;
    }
    let own = OwnDockerfile::new(
        "nobash",
        "RUN rm -f /bin/bash /usr/bin/bash && echo nobash > /etc/nobash",
    );
    let (env, name) = (&own.env, own.name.as_str());
    env.write_config(&format!(
        "[docker]\ndockerfile = \"{}\"\n",
        own.dockerfile.display()
    ));
    env.ok(&["clone", &own.origin.url, "--sandbox", "docker"]);
    own.remember_image();

    // Without --branch on a terminal, the picker offers `main` first.
    let mut session = env.pty(&["workspace", "attach", "--sandbox", "docker", "-r", name]);
    session.expect("Workspace:").unwrap();
    session.send("\r").unwrap();
    // Typed only once the shell prompts: keys typed sooner may be read by the picker.
    session.expect(expectrl::Regex("[#$] $")).unwrap();
    session
        .send_line("echo shell-$0-$(cat /etc/nobash)")
        .unwrap();
    session.expect("shell-sh-nobash").unwrap();
    session.send_line("exit 4").unwrap();
    assert_eq!(exit_code(&mut session), 4);
}

#[test]
fn detach_has_no_session_to_end_and_attach_without_a_terminal_says_it_needs_one() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("noterm", "");
    repo.create("feat/x");
    let _filters = crate::support::snapshot_filters();
    insta::assert_snapshot!(repo.screen_of("detach", "feat/x", &[]), @"
    [exit: 0]
    Nothing to detach: this sandbox keeps no session for remotes/[REPO] (feat/x)
    ----- stderr -----
    ");
    insta::assert_snapshot!(repo.screen_of("attach", "feat/x", &[]), @"
    [exit: 2]
    ----- stderr -----
    error: attach needs a terminal
      - run it from an interactive terminal
    ");
}

fn running(container: &str) -> String {
    docker_ok(&["inspect", "--format", "{{.State.Running}}", container])
}

#[test]
fn stop_stops_the_container_and_run_starts_it_again() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("stop", "");
    repo.create("feat/x");
    let container = repo.container(Some("feat/x"));
    assert_eq!(running(&container), "true");
    let _filters = crate::support::snapshot_filters();
    insta::assert_snapshot!(repo.screen_of("stop", "feat/x", &[]), @"
    [exit: 0]
    Stopped container sk-[REPO]-feat-x-[HASH] of remotes/[REPO] (feat/x) and the processes in it
    ----- stderr -----
    ");
    assert_eq!(running(&container), "false");
    insta::assert_snapshot!(repo.screen_of("stop", "feat/x", &[]), @"
    [exit: 0]
    Nothing to stop: container sk-[REPO]-feat-x-[HASH] of remotes/[REPO] (feat/x) is not running
    ----- stderr -----
    ");
    // The workspace and its files stay; a command starts it again.
    assert_eq!(repo.sh("feat/x", "echo up"), "up\n");
    assert_eq!(running(&container), "true");
}

#[test]
fn attach_create_without_a_terminal_makes_no_container() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("nottycreate", "");
    let _filters = crate::support::snapshot_filters();
    insta::assert_snapshot!(repo.screen_of("attach", "feat/new", &["--create"]), @"
    [exit: 2]
    ----- stderr -----
    error: attach needs a terminal
      - run it from an interactive terminal
    ");
    assert!(
        repo.list()
            .iter()
            .all(|row| row["branch"].as_str() != Some("feat/new"))
    );
}

#[test]
fn prompt_says_what_it_starts_in_the_container_and_asks_for_no_colour() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("promptnc", "");
    repo.create("feat/agent");
    let config = fs_err::read_to_string(repo.env.config_file()).unwrap();
    repo.env.write_config(&format!(
        "[agent]\ncommand = [\"sh\", \"-c\", \"echo NO_COLOR=${{NO_COLOR-unset}}; [ -t 1 ] && echo tty || echo no-tty\", \"sh\", \"{{prompt}}\"]\n{config}"
    ));
    let output = repo
        .env
        .sk()
        .env_remove("NO_COLOR")
        .args(crate::support::docker::docker_ws(
            &repo,
            "prompt",
            "feat/agent",
            &["hi"],
        ))
        .output()
        .unwrap();
    insta::assert_snapshot!(repo.screen(&output), @"
    [exit: 0]
    NO_COLOR=1
    no-tty
    ----- stderr -----
    Starting sh in workspace remotes/[REPO] (feat/agent) [docker]…
    ");
}

#[test]
fn a_preset_whose_program_the_image_lacks_says_how_to_add_it() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("promptmissing", "");
    repo.create("feat/agent");
    let output = repo
        .env
        .sk()
        .args(crate::support::docker::docker_ws(
            &repo,
            "prompt",
            "feat/agent",
            &["--agent", "codex", "hi"],
        ))
        .output()
        .unwrap();
    insta::assert_snapshot!(repo.screen(&output), @"
    [exit: 1]
    ----- stderr -----
    Starting codex in workspace remotes/[REPO] (feat/agent) [docker]…
    error: the coding agent `codex` is not installed in the workspace: `codex` was not found there
      - install it (`npm install -g @openai/codex`) in the workspace image: in your Dockerfile (`docker.dockerfile` in config.toml), or use an image that has it (`docker.image`); workspaces made after that have it
      - or run another agent: --agent NAME, or `agent` in config.toml
    ");
}

#[test]
fn prompt_without_a_message_opens_the_agents_interface_in_the_container() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("promptui", "");
    repo.create("feat/agent");
    let config = fs_err::read_to_string(repo.env.config_file()).unwrap();
    repo.env.write_config(&format!(
        "{config}\n[agents.mine]\nprompt = [\"true\"]\ninteractive = [\"sh\", \"-c\", \"[ -t 0 ] && [ -t 1 ] && echo mine-on-$(stty size | tr ' ' x); read line; echo mine-read-$line; exit 6\"]\n"
    ));
    let mut session = repo.pty("prompt", "feat/agent", &["--agent", "mine"]);
    session.expect("mine-on-30x100").unwrap();
    session.send_line("hello").unwrap();
    session.expect("mine-read-hello").unwrap();
    assert_eq!(exit_code(&mut session), 6);
}

/// Typed into the container's shell: prints `parent-<name of the shell's parent>`, which is
/// `script` (util-linux script(1)) on the spawner's terminal and `none` on the daemon's
/// exec (whose process has no parent inside the container).
const PARENT: &str = "echo parent-$(cat /proc/$PPID/comm 2>/dev/null || echo none)";

/// `sk workspace attach` of `branch` on a PTY of 100 columns and 30 rows, with `env`
/// (`NAME=value`) and `-v`; the size is set before `sk` starts (a shell waits for a line
/// first), so that what `sk` reads at its start is that size.
fn attach_on_a_sized_pty(
    env: &TestEnv,
    name: &str,
    branch: &str,
    vars: &[(&str, &str)],
) -> expectrl::session::OsSession {
    let sk = assert_cmd::cargo::cargo_bin("sk");
    let script = format!(
        "read -r go; exec {} -v workspace attach --sandbox docker -r {name} -b {branch}",
        sk.display(),
    );
    let mut command = std::process::Command::new("sh");
    env.isolate(&mut command);
    command.args(["-c", &script]).envs(vars.iter().copied());
    let mut session = env.pty_command(command);
    session.send_line("go").unwrap();
    session
}

/// [`attach_on_a_sized_pty`] of `repo`'s `feat/pty`, once its shell's prompt is there and
/// it said it runs on the spawner's terminal.
fn attached_through_the_spawner(repo: &DockerRepo) -> expectrl::session::OsSession {
    let mut session = attach_on_a_sized_pty(&repo.env, &repo.name, "feat/pty", &[]);
    session.expect(expectrl::Regex("[#$] $")).unwrap();
    session.send_line(PARENT).unwrap();
    session.expect("parent-script").unwrap();
    session
}

#[test]
fn attach_goes_through_the_spawner_on_a_terminal_sized_before_the_shell_starts() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("ptyspawn", "");
    repo.create("feat/pty");
    let mut session = attached_through_the_spawner(&repo);
    // The first look at the size is right: no waiting for a resize to arrive.
    session
        .send_line("echo size-$(stty size | tr ' ' x)")
        .unwrap();
    session.expect("size-30x100").unwrap();
    session.send_line("echo term-$TERM-$(tty)").unwrap();
    session
        .expect(expectrl::Regex("term-[a-z0-9-]+-/dev/pts/[0-9]+"))
        .unwrap();
    // A resize reaches the terminal inside, whose foreground job (the shell) the kernel
    // tells with SIGWINCH. The trap is set and the shell back at its prompt (its line editor
    // waiting, so that it runs the trap at once) before the resize. stty(1) inside applies
    // the rows and the columns one at a time, so the shell may be told twice, the first time
    // with only the rows changed, and bash runs a second trap that arrives while the first
    // runs only with its next line: the size is then asked for once more.
    session
        .send_line("trap 'echo winch-$(stty size | tr \" \" x)' WINCH; echo trap-$((1+1))")
        .unwrap();
    session
        .expect(expectrl::Regex("trap-2\r?\n[^\n]*[#$] $"))
        .unwrap();
    session.get_process_mut().set_window_size(120, 40).unwrap();
    session.expect(expectrl::Regex("winch-40x[0-9]+")).unwrap();
    session
        .send_line("echo resized-$(stty size | tr ' ' x)")
        .unwrap();
    session.expect("resized-40x120").unwrap();
    session.send_line("exit 7").unwrap();
    assert_eq!(exit_code(&mut session), 7);
}

#[test]
fn a_command_on_the_terminal_sees_its_size_from_its_start() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("ptyrun", "");
    repo.create("feat/pty");
    let sk = assert_cmd::cargo::cargo_bin("sk");
    let script = format!(
        "read -r go; exec {} workspace run --sandbox docker -r {} -b feat/pty -- sh -c 'echo size-$(stty size | tr \" \" x)-$(cat /proc/$PPID/comm); exit 5'",
        sk.display(),
        repo.name
    );
    let mut command = std::process::Command::new("sh");
    repo.env.isolate(&mut command);
    command.args(["-c", &script]);
    let mut session = repo.env.pty_command(command);
    session.send_line("go").unwrap();
    session.expect("size-30x100-script").unwrap();
    assert_eq!(exit_code(&mut session), 5);
}

#[test]
fn ctrl_c_typed_on_the_spawners_terminal_reaches_the_foreground_job() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("ptyint", "");
    repo.create("feat/pty");
    let mut session = attached_through_the_spawner(&repo);
    // The job says it runs, in the foreground, before the key is typed.
    session
        .send_line("sh -c 'echo sleeping-$((6*7)); exec sleep 600'")
        .unwrap();
    session.expect("sleeping-42").unwrap();
    session.send([0x03_u8]).unwrap();
    session.send_line("echo status-$?").unwrap();
    session.expect("status-130").unwrap();
    // The shell is still there, and its exit status is sk's.
    session.send_line("exit 3").unwrap();
    assert_eq!(exit_code(&mut session), 3);
}

#[test]
fn the_detach_keys_leave_the_shell_and_its_jobs_running() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("ptydetach", "");
    repo.create("feat/pty");
    let mut session = attached_through_the_spawner(&repo);
    // A job of the shell's, which once told to writes more than a FIFO holds to the
    // terminal, then says so: it can only get there if the terminal's output is read (or
    // thrown away) once sk is gone, and if no hangup ended the shell and its jobs.
    session
        .send_line(
            "mkfifo /tmp/go /tmp/done; sleep 600 & s=$!; \
             (read -r x </tmp/go; seq 1 200000; echo drained >/tmp/done) & echo ids-$$-$s-",
        )
        .unwrap();
    let ids = session
        .expect(expectrl::Regex("ids-[0-9]+-[0-9]+-"))
        .unwrap();
    let ids = String::from_utf8_lossy(ids.get(0).unwrap()).into_owned();
    let mut ids = ids.trim_matches(|c: char| !c.is_ascii_digit()).split('-');
    let (shell, job) = (
        ids.next().unwrap().to_owned(),
        ids.next().unwrap().to_owned(),
    );
    session.send([0x1e_u8, 0x1f]).unwrap();
    assert_eq!(exit_code(&mut session), 0);

    // The shell read no end of file either (it would have exited at once).
    assert_eq!(
        repo.sh(
            "feat/pty",
            &format!(
                "echo go >/tmp/go; timeout 60 cat /tmp/done; \
                 kill -0 {shell} {job} && echo both-alive"
            )
        ),
        "drained\nboth-alive\n"
    );
}

#[test]
fn with_skipper_docker_exec_api_attach_uses_docker_exec() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("ptyapi", "");
    repo.create("feat/pty");
    let mut session = attach_on_a_sized_pty(
        &repo.env,
        &repo.name,
        "feat/pty",
        &[("SKIPPER_DOCKER_EXEC", "api")],
    );
    session
        .expect("docker exec, not the spawner: SKIPPER_DOCKER_EXEC=api")
        .unwrap();
    session.expect(expectrl::Regex("[#$] $")).unwrap();
    session.send_line(PARENT).unwrap();
    session.expect("parent-none").unwrap();
    session.send_line("exit 9").unwrap();
    assert_eq!(exit_code(&mut session), 9);
}

#[test]
fn attach_uses_docker_exec_in_an_image_without_script() {
    if !docker_ready() {
        return;
    }
    let own = OwnDockerfile::new("noscript", "RUN rm -f /usr/bin/script /bin/script");
    let (env, name) = (&own.env, own.name.as_str());
    env.write_config(&format!(
        "[docker]\ndockerfile = \"{}\"\n",
        own.dockerfile.display()
    ));
    env.ok(&["clone", &own.origin.url, "--sandbox", "docker"]);
    own.remember_image();
    env.ok(&[
        "workspace",
        "create",
        "-r",
        name,
        "-b",
        "feat/pty",
        "--sandbox",
        "docker",
    ]);
    let mut session = attach_on_a_sized_pty(env, name, "feat/pty", &[]);
    session
        .expect("docker exec, not the spawner: its terminal did not start: no util-linux script(1)")
        .unwrap();
    session.expect(expectrl::Regex("[#$] $")).unwrap();
    session.send_line(PARENT).unwrap();
    session.expect("parent-none").unwrap();
    session.send_line("exit 4").unwrap();
    assert_eq!(exit_code(&mut session), 4);
}

#[test]
fn the_spawners_terminal_has_the_modes_of_docker_execs() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("ptymodes", "");
    repo.create("feat/pty");
    let modes = |vars: &[(&str, &str)], parent: &str| {
        let mut session = attach_on_a_sized_pty(&repo.env, &repo.name, "feat/pty", vars);
        session.expect(expectrl::Regex("[#$] $")).unwrap();
        session.send_line(PARENT).unwrap();
        session.expect(format!("parent-{parent}")).unwrap();
        session.send_line("echo modes-$(stty -g)-end").unwrap();
        let seen = session
            .expect(expectrl::Regex("modes-[0-9a-f:]+-end"))
            .unwrap();
        let seen = String::from_utf8_lossy(seen.get(0).unwrap()).into_owned();
        session.send_line("exit").unwrap();
        assert_eq!(exit_code(&mut session), 0);
        seen
    };
    assert_eq!(
        modes(&[], "script"),
        modes(&[("SKIPPER_DOCKER_EXEC", "api")], "none")
    );
}
