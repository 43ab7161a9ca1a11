//! How Docker workspaces run: under a chosen OCI runtime (gVisor's `runsc` on a second
//! daemon of the test's own that has it; one the daemon lacks; one that fails to start),
//! and with the resource limits of `[docker.ulimits]`.

use std::process::Output;
use std::sync::{Arc, Mutex, Weak};

use serde_json::Value;

use crate::support::docker::{BASE_IMAGE, DockerRepo, docker_ready};
use crate::support::second_daemon::{SecondDaemon, second_daemon_ready};
use crate::support::{TestEnv, stderr};

/// An OCI runtime that refuses every container, saying why as runc does: a JSON line in the
/// file its `--log` option names, which the daemon passes on.
const REFUSING_RUNTIME: &str = r#"#!/bin/sh
while [ $# -gt 0 ]; do
    case "$1" in
    --log) log=$2; shift ;;
    esac
    shift
done
message="refusing-runtime: this runtime refuses every container"
if [ -n "${log:-}" ]; then
    printf '{"level":"error","msg":"%s"}\n' "$message" >>"$log"
fi
echo "$message" >&2
exit 1
"#;

/// A second daemon whose runtimes are gVisor's (`runsc`, with `--network=none`: Debian's
/// runsc refuses to run in the root network namespace otherwise) and one that refuses every
/// container (`refusing`), holding the test base image. Shared by the tests running at the
/// same time: loading the image takes a while.
struct RuntimeDaemon {
    daemon: SecondDaemon,
    _files: tempfile::TempDir,
}

fn runtime_daemon() -> Arc<RuntimeDaemon> {
    static SHARED: Mutex<Weak<RuntimeDaemon>> = Mutex::new(Weak::new());
    let mut shared = SHARED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(daemon) = shared.upgrade() {
        return daemon;
    }
    let files = tempfile::tempdir().unwrap();
    let refusing = files.path().join("refusing-runtime");
    fs_err::write(&refusing, REFUSING_RUNTIME).unwrap();
    fs_err::set_permissions(
        &refusing,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let config = serde_json::json!({
        "runtimes": {
            "runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]},
            "refusing": {"path": refusing},
        }
    });
    let daemon = SecondDaemon::start(Some(&config.to_string()), &[]);
    daemon.load(&[BASE_IMAGE]);
    let daemon = Arc::new(RuntimeDaemon {
        daemon,
        _files: files,
    });
    *shared = Arc::downgrade(&daemon);
    daemon
}

/// A repository cloned on the Docker sandbox of `daemon`, its workspaces made from the test
/// base image as it is (no build); `extra` holds more `[docker]` keys.
struct OnDaemon {
    env: TestEnv,
    name: String,
    host: String,
}

impl OnDaemon {
    fn new(daemon: &SecondDaemon, prefix: &str, extra: &str) -> Self {
        let env = TestEnv::new();
        env.write_config(&format!("[docker]\nimage = \"{BASE_IMAGE}\"\n{extra}\n"));
        let name = skipper_testkit::unique_name(prefix);
        let origin = env.origin(&name, "main");
        let repo = Self {
            env,
            name,
            host: daemon.host(),
        };
        repo.ok(&["clone", &origin.url, "--sandbox", "docker"]);
        repo
    }

    fn run(&self, args: &[&str]) -> Output {
        self.env
            .sk()
            .env("DOCKER_HOST", &self.host)
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "sk {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// `sk workspace run` of `argv` in the workspace of `branch` (`None`: the main one);
    /// stdout.
    fn run_in(&self, branch: Option<&str>, argv: &[&str]) -> String {
        let mut args = vec!["workspace", "run", "--sandbox", "docker", "-r", &self.name];
        if let Some(branch) = branch {
            args.extend(["-b", branch]);
        }
        args.push("--");
        args.extend_from_slice(argv);
        self.ok(&args)
    }

    fn list(&self) -> Vec<Value> {
        let json = self.ok(&[
            "workspace",
            "list",
            "--sandbox",
            "docker",
            "--json",
            "-r",
            &self.name,
        ]);
        serde_json::from_str(&json).unwrap()
    }

    /// What the user sees of `output`, the repository's name, the daemon's socket and the
    /// hash of container names written as placeholders.
    fn screen(&self, output: &Output) -> String {
        self.env.screen_naming(
            output,
            &[(&self.name, "[REPO]"), (&self.host, "unix://[SOCKET]")],
        )
    }
}

#[test]
fn a_workspace_made_with_runtime_runsc_runs_under_gvisor() {
    if !second_daemon_ready(&["runsc"]) {
        return;
    }
    let daemon = runtime_daemon();
    let repo = OnDaemon::new(&daemon.daemon, "gvisor", "");
    repo.ok(&[
        "workspace",
        "create",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat",
        "--runtime",
        "runsc",
    ]);
    // gVisor's own kernel answers, where the host's would be the machine's.
    let kernel = repo.run_in(Some("feat"), &["uname", "-r"]);
    assert_eq!(kernel.trim(), "4.4.0");
    // runsc's `--network=none`: its own network stack, with a loopback interface only.
    let interfaces = repo.run_in(
        Some("feat"),
        &[
            "sh",
            "-c",
            "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
        ],
    );
    assert_eq!(interfaces.split_whitespace().collect::<Vec<_>>(), ["lo"]);
    let main_kernel = repo.run_in(None, &["uname", "-r"]);
    assert_ne!(main_kernel.trim(), "4.4.0", "the main container is runc's");

    let rows = repo.list();
    let runtime_of = |branch: Option<&str>| {
        let row = rows
            .iter()
            .find(|row| row["branch"].as_str() == branch)
            .unwrap_or_else(|| panic!("no workspace {branch:?} in {rows:?}"));
        row.get("runtime").cloned()
    };
    assert_eq!(runtime_of(Some("feat")), Some(Value::from("runsc")));
    assert_eq!(runtime_of(None), None, "the daemon's default is no runtime");
    let (_, container_runtime) = daemon.daemon.docker(&[
        "inspect",
        "--format",
        "{{.HostConfig.Runtime}}",
        rows.iter().find(|row| row["branch"] == "feat").unwrap()["container"]
            .as_str()
            .unwrap(),
    ]);
    assert_eq!(container_runtime, "runsc");
    // The runtime is the workspace's own from then on.
    let again = repo.run(&[
        "workspace",
        "create",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat",
        "--runtime",
        "runc",
    ]);
    assert!(again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains(
            "the workspace runs under the runtime \"runsc\", not --runtime runc: a workspace's runtime is fixed when it is made"
        ),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    repo.ok(&[
        "workspace",
        "remove",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat",
    ]);
    let rows = repo.list();
    assert!(
        rows.iter().all(|row| row["branch"] != "feat"),
        "feat still listed: {rows:?}"
    );
}

#[test]
fn docker_runtime_in_the_config_makes_every_new_workspace_run_under_it() {
    if !second_daemon_ready(&["runsc"]) {
        return;
    }
    let daemon = runtime_daemon();
    // The main container too: `clone` makes it under the configured runtime.
    let repo = OnDaemon::new(&daemon.daemon, "gvisorcfg", "runtime = \"runsc\"");
    let kernel = repo.run_in(None, &["uname", "-r"]);
    assert_eq!(kernel.trim(), "4.4.0");
    assert_eq!(repo.list()[0]["runtime"], "runsc");
}

#[test]
fn a_runtime_that_fails_to_start_is_reported_with_its_own_message_and_name() {
    if !second_daemon_ready(&[]) {
        return;
    }
    let daemon = runtime_daemon();
    let repo = OnDaemon::new(&daemon.daemon, "refused", "");
    let output = repo.run(&[
        "workspace",
        "create",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat",
        "--runtime",
        "refusing",
    ]);
    let _filters = crate::support::snapshot_filters();
    insta::assert_snapshot!(repo.screen(&output), @r#"
    [exit: 1]
    ----- stderr -----
    error: creating remotes/[REPO] (feat) failed: container sk-[REPO]-feat-[HASH] did not start under the runtime "refusing": failed to create shim task: OCI runtime create failed: refusing-runtime: this runtime refuses every container: unknown (HTTP 500)
      - the message is the runtime's own: check the daemon's `runtimes` entry for "refusing" (its path and runtimeArgs in daemon.json)
      - or make the workspace under another runtime: `--runtime NAME`, or docker.runtime in config.toml (unset: the daemon's default)
    "#);
    // Nothing is left of it.
    let rows = repo.list();
    assert!(rows.iter().all(|row| row["branch"] != "feat"), "{rows:?}");
}

#[test]
fn a_runtime_the_daemon_lacks_is_an_error_naming_those_it_has() {
    if !docker_ready() {
        return;
    }
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let output = env.run(&[
        "workspace",
        "create",
        "--sandbox",
        "docker",
        "-r",
        "api",
        "-b",
        "feat",
        "--runtime",
        "nosuch",
    ]);
    let mut settings = insta::Settings::clone_current();
    // The endpoint and the runtimes are the machine's; runc is among them on every one.
    settings.add_filter(r"at unix://\S+ has", "at [ENDPOINT] has");
    settings.add_filter(r"it has: (\S+, )*runc(, \S+)*", "it has: [..], runc, [..]");
    let _filters = settings.bind_to_scope();
    insta::assert_snapshot!(env.screen(&output), @r#"
    [exit: 1]
    ----- stderr -----
    error: creating remotes/api (feat) failed: the Docker daemon at [ENDPOINT] has no runtime "nosuch"; it has: [..], runc, [..]
      - configure it in the daemon's daemon.json `runtimes` (e.g. {"runtimes": {"nosuch": {"path": "/usr/bin/nosuch"}}}), then restart that daemon
      - or choose one it has: `--runtime NAME`, or docker.runtime in config.toml (unset: the daemon's default)
    "#);
    let (_, containers) = skipper_testkit::docker::docker(&[
        "ps",
        "-aq",
        "--filter",
        "label=dev.skipper.repository=local/remotes/api",
        "--filter",
        &format!(
            "label=dev.skipper.data-root={}",
            skipper_backend_docker::spec::namespace(&env.data_root())
        ),
    ]);
    assert_eq!(containers, "", "a container was made");

    // The sandbox chosen by the config rather than `--sandbox`: the same refusal (the
    // connection made to choose it once lost `--runtime`).
    env.write_config("sandbox = \"docker\"\n");
    let output = env.run(&[
        "workspace",
        "create",
        "-r",
        "api",
        "-b",
        "feat",
        "--runtime",
        "nosuch",
    ]);
    assert!(
        stderr(&output).contains("has no runtime \"nosuch\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn runtime_is_a_docker_sandbox_setting() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    insta::assert_snapshot!(env.screen_of(&["workspace", "create", "-r", "api", "-b", "feat", "--runtime", "runsc"]), @"
    [exit: 2]
    ----- stderr -----
    error: --runtime runsc is a Docker sandbox setting: a worktree workspace runs on the host, under no container runtime
      - make a Docker workspace: `sk --sandbox docker workspace create ... --runtime NAME`
    ");
    insta::assert_snapshot!(env.screen_of(&["workspace", "create", "-r", "api", "-b", "feat", "--runtime", "run sc"]), @"
    [exit: 2]
    ----- stderr -----
    error: invalid --runtime `run sc`: a runtime's name has no spaces, control characters or `/`
      - name a runtime the Docker daemon lists (`docker info` shows them), e.g. runsc
    ");
    // Nothing was made.
    insta::assert_snapshot!(env.screen_of(&["workspace", "list"]), @"
    [exit: 0]
    REPOSITORY   BRANCH  SANDBOX   STATE  CHANGES  UNPUSHED  PATH
    remotes/api  main    worktree  -      clean    none      [ROOT]/xdg-data/skipper/repos/local/remotes/api
    ----- stderr -----
    ");
}

#[test]
fn runtime_and_ulimits_config_errors_name_the_key_and_the_form() {
    let env = TestEnv::new();
    env.write_config("[docker]\n[docker.ulimits]\nnofile = \"1024-20000\"\n");
    insta::assert_snapshot!(env.screen_of(&["workspace", "list", "--sandbox", "docker"]), @r#"
    [exit: 1]
    ----- stderr -----
    error: invalid config file [ROOT]/xdg-config/skipper/config.toml: docker.ulimits.nofile: `1024-20000` is not a limit: write "SOFT:HARD" or a single number for both, e.g. "1024:20000"
      - write each limit as `docker run --ulimit` takes it: nofile = "1024:20000" (soft:hard), or nofile = 4096 (both)
    "#);
    env.write_config("[docker]\n[docker.ulimits]\nnofile = 20000\nfiles = \"10\"\n");
    insta::assert_snapshot!(env.screen_of(&["workspace", "list", "--sandbox", "docker"]), @r#"
    [exit: 1]
    ----- stderr -----
    error: invalid config file [ROOT]/xdg-config/skipper/config.toml: docker.ulimits.files: `files` is not a resource limit (known: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack)
      - write each limit as `docker run --ulimit` takes it: nofile = "1024:20000" (soft:hard), or nofile = 4096 (both)
    "#);
    env.write_config("[docker]\nruntime = \"\"\n");
    insta::assert_snapshot!(env.screen_of(&["workspace", "list", "--sandbox", "docker"]), @r#"
    [exit: 1]
    ----- stderr -----
    error: invalid config file [ROOT]/xdg-config/skipper/config.toml: docker.runtime ``: it is empty
      - name a runtime the Docker daemon lists (`docker info` shows them), e.g. "runsc"
    "#);
}

#[test]
fn ulimits_apply_to_every_workspace_container() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new(
        "ulimits",
        &format!("image = \"{BASE_IMAGE}\"\n[docker.ulimits]\nnofile = \"1024:4096\"\n"),
    );
    repo.create("feat");
    for limits in [
        repo.sh_main("ulimit -n; ulimit -Hn"),
        repo.sh("feat", "ulimit -n; ulimit -Hn"),
    ] {
        assert_eq!(
            limits.split_whitespace().collect::<Vec<_>>(),
            ["1024", "4096"]
        );
    }
}
