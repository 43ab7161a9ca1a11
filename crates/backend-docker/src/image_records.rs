//! What `sk` read out of an image, kept on the host under the data root so that the next
//! container made from it need not read it again: the owner the copy's files get (from the
//! image's user, `/etc/passwd` and `/etc/group`) and a snapshot's object list (its
//! manifest). Each costs the daemon an archive request (~100 ms here) per container made.
//!
//! A record is a file named by the image id and what it holds, `<id>.owner` or
//! `<id>.manifest`. An image id is the digest of the image's configuration, which names
//! its layers' digests: the same id is the same files, so a record is never stale. Records
//! are written whole (a file renamed into place) and best effort: one that cannot be
//! written or read only costs the next create the request it saves. Nothing is written
//! until the data root exists.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use skipper_git::Layout;

use crate::archive::{self, Owner};

/// The image records of one data root.
#[derive(Debug, Clone)]
pub struct ImageRecords {
    dir: PathBuf,
}

impl ImageRecords {
    /// The records kept under `layout`'s data root.
    #[must_use]
    pub fn new(layout: &Layout) -> Self {
        Self {
            dir: layout.image_records(),
        }
    }

    /// The owner recorded for `image`.
    #[must_use]
    pub fn owner(&self, image: &str) -> Option<Owner> {
        let text = fs_err::read_to_string(self.path(image, "owner")?).ok()?;
        let (uid, gid) = text.trim().split_once(':')?;
        Some(Owner {
            uid: uid.parse().ok()?,
            gid: gid.parse().ok()?,
        })
    }

    /// Records `owner` for `image`.
    pub fn record_owner(&self, image: &str, owner: Owner) {
        self.write(
            image,
            "owner",
            format!("{}:{}\n", owner.uid, owner.gid).as_bytes(),
        );
    }

    /// The object list recorded for the snapshot `image`.
    #[must_use]
    pub fn manifest(&self, image: &str) -> Option<HashSet<String>> {
        let text = fs_err::read_to_string(self.path(image, "manifest")?).ok()?;
        Some(archive::parse_manifest(&text))
    }

    /// Records the manifest `text` for the snapshot `image`.
    pub fn record_manifest(&self, image: &str, text: &str) {
        self.write(image, "manifest", text.as_bytes());
    }

    /// Forgets what was recorded for `image` (removed).
    pub fn forget(&self, image: &str) {
        for kind in ["owner", "manifest"] {
            if let Some(path) = self.path(image, kind) {
                let _ = fs_err::remove_file(path);
            }
        }
    }

    /// `<dir>/<hex>.<kind>` for the image id `sha256:<hex>` (or `<hex>`); `None` for an id
    /// that is not a digest, which no record is kept for.
    fn path(&self, image: &str, kind: &str) -> Option<PathBuf> {
        let hex = image.strip_prefix("sha256:").unwrap_or(image);
        (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| self.dir.join(format!("{hex}.{kind}")))
    }

    fn write(&self, image: &str, kind: &str, bytes: &[u8]) {
        let Some(path) = self.path(image, kind) else {
            return;
        };
        let root = self.dir.parent().and_then(Path::parent);
        if !root.is_some_and(Path::is_dir) {
            return;
        }
        if let Err(err) = crate::host_file::write_whole(&path, bytes) {
            tracing::debug!("recording {}: {err}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn records(root: &Path) -> ImageRecords {
        ImageRecords::new(&Layout::new(root.to_path_buf()))
    }

    #[test]
    fn an_owner_and_a_manifest_are_read_back_and_forgotten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let records = records(dir.path());
        assert_eq!(records.owner(IMAGE), None);
        records.record_owner(
            IMAGE,
            Owner {
                uid: 1000,
                gid: 100,
            },
        );
        assert_eq!(
            records.owner(IMAGE),
            Some(Owner {
                uid: 1000,
                gid: 100
            })
        );
        let object = "pack/pack-0123456789abcdef0123456789abcdef01234567.pack";
        records.record_manifest(IMAGE, &format!("{object}\nnot an object\n"));
        assert_eq!(
            records.manifest(IMAGE),
            Some(HashSet::from([object.to_owned()]))
        );
        records.forget(IMAGE);
        assert_eq!(records.owner(IMAGE), None);
        assert_eq!(records.manifest(IMAGE), None);
    }

    #[test]
    fn nothing_is_kept_for_an_id_that_is_no_digest_or_without_a_data_root() {
        let dir = tempfile::tempdir().expect("temp dir");
        let kept = records(dir.path());
        kept.record_owner("../../etc/passwd", Owner { uid: 1, gid: 1 });
        assert_eq!(kept.owner("../../etc/passwd"), None);
        let missing = dir.path().join("not-yet");
        records(&missing).record_owner(IMAGE, Owner { uid: 1, gid: 1 });
        assert!(!missing.exists());
    }
}
