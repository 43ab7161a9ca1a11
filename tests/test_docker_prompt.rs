//! The real OpenCode in Docker workspaces (the one the shipped image installs) against a
//! stand-in model on this machine that answers with the number of user messages it got, so a
//! continued conversation shows: it continues from prompt to prompt, across a stop and a
//! restart of its container, `--new` starts another, and each container has its own; and
//! its interface opens on a terminal when no message is given.

use expectrl::Expect;

use crate::support::docker::{DockerRepo, docker_ok, docker_ready, docker_ws, host_address_for};
use crate::support::{StandinModel, require, stderr, stdout};

/// What `sk workspace prompt` printed, asserting it succeeded.
fn prompt(repo: &DockerRepo, branch: &str, rest: &[&str]) -> String {
    let output = repo.run(&docker_ws(repo, "prompt", branch, rest));
    assert!(
        output.status.success(),
        "sk workspace prompt -b {branch} {rest:?} failed with {:?}\nstdout: {}\nstderr: {}",
        output.status,
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Whether the stand-in's answer says it was sent `users` user messages.
fn answered(text: &str, users: usize) -> bool {
    text.contains(&format!("user messages: {users}."))
}

/// The conversation `sk` recorded in the workspace's git directory, inside the container.
fn recorded(repo: &DockerRepo, branch: &str) -> String {
    repo.sh(
        branch,
        r#"cat "$(git rev-parse --git-dir)/skipper/agents/opencode""#,
    )
    .trim()
    .to_owned()
}

/// The container's state as the daemon says it (`running`, `exited`, ...).
fn state(container: &str) -> String {
    docker_ok(&["inspect", "--format", "{{.State.Status}}", container])
}

#[test]
fn a_containers_conversation_continues_across_a_stop_and_a_restart_and_new_starts_another() {
    if !docker_ready() || !require("node", "SK_REQUIRE_OPENCODE") {
        return;
    }
    let repo = DockerRepo::new("promptconv", "");
    // The model runs on this machine, as a user's local model server would, not in the
    // container: it must outlive the container's stops. The host's loopback is not the
    // container's, so it listens on the host's address on the container's network (Docker's
    // own bridge, which only this machine and its containers reach), and on that alone.
    let model = StandinModel::start_on(
        &host_address_for(&repo.container(None)),
        "user messages: {users}.",
    );
    // OpenCode is configured on the host only; containers made from now on mount it read-only.
    repo.env.use_model(&model);
    repo.create("feat/agent");
    repo.create("other");

    let first = prompt(&repo, "feat/agent", &["one"]);
    assert!(answered(&first, 1), "{first}");
    let session = recorded(&repo, "feat/agent");
    assert!(session.starts_with("ses_"), "recorded: {session:?}");
    let second = prompt(&repo, "feat/agent", &["two"]);
    assert!(answered(&second, 2), "{second}");
    // Another branch's container has a conversation of its own.
    let elsewhere = prompt(&repo, "other", &["one"]);
    assert!(answered(&elsewhere, 1), "{elsewhere}");
    assert_ne!(recorded(&repo, "other"), session);

    // Stopped, the container is started again by the next prompt, which goes on with the
    // same conversation: its record and OpenCode's sessions are in the container's own
    // filesystem, which a stop keeps.
    let container = repo.container(Some("feat/agent"));
    docker_ok(&["stop", &container]);
    assert_eq!(state(&container), "exited");
    let after_stop = prompt(&repo, "feat/agent", &["three"]);
    assert!(answered(&after_stop, 3), "{after_stop}");
    assert_eq!(state(&container), "running");
    // Restarted by Docker (its spawner and every process in it started anew): the same.
    docker_ok(&["restart", &container]);
    let after_restart = prompt(&repo, "feat/agent", &["four"]);
    assert!(answered(&after_restart, 4), "{after_restart}");
    assert_eq!(recorded(&repo, "feat/agent"), session);

    // `--new` starts another conversation, which the next prompt continues.
    let fresh = prompt(&repo, "feat/agent", &["--new", "five"]);
    assert!(answered(&fresh, 1), "{fresh}");
    let new_session = recorded(&repo, "feat/agent");
    assert_ne!(new_session, session);
    let after_new = prompt(&repo, "feat/agent", &["six"]);
    assert!(answered(&after_new, 2), "{after_new}");
    // The other container's conversation went on undisturbed.
    let elsewhere = prompt(&repo, "other", &["two"]);
    assert!(answered(&elsewhere, 2), "{elsewhere}");
}

#[test]
fn without_a_message_the_real_opencode_opens_its_interface_in_the_container() {
    if !docker_ready() || !require("node", "SK_REQUIRE_OPENCODE") {
        return;
    }
    let repo = DockerRepo::new("promptoc", "");
    let model = StandinModel::start_on(
        &host_address_for(&repo.container(None)),
        "stand-in-answers-in-the-container",
    );
    repo.env.use_model(&model);
    repo.create("agent");

    let mut session = repo.pty("prompt", "agent", &[]);
    // The interface shows the model it talks to once it is up.
    session.expect("Echo").unwrap();
    session.send("say hello").unwrap();
    session.send("\r").unwrap();
    session.expect("stand-in-answers-in-the-container").unwrap();
    // Ctrl-C twice leaves it; `sk` exits with it.
    session.send("\x03").unwrap();
    session.send("\x03").unwrap();
    let code = crate::support::exit_code(&mut session);
    assert!(code == 0 || code == 130, "exit {code}");
}

#[test]
fn a_containers_conversation_goes_with_its_saved_work_restored_or_moved_to_either_sandbox() {
    if !docker_ready() || !require("node", "SK_REQUIRE_OPENCODE") {
        return;
    }
    let repo = DockerRepo::new("promptkeep", "");
    let model = StandinModel::start_on(
        &host_address_for(&repo.container(None)),
        "user messages: {users}.",
    );
    repo.env.use_model(&model);
    // A branch without a `/`: OpenCode on the host cannot work in a worktree whose
    // directory spells it `%2F` (see `TestEnv::with_agent_workspace`).
    repo.create("agent");
    assert!(answered(&prompt(&repo, "agent", &["one"]), 1));
    assert!(answered(&prompt(&repo, "agent", &["two"]), 2));
    let session = recorded(&repo, "agent");
    let remove = |sandbox: &str| {
        let removed = repo.run(&[
            "workspace",
            "remove",
            "--sandbox",
            sandbox,
            "-r",
            &repo.name,
            "-b",
            "agent",
            "--force",
        ]);
        assert!(removed.status.success(), "{}", stderr(&removed));
        stderr(&removed)
    };
    let restore = |sandbox: &str| {
        let restored = repo.run(&[
            "workspace",
            "restore",
            "--sandbox",
            sandbox,
            "-r",
            &repo.name,
            "-b",
            "agent",
        ]);
        assert!(restored.status.success(), "{}", stderr(&restored));
        stderr(&restored)
    };

    // OpenCode's sessions are in the container, which goes: the save keeps its export.
    let said = remove("docker");
    assert!(
        said.contains("Kept its conversation with opencode in the save"),
        "{said}"
    );
    assert!(!said.contains("went with it"), "{said}");
    let said = restore("docker");
    assert!(
        said.contains("Its conversation with opencode is back"),
        "{said}"
    );
    // A new container, whose OpenCode imported the conversation and goes on with it.
    assert_eq!(recorded(&repo, "agent"), session);
    assert!(answered(&prompt(&repo, "agent", &["three"]), 3));

    // Saved from the container again and restored on the host: the host's OpenCode
    // imports it too.
    remove("docker");
    let said = restore("worktree");
    assert!(
        said.contains("Its conversation with opencode is back"),
        "{said}"
    );
    let on_host = repo.run(&[
        "workspace",
        "prompt",
        "--sandbox",
        "worktree",
        "-r",
        &repo.name,
        "-b",
        "agent",
        "four",
    ]);
    assert!(on_host.status.success(), "{}", stderr(&on_host));
    assert!(answered(&stdout(&on_host), 4), "{}", stdout(&on_host));

    // Moved back into a container, it comes along again.
    let moved = repo.run(&[
        "workspace",
        "move",
        "-r",
        &repo.name,
        "-b",
        "agent",
        "--to",
        "docker",
    ]);
    assert!(moved.status.success(), "{}", stderr(&moved));
    assert!(
        stderr(&moved).contains("Its conversation with opencode came along"),
        "{}",
        stderr(&moved)
    );
    assert!(answered(&prompt(&repo, "agent", &["five"]), 5));
}
