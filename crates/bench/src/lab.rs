//! The lab: a temporary home, data root and configuration that every measured command
//! runs in, the commands themselves, and the sweep of what the run made.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context as _, bail};

/// The local base image the workspace image is built FROM (no registry is reachable), as
/// the tests use it: `tests/support/docker/base-image.sh` makes it.
pub const BASE_IMAGE: &str = "skipper-test-base:bookworm";

/// One run's isolated world. Dropping it removes the containers and images of its
/// repositories and its directory.
#[derive(Debug)]
pub struct Lab {
    dir: tempfile::TempDir,
    sk: PathBuf,
    /// The repository names whose Docker resources the sweep removes.
    repositories: std::cell::RefCell<Vec<String>>,
}

impl Lab {
    /// A new lab measuring `sk`, with git's identity set and the Docker sandbox building
    /// the shipped Dockerfile FROM [`BASE_IMAGE`].
    ///
    /// # Errors
    /// The failure to make its directories or files.
    pub fn new(sk: &Path) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("skbench").tempdir()?;
        let lab = Self {
            dir,
            sk: sk.to_owned(),
            repositories: std::cell::RefCell::default(),
        };
        fs_err::create_dir_all(lab.home())?;
        fs_err::write(
            lab.path("config.toml"),
            format!("[docker.build_args]\nBASE_IMAGE = \"{BASE_IMAGE}\"\n"),
        )?;
        lab.ok(lab
            .command("git")
            .args(["config", "--global", "user.name", "bench"]))?;
        lab.ok(lab
            .command("git")
            .args(["config", "--global", "user.email", "bench@example.com"]))?;
        Ok(lab)
    }

    /// `name` inside the lab's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// The data root `sk` uses.
    pub fn data_root(&self) -> PathBuf {
        self.path("data")
    }

    /// Waits until the files deleted before now no longer slow the making of new ones:
    /// writes everything out (`sync`), then lets a minute pass. ext4 without a journal (this
    /// machine's) skips, when it allocates an inode, every inode deleted within the last 60
    /// seconds (360 while its table block is unwritten): right after tens of thousands of
    /// deletions, a checkout of 20,000 files took 11 to 15 s of kernel time instead of 1.2 s.
    /// A row measures after its setup has settled so, never with a removal between runs.
    ///
    /// # Errors
    /// The failure of `sync`.
    pub fn settle(&self) -> anyhow::Result<()> {
        eprintln!("    letting the file system settle after deletions (a minute)");
        self.ok(&mut Command::new("sync"))?;
        std::thread::sleep(std::time::Duration::from_secs(61));
        Ok(())
    }

    /// The lab directory's name: the owner part of its repositories' ids.
    pub fn label(&self) -> String {
        self.dir
            .path()
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The bare origin `name`, to be made: `<lab>/<name>.git`, so that its repository id is
    /// `local/<lab>/<name>`, unique to this run.
    pub fn origin(&self, name: &str) -> PathBuf {
        self.repositories.borrow_mut().push(name.to_owned());
        self.path(&format!("{name}.git"))
    }

    /// `program` in the lab's environment: its home, data root and configuration, no
    /// colour, no stdin, output discarded.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env("HOME", self.home())
            .env("SKIPPER_HOME", self.data_root())
            .env("SKIPPER_CONFIG", self.path("config.toml"))
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("SKIPPER_SANDBOX")
            .env_remove("SK_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// `sk args` in the lab.
    pub fn sk(&self, args: &[&str]) -> Command {
        let mut command = self.command(&self.sk);
        command.args(args);
        command
    }

    /// A shell script in the lab (for the baselines that are scripts, as a user would
    /// write them).
    pub fn sh(&self, script: &str) -> Command {
        let mut command = self.command("sh");
        command.args(["-c", script]);
        command
    }

    /// Runs `command` to completion, failing unless it succeeds; its stdout.
    ///
    /// # Errors
    /// Its failure to start, or its exit status with its stderr.
    pub fn ok(&self, command: &mut Command) -> anyhow::Result<String> {
        let output = capture(command)?;
        if !output.status.success() {
            bail!(
                "{command:?} failed ({}) in the lab {}: {}",
                output.status,
                self.dir.path().display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The `--json` rows of `sk workspace list -r <repository>`.
    ///
    /// # Errors
    /// The failure of `sk` or of its JSON.
    pub fn rows(&self, repository: &str) -> anyhow::Result<Vec<serde_json::Value>> {
        let json = self.ok(&mut self.sk(&["workspace", "list", "--json", "-r", repository]))?;
        serde_json::from_str(&json).context("sk workspace list --json printed no JSON array")
    }
}

/// `command`'s output, captured whatever it was set to.
fn capture(command: &mut Command) -> anyhow::Result<Output> {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("could not start {command:?}"))
}

impl Drop for Lab {
    fn drop(&mut self) {
        for name in self.repositories.borrow().iter() {
            let label = format!("label=dev.skipper.repository=local/{}/{name}", self.label());
            for (kind, all) in [("ps", "-aq"), ("images", "-q")] {
                let Ok(ids) = Command::new("docker")
                    .args([kind, all, "--filter", &label])
                    .output()
                else {
                    continue;
                };
                let ids = String::from_utf8_lossy(&ids.stdout).into_owned();
                let ids: Vec<&str> = ids.split_whitespace().collect();
                if ids.is_empty() {
                    continue;
                }
                let remove = if kind == "ps" {
                    ["rm", "-f"]
                } else {
                    ["rmi", "-f"]
                };
                let _ = Command::new("docker")
                    .args(remove)
                    .args(&ids)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
        let baseline = format!("name=^{}-", self.label());
        if let Ok(ids) = Command::new("docker")
            .args(["ps", "-aq", "--filter", &baseline])
            .output()
        {
            let ids = String::from_utf8_lossy(&ids.stdout).into_owned();
            for id in ids.split_whitespace() {
                let _ = Command::new("docker").args(["rm", "-f", id]).output();
            }
        }
    }
}
