//! The host's ssh agent in Docker workspaces: at `/run/skipper/ssh-agent.sock` in every
//! container, so `git push` over ssh works inside with keys that stay on the host; still
//! there after the host's agent restarts at another path; off with `[ssh] forward_agent =
//! false`. Real `ssh-agent`s and a real `sshd` of the test's own, on this machine's
//! address on Docker's bridge (which only this machine and its containers reach).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::support::docker::{DockerRepo, docker_ok, docker_ready, docker_ws, host_address_for};
use crate::support::sshd::{Sshd, sshd_ready};
use crate::support::{stderr, stdout};

/// An `ssh-agent` of the test's own at `socket`, holding `key`; killed when dropped.
struct Agent {
    child: Child,
    socket: PathBuf,
}

impl Agent {
    fn start(socket: PathBuf, key: &Path) -> Self {
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Ready once `ssh-add` can reach it.
        loop {
            let added = Command::new("ssh-add")
                .arg(key)
                .env("SSH_AUTH_SOCK", &socket)
                .stderr(Stdio::null())
                .status()
                .unwrap();
            if added.success() {
                break;
            }
            std::thread::yield_now();
        }
        Self { child, socket }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) -> String {
    let made = Command::new("ssh-keygen")
        .args(["-q", "-N", "", "-t", "ed25519", "-f"])
        .arg(path)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    // Its fingerprint, as `ssh-add -l` shows it.
    let listed = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(path)
        .output()
        .unwrap();
    stdout(&listed)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned()
}

/// `sk args` with the host's agent at `agent`.
fn run_with(repo: &DockerRepo, agent: &Path, args: &[&str]) -> Output {
    repo.env
        .sk()
        .env("SSH_AUTH_SOCK", agent)
        .args(args)
        .output()
        .unwrap()
}

fn sh_with(repo: &DockerRepo, agent: &Path, branch: &str, text: &str) -> Output {
    run_with(
        repo,
        agent,
        &docker_ws(repo, "run", branch, &["--command", text]),
    )
}

#[test]
fn git_push_over_ssh_works_inside_with_the_hosts_agent_even_after_it_restarts_elsewhere() {
    if !docker_ready() || !sshd_ready() {
        return;
    }
    let repo = DockerRepo::new("sshagent", "");
    let keys = tempfile::tempdir().unwrap();
    let first_key = keys.path().join("first");
    let second_key = keys.path().join("second");
    let (first, second) = (keygen(&first_key), keygen(&second_key));
    let agent = Agent::start(keys.path().join("agent-1.sock"), &first_key);

    let made = run_with(
        &repo,
        &agent.socket,
        &docker_ws(&repo, "create", "feat/ssh", &[]),
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let listed = sh_with(
        &repo,
        &agent.socket,
        "feat/ssh",
        "echo \"$SSH_AUTH_SOCK\"; ssh-add -l",
    );
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(
        stdout(&listed).starts_with("/run/skipper/ssh-agent.sock\n"),
        "{}",
        stdout(&listed)
    );
    assert!(stdout(&listed).contains(&first), "{}", stdout(&listed));

    // A push over ssh to a repository on this machine, authorised by the agent's key alone.
    push_over_ssh(&repo, &agent, &first_key.with_extension("pub"), keys.path());

    // The host's agent restarts at another path (with another key): the next command
    // reaches the new one.
    drop(agent);
    let agent = Agent::start(keys.path().join("agent-2.sock"), &second_key);
    let listed = sh_with(&repo, &agent.socket, "feat/ssh", "ssh-add -l");
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout(&listed).contains(&second), "{}", stdout(&listed));
    assert!(!stdout(&listed).contains(&first), "{}", stdout(&listed));

    // Turned off, a new workspace has no agent and mounts nothing for one.
    repo.env.write_config(&format!(
        "{}\n[ssh]\nforward_agent = false\n",
        fs_err::read_to_string(repo.env.config_file()).unwrap_or_default()
    ));
    let made = run_with(
        &repo,
        &agent.socket,
        &docker_ws(&repo, "create", "no-agent", &[]),
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let listed = sh_with(
        &repo,
        &agent.socket,
        "no-agent",
        "echo \"[$SSH_AUTH_SOCK]\"; ssh-add -l",
    );
    assert!(!listed.status.success());
    assert!(stdout(&listed).starts_with("[]\n"), "{}", stdout(&listed));
    let mounts = docker_ok(&[
        "inspect",
        "--format",
        "{{range .Mounts}}{{.Destination}} {{end}}",
        &repo.container(Some("no-agent")),
    ]);
    assert!(!mounts.contains("ssh-agent"), "{mounts}");
}

/// Pushes a commit of `repo`'s `feat/ssh` workspace over ssh to a bare repository under
/// `scratch`, through an sshd of the test's own that lets in `public_key` alone (the one in
/// `agent`), and checks that it arrived.
fn push_over_ssh(repo: &DockerRepo, agent: &Agent, public_key: &Path, scratch: &Path) {
    let container = repo.container(Some("feat/ssh"));
    let address = host_address_for(&container);
    let sshd = Sshd::start_on(&address, Some(public_key), "");
    let pushed = scratch.join("pushed.git");
    let init = Command::new("git")
        .args(["init", "-q", "--bare"])
        .arg(&pushed)
        .status()
        .unwrap();
    assert!(init.success());
    let push = format!(
        "git commit -q --allow-empty -m 'from the container' && \
         GIT_SSH_COMMAND='ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=no -p {port}' \
         git push -q ssh://root@{address}{path} HEAD:refs/heads/from-container && git rev-parse HEAD",
        port = sshd.port,
        path = pushed.display(),
    );
    let went = sh_with(repo, &agent.socket, "feat/ssh", &push);
    assert!(went.status.success(), "{}", stderr(&went));
    let tip = Command::new("git")
        .arg("--git-dir")
        .arg(&pushed)
        .args(["rev-parse", "from-container"])
        .output()
        .unwrap();
    assert_eq!(stdout(&tip), stdout(&went));
}
