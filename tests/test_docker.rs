//! The Docker sandbox end to end through `sk`, against the real daemon: the shipped
//! Dockerfile built lazily FROM a local base image, real git inside, real OpenCode.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use expectrl::Expect;
use serde_json::Value;

use crate::support::docker::{RemoveImage, Sweep, docker_cli, docker_ready, unique_name};
use crate::support::{TestEnv, exit_code, stderr, stdout};

/// Now as a Unix timestamp with nanoseconds, as `docker events --since` takes it.
fn unix_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    format!("{}.{:09}", now.as_secs(), now.subsec_nanos())
}

/// A cloned origin on the Docker sandbox, swept when dropped.
struct DockerRepo {
    env: TestEnv,
    origin: crate::support::Origin,
    name: String,
    _sweep: Sweep,
}

impl DockerRepo {
    fn new(prefix: &str, extra_config: &str) -> Self {
        let env = TestEnv::new();
        env.use_docker(extra_config);
        let name = unique_name(prefix);
        let origin = env.origin(&name, "release/v1");
        let sweep = Sweep {
            repository: format!("local/remotes/{name}"),
        };
        let repo = Self {
            env,
            origin,
            name,
            _sweep: sweep,
        };
        repo.ok(&["clone", &repo.origin.url.clone(), "--sandbox", "docker"]);
        repo
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        self.env.run(args)
    }

    fn ok(&self, args: &[&str]) -> String {
        self.env.ok(args)
    }

    /// `sk workspace create` of `branch` on the Docker sandbox.
    fn create(&self, branch: &str) {
        self.ok(&[
            "workspace",
            "create",
            "-r",
            &self.name,
            "-b",
            branch,
            "--sandbox",
            "docker",
        ]);
    }

    /// `sk workspace <command> --sandbox docker -r <repo> -b <branch> <rest>` on a PTY.
    fn pty(&self, command: &str, branch: &str, rest: &[&str]) -> expectrl::session::OsSession {
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
        self.env.pty(&args)
    }

    /// `sk workspace run` in the branch's container, shell text; stdout.
    fn sh(&self, branch: &str, text: &str) -> String {
        self.ok(&[
            "workspace",
            "run",
            "--sandbox",
            "docker",
            "-r",
            &self.name,
            "-b",
            branch,
            "--command",
            text,
        ])
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

    fn container(&self, branch: Option<&str>) -> String {
        let rows = self.list();
        let row = rows
            .iter()
            .find(|row| row["branch"].as_str() == branch)
            .unwrap_or_else(|| panic!("no workspace {branch:?} in {rows:?}"));
        row["container"].as_str().unwrap().to_owned()
    }
}

/// A fresh environment whose repository uses its own Dockerfile (`FROM` the test base plus
/// `steps`); its containers, then its image, are removed when dropped.
struct OwnDockerfile {
    env: TestEnv,
    name: String,
    origin: crate::support::Origin,
    dockerfile: std::path::PathBuf,
    // Fields drop in order: the containers before the image they run.
    _sweep: Sweep,
    image: RemoveImage,
}

impl OwnDockerfile {
    fn new(prefix: &str, steps: &str) -> Self {
        let env = TestEnv::new();
        let name = unique_name(prefix);
        let origin = env.origin(&name, "main");
        let dockerfile = env.root().join("Own.Dockerfile");
        let base = crate::support::docker::BASE_IMAGE;
        std::fs::write(&dockerfile, format!("FROM {base}\n{steps}\n")).unwrap();
        Self {
            _sweep: Sweep {
                repository: format!("local/remotes/{name}"),
            },
            image: RemoveImage(std::cell::RefCell::new(None)),
            env,
            name,
            origin,
            dockerfile,
        }
    }

    /// Notes the image the main container runs, to remove it at the end.
    fn remember_image(&self) {
        let rows = self.env.ok(&[
            "workspace",
            "list",
            "--sandbox",
            "docker",
            "--json",
            "-r",
            &self.name,
        ]);
        let rows: Vec<Value> = serde_json::from_str(&rows).unwrap();
        let hash = docker_cli(&[
            "inspect",
            "--format",
            "{{index .Config.Labels \"dev.skipper.image-hash\"}}",
            rows[0]["container"].as_str().unwrap(),
        ]);
        self.image
            .0
            .replace(Some(format!("skipper-workspace:{hash}")));
    }
}

#[test]
fn the_seed_verification_list_end_to_end() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("seed", "");
    let name = repo.name.clone();
    // The shipped Dockerfile, byte for byte, is what was written and built.
    let written = std::fs::read(repo.env.data_root().join("docker/Dockerfile")).unwrap();
    assert_eq!(written, include_bytes!("../assets/Dockerfile"));
    // Host configuration to share read-only (OpenCode's is covered by the prompt test).
    let ssh = repo.env.home().join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(ssh.join("config"), "Host example\n").unwrap();
    let gh = repo.env.root().join("xdg-config/gh");
    std::fs::create_dir_all(&gh).unwrap();
    std::fs::write(gh.join("hosts.yml"), "github.com: {}\n").unwrap();
    let before_create = unix_now();
    let created = repo.ok(&[
        "workspace",
        "create",
        "--repository",
        &name,
        "--branch",
        "feat/x",
        "--sandbox",
        "docker",
    ]);
    assert!(created.contains("Created workspace feat/x"), "{created}");
    // The image was built by the clone; an unchanged Dockerfile is never built again.
    let builds = docker_cli(&[
        "events",
        "--since",
        &before_create,
        "--until",
        &unix_now(),
        "--filter",
        "type=image",
        "--filter",
        "event=tag",
        "--format",
        "{{.Actor.Attributes.name}}",
    ]);
    assert!(!builds.contains("skipper-workspace:"), "rebuilt: {builds}");
    let shared = repo.sh(
        "feat/x",
        "cat ~/.ssh/config ~/.config/gh/hosts.yml; (echo x >> ~/.ssh/config) 2>/dev/null && echo ssh-writable; (echo x >> ~/.config/gh/hosts.yml) 2>/dev/null && echo gh-writable; true",
    );
    assert_eq!(shared, "Host example\ngithub.com: {}\n");
    let pwd = repo.ok(&[
        "workspace",
        "run",
        "--repository",
        &name,
        "--branch",
        "feat/x",
        "--command",
        "pwd",
        "--sandbox",
        "docker",
    ]);
    assert!(
        pwd.trim().starts_with('/') && pwd.trim().ends_with(&name),
        "{pwd}"
    );

    // Inside: full history, remote branches, HEAD on feat/x.
    let log = repo.sh("feat/x", "git log --format=%s");
    assert_eq!(log.trim(), "initial");
    let feature_log = repo.sh("feat/x", "git log --format=%s origin/feature");
    assert_eq!(feature_log.trim(), "feature work\ninitial");
    let branches = repo.sh("feat/x", "git branch -a --format='%(refname)'");
    assert!(
        branches.contains("refs/remotes/origin/feature"),
        "{branches}"
    );
    assert!(
        branches.contains("refs/remotes/origin/release/v1"),
        "{branches}"
    );
    assert_eq!(
        repo.sh("feat/x", "git symbolic-ref --short HEAD").trim(),
        "feat/x"
    );

    // No session to end, and no terminal for attach: both said clearly.
    let detach = repo.ok(&[
        "workspace",
        "detach",
        "--repository",
        &name,
        "--branch",
        "feat/x",
        "--sandbox",
        "docker",
    ]);
    assert!(detach.contains("Nothing to detach"), "{detach}");
    let attach = repo.run(&[
        "workspace",
        "attach",
        "--repository",
        &name,
        "--branch",
        "feat/x",
        "--sandbox",
        "docker",
    ]);
    assert_eq!(attach.status.code(), Some(2));
    assert!(
        stderr(&attach).contains("needs a terminal"),
        "{}",
        stderr(&attach)
    );

    // Removing a clean workspace removes its container; the branch stays on the host.
    let removed = repo.ok(&[
        "workspace",
        "remove",
        "--repository",
        &name,
        "--branch",
        "feat/x",
        "--sandbox",
        "docker",
    ]);
    assert!(removed.contains("Removed workspace"), "{removed}");
    assert!(
        repo.list()
            .iter()
            .all(|row| row["branch"].as_str() != Some("feat/x"))
    );
}

#[test]
fn a_commit_pushed_after_the_clone_is_in_the_next_container_and_the_host_is_untouched() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("fresh", "");
    let checkout = repo.env.checkout(&repo.name);
    let head_before = repo.env.git(&checkout, &["rev-parse", "HEAD"]);
    let status_before = repo.env.git(&checkout, &["status", "--porcelain=v1"]);
    let branches_before = repo.env.git(&checkout, &["for-each-ref", "refs/heads"]);

    let pushed = repo
        .origin
        .push_commit(&repo.env, "release/v1", "later.txt", "later\n");
    repo.create("feat/later");
    assert_eq!(repo.sh("feat/later", "git rev-parse HEAD").trim(), pushed);
    assert_eq!(repo.sh("feat/later", "cat later.txt"), "later\n");
    // An existing remote branch becomes a tracking branch.
    repo.create("feature");
    assert_eq!(
        repo.sh("feature", "git rev-parse --abbrev-ref feature@{upstream}")
            .trim(),
        "origin/feature"
    );

    assert_eq!(repo.env.git(&checkout, &["rev-parse", "HEAD"]), head_before);
    assert_eq!(
        repo.env.git(&checkout, &["status", "--porcelain=v1"]),
        status_before
    );
    assert_eq!(
        repo.env.git(&checkout, &["for-each-ref", "refs/heads"]),
        branches_before
    );
}

#[test]
fn run_streams_stdin_stdout_stderr_and_exit_codes() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("run", "");
    repo.create("feat/io");
    let mut child = repo
        .env
        .sk()
        .args([
            "workspace",
            "run",
            "--sandbox",
            "docker",
            "-r",
            &repo.name,
            "-b",
            "feat/io",
            "--command",
        ])
        .arg("tr a-z A-Z; echo to-stderr >&2; exit 3")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"from stdin\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(stdout(&output), "FROM STDIN\n");
    assert_eq!(stderr(&output), "to-stderr\n");

    // Without --sandbox, a workspace that exists only in Docker is found there.
    let auto = repo.ok(&[
        "workspace",
        "run",
        "-r",
        &repo.name,
        "-b",
        "feat/io",
        "--",
        "printf",
        "%s",
        "a;b $(x)",
    ]);
    assert_eq!(auto, "a;b $(x)");
    // Once it also exists as a worktree, the sandbox must be named.
    repo.ok(&[
        "workspace",
        "create",
        "-r",
        &repo.name,
        "-b",
        "feat/io",
        "--sandbox",
        "worktree",
    ]);
    let both = repo.run(&[
        "workspace",
        "run",
        "-r",
        &repo.name,
        "-b",
        "feat/io",
        "--",
        "true",
    ]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    assert!(
        stderr(&both).contains("exists in both"),
        "{}",
        stderr(&both)
    );
    let named = repo.ok(&[
        "workspace",
        "run",
        "--sandbox",
        "worktree",
        "-r",
        &repo.name,
        "-b",
        "feat/io",
        "--",
        "pwd",
    ]);
    assert_eq!(
        named.trim(),
        repo.env
            .worktree(&repo.name, "feat/io")
            .display()
            .to_string()
    );
}

#[test]
fn attach_opens_a_shell_with_the_terminal_size_and_returns_its_exit_code() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("attach", "");
    repo.create("feat/tty");
    // A stopped container is started again by attach.
    docker_cli(&["stop", "-t", "1", &repo.container(Some("feat/tty"))]);
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
fn run_on_a_terminal_gets_a_terminal_and_ctrl_c_reaches_the_command() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("runtty", "");
    repo.create("feat/t");
    let mut session = repo.pty(
        "run",
        "feat/t",
        &[
            "--command",
            "test -t 0 && test -t 1 && echo on-a-tty; trap 'echo got-int; exit 9' INT; echo ready; while :; do :; done",
        ],
    );
    session.expect("on-a-tty").unwrap();
    session.expect("ready").unwrap();
    session.send(expectrl::ControlCode::EndOfText).unwrap();
    session.expect("got-int").unwrap();
    assert_eq!(exit_code(&mut session), 9);
}

#[test]
fn prompt_runs_the_real_opencode_inside_the_container() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("prompt", "");
    // OpenCode is configured on the host only: the read-only mount carries it in.
    let model_port = 43117;
    let config = repo.env.root().join("xdg-config/opencode");
    std::fs::create_dir_all(&config).unwrap();
    let standin = crate::support::StandinModel::config_for_port(model_port);
    std::fs::write(config.join("opencode.json"), standin).unwrap();
    repo.create("feat/agent");
    // The stand-in model server runs inside the container, on its loopback.
    let script = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/support/standin-model.js"
    ))
    .unwrap();
    let mut child = repo
        .env
        .sk()
        .args(["workspace", "run", "--sandbox", "docker", "-r", &repo.name, "-b", "feat/agent", "--command"])
        .arg(format!(
            "cat > /tmp/standin.js && (PORT={model_port} STANDIN_REPLY='Answered inside the container.' nohup node /tmp/standin.js > /tmp/standin.log 2>&1 &) && until grep -q '^{model_port}$' /tmp/standin.log; do :; done"
        ))
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&script).unwrap();
    assert!(child.wait().unwrap().success());

    let output = repo.run(&[
        "workspace",
        "prompt",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/agent",
        "say",
        "hello",
    ]);
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("Answered inside the container."),
        "stdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    // On a terminal, as users run it: the agent gets a TTY in the container.
    let mut session = repo.pty("prompt", "feat/agent", &["say", "hello", "again"]);
    session.expect("Answered inside the container.").unwrap();
    assert_eq!(exit_code(&mut session), 0);
}

#[test]
fn list_shows_main_and_branch_containers_running_and_stopped_and_they_restart_on_demand() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("list", "");
    repo.create("feat/a");
    repo.create("feat/b");
    let stopped = repo.container(Some("feat/b"));
    docker_cli(&["stop", "-t", "1", &stopped]);

    let rows = repo.list();
    let summary: Vec<(Option<&str>, &str)> = rows
        .iter()
        .map(|row| {
            assert_eq!(row["sandbox"], "docker");
            (row["branch"].as_str(), row["state"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        summary,
        [
            (None, "running"),
            (Some("feat/a"), "running"),
            (Some("feat/b"), "exited")
        ]
    );
    // A stopped container is started again by run.
    assert_eq!(repo.sh("feat/b", "echo back").trim(), "back");
    // A container removed behind sk's back is simply gone.
    docker_cli(&["rm", "-f", &repo.container(Some("feat/a"))]);
    let output = repo.run(&[
        "workspace",
        "run",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/a",
        "--",
        "true",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("does not exist"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn remove_refuses_dirty_work_and_force_leaves_a_restorable_bundle() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("dirty", "");
    repo.create("feat/d");
    repo.sh(
        "feat/d",
        "git -c user.name=t -c user.email=t@e commit -q --allow-empty -m unpushed && echo changed > README.md && echo new > new.txt",
    );
    let refused = repo.run(&[
        "workspace",
        "remove",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/d",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    let err = stderr(&refused);
    assert!(
        err.contains("1 modified file(s): README.md")
            && err.contains("1 untracked file(s): new.txt")
            && err.contains("branch `feat/d` has 1 commit(s) on no remote branch"),
        "{err}"
    );
    let container = repo.container(Some("feat/d"));
    docker_cli(&["inspect", "--format", "{{.State.Running}}", &container]);
    assert_eq!(
        repo.sh("feat/d", "cat new.txt"),
        "new\n",
        "nothing was removed"
    );

    let forced = repo.ok(&[
        "workspace",
        "remove",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/d",
        "--force",
    ]);
    let bundle = forced
        .lines()
        .find_map(|l| l.strip_prefix("Saved the work at risk to "))
        .unwrap()
        .trim_end_matches(':')
        .to_owned();
    assert!(
        std::path::Path::new(&bundle).starts_with(repo.env.data_root()),
        "{bundle}"
    );
    // Restore into a fresh clone of the origin: the unpushed commit and the changes are there.
    let restore = repo.env.root().join("restore");
    repo.env.git(
        repo.env.root(),
        &[
            "clone",
            "--quiet",
            &repo.origin.url,
            restore.to_str().unwrap(),
        ],
    );
    repo.env.git(
        &restore,
        &["fetch", "--quiet", &bundle, "refs/*:refs/sk-restored/*"],
    );
    let refs = repo.env.git(
        &restore,
        &["for-each-ref", "--format=%(refname)", "refs/sk-restored"],
    );
    assert_eq!(
        repo.env.git(
            &restore,
            &["log", "-1", "--format=%s", "refs/sk-restored/heads/feat/d"]
        ),
        "unpushed"
    );
    let saved = refs
        .lines()
        .find(|r| r.contains("saved"))
        .unwrap_or_else(|| panic!("{refs}"));
    assert_eq!(
        repo.env
            .git(&restore, &["show", &format!("{saved}:new.txt")]),
        "new"
    );
    assert_eq!(
        repo.env
            .git(&restore, &["show", &format!("{saved}:README.md")]),
        "changed"
    );
}

#[test]
fn an_unreachable_docker_host_fails_fast_and_clearly() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let started = Instant::now();
    let output = env
        .sk()
        .env("DOCKER_HOST", "tcp://127.0.0.1:9")
        .args(["workspace", "list", "--sandbox", "docker"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("Docker is not reachable") && err.contains("tcp://127.0.0.1:9"),
        "{err}"
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

#[test]
fn a_prebuilt_image_and_a_custom_dockerfile_are_honoured() {
    if !docker_ready() {
        return;
    }
    // `docker.image`: any image with git and a POSIX shell, used as it is; the limits from
    // the config and the security defaults apply.
    let repo = DockerRepo::new(
        "image",
        &format!(
            "image = \"{}\"\nmemory = \"512m\"\ncpus = 1.5\n",
            crate::support::docker::BASE_IMAGE
        ),
    );
    repo.create("feat/i");
    let host_config = docker_cli(&[
        "inspect",
        "--format",
        "{{json .HostConfig}}",
        &repo.container(Some("feat/i")),
    ]);
    let host_config: Value = serde_json::from_str(&host_config).unwrap();
    assert_eq!(host_config["Memory"], 512 * 1024 * 1024);
    assert_eq!(host_config["NanoCpus"], 1_500_000_000_i64);
    assert_eq!(host_config["Init"], true);
    assert!(host_config["PidsLimit"].as_i64().unwrap() > 0);
    assert_eq!(host_config["CapDrop"], serde_json::json!(["ALL"]));
    assert!(
        host_config["SecurityOpt"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o.as_str().unwrap().starts_with("no-new-privileges")),
        "{host_config}"
    );
    let binds = host_config.to_string();
    assert!(!binds.contains("docker.sock"), "{binds}");
    // The base image has no Bun, unlike the shipped one: nothing was built.
    assert_eq!(
        repo.sh("feat/i", "command -v bun || echo no-bun").trim(),
        "no-bun"
    );
    let image = docker_cli(&[
        "inspect",
        "--format",
        "{{.Config.Image}}",
        &repo.container(Some("feat/i")),
    ]);
    assert!(
        image.starts_with("skipper-repo-"),
        "made from the repository snapshot: {image}"
    );
    assert_eq!(
        repo.sh("feat/i", "git symbolic-ref --short HEAD").trim(),
        "feat/i"
    );

    // `SKIPPER_DOCKERFILE` (as `docker.dockerfile`): built lazily, then used.
    let own = OwnDockerfile::new("custom", "RUN echo custom > /custom-marker");
    let (env, name, dockerfile) = (&own.env, own.name.as_str(), &own.dockerfile);
    let sk = |args: &[&str]| {
        let output = env
            .sk()
            .env("SKIPPER_DOCKERFILE", dockerfile)
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    sk(&["clone", &own.origin.url, "--sandbox", "docker"]);
    own.remember_image();
    let marker = sk(&[
        "workspace",
        "run",
        "--sandbox",
        "docker",
        "-r",
        name,
        "--",
        "cat",
        "/custom-marker",
    ]);
    assert_eq!(marker.trim(), "custom");
    let custom_images = docker_cli(&[
        "images",
        "--filter",
        "label=dev.skipper.role=image",
        "--format",
        "{{.Repository}}:{{.Tag}}",
    ]);
    assert!(
        custom_images.contains("skipper-workspace:"),
        "{custom_images}"
    );

    // `SKIPPER_DOCKER_IMAGE` wins over the Dockerfile: the base image, used as it is.
    let output = env
        .sk()
        .env("SKIPPER_DOCKERFILE", dockerfile)
        .env("SKIPPER_DOCKER_IMAGE", crate::support::docker::BASE_IMAGE)
        .args([
            "workspace",
            "create",
            "--sandbox",
            "docker",
            "-r",
            name,
            "-b",
            "feat/env",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let no_marker = sk(&[
        "workspace",
        "run",
        "--sandbox",
        "docker",
        "-r",
        name,
        "-b",
        "feat/env",
        "--command",
        "test -e /custom-marker && echo custom || echo base",
    ]);
    assert_eq!(no_marker.trim(), "base");
}

#[test]
fn two_data_roots_on_one_daemon_keep_their_own_containers() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("roots", "");
    // A second data root (another user, or an experiment) cloning the same remote.
    let other_root = repo.env.root().join("other-data");
    let other = |args: &[&str]| {
        let output = repo
            .env
            .sk()
            .env("SKIPPER_HOME", &other_root)
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    other(&["clone", &repo.origin.url, "--sandbox", "docker"]);
    let theirs: Vec<Value> = serde_json::from_str(&other(&[
        "workspace",
        "list",
        "--sandbox",
        "docker",
        "--json",
    ]))
    .unwrap();
    let ours = repo.list();
    assert_eq!(theirs.len(), 1, "{theirs:?}");
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_ne!(theirs[0]["container"], ours[0]["container"]);
}

#[test]
fn a_docker_host_that_never_answers_is_given_up_after_the_ping_deadline() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    // A loopback endpoint that accepts connections and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let connection = listener.accept();
        // Keep it open until sk has given up.
        std::thread::park_timeout(Duration::from_secs(30));
        drop(connection);
    });
    let started = Instant::now();
    let output = env
        .sk()
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .args(["workspace", "list", "--sandbox", "docker"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    held.thread().unpark();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("Docker is not reachable") && err.contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    // The 5 s ping deadline, not the client's 120 s default.
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
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
