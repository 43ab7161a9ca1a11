//! Where skipper keeps things under its data root.

use std::path::{Path, PathBuf};

use skipper_core::{BranchName, RepositoryId};

/// Where things live under the data root:
///
/// ```text
/// <root>/repos/<host>/<owner>/<name>                 host checkouts
/// <root>/worktrees/<host>/<owner>/<name>/<branch>    branch workspaces
/// <root>/saved/<host>/<owner>/<name>/                work saved by forced removals
/// <root>/tmp/                                        clones in progress
/// <root>/trash/                                      workspaces being deleted
/// <root>/locks/                                      lock files
/// <root>/state/removing/                             removals in progress
/// <root>/state/containers/                           what sk learned of workspace containers
/// <root>/run/containers/<container>/                 a workspace container's exec channel
/// ```
///
/// A worktree is removed by renaming its directory into `trash/` (one rename: the
/// workspace is there whole or not at all), then deleting it there. A directory left in
/// `trash/` by a crash holds nothing anyone needs: `sk gc` deletes it.
///
/// Owners with `/` and branches with `/` are flattened into one component each, so no
/// directory can nest inside another.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// A layout rooted at `root` (the data root).
    #[must_use]
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// The data root.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory holding every host checkout.
    #[must_use]
    pub fn repos(&self) -> PathBuf {
        self.root.join("repos")
    }

    /// The host checkout of `repository`.
    #[must_use]
    pub fn checkout(&self, repository: &RepositoryId) -> PathBuf {
        self.repos().join(repository.storage_path())
    }

    /// The directory holding `repository`'s branch workspaces.
    #[must_use]
    pub fn worktrees(&self, repository: &RepositoryId) -> PathBuf {
        self.all_worktrees().join(repository.storage_path())
    }

    /// Where every repository's branch workspaces are: `<root>/worktrees`, holding
    /// `<host>/<owner>/<name>/<branch>`.
    #[must_use]
    pub fn all_worktrees(&self) -> PathBuf {
        self.root.join("worktrees")
    }

    /// The branch workspace of `branch`.
    #[must_use]
    pub fn worktree(&self, repository: &RepositoryId, branch: &BranchName) -> PathBuf {
        self.worktrees(repository).join(branch.as_path_component())
    }

    /// Scratch space on the data root's filesystem (clones are staged here, then renamed
    /// into place).
    #[must_use]
    pub fn staging(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Where a removal moves a workspace's directory (one entry each, on the data root's
    /// filesystem, so the move is one rename) before deleting it: a removal cut short
    /// leaves its files here, never half of them at the workspace's place.
    #[must_use]
    pub fn trash(&self) -> PathBuf {
        self.root.join("trash")
    }

    /// Where the Docker sandbox records what it learned of its workspace containers (the
    /// project file its commands' environment was made of), a file per container name;
    /// each is checked against the container before it is trusted, so one left by a crash
    /// is harmless.
    #[must_use]
    pub fn container_records(&self) -> PathBuf {
        self.root.join("state").join("containers")
    }

    /// Where the Docker sandbox records what it read out of an image (the user files are
    /// owned by, a snapshot's object list), a file per image id and kind: an image id names
    /// its content, so a record never goes stale.
    #[must_use]
    pub fn image_records(&self) -> PathBuf {
        self.root.join("state").join("images")
    }

    /// Where the Docker sandbox remembers the API version it settled on with each daemon
    /// endpoint, so that a command need not ask for it again (a line per endpoint; one
    /// the daemon no longer speaks is found out by the first request, then replaced).
    #[must_use]
    pub fn docker_api_versions(&self) -> PathBuf {
        self.root.join("state").join("docker-api-versions")
    }

    /// The host directory through which `sk` asks workspace container `container` to start
    /// processes (the Docker sandbox's spawner): bind-mounted into the container, made
    /// before it and removed with it.
    #[must_use]
    pub fn container_exec_dir(&self, container: &str) -> PathBuf {
        self.root.join("run").join("containers").join(container)
    }

    /// Where the user's approvals of `repository`'s hook commands are kept: one file per
    /// approved set of commands, named by its digest.
    #[must_use]
    pub fn approvals(&self, repository: &RepositoryId) -> PathBuf {
        self.root.join("approvals").join(repository.storage_path())
    }

    /// Where work saved from `repository`'s workspaces goes.
    #[must_use]
    pub fn saved(&self, repository: &RepositoryId) -> PathBuf {
        self.root.join("saved").join(repository.storage_path())
    }
}
