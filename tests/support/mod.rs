//! The test environment: a temporary HOME, data root and config, a bare origin to clone,
//! and helpers to run `sk` and `git` in it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;

pub mod docker;

/// A sandboxed environment for one test.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("sk-test-")
            .tempdir()
            .unwrap();
        let env = Self { dir };
        for sub in [
            "home",
            "xdg-data",
            "xdg-config",
            "xdg-state",
            "xdg-cache",
            "tmux",
        ] {
            std::fs::create_dir_all(env.root().join(sub)).unwrap();
        }
        std::fs::write(
            env.home().join(".gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        )
        .unwrap();
        env
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    pub fn data_root(&self) -> PathBuf {
        self.root().join("xdg-data/skipper")
    }

    pub fn config_file(&self) -> PathBuf {
        self.root().join("xdg-config/skipper/config.toml")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_file().parent().unwrap()).unwrap();
        std::fs::write(self.config_file(), text).unwrap();
    }

    /// Applies the sandbox environment to any command.
    pub fn isolate(&self, command: &mut Command) {
        for var in [
            "SKIPPER_HOME",
            "SKIPPER_CONFIG",
            "SKIPPER_SANDBOX",
            "TMUX",
            "TMUX_PANE",
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "SK_LOG",
        ] {
            command.env_remove(var);
        }
        command
            .env("HOME", self.home())
            .env("XDG_DATA_HOME", self.root().join("xdg-data"))
            .env("XDG_CONFIG_HOME", self.root().join("xdg-config"))
            .env("XDG_STATE_HOME", self.root().join("xdg-state"))
            .env("XDG_CACHE_HOME", self.root().join("xdg-cache"))
            .env("TMUX_TMPDIR", self.root().join("tmux"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .env("SHELL", "/bin/sh")
            .env("TERM", "xterm");
    }

    /// `sk` with the sandbox environment, stdin closed.
    pub fn sk(&self) -> Command {
        let mut command = Command::cargo_bin("sk").unwrap();
        self.isolate(&mut command);
        command.stdin(std::process::Stdio::null());
        command
    }

    /// `sk args` on a new pseudo-terminal (100 columns, 30 rows), waiting up to a minute
    /// for each expected output.
    pub fn pty(&self, args: &[&str]) -> expectrl::session::OsSession {
        let mut command = self.sk();
        command.stdin(std::process::Stdio::inherit()).args(args);
        self.pty_command(command)
    }

    /// Like [`Self::pty`], for a prepared command.
    pub fn pty_command(&self, command: Command) -> expectrl::session::OsSession {
        let mut session = expectrl::Session::spawn(command).unwrap();
        session.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
        session.get_process_mut().set_window_size(100, 30).unwrap();
        session
    }

    /// Runs `sk args` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.sk().args(args).output().unwrap()
    }

    /// Runs `sk args` and asserts it succeeded; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
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

    /// `git` in `dir` with the sandbox environment; panics on failure, returns stdout.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let mut command = Command::new("git");
        self.isolate(&mut command);
        let output = command.arg("-C").arg(dir).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "git {args:?} in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    /// A bare origin whose default branch is `default_branch`, with one commit on it and a
    /// branch `feature` one commit ahead. Returns its `file://` URL.
    pub fn origin(&self, name: &str, default_branch: &str) -> Origin {
        self.origin_in("remotes", name, default_branch)
    }

    /// Like [`Self::origin`], in the directory `parent` (which becomes the owner).
    pub fn origin_in(&self, parent: &str, name: &str, default_branch: &str) -> Origin {
        let bare = self.root().join(parent).join(format!("{name}.git"));
        std::fs::create_dir_all(&bare).unwrap();
        self.git(&bare, &["init", "--quiet", "--bare", "-b", default_branch]);
        let seed = self.root().join("seeds").join(parent).join(name);
        std::fs::create_dir_all(&seed).unwrap();
        self.git(&seed, &["init", "--quiet", "-b", default_branch]);
        self.git(&seed, &["remote", "add", "origin", bare.to_str().unwrap()]);
        std::fs::write(seed.join("README.md"), "hello\n").unwrap();
        self.git(&seed, &["add", "."]);
        self.git(&seed, &["commit", "--quiet", "-m", "initial"]);
        self.git(&seed, &["push", "--quiet", "origin", default_branch]);
        self.git(&seed, &["checkout", "--quiet", "-b", "feature"]);
        std::fs::write(seed.join("feature.txt"), "feature\n").unwrap();
        self.git(&seed, &["add", "."]);
        self.git(&seed, &["commit", "--quiet", "-m", "feature work"]);
        self.git(&seed, &["push", "--quiet", "origin", "feature"]);
        self.git(&seed, &["checkout", "--quiet", default_branch]);
        Origin {
            url: format!("file://{}", bare.display()),
            bare,
            seed,
            default_branch: default_branch.to_owned(),
        }
    }

    /// The host checkout `sk clone` makes for a `file://` origin under `remotes/`.
    pub fn checkout(&self, name: &str) -> PathBuf {
        self.data_root().join("repos/local/remotes").join(name)
    }

    /// Where `sk` puts the workspace of `branch`.
    pub fn worktree(&self, name: &str, branch: &str) -> PathBuf {
        self.data_root()
            .join("worktrees/local/remotes")
            .join(name)
            .join(branch.replace('%', "%25").replace('/', "%2F"))
    }
}

/// A bare origin and the seed clone that pushes to it.
pub struct Origin {
    pub url: String,
    pub bare: PathBuf,
    pub seed: PathBuf,
    pub default_branch: String,
}

impl Origin {
    /// Commits `file` with `content` on `branch` and pushes it; returns the commit id.
    pub fn push_commit(&self, env: &TestEnv, branch: &str, file: &str, content: &str) -> String {
        env.git(&self.seed, &["checkout", "--quiet", branch]);
        std::fs::write(self.seed.join(file), content).unwrap();
        env.git(&self.seed, &["add", "."]);
        env.git(
            &self.seed,
            &["commit", "--quiet", "-m", &format!("add {file}")],
        );
        env.git(&self.seed, &["push", "--quiet", "origin", branch]);
        env.git(&self.seed, &["rev-parse", "HEAD"])
    }
}

/// A directory holding only links to `programs` (found on the current PATH), to use as a
/// PATH without everything else.
pub fn minimal_path(env: &TestEnv, programs: &[&str]) -> PathBuf {
    let bin = env.root().join("minimal-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for program in programs {
        let found = which::which(program).unwrap();
        std::os::unix::fs::symlink(found, bin.join(program)).unwrap();
    }
    bin
}

/// The stand-in model server (`standin-model.js`) on a loopback port, stopped on drop.
pub struct StandinModel {
    child: std::process::Child,
    pub port: u16,
}

impl StandinModel {
    pub fn start(reply: &str) -> Self {
        use std::io::BufRead;
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/standin-model.js");
        let mut child = Command::new("node")
            .arg(script)
            .env("STANDIN_REPLY", reply)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap();
        Self { child, port }
    }

    /// An OpenCode configuration whose only model is this server.
    pub fn opencode_config(&self) -> String {
        Self::config_for_port(self.port)
    }

    /// An OpenCode configuration whose only model is a stand-in server on `port`.
    pub fn config_for_port(port: u16) -> String {
        format!(
            r#"{{
  "$schema": "https://opencode.ai/config.json",
  "provider": {{
    "standin": {{
      "npm": "@ai-sdk/openai-compatible",
      "name": "Stand-in",
      "options": {{ "baseURL": "http://127.0.0.1:{port}/v1", "apiKey": "none" }},
      "models": {{ "echo": {{ "name": "Echo" }} }}
    }}
  }},
  "model": "standin/echo",
  "autoupdate": false,
  "share": "disabled"
}}
"#
        )
    }
}

impl Drop for StandinModel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a test needing `program` must run: it is installed, or `SK_REQUIRE_<NAME>=1`
/// demands it (then its absence fails the test). Otherwise the test is skipped, saying why.
pub fn require(program: &str, variable: &str) -> bool {
    if which::which(program).is_ok() {
        return true;
    }
    assert!(
        std::env::var(variable).as_deref() != Ok("1"),
        "{variable}=1 but `{program}` is not installed"
    );
    eprintln!("skipped: `{program}` is not installed (set {variable}=1 to make this a failure)");
    false
}

/// Waits for the end of a PTY session's output, then for the process: its exit code
/// (panics when a signal ended it).
pub fn exit_code(session: &mut expectrl::session::OsSession) -> i32 {
    use expectrl::Expect;
    session.expect(expectrl::Eof).unwrap();
    match session.get_process_mut().wait().unwrap() {
        expectrl::process::unix::WaitStatus::Exited(_, code) => code,
        other => panic!("sk did not exit normally: {other:?}"),
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
