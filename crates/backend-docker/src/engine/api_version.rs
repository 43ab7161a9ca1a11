//! The API version spoken with each daemon endpoint, remembered on the host so that a
//! command need not ask the daemon for it: the daemon's version query costs it ~10 ms
//! (it asks its runtime and init for their versions), a ping at the remembered version
//! costs ~0.5 ms and says as much, since a daemon refuses a version it does not speak.
//!
//! The file holds a line per endpoint, `<endpoint> <major>.<minor>`, written whole (a file
//! renamed into place) and best effort: one that cannot be read or written only costs the
//! next command the version query. Nothing is written until the data root exists.

use std::path::{Path, PathBuf};

use bollard::ClientVersion;

/// The remembered versions of one data root.
#[derive(Debug, Clone)]
pub struct RememberedVersions {
    file: PathBuf,
}

impl RememberedVersions {
    /// The versions kept in `file`.
    #[must_use]
    pub fn new(file: PathBuf) -> Self {
        Self { file }
    }

    /// The version last settled on with `endpoint`, if any.
    #[must_use]
    pub fn get(&self, endpoint: &str) -> Option<ClientVersion> {
        let text = fs_err::read_to_string(&self.file).ok()?;
        text.lines().find_map(|line| {
            let (at, version) = line.split_once(' ')?;
            (at == endpoint).then(|| parse(version)).flatten()
        })
    }

    /// Remembers `version` for `endpoint`, in place of what was remembered for it. Only in
    /// a data root that exists: a command that makes nothing does not make one to
    /// remember this.
    pub fn set(&self, endpoint: &str, version: &ClientVersion) {
        let root = self.file.parent().and_then(Path::parent);
        if !root.is_some_and(Path::is_dir) {
            return;
        }
        let kept = fs_err::read_to_string(&self.file).unwrap_or_default();
        let mut lines: Vec<String> = kept
            .lines()
            .filter(|line| line.split_once(' ').is_some_and(|(at, _)| at != endpoint))
            .map(str::to_owned)
            .collect();
        lines.push(format!("{endpoint} {version}"));
        if let Err(err) =
            crate::host_file::write_whole(&self.file, (lines.join("\n") + "\n").as_bytes())
        {
            tracing::debug!("remembering the Docker API version: {err}");
        }
    }
}

/// `1.41` as a version; `None` when it is not two numbers.
fn parse(text: &str) -> Option<ClientVersion> {
    let (major, minor) = text.trim().split_once('.')?;
    Some(ClientVersion {
        major_version: major.parse().ok()?,
        minor_version: minor.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(major: usize, minor: usize) -> ClientVersion {
        ClientVersion {
            major_version: major,
            minor_version: minor,
        }
    }

    #[test]
    fn a_version_is_remembered_per_endpoint_and_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let versions = RememberedVersions::new(dir.path().join("state/versions"));
        assert_eq!(versions.get("unix:///a.sock"), None);
        versions.set("unix:///a.sock", &version(1, 41));
        versions.set("unix:///b.sock", &version(1, 47));
        versions.set("unix:///a.sock", &version(1, 44));
        assert_eq!(versions.get("unix:///a.sock"), Some(version(1, 44)));
        assert_eq!(versions.get("unix:///b.sock"), Some(version(1, 47)));
        assert_eq!(versions.get("unix:///c.sock"), None);
    }

    #[test]
    fn nothing_is_remembered_without_a_data_root() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("not-yet");
        let versions = RememberedVersions::new(root.join("state/versions"));
        versions.set("unix:///a.sock", &version(1, 41));
        assert!(!root.exists());
    }

    #[test]
    fn a_damaged_file_remembers_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("versions");
        fs_err::write(&file, "unix:///a.sock one.two\ngarbage\n").expect("write");
        assert_eq!(RememberedVersions::new(file).get("unix:///a.sock"), None);
    }
}
