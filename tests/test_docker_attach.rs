//! Attaching to Docker workspaces through `sk`: a shell on the user's terminal, sized like
//! it, restored afterwards; `sh` where there is no bash; and what needs a terminal says so.

use expectrl::Expect;

use crate::support::docker::{DockerRepo, OwnDockerfile, docker_ok, docker_ready};
use crate::support::exit_code;

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
