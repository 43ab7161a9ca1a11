//! [`ApprovalStore`] on the data root: `approvals/<host>/<owner>/<name>/<digest>`, one file
//! per approved set of hook commands, holding those commands for people to read. Its being
//! there is the approval; there is nothing else to disagree with it.

use std::path::PathBuf;

use skipper_core::{ApprovalError, ApprovalStore, RepositoryId};

use crate::Layout;

/// The approvals of hook commands, under the data root.
#[derive(Debug, Clone)]
pub struct DiskApprovals {
    layout: Layout,
}

impl DiskApprovals {
    /// The store under `layout`'s data root.
    #[must_use]
    pub fn new(layout: Layout) -> Self {
        Self { layout }
    }

    /// The file of one approval. A digest is hex; anything else never names a file.
    fn file(&self, repository: &RepositoryId, digest: &str) -> Result<PathBuf, ApprovalError> {
        if digest.is_empty() || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApprovalError {
                what: format!("`{digest}` is not a digest of hook commands"),
                source: "not hexadecimal".into(),
            });
        }
        Ok(self.layout.approvals(repository).join(digest))
    }
}

fn failed(what: String) -> impl FnOnce(std::io::Error) -> ApprovalError {
    move |err| ApprovalError {
        what,
        source: Box::new(err),
    }
}

impl ApprovalStore for DiskApprovals {
    fn is_approved(&self, repository: &RepositoryId, digest: &str) -> Result<bool, ApprovalError> {
        let file = self.file(repository, digest)?;
        match fs_err::metadata(&file) {
            Ok(meta) => Ok(meta.is_file()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(failed(format!("cannot read the approvals of {repository}"))(err)),
        }
    }

    fn approve(
        &self,
        repository: &RepositoryId,
        digest: &str,
        commands: &str,
    ) -> Result<(), ApprovalError> {
        let file = self.file(repository, digest)?;
        let what = format!("cannot record the approval of {repository}'s hooks");
        let dir = self.layout.approvals(repository);
        fs_err::create_dir_all(&dir).map_err(failed(what.clone()))?;
        // Written whole and then renamed: a file there is a whole approval.
        let partial = dir.join(format!(".{digest}.{}", std::process::id()));
        fs_err::write(&partial, commands).map_err(failed(what.clone()))?;
        fs_err::rename(&partial, &file).map_err(failed(what))
    }

    fn revoke(&self, repository: &RepositoryId) -> Result<usize, ApprovalError> {
        let dir = self.layout.approvals(repository);
        let what = format!("cannot forget the approvals of {repository}");
        let entries = match fs_err::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(failed(what)(err)),
        };
        let mut forgotten = 0;
        for entry in entries {
            let entry = entry.map_err(failed(what.clone()))?;
            fs_err::remove_file(entry.path()).map_err(failed(what.clone()))?;
            if !entry.file_name().to_string_lossy().starts_with('.') {
                forgotten += 1;
            }
        }
        Ok(forgotten)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_is_of_one_digest_for_one_repository_until_revoked() {
        let root = tempfile::tempdir().unwrap();
        let store = DiskApprovals::new(Layout::new(root.path().to_owned()));
        let api = RepositoryId::new("local", "tmp", "api").unwrap();
        let web = RepositoryId::new("local", "tmp", "web").unwrap();

        assert!(!store.is_approved(&api, "abc123").unwrap());
        store
            .approve(&api, "abc123", "post-create: npm ci\n")
            .unwrap();
        store
            .approve(&api, "abc123", "post-create: npm ci\n")
            .unwrap();
        assert!(store.is_approved(&api, "abc123").unwrap());
        assert!(!store.is_approved(&api, "abc124").unwrap());
        assert!(!store.is_approved(&web, "abc123").unwrap());

        assert_eq!(store.revoke(&api).unwrap(), 1);
        assert!(!store.is_approved(&api, "abc123").unwrap());
        assert_eq!(store.revoke(&api).unwrap(), 0);
        assert!(store.is_approved(&api, "../x").is_err());
    }
}
