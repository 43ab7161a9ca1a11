//! Running `git`: argument vectors, no prompt, no helper transports, no inherited
//! repository variables.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use skipper_core::CheckoutError;

/// Transports git may use for anything skipper starts: never `ext::` or other helpers that
/// run programs.
pub(crate) const ALLOWED_PROTOCOLS: &str = "file:git:http:https:ssh";

/// Variables that point git at another repository, index or object store whatever `-C`
/// says (set when `sk` runs from a git hook, `rebase --exec` or some shell setups). They
/// are cleared for every git skipper runs and every command it starts in a workspace.
pub const REPOSITORY_ENV: [&str; 9] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_CEILING_DIRECTORIES",
];

/// Clears [`REPOSITORY_ENV`] from `command`.
pub fn clear_repository_env(command: &mut Command) -> &mut Command {
    for var in REPOSITORY_ENV {
        command.env_remove(var);
    }
    command
}

/// The seconds ssh may take to connect to a remote (and to say its first words) before
/// git's clone or fetch fails: `SKIPPER_SSH_CONNECT_TIMEOUT`, default 20.
const SSH_CONNECT_TIMEOUT: u32 = 20;

/// The `GIT_SSH_COMMAND` skipper gives git: ssh with a connect timeout and keep-alives, so an
/// ssh host that does not answer fails instead of hanging; `None` when the user chose an
/// ssh command of their own (`GIT_SSH_COMMAND`, `GIT_SSH`, or `core.sshCommand` in the
/// global configuration), which is left alone. Worked out once per process.
fn ssh_command() -> Option<&'static str> {
    static COMMAND: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    COMMAND
        .get_or_init(|| {
            let chosen = ["GIT_SSH_COMMAND", "GIT_SSH"]
                .iter()
                .any(|var| std::env::var_os(var).is_some_and(|value| !value.is_empty()))
                || global_config_files().iter().any(|file| {
                    crate::config_file::value(file, "core.sshCommand")
                        .is_some_and(|command| !command.trim().is_empty())
                });
            if chosen {
                return None;
            }
            let timeout = std::env::var("SKIPPER_SSH_CONNECT_TIMEOUT")
                .ok()
                .and_then(|text| text.trim().parse::<u32>().ok())
                .filter(|seconds| *seconds > 0)
                .unwrap_or(SSH_CONNECT_TIMEOUT);
            Some(format!(
                "ssh -o ConnectTimeout={timeout} -o ServerAliveInterval=15 -o ServerAliveCountMax=4"
            ))
        })
        .as_deref()
}

/// The files `git config --global` reads (without their includes, as it reads them):
/// `GIT_CONFIG_GLOBAL` when set, else `$XDG_CONFIG_HOME/git/config` and `~/.gitconfig`.
fn global_config_files() -> Vec<std::path::PathBuf> {
    if let Some(file) = std::env::var_os("GIT_CONFIG_GLOBAL") {
        return vec![file.into()];
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|dir| !dir.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| home.as_ref().map(|home| home.join(".config")));
    xdg.map(|dir| dir.join("git/config"))
        .into_iter()
        .chain(home.map(|home| home.join(".gitconfig")))
        .collect()
}

/// Whether git's arguments name a command that may talk to a remote (its first word that
/// is not an option, `-c name=value` skipped).
fn may_reach_a_remote<S: AsRef<OsStr>>(args: &[S]) -> bool {
    const NETWORK: [&str; 7] = [
        "clone",
        "fetch",
        "push",
        "pull",
        "ls-remote",
        "remote",
        "submodule",
    ];
    let mut words = args.iter().map(|arg| arg.as_ref().to_str().unwrap_or(""));
    while let Some(word) = words.next() {
        if word == "-c" || word == "-C" {
            words.next();
        } else if !word.starts_with('-') {
            return NETWORK.contains(&word);
        }
    }
    false
}

/// The `git` program: its path on `PATH`, looked up once per process, so that a spawn
/// does not try each directory of `PATH` in turn (a failed `execve` for each before
/// git's). Plain `git` when it is not found: the spawn's own lookup then fails as it
/// always did, with its own error.
fn git_program() -> &'static OsStr {
    static PROGRAM: std::sync::OnceLock<std::ffi::OsString> = std::sync::OnceLock::new();
    PROGRAM
        .get_or_init(|| which::which("git").map_or_else(|_| "git".into(), PathBuf::into_os_string))
}

/// A `git` invocation in one directory, with a safe environment.
#[derive(Debug)]
pub struct Git<'a> {
    dir: &'a Path,
}

impl<'a> Git<'a> {
    /// Git running in `dir` (passed as `-C`).
    #[must_use]
    pub fn in_dir(dir: &'a Path) -> Self {
        Self { dir }
    }

    /// A `git` command ready to run in this directory.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<S> = args.into_iter().collect();
        let mut command = Command::new(git_program());
        clear_repository_env(&mut command)
            .arg("-C")
            .arg(self.dir)
            .args(&args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ALLOW_PROTOCOL", ALLOWED_PROTOCOLS)
            .stdin(Stdio::null());
        // Only a command that may reach a remote needs ssh: working out the ssh command
        // costs a git process of its own, which a local command should not pay.
        if may_reach_a_remote(&args)
            && let Some(ssh) = ssh_command()
        {
            command.env("GIT_SSH_COMMAND", ssh);
        }
        command
    }

    /// Runs git and returns its stdout.
    ///
    /// # Errors
    /// [`CheckoutError::GitUnavailable`] when git cannot be started, [`CheckoutError::Git`]
    /// (with the command, the directory and git's stderr) when it exits non-zero.
    pub fn run<I, S>(&self, args: I) -> Result<String, CheckoutError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let output = self.output(&args)?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(self.failure(&args, &output))
        }
    }

    /// Like [`Self::run`], with extra environment variables, and stdout trimmed.
    ///
    /// # Errors
    /// As [`Self::run`].
    pub fn run_with_env<I, S>(
        &self,
        args: I,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Result<String, CheckoutError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        tracing::debug!(dir = %self.dir.display(), ?args, ?env, "git");
        let mut command = self.command(&args);
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command
            .output()
            .map_err(|err| CheckoutError::GitUnavailable(err.to_string()))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        } else {
            Err(self.failure(&args, &output))
        }
    }

    /// Runs git and tells whether it exited 0 (for `--quiet` queries).
    ///
    /// # Errors
    /// [`CheckoutError::GitUnavailable`] when git cannot be started.
    pub fn succeeds<I, S>(&self, args: I) -> Result<bool, CheckoutError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        Ok(self.output(&args)?.status.success())
    }

    fn output(&self, args: &[std::ffi::OsString]) -> Result<Output, CheckoutError> {
        tracing::debug!(dir = %self.dir.display(), ?args, "git");
        self.command(args)
            .output()
            .map_err(|err| CheckoutError::GitUnavailable(err.to_string()))
    }

    fn failure(&self, args: &[std::ffi::OsString], output: &Output) -> CheckoutError {
        CheckoutError::Git {
            command: args
                .iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            path: PathBuf::from(self.dir),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::may_reach_a_remote;

    #[test]
    fn only_commands_that_may_reach_a_remote_get_the_ssh_command() {
        assert!(may_reach_a_remote(&["fetch", "--prune", "origin"]));
        assert!(may_reach_a_remote(&["-c", "x.y=z", "clone", "a", "b"]));
        assert!(may_reach_a_remote(&["push", "origin", "b"]));
        assert!(!may_reach_a_remote(&["status", "--porcelain"]));
        assert!(!may_reach_a_remote(&[
            "-c",
            "core.quotePath=false",
            "ls-files"
        ]));
        assert!(!may_reach_a_remote::<&str>(&[]));
    }
}
