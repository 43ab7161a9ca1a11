use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use skipper_core::CheckoutError;

/// Transports git may use for anything skipper starts: never `ext::` or other helpers that
/// run programs.
const ALLOWED_PROTOCOLS: &str = "file:git:http:https:ssh";

/// A `git` invocation in one directory, with a safe environment.
#[derive(Debug)]
pub(crate) struct Git<'a> {
    dir: &'a Path,
}

impl<'a> Git<'a> {
    pub(crate) fn in_dir(dir: &'a Path) -> Self {
        Self { dir }
    }

    /// A `git` command ready to run in this directory.
    pub(crate) fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(self.dir)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ALLOW_PROTOCOL", ALLOWED_PROTOCOLS)
            .stdin(Stdio::null());
        command
    }

    /// Runs git and returns its stdout; a non-zero exit is an error carrying stderr.
    pub(crate) fn run<I, S>(&self, args: I) -> Result<String, CheckoutError>
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

    /// Runs git and tells whether it exited 0 (for `--quiet` queries).
    pub(crate) fn succeeds<I, S>(&self, args: I) -> Result<bool, CheckoutError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        Ok(self.output(&args)?.status.success())
    }

    pub(crate) fn output(&self, args: &[std::ffi::OsString]) -> Result<Output, CheckoutError> {
        tracing::debug!(dir = %self.dir.display(), ?args, "git");
        self.command(args)
            .output()
            .map_err(|err| CheckoutError::GitUnavailable(err.to_string()))
    }

    pub(crate) fn failure(&self, args: &[std::ffi::OsString], output: &Output) -> CheckoutError {
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
