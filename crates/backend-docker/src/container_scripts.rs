//! [`ScriptHost`] in a workspace container: the shared gate, save and restore scripts of
//! `skipper-git` run as execs in the repository directory, and bundles cross between the
//! container's `/tmp` and the host by the daemon's archive API.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use skipper_git::scripts::{SAVE_IDENTITY, sh_argv};
use skipper_git::{ScriptHost, ScriptOutput, WorkError};

use crate::DockerBackend;
use crate::error::DockerError;

/// Where files for and from the scripts live in the container.
const SCRATCH: &str = "/tmp";

/// The scripts of one workspace container (started, and ready).
#[derive(Debug)]
pub(crate) struct ContainerScripts<'a> {
    backend: &'a DockerBackend,
    container: &'a str,
    path: &'a str,
}

impl<'a> ContainerScripts<'a> {
    /// The scripts of `container`, whose repository is at `path`.
    pub(crate) fn new(backend: &'a DockerBackend, container: &'a str, path: &'a str) -> Self {
        Self {
            backend,
            container,
            path,
        }
    }
}

fn host_error(what: String) -> impl FnOnce(DockerError) -> WorkError {
    move |err| WorkError::Host {
        kind: err.kind(),
        what,
        source: Some(Box::new(err)),
    }
}

/// A file name in the container's scratch directory no other run uses: this process, the
/// time and a counter, then `name`.
fn scratch_path(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    format!(
        "{SCRATCH}/skipper-{}-{nanos}-{}-{name}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| "file".to_owned(), |n| n.to_string_lossy().into_owned())
}

impl ScriptHost for ContainerScripts<'_> {
    fn run(&self, script: &str, args: &[String]) -> Result<ScriptOutput, WorkError> {
        let env = SAVE_IDENTITY
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let captured = self
            .backend
            .runtime
            .block_on(self.backend.engine.run(
                self.container,
                self.path,
                sh_argv(script, args),
                env,
            ))
            .map_err(host_error(format!(
                "running a script in {}",
                self.container
            )))?;
        Ok(ScriptOutput {
            status: captured.status,
            stdout: captured.stdout,
            stderr: captured.stderr,
        })
    }

    fn outgoing(&self, dest: &Path) -> Result<String, WorkError> {
        Ok(scratch_path(&file_name(dest)))
    }

    fn bring_back(&self, written: &str, dest: &Path) -> Result<(), WorkError> {
        let downloaded = self
            .backend
            .runtime
            .block_on(
                self.backend
                    .engine
                    .download_file(self.container, written, dest),
            )
            .map_err(host_error(format!(
                "copying {written} out of {} to {}",
                self.container,
                dest.display()
            )));
        self.forget(written);
        downloaded.map(|_| ())
    }

    fn incoming(&self, file: &Path) -> Result<String, WorkError> {
        let inside = scratch_path(&file_name(file));
        let name = inside.trim_start_matches(&format!("{SCRATCH}/")).to_owned();
        self.backend
            .runtime
            .block_on(
                self.backend
                    .engine
                    .upload_file(self.container, file, SCRATCH, &name),
            )
            .map_err(host_error(format!(
                "copying {} into {}",
                file.display(),
                self.container
            )))?;
        Ok(inside)
    }

    fn forget(&self, path: &str) {
        let removed = self.backend.runtime.block_on(self.backend.engine.run(
            self.container,
            self.path,
            vec!["rm".into(), "-f".into(), "--".into(), path.to_owned()],
            Vec::new(),
        ));
        if let Err(err) = removed {
            tracing::debug!("removing {path} in {}: {err}", self.container);
        }
    }
}
