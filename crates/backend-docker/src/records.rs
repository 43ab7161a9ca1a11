//! What `sk` learned of a workspace container, kept on the host under the data root so that
//! the next command need not ask the container again: the project file (`.skipper.toml`)
//! its commands' environment was last made of. A record is a file named by the container's
//! name (names are made of `[a-z0-9_-]`), `<name>.project`, holding the object id of
//! `HEAD:.skipper.toml` and the file's bytes. It is never trusted as it is: before each
//! command the container compares its `HEAD`'s object with it and refuses to start the
//! command when they differ (`exec-guard.sh`), so a record left by a crash, or of a
//! container made again under the name, is harmless.
//!
//! Records are written whole (a file renamed into place) and best effort: one that cannot
//! be written or read only costs the next command the exec it saves.

use std::path::PathBuf;

use skipper_git::Layout;

/// The records of one data root.
#[derive(Debug, Clone)]
pub struct ContainerRecords {
    dir: PathBuf,
}

/// The project file at a container's `HEAD`, as last read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    /// The object id of `HEAD:.skipper.toml`, empty when `HEAD` has no such path.
    pub object: String,
    /// The blob's bytes; `None` when there is no file (or the path is not a blob).
    pub bytes: Option<Vec<u8>>,
}

impl ProjectRecord {
    /// The record `read-project.sh` prints: the object id on the first line, `blob` or
    /// `none` on the second, then the blob's bytes. `None` when it is not that.
    #[must_use]
    pub fn parse(printed: &[u8]) -> Option<Self> {
        let (object, rest) = split_line(printed)?;
        let (kind, bytes) = split_line(rest)?;
        let object = std::str::from_utf8(object).ok()?;
        if !object.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let bytes = match kind {
            b"blob" if !object.is_empty() => Some(bytes.to_vec()),
            b"none" if bytes.is_empty() => None,
            _ => return None,
        };
        Some(Self {
            object: object.to_owned(),
            bytes,
        })
    }

    /// The record as [`ProjectRecord::parse`] reads it.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut printed = format!("{}\n", self.object).into_bytes();
        match &self.bytes {
            Some(bytes) => {
                printed.extend_from_slice(b"blob\n");
                printed.extend_from_slice(bytes);
            }
            None => printed.extend_from_slice(b"none\n"),
        }
        printed
    }
}

fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = bytes.iter().position(|&b| b == b'\n')?;
    Some((&bytes[..end], &bytes[end + 1..]))
}

impl ContainerRecords {
    /// The records under `layout`'s data root.
    #[must_use]
    pub fn new(layout: &Layout) -> Self {
        Self {
            dir: layout.container_records(),
        }
    }

    /// The project file last read in container `name`.
    #[must_use]
    pub fn project(&self, name: &str) -> Option<ProjectRecord> {
        ProjectRecord::parse(&fs_err::read(self.path(name, "project")).ok()?)
    }

    /// Records the project file read in container `name`.
    pub fn set_project(&self, name: &str, record: &ProjectRecord) {
        self.write(name, "project", &record.to_bytes());
    }

    /// Forgets what was recorded of container `name`: it is removed.
    pub fn forget(&self, name: &str) {
        let _ = fs_err::remove_file(self.path(name, "project"));
    }

    fn path(&self, name: &str, kind: &str) -> PathBuf {
        self.dir.join(format!("{name}.{kind}"))
    }

    fn write(&self, name: &str, kind: &str, bytes: &[u8]) {
        let path = self.path(name, kind);
        if let Err(err) = crate::host_file::write_whole(&path, bytes) {
            tracing::debug!("recording {}: {err}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> (tempfile::TempDir, ContainerRecords) {
        let root = tempfile::tempdir().unwrap();
        let records = ContainerRecords::new(&Layout::new(root.path().to_owned()));
        (root, records)
    }

    #[test]
    fn a_project_record_reads_back_as_written() {
        let (_root, records) = records();
        let file = ProjectRecord {
            object: "0123abcd".into(),
            bytes: Some(b"[env]\nA = \"1\n2\"\n".to_vec()),
        };
        let none = ProjectRecord {
            object: String::new(),
            bytes: None,
        };
        assert_eq!(records.project("c"), None);
        records.set_project("c", &file);
        assert_eq!(records.project("c"), Some(file));
        records.set_project("c", &none);
        assert_eq!(records.project("c"), Some(none));
        records.forget("c");
        assert_eq!(records.project("c"), None);
    }

    #[test]
    fn what_read_project_sh_did_not_print_is_no_record() {
        assert_eq!(ProjectRecord::parse(b""), None);
        assert_eq!(ProjectRecord::parse(b"abc\n"), None);
        assert_eq!(ProjectRecord::parse(b"not hex\nnone\n"), None);
        assert_eq!(ProjectRecord::parse(b"\nblob\nx"), None);
        assert_eq!(
            ProjectRecord::parse(b"abc\nnone\n").map(|r| r.bytes),
            Some(None),
            "a path that is not a blob"
        );
    }
}
