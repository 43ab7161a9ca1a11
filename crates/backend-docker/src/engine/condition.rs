//! What a workspace container's state means for the gate and for removal: the work a
//! half-made one can hold, the failures that say "the gate cannot look" rather than "the
//! gate failed", and removing a workspace's container (gone is [`DockerError::ContainerGone`],
//! a removal already under way is waited for).

use bollard::query_parameters::{RemoveContainerOptionsBuilder, WaitContainerOptionsBuilder};
use futures_util::StreamExt;
use skipper_core::RepositoryId;

use super::Engine;
use crate::error::{DockerError, status_of};
use crate::spec;

/// The file the setup writes once it recorded the host's branches (under
/// `refs/skipper/host/`) and tags: before it, every host branch would look unpushed.
const HOST_TAGS: &str = ".git/skipper/host-tags";

impl Engine {
    /// Whether the half-made container `name` (one without [`scripts::READY_MARKER`]) may
    /// hold commits of the user's: it runs, and its setup got as far as recording the
    /// host's refs (before that, every host branch would look unpushed). Its files never
    /// count: a checkout cut short is not the user's.
    ///
    /// # Errors
    /// [`DockerError`] when the daemon fails to answer.
    pub async fn half_made_may_hold_commits(
        &self,
        name: &str,
        repository: &RepositoryId,
    ) -> Result<bool, DockerError> {
        let running = self
            .inspect(name)
            .await?
            .and_then(|info| info.state)
            .and_then(|state| state.running)
            == Some(true);
        // Never started (killed during the copy) or stopped: no one was ever in it.
        if !running {
            return Ok(false);
        }
        let host_tags = format!("{}/{HOST_TAGS}", spec::repository_path(repository));
        Ok(self.read_small_file(name, &host_tags).await?.is_some())
    }

    /// Removes the workspace container `name` and its anonymous volumes, whatever it holds.
    /// A removal already under way (by a process that died, say) is waited for.
    ///
    /// # Errors
    /// [`DockerError::ContainerGone`] when there is no such container,
    /// [`DockerError::Api`].
    pub async fn remove_workspace_container(&self, name: &str) -> Result<(), DockerError> {
        let removed = self.remove_container_alone(name).await;
        // An `allow` workspace's rule in the egress proxy goes with it; one left behind is
        // `sk gc`'s.
        if matches!(removed, Ok(()) | Err(DockerError::ContainerGone { .. }))
            && let Err(err) = self.remove_proxy_of(name).await
        {
            tracing::warn!(
                "the egress rule of {name} was left in the proxy (`sk gc` drops it): {err}"
            );
        }
        removed
    }

    /// [`Self::remove_workspace_container`] without its proxy.
    async fn remove_container_alone(&self, name: &str) -> Result<(), DockerError> {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        // Answered once the container's files are gone: as long as they are many (a large
        // repository's container took over 15 s on a loaded 2-core machine).
        let unhurried = super::without_deadline(&self.docker);
        // Forgotten first: a record outliving its container would be checked and found
        // wrong, but one of a container still there is only re-learnt.
        self.records.forget(name);
        self.spawners.forget(name);
        match unhurried.remove_container(name, Some(options)).await {
            Ok(()) => Ok(()),
            Err(err) if status_of(&err) == Some(404) => Err(DockerError::ContainerGone {
                container: name.to_owned(),
            }),
            // "Removal already in progress": wait for the daemon to finish it.
            Err(err) if status_of(&err) == Some(409) => {
                let options = WaitContainerOptionsBuilder::default()
                    .condition("removed")
                    .build();
                let mut waiting = unhurried.wait_container(name, Some(options));
                while waiting.next().await.is_some() {}
                match self.inspect(name).await? {
                    None => Ok(()),
                    Some(_) => Err(DockerError::api(
                        &self.docker,
                        "remove container",
                        name,
                        &err,
                    )),
                }
            }
            Err(err) => Err(DockerError::api(
                &self.docker,
                "remove container",
                name,
                &err,
            )),
        }
    }
}

/// Whether `err`, met while the gate looked into a container, says the gate cannot look
/// (a container that does not start, git failing in it) rather than that Docker failed.
#[must_use]
pub fn cannot_look(err: &DockerError) -> bool {
    matches!(
        err,
        DockerError::ContainerStart { .. }
            | DockerError::Step { .. }
            | DockerError::Unfinished { .. }
    )
}
