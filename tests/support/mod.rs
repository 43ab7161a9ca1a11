//! The test environment: a temporary HOME, data root and config, a bare origin to clone,
//! and helpers to run `sk` and `git` in it and to snapshot what the user sees.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
pub use skipper_testkit::Origin;
use skipper_testkit::TempHome;

pub mod crash;
pub mod docker;
pub mod engine_process;
pub mod fake_docker;
pub mod mcp;
pub mod podman;
pub mod second_daemon;
pub mod sshd;

/// A sandboxed environment for one test: a [`TempHome`] (its tmux servers killed on drop)
/// with skipper's data root and config in its XDG directories.
pub struct TestEnv {
    home: TempHome,
    /// This environment's own `SKIPPER_PORT_RANGE`, so that tests running side by side
    /// never pick the same ports (containers publish theirs on the host).
    pub port_range: String,
}

/// How many ports each test environment's range holds.
const PORTS_PER_ENV: u32 = 40;

/// A port range of [`PORTS_PER_ENV`] ports in 20000-29999 that no other environment of
/// this process holds (until 248 have been made). Never the first or last block: sk's
/// messages name its default range, `20000-29999`, and [`TestEnv::mask_ports`] would hide
/// one of its ends (a snapshot failed in one run of 250).
fn own_port_range() -> String {
    static MADE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let made = MADE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let inner_blocks = 10_000 / PORTS_PER_ENV - 2;
    let block = 1 + (std::process::id().wrapping_mul(7) + made) % inner_blocks;
    let first = 20_000 + block * PORTS_PER_ENV;
    format!("{first}-{}", first + PORTS_PER_ENV - 1)
}

impl TestEnv {
    pub fn new() -> Self {
        Self {
            home: TempHome::new(),
            port_range: own_port_range(),
        }
    }

    pub fn root(&self) -> &Path {
        self.home.root()
    }

    pub fn home(&self) -> PathBuf {
        self.home.home()
    }

    pub fn data_root(&self) -> PathBuf {
        self.home.xdg_data().join("skipper")
    }

    pub fn config_file(&self) -> PathBuf {
        self.home.xdg_config().join("skipper/config.toml")
    }

    pub fn write_config(&self, text: &str) {
        fs_err::create_dir_all(self.config_file().parent().unwrap()).unwrap();
        fs_err::write(self.config_file(), text).unwrap();
    }

    /// Applies the sandbox environment to any command: the temporary home, none of the
    /// user's skipper settings, no colour, a plain shell and terminal.
    pub fn isolate(&self, command: &mut Command) {
        self.home.apply(command);
        for var in [
            "SKIPPER_HOME",
            "SKIPPER_CONFIG",
            "SKIPPER_SANDBOX",
            "SK_LOG",
            "CLICOLOR",
            "CLICOLOR_FORCE",
        ] {
            command.env_remove(var);
        }
        command
            .env("SKIPPER_PORT_RANGE", &self.port_range)
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

    /// Runs `sk args` and returns what the user sees, for a snapshot (see [`Self::screen`]).
    pub fn screen_of(&self, args: &[&str]) -> String {
        self.screen(&self.run(args))
    }

    /// An `sk` run as the user sees it, for a snapshot: the exit status, stdout and stderr,
    /// with this environment's temporary directory written `[ROOT]`.
    pub fn screen(&self, output: &Output) -> String {
        self.screen_naming(output, &[])
    }

    /// [`Self::screen`] with each `(text, name)` of `names` written `name` before the ports
    /// are masked: a unique name's digits may look like a port of the range.
    pub fn screen_naming(&self, output: &Output, names: &[(&str, &str)]) -> String {
        let status = match output.status.code() {
            Some(code) => format!("[exit: {code}]"),
            None => format!("[{}]", output.status),
        };
        let mut screen = format!(
            "{status}\n{}----- stderr -----\n{}",
            stdout(output),
            stderr(output)
        )
        .replace(&self.root().display().to_string(), "[ROOT]");
        for (text, name) in names {
            screen = screen.replace(text, name);
        }
        self.mask_ports(&screen)
    }

    /// `text` with each port of this environment's range (a number of its own, not part of
    /// a longer one) written `[PORT]`: the range differs from run to run.
    pub fn mask_ports(&self, text: &str) -> String {
        let (first, last) = self.port_range.split_once('-').unwrap();
        let range = first.parse::<u32>().unwrap()..=last.parse::<u32>().unwrap();
        let mut masked = String::new();
        let mut digits = String::new();
        let flush = |digits: &mut String, masked: &mut String| {
            match digits.parse::<u32>() {
                Ok(port) if range.contains(&port) => masked.push_str("[PORT]"),
                _ => masked.push_str(digits),
            }
            digits.clear();
        };
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else {
                flush(&mut digits, &mut masked);
                masked.push(c);
            }
        }
        flush(&mut digits, &mut masked);
        masked
    }

    /// `git` in `dir`, hermetic; panics on failure, returns trimmed stdout.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        skipper_testkit::git(dir, args)
    }

    /// A bare origin whose default branch is `default_branch`, with one commit on it and a
    /// branch `feature` one commit ahead.
    pub fn origin(&self, name: &str, default_branch: &str) -> Origin {
        self.origin_in("remotes", name, default_branch)
    }

    /// Like [`Self::origin`], in the directory `parent` (which becomes the owner).
    pub fn origin_in(&self, parent: &str, name: &str, default_branch: &str) -> Origin {
        let origin = Origin::new(
            self.root().join(parent).join(format!("{name}.git")),
            self.root().join("seeds").join(parent).join(name),
            default_branch,
        );
        origin.commit(default_branch, "README.md", "hello\n", "initial");
        origin.push(&[default_branch]);
        origin.commit("feature", "feature.txt", "feature\n", "feature work");
        origin.push(&["feature"]);
        origin.checkout(default_branch);
        origin
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

/// Binds, until the guard drops, the snapshot filters for what changes from run to run: the
/// hash part of container, session and image names, and timestamps in saved bundles.
pub fn snapshot_filters() -> insta::internals::SettingsBindDropGuard {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b[0-9a-f]{7,64}\b", "[HASH]");
    settings.add_filter(r"\b\d{8}T\d{6}(\.\d+)?Z?\b", "[TIME]");
    settings.bind_to_scope()
}

/// A directory holding only links to `programs` (found on the current PATH), to use as a
/// PATH without everything else.
pub fn minimal_path(env: &TestEnv, programs: &[&str]) -> PathBuf {
    let bin = env.root().join("minimal-bin");
    fs_err::create_dir_all(&bin).unwrap();
    for program in programs {
        let found = which::which(program).unwrap();
        fs_err::os::unix::fs::symlink(found, bin.join(program)).unwrap();
    }
    bin
}

/// The stand-in model server (`standin-model.js`) on a port of one address of this machine
/// (loopback unless told), stopped on drop.
pub struct StandinModel {
    child: std::process::Child,
    /// What it prints after its port: `held` for each request it holds.
    said: std::io::BufReader<std::process::ChildStdout>,
    pub address: String,
    pub port: u16,
}

impl StandinModel {
    /// The server on a free loopback port; `{users}` in `reply` becomes the number of user
    /// messages each request carries.
    pub fn start(reply: &str) -> Self {
        Self::start_on("127.0.0.1", reply)
    }

    /// Like [`Self::start`], listening on `address` (an address of this machine) only.
    pub fn start_on(address: &str, reply: &str) -> Self {
        Self::listen(address, reply, "")
    }

    /// A loopback stand-in that holds every request whose last user message contains
    /// `hold` until [`Self::release`].
    pub fn start_holding(reply: &str, hold: &str) -> Self {
        Self::listen("127.0.0.1", reply, hold)
    }

    fn listen(address: &str, reply: &str, hold: &str) -> Self {
        use std::io::BufRead;
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/standin-model.js");
        let mut child = Command::new("node")
            .arg(script)
            .env("STANDIN_REPLY", reply)
            .env("STANDIN_HOLD", hold)
            .env("HOST", address)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut said = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        said.read_line(&mut line).unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the stand-in model did not listen on {address}: {line:?}"));
        Self {
            child,
            said,
            address: address.to_owned(),
            port,
        }
    }

    /// Waits until it holds a request.
    pub fn wait_held(&mut self) {
        use std::io::BufRead;
        let mut line = String::new();
        self.said.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "held");
    }

    /// Answers the requests it holds, and holds no more.
    pub fn release(&self) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect((self.address.as_str(), self.port)).unwrap();
        stream
            .write_all(b"GET /release HTTP/1.1\r\nHost: stand-in\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    /// An OpenCode configuration whose only model is this server.
    pub fn opencode_config(&self) -> String {
        Self::config_for(&self.address, self.port)
    }

    /// An OpenCode configuration whose only model is a stand-in server on loopback `port`.
    pub fn config_for_port(port: u16) -> String {
        Self::config_for("127.0.0.1", port)
    }

    /// An OpenCode configuration whose only model is a stand-in server at `address:port`.
    pub fn config_for(address: &str, port: u16) -> String {
        format!(
            r#"{{
  "$schema": "https://opencode.ai/config.json",
  "provider": {{
    "standin": {{
      "npm": "@ai-sdk/openai-compatible",
      "name": "Stand-in",
      "options": {{ "baseURL": "http://{address}:{port}/v1", "apiKey": "none" }},
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

/// Whether the tests of the real OpenCode run: it and Node (for the stand-in model) are
/// installed, or `SK_REQUIRE_OPENCODE=1` demands them.
pub fn opencode_ready() -> bool {
    require("opencode", "SK_REQUIRE_OPENCODE") && require("node", "SK_REQUIRE_OPENCODE")
}

impl TestEnv {
    /// A fresh environment with repository `api` cloned and its workspace `agent`: a branch
    /// without `/`, since OpenCode 1.18 cannot work in a directory whose name holds `%2F`
    /// (it decodes the path), which is how a worktree's directory spells a `/`.
    pub fn with_agent_workspace() -> Self {
        let env = Self::new();
        let origin = env.origin("api", "main");
        env.ok(&["clone", &origin.url]);
        env.ok(&["workspace", "create", "-r", "api", "-b", "agent"]);
        env
    }

    /// Makes `model` OpenCode's only model, in this environment's configuration (which
    /// Docker workspaces made after it share).
    pub fn use_model(&self, model: &StandinModel) {
        let config = self.root().join("xdg-config/opencode");
        fs_err::create_dir_all(&config).unwrap();
        fs_err::write(config.join("opencode.json"), model.opencode_config()).unwrap();
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

/// A clone of a fresh origin `api` (default branch `main`) on the worktree sandbox.
pub fn cloned_api() -> TestEnv {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env
}

/// `sk workspace <command> -r api -b <branch>` with `rest` after it.
pub fn ws<'a>(command: &'a str, branch: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["workspace", command, "-r", "api", "-b", branch];
    args.extend_from_slice(rest);
    args
}

/// Each `list --json` row's branch, `dirty`, `unpushed` and `clean`: what `list` says of
/// the work in each workspace.
pub fn risk_summary(
    rows: &[serde_json::Value],
) -> Vec<(
    serde_json::Value,
    serde_json::Value,
    serde_json::Value,
    serde_json::Value,
)> {
    rows.iter()
        .map(|row| {
            (
                row["branch"].clone(),
                row["dirty"].clone(),
                row["unpushed"].clone(),
                row["clean"].clone(),
            )
        })
        .collect()
}

/// The row `sk workspace list --json` shows for `branch` of `api`, if any.
pub fn listed(env: &TestEnv, branch: &str) -> Option<serde_json::Value> {
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&env.ok(&["workspace", "list", "--json", "-r", "api"])).unwrap();
    rows.into_iter()
        .find(|row| row["branch"].as_str() == Some(branch))
}

/// What `sk` promises never to touch in a host checkout: `HEAD` (and the branch it is on),
/// the index, the working tree's status and the stash.
pub fn host_state(checkout: &Path) -> String {
    let git = |args: &[&str]| skipper_testkit::git(checkout, args);
    [
        git(&["rev-parse", "HEAD"]),
        git(&["rev-parse", "--symbolic-full-name", "HEAD"]),
        git(&["ls-files", "--stage"]),
        git(&["status", "--porcelain=v1", "--untracked-files=all"]),
        git(&["stash", "list", "--format=%H %gs"]),
    ]
    .join("\n")
}

/// Every ref of `repository`, with its object.
pub fn all_refs(repository: &Path) -> String {
    skipper_testkit::git(
        repository,
        &[
            "for-each-ref",
            "--format=%(objectname) %(refname) %(symref)",
        ],
    )
}
