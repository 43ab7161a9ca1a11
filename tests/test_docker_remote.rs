//! Remote engines, for real: a second Docker daemon of the test's own listening on a
//! loopback TCP port with TLS (certificates made by the test with openssl), reached through
//! `DOCKER_HOST` and through docker CLI contexts. Every command works on it, and nothing of
//! the host is bind-mounted: the host's configuration is copied in, read-only to the user.

use std::process::{Command, Output};
use std::sync::{Arc, Mutex, Weak};

use expectrl::Expect;

use crate::support::TestEnv;
use crate::support::docker::BASE_IMAGE;
use crate::support::second_daemon::{SecondDaemon, second_daemon_ready};
use crate::support::sshd::{Sshd, sshd_ready};
use crate::support::{stderr, stdout};

/// A second daemon listening with TLS on a loopback port, holding the test base image, and
/// the certificates of its clients. Shared by the tests running at the same time.
struct TlsEngine {
    daemon: SecondDaemon,
    certs: tempfile::TempDir,
    host: String,
}

fn tls_engine() -> Arc<TlsEngine> {
    static SHARED: Mutex<Weak<TlsEngine>> = Mutex::new(Weak::new());
    let mut shared = SHARED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(engine) = shared.upgrade() {
        return engine;
    }
    let certs = tempfile::tempdir().unwrap();
    let made = Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/support/docker/tls-certs.sh"
        ))
        .arg(certs.path())
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    // A port no one holds now; the daemon takes it at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = format!("tcp://127.0.0.1:{port}");
    let file = |name: &str| certs.path().join(name).display().to_string();
    let daemon = SecondDaemon::start(
        None,
        &[
            "--tlsverify",
            "--tlscacert",
            &file("ca.pem"),
            "--tlscert",
            &file("server-cert.pem"),
            "--tlskey",
            &file("server-key.pem"),
            "-H",
            &host,
        ],
    );
    daemon.load(&[BASE_IMAGE]);
    let engine = Arc::new(TlsEngine {
        daemon,
        certs,
        host,
    });
    *shared = Arc::downgrade(&engine);
    engine
}

/// A test's own user of the TLS engine: its home holds a git configuration to be copied
/// into workspaces, its config makes workspaces from the test base image as it is.
struct Remote {
    engine: Arc<TlsEngine>,
    env: TestEnv,
    name: String,
    /// How `sk` reaches the engine: `DOCKER_HOST` and whether with TLS.
    host: String,
    tls: bool,
    /// A docker CLI configuration whose context names the engine, instead of
    /// `DOCKER_HOST`.
    docker_config: Option<std::path::PathBuf>,
}

impl Remote {
    fn new(prefix: &str) -> Self {
        let env = TestEnv::new();
        env.write_config(&format!("[docker]\nimage = \"{BASE_IMAGE}\"\n"));
        fs_err::write(
            env.home().join(".gitconfig"),
            "[user]\n\tname = Remote Tester\n\temail = remote@example.test\n",
        )
        .unwrap();
        let engine = tls_engine();
        Self {
            host: engine.host.clone(),
            tls: true,
            docker_config: None,
            engine,
            env,
            name: skipper_testkit::unique_name(prefix),
        }
    }

    /// The same engine, reached through `host` without TLS (an ssh address).
    fn through(mut self, host: String) -> Self {
        self.host = host;
        self.tls = false;
        self
    }

    /// `sk` reaching the engine through `DOCKER_HOST`, with TLS from the environment.
    /// The same engine, through a context `sk-remote` that the docker CLI makes in a
    /// configuration of the test's own, which `docker.context` names.
    fn through_a_context(mut self) -> Self {
        let docker_config = self.env.root().join("docker-config");
        let certs = self.engine.certs.path();
        let endpoint = format!(
            "host={},ca={},cert={},key={}",
            self.engine.host,
            certs.join("ca.pem").display(),
            certs.join("cert.pem").display(),
            certs.join("key.pem").display()
        );
        docker_cli(
            &docker_config,
            &["context", "create", "sk-remote", "--docker", &endpoint],
        );
        self.env.write_config(&format!(
            "[docker]\nimage = \"{BASE_IMAGE}\"\ncontext = \"sk-remote\"\n"
        ));
        self.docker_config = Some(docker_config);
        self
    }

    fn sk(&self) -> Command {
        let mut command = self.env.sk();
        if let Some(config) = &self.docker_config {
            command.env("DOCKER_CONFIG", config);
            return command;
        }
        command.env("DOCKER_HOST", &self.host);
        if self.tls {
            command
                .env("DOCKER_TLS_VERIFY", "1")
                .env("DOCKER_CERT_PATH", self.engine.certs.path());
        }
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.sk().args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "sk {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
            output.status,
            stdout(&output),
            stderr(&output)
        );
        stdout(&output)
    }

    /// `sk workspace <command> --sandbox docker -r <repo> -b <branch> <rest>`.
    fn ws(&self, command: &str, branch: &str, rest: &[&str]) -> String {
        let mut args = vec![
            "workspace",
            command,
            "--sandbox",
            "docker",
            "-r",
            &self.name,
            "-b",
            branch,
        ];
        args.extend_from_slice(rest);
        self.ok(&args)
    }

    /// The container of `branch` on the engine, as `list --json` names it.
    fn container(&self, branch: &str) -> String {
        let listed = self.ok(&["workspace", "list", "--sandbox", "docker", "--json"]);
        let rows: serde_json::Value = serde_json::from_str(&listed).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .find(|row| {
                row["repository"].as_str().unwrap().ends_with(&self.name) && row["branch"] == branch
            })
            .and_then(|row| row["container"].as_str())
            .unwrap_or_else(|| panic!("no container for {branch} in {listed}"))
            .to_owned()
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        let label = format!(
            "label=dev.skipper.repository.name={}",
            self.name.to_ascii_lowercase()
        );
        let (_, ids) = self
            .engine
            .daemon
            .docker(&["ps", "-aq", "--filter", &label]);
        for id in ids.split_whitespace() {
            let _ = self.engine.daemon.docker(&["rm", "-f", id]);
        }
    }
}

#[test]
fn a_tls_engine_serves_every_command_and_nothing_of_the_host_is_mounted() {
    if !second_daemon_ready(&["openssl"]) {
        return;
    }
    every_command_on(&Remote::new("remotetls"), "DOCKER_HOST), over TLS");
}

#[test]
fn an_engine_over_ssh_serves_every_command_and_nothing_of_the_host_is_mounted() {
    if !second_daemon_ready(&["openssl"]) || !sshd_ready() {
        return;
    }
    let remote = Remote::new("remotessh");
    // The same second daemon, behind an sshd whose sessions reach it by its socket.
    let sshd = Sshd::start(&remote.engine.daemon.host());
    let remote = remote.through(sshd.docker_host());
    every_command_on(&remote, "DOCKER_HOST)");
}

#[test]
fn a_docker_cli_context_serves_every_command_and_nothing_of_the_host_is_mounted() {
    if !second_daemon_ready(&["openssl"]) {
        return;
    }
    let remote = Remote::new("remotectxall").through_a_context();
    every_command_on(
        &remote,
        "context `sk-remote` (docker.context in the config file)), over TLS",
    );
}

/// `docker --config <config> args`, which must succeed.
fn docker_cli(config: &std::path::Path, args: &[&str]) {
    let output = Command::new("docker")
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        stderr(&output)
    );
}

/// Clone, create, run, attach, list and remove on `remote`'s engine, whose `-v` line ends
/// with `said`; nothing of the host mounted, its configuration copied in.
fn every_command_on(remote: &Remote, said: &str) {
    let origin = remote.env.origin(&remote.name, "main");

    // The first command that copies the configuration says so, once.
    let cloned = remote.run(&["clone", &origin.url, "--sandbox", "docker"]);
    assert!(cloned.status.success(), "{}", stderr(&cloned));
    let notice = "is not on this machine: your configuration";
    assert!(stderr(&cloned).contains(notice), "{}", stderr(&cloned));
    let created = remote.run(&[
        "workspace",
        "create",
        "--sandbox",
        "docker",
        "-r",
        &remote.name,
        "-b",
        "feat/remote",
    ]);
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(!stderr(&created).contains(notice), "{}", stderr(&created));

    // The host's git configuration reached the workspace as a copy the user cannot change.
    let name = remote.ws("run", "feat/remote", &["--", "git", "config", "user.name"]);
    assert_eq!(name.trim(), "Remote Tester");
    // Root's, and no one else may write it (the test image's user is root itself: the
    // owner and modes say it).
    let owned = remote.ws(
        "run",
        "feat/remote",
        &[
            "--command",
            "stat -c '%U %a' \"$(readlink -f ~/.gitconfig)\" /run/skipper/host",
        ],
    );
    assert_eq!(owned, "root 640\nroot 755\n");
    // A change on the host reaches the copy with `sync`.
    fs_err::write(
        remote.env.home().join(".gitconfig"),
        "[user]\n\tname = Renamed Tester\n",
    )
    .unwrap();
    remote.ws("sync", "feat/remote", &[]);
    let name = remote.ws("run", "feat/remote", &["--", "git", "config", "user.name"]);
    assert_eq!(name.trim(), "Renamed Tester");
    let container = remote.container("feat/remote");
    let (found, mounts) = remote.engine.daemon.docker(&[
        "inspect",
        "--format",
        "{{len .Mounts}} {{json .HostConfig.Binds}}",
        &container,
    ]);
    assert!(found, "{mounts}");
    assert_eq!(mounts, "0 null");

    // `-v` says which engine and why.
    let verbose = remote.run(&["-v", "workspace", "list", "--sandbox", "docker"]);
    assert!(
        stderr(&verbose).contains(&format!("Docker engine: {} ({said}", remote.host)),
        "{}",
        stderr(&verbose)
    );

    // A shell through the daemon's exec, on a terminal.
    let mut attach = remote.sk();
    attach.stdin(std::process::Stdio::inherit()).args([
        "workspace",
        "attach",
        "--sandbox",
        "docker",
        "-r",
        &remote.name,
        "-b",
        "feat/remote",
    ]);
    let mut session = remote.env.pty_command(attach);
    session.send("echo answer-$((6 * 7))\r").unwrap();
    session.expect("answer-42").unwrap();
    session.send("exit\r").unwrap();
    assert_eq!(crate::support::exit_code(&mut session), 0);

    remote.ws("remove", "feat/remote", &[]);
    let (_, left) =
        remote
            .engine
            .daemon
            .docker(&["ps", "-aq", "--filter", &format!("name={container}")]);
    assert_eq!(left, "");
}

#[test]
fn a_docker_cli_context_names_the_engine_from_the_config_or_as_the_current_one() {
    if !second_daemon_ready(&["openssl"]) {
        return;
    }
    let remote = Remote::new("remotectx").through_a_context();
    let origin = remote.env.origin(&remote.name, "main");
    remote.ok(&["clone", &origin.url, "--sandbox", "docker"]);
    let docker_config = remote.docker_config.clone().unwrap();
    let docker_cli = |args: &[&str]| docker_cli(&docker_config, args);
    // Without DOCKER_HOST: the context `docker.context` names, then the CLI's current one.
    let by_context = |config: &str| {
        remote
            .env
            .write_config(&format!("[docker]\nimage = \"{BASE_IMAGE}\"\n{config}"));
        let output = remote
            .env
            .sk()
            .env("DOCKER_CONFIG", &docker_config)
            .args([
                "-v",
                "workspace",
                "list",
                "--sandbox",
                "docker",
                "-r",
                &remote.name,
            ])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        (stdout(&output), stderr(&output))
    };
    let (listed, said) = by_context("context = \"sk-remote\"\n");
    assert!(listed.contains(&remote.name), "{listed}");
    assert!(
        said.contains("(context `sk-remote` (docker.context in the config file)), over TLS"),
        "{said}"
    );
    docker_cli(&["context", "use", "sk-remote"]);
    let (listed, said) = by_context("");
    assert!(listed.contains(&remote.name), "{listed}");
    assert!(
        said.contains("(context `sk-remote` (the current context of"),
        "{said}"
    );
    // A context that does not exist is an error that names it.
    remote.env.write_config("[docker]\ncontext = \"nowhere\"\n");
    let output = remote
        .env
        .sk()
        .env("DOCKER_CONFIG", &docker_config)
        .args(["workspace", "list", "--sandbox", "docker"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("there is no docker context `nowhere`"),
        "{}",
        stderr(&output)
    );
}
