//! Docker for the CLI's tests: a repository cloned on the Docker sandbox, or one with its own
//! Dockerfile, whose containers and images are swept by label when the test ends. The
//! availability rule, the base image and the sweep are `skipper_testkit::docker`'s.

use serde_json::Value;
pub use skipper_testkit::docker::{BASE_IMAGE, docker_ok, docker_ready, events_since, unix_now};
use skipper_testkit::docker::{Sweep, write_dockerfile};
use skipper_testkit::unique_name;

use super::{Origin, TestEnv};

/// The sweep of everything labelled with the repository `local/remotes/<name>`.
fn sweep(name: &str) -> Sweep {
    Sweep::label("dev.skipper.repository", &format!("local/remotes/{name}"))
}

impl TestEnv {
    /// Configures the Docker sandbox to build the shipped Dockerfile FROM the local base;
    /// `extra` holds more `[docker]` keys.
    pub fn use_docker(&self, extra: &str) {
        self.write_config(&format!(
            "[docker]\n{extra}\n[docker.build_args]\nBASE_IMAGE = \"{BASE_IMAGE}\"\n"
        ));
    }
}

/// A cloned origin (default branch `release/v1`) on the Docker sandbox, swept when dropped.
pub struct DockerRepo {
    pub env: TestEnv,
    pub origin: Origin,
    pub name: String,
    _sweep: Sweep,
}

impl DockerRepo {
    pub fn new(prefix: &str, extra_config: &str) -> Self {
        let repo = Self::uncloned(prefix, extra_config);
        repo.ok(&["clone", &repo.origin.url.clone(), "--sandbox", "docker"]);
        repo
    }

    /// Like [`Self::new`], with the origin not cloned yet.
    pub fn uncloned(prefix: &str, extra_config: &str) -> Self {
        let env = TestEnv::new();
        env.use_docker(extra_config);
        let name = unique_name(prefix);
        let origin = env.origin(&name, "release/v1");
        Self {
            _sweep: sweep(&name),
            env,
            origin,
            name,
        }
    }

    /// The ids of this repository's containers (`kind` `ps`) or images (`images`, untagged
    /// ones included) whose role label is `role`.
    pub fn resources(&self, kind: &str, role: &str) -> Vec<String> {
        let repository = format!("label=dev.skipper.repository=local/remotes/{}", self.name);
        let role = format!("label=dev.skipper.role={role}");
        let all = if kind == "ps" { "-aq" } else { "-q" };
        let ids = docker_ok(&[kind, all, "--filter", &repository, "--filter", &role]);
        let mut ids: Vec<String> = ids.split_whitespace().map(str::to_owned).collect();
        ids.dedup();
        ids
    }

    /// `sk workspace run` in the main container, shell text; stdout.
    pub fn sh_main(&self, text: &str) -> String {
        self.ok(&[
            "workspace",
            "run",
            "--sandbox",
            "docker",
            "-r",
            &self.name,
            "--command",
            text,
        ])
    }

    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.env.run(args)
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.env.ok(args)
    }

    /// `sk workspace create` of `branch` on the Docker sandbox.
    pub fn create(&self, branch: &str) {
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

    /// A worktree workspace of `branch` (which only a container has), started from
    /// `origin/release/v1` by git itself at the place `sk` uses: a branch in both sandboxes,
    /// which `create` refuses to make, as an older `sk` or a killed `move` left it.
    pub fn worktree_beside(&self, branch: &str) -> std::path::PathBuf {
        let path = self.env.worktree(&self.name, branch);
        self.env.git(
            &self.env.checkout(&self.name),
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                branch,
                &path.display().to_string(),
                "origin/release/v1",
            ],
        );
        path
    }

    /// `sk workspace <command> --sandbox docker -r <repo> -b <branch> <rest>` on a PTY.
    pub fn pty(&self, command: &str, branch: &str, rest: &[&str]) -> expectrl::session::OsSession {
        self.env.pty(&docker_ws(self, command, branch, rest))
    }

    /// `sk workspace run` in the branch's container, shell text; stdout.
    pub fn sh(&self, branch: &str, text: &str) -> String {
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

    pub fn list(&self) -> Vec<Value> {
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

    pub fn container(&self, branch: Option<&str>) -> String {
        let rows = self.list();
        let row = rows
            .iter()
            .find(|row| row["branch"].as_str() == branch)
            .unwrap_or_else(|| panic!("no workspace {branch:?} in {rows:?}"));
        row["container"].as_str().unwrap().to_owned()
    }
}

/// This machine's address on the network `container` is on (Docker's default bridge for a
/// workspace: `docker0`'s address, its gateway): the one address of the host a container
/// reaches, since the host's loopback is not the container's. Only this machine and the
/// containers on that bridge reach it; nothing listening there is on the network. Read from
/// the running container, as the bridge's own IPAM settings often leave the gateway out.
pub fn host_address_for(container: &str) -> String {
    let gateway = docker_ok(&[
        "inspect",
        "--format",
        "{{range .NetworkSettings.Networks}}{{.Gateway}} {{end}}",
        container,
    ]);
    let gateway = gateway.split_whitespace().next().unwrap_or_else(|| {
        panic!("container {container} is on no network with a gateway: {gateway:?}")
    });
    gateway.to_owned()
}

/// A fresh environment whose repository (default branch `main`) uses its own Dockerfile
/// (`FROM` the test base plus `steps`); its containers, then its image, are removed when
/// dropped.
pub struct OwnDockerfile {
    pub env: TestEnv,
    pub name: String,
    pub origin: Origin,
    pub dockerfile: std::path::PathBuf,
    sweep: Sweep,
}

impl OwnDockerfile {
    pub fn new(prefix: &str, steps: &str) -> Self {
        let env = TestEnv::new();
        let name = unique_name(prefix);
        let origin = env.origin(&name, "main");
        let dockerfile = write_dockerfile(&env.root().join("Own.Dockerfile"), steps);
        Self {
            sweep: sweep(&name),
            env,
            name,
            origin,
            dockerfile,
        }
    }

    /// Notes the image the main container runs, to remove it at the end.
    pub fn remember_image(&self) {
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
        let hash = docker_ok(&[
            "inspect",
            "--format",
            "{{index .Config.Labels \"dev.skipper.image-hash\"}}",
            rows[0]["container"].as_str().unwrap(),
        ]);
        self.sweep
            .remove_image(&format!("skipper-workspace:{hash}"));
    }
}

impl DockerRepo {
    /// What the user sees of `output` (see [`TestEnv::screen`]), the repository's unique
    /// name written `[REPO]`.
    pub fn screen(&self, output: &std::process::Output) -> String {
        self.env.screen_naming(output, &[(&self.name, "[REPO]")])
    }

    /// `sk workspace <command> --sandbox docker -r <repo> -b <branch>`, as the user sees it.
    pub fn screen_of(&self, command: &str, branch: &str, rest: &[&str]) -> String {
        self.screen(&self.run(&docker_ws(self, command, branch, rest)))
    }
}

/// `sk workspace <command> --sandbox docker -r <repo> -b <branch>` with `rest` after it.
pub fn docker_ws<'a>(
    repo: &'a DockerRepo,
    command: &'a str,
    branch: &'a str,
    rest: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "workspace",
        command,
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        branch,
    ];
    args.extend_from_slice(rest);
    args
}
