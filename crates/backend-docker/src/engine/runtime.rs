//! The OCI runtime workspace containers run under (`docker.runtime`, `--runtime`; `runsc`
//! for gVisor): checked against the daemon's list before a workspace is made (a request
//! made only when a runtime is configured), and named when a container made to run under
//! it does not start.

use super::{Engine, endpoint};
use crate::error::DockerError;
use crate::labels;

impl Engine {
    /// Checks that the daemon lists the configured runtime. Asks nothing when none is
    /// configured: the daemon's default needs no check.
    ///
    /// # Errors
    /// [`DockerError::RuntimeMissing`] naming the runtimes the daemon has; the request's
    /// own failure.
    pub(super) async fn check_runtime(&self) -> Result<(), DockerError> {
        let Some(runtime) = &self.config.runtime else {
            return Ok(());
        };
        let info = self
            .docker
            .info()
            .await
            .map_err(|err| DockerError::api(&self.docker, "info", "the daemon", &err))?;
        let listed = info.runtimes.unwrap_or_default();
        listed_runtime(&endpoint(), runtime, listed.keys().map(String::as_str))
    }

    /// The runtime the container `name` was made to run under, as its labels say; `None`
    /// for the daemon's default, or when it cannot be inspected.
    pub(super) async fn chosen_runtime(&self, name: &str) -> Option<String> {
        let info = self.inspect(name).await.ok()??;
        labels::runtime_from_labels(info.config?.labels.as_ref()?)
    }
}

/// Whether `runtime` is among the runtimes a daemon at `endpoint` lists.
///
/// # Errors
/// [`DockerError::RuntimeMissing`] with the listed names sorted.
pub(crate) fn listed_runtime<'a>(
    endpoint: &str,
    runtime: &str,
    listed: impl IntoIterator<Item = &'a str>,
) -> Result<(), DockerError> {
    let mut available: Vec<String> = listed.into_iter().map(str::to_owned).collect();
    if available.iter().any(|name| name == runtime) {
        return Ok(());
    }
    available.sort();
    Err(DockerError::RuntimeMissing {
        endpoint: endpoint.to_owned(),
        runtime: runtime.to_owned(),
        available,
    })
}

#[cfg(test)]
mod tests {
    use super::listed_runtime;

    #[test]
    fn a_runtime_the_daemon_lacks_is_named_with_those_it_has() {
        let listed = ["runc", "io.containerd.runc.v2", "runsc"];
        assert!(listed_runtime("unix:///d.sock", "runsc", listed).is_ok());
        let err = listed_runtime("unix:///d.sock", "kata", listed).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the Docker daemon at unix:///d.sock has no runtime \"kata\"; it has: io.containerd.runc.v2, runc, runsc"
        );
        assert_eq!(err.kind(), skipper_core::ErrorKind::NotFound);
    }
}
