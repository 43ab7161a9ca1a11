//! [`ScriptHost`] on this machine: the shared scripts run by `sh` in a directory of the host
//! (a worktree, a plain repository), and files are where they are.

use std::path::Path;
use std::process::{Command, Stdio};

use skipper_core::ErrorKind;

use crate::runner::{ALLOWED_PROTOCOLS, clear_repository_env};
use crate::scripts::SAVE_IDENTITY;
use crate::work::{ScriptHost, ScriptOutput, WorkError};

/// The scripts run on the host, in `dir`.
#[derive(Debug, Clone, Copy)]
pub struct HostScripts<'a> {
    dir: &'a Path,
}

impl<'a> HostScripts<'a> {
    /// Scripts running in `dir`.
    #[must_use]
    pub fn in_dir(dir: &'a Path) -> Self {
        Self { dir }
    }
}

/// `path` as a script argument: the scripts take text.
fn text(path: &Path) -> Result<String, WorkError> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| WorkError::Host {
            kind: ErrorKind::InvalidInput,
            what: format!("the path {} is not UTF-8", path.display()),
            source: None,
        })
}

impl ScriptHost for HostScripts<'_> {
    fn run(&self, script: &str, args: &[String]) -> Result<ScriptOutput, WorkError> {
        let mut command = Command::new("sh");
        clear_repository_env(&mut command)
            .arg("-c")
            .arg(script)
            .arg("sk-script")
            .args(args)
            .current_dir(self.dir)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ALLOW_PROTOCOL", ALLOWED_PROTOCOLS)
            .envs(SAVE_IDENTITY)
            .stdin(Stdio::null());
        tracing::debug!(dir = %self.dir.display(), ?args, "script");
        let output = command.output().map_err(|err| WorkError::Host {
            kind: ErrorKind::CommandFailed,
            what: format!("cannot run sh in {}", self.dir.display()),
            source: Some(err.into()),
        })?;
        Ok(ScriptOutput {
            status: output.status.code().unwrap_or(-1),
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }

    fn outgoing(&self, dest: &Path) -> Result<String, WorkError> {
        text(dest)
    }

    fn bring_back(&self, _written: &str, _dest: &Path) -> Result<(), WorkError> {
        // Written in place.
        Ok(())
    }

    fn incoming(&self, file: &Path) -> Result<String, WorkError> {
        text(file)
    }

    fn forget(&self, _path: &str) {}
}
