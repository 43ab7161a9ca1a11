//! A directory of the host's for the files one command moves between a workspace and the
//! host checkout (bundles), on the data root's filesystem, deleted when the command is done.

use std::path::{Path, PathBuf};

use fs_err as fs;

use crate::layout::Layout;

/// A fresh directory under [`Layout::staging`], removed with what it holds when dropped.
/// One that a killed `sk` left behind is named `<pid>-<nanos>.transfer`.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Makes a directory no other run uses.
    ///
    /// # Errors
    /// The failure to make it.
    pub fn new(layout: &Layout) -> std::io::Result<Self> {
        let staging = layout.staging();
        fs::create_dir_all(&staging)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        let path = staging.join(format!("{}-{nanos}.transfer", std::process::id()));
        // `create_dir` fails when the name is taken: never another run's directory.
        fs::create_dir(&path)?;
        Ok(Self { path })
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Err(err) = fs::remove_dir_all(&self.path) {
            tracing::debug!("removing {}: {err}", self.path.display());
        }
    }
}
