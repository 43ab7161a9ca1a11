//! Files carried from the host checkout into a container: one tar of the directories they
//! need, the files (with their mode and time) and the links, owned by the container's user.

use std::io::{self, Write};
use std::path::PathBuf;

use super::Owner;
use super::git_dir::file_header;

/// One entry of the archive, named by its path in the container without the leading `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarriedEntry {
    /// A directory the files need that is not there yet, mode 0755.
    Dir {
        /// Its name in the archive.
        name: String,
    },
    /// A regular file, read from the host.
    File {
        /// Its name in the archive.
        name: String,
        /// The host file.
        source: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A symbolic link.
    Symlink {
        /// Its name in the archive.
        name: String,
        /// What it points at.
        target: String,
    },
}

/// Writes the tar of `entries`, in order, owned by `owner`, to `out`, and flushes it.
///
/// # Errors
/// Reading a host file or writing the archive.
pub fn write_carried(entries: &[CarriedEntry], owner: Owner, out: impl Write) -> io::Result<()> {
    let mut builder = tar::Builder::new(out);
    for entry in entries {
        match entry {
            CarriedEntry::Dir { name } => {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                header.set_mode(0o755);
                stamp(&mut header, owner, now());
                builder.append_data(&mut header, name, io::empty())?;
            }
            CarriedEntry::File { name, source, mode } => {
                let mut reader = fs_err::File::open(source)?;
                let meta = reader.metadata()?;
                let mut header = file_header(meta.len(), *mode);
                let modified = meta
                    .modified()
                    .ok()
                    .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |since| since.as_secs());
                stamp(&mut header, owner, modified);
                builder.append_data(&mut header, name, &mut reader)?;
            }
            CarriedEntry::Symlink { name, target } => {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                header.set_mode(0o777);
                stamp(&mut header, owner, now());
                builder.append_link(&mut header, name, target)?;
            }
        }
    }
    let mut out = builder.into_inner()?;
    out.flush()
}

fn stamp(header: &mut tar::Header, owner: Owner, mtime: u64) {
    header.set_uid(owner.uid);
    header.set_gid(owner.gid);
    header.set_mtime(mtime);
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_holds_directories_files_and_links_in_order_and_owned() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("dev.key");
        fs_err::write(&key, b"secret").unwrap();
        let entries = [
            CarriedEntry::Dir {
                name: "workspace/api/config".to_owned(),
            },
            CarriedEntry::File {
                name: "workspace/api/config/dev.key".to_owned(),
                source: key,
                mode: 0o600,
            },
            CarriedEntry::Symlink {
                name: "workspace/api/key".to_owned(),
                target: "config/dev.key".to_owned(),
            },
        ];
        let mut archive = Vec::new();
        let owner = Owner {
            uid: 1000,
            gid: 1001,
        };
        write_carried(&entries, owner, &mut archive).unwrap();

        let mut archive = tar::Archive::new(archive.as_slice());
        let found: Vec<_> = archive
            .entries()
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let header = entry.header();
                (
                    entry.path().unwrap().to_string_lossy().into_owned(),
                    header.entry_type(),
                    header.mode().unwrap(),
                    (header.uid().unwrap(), header.gid().unwrap()),
                    entry
                        .link_name()
                        .unwrap()
                        .map(|l| l.to_string_lossy().into_owned()),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "workspace/api/config".to_owned(),
                    tar::EntryType::Directory,
                    0o755,
                    (1000, 1001),
                    None
                ),
                (
                    "workspace/api/config/dev.key".to_owned(),
                    tar::EntryType::Regular,
                    0o600,
                    (1000, 1001),
                    None
                ),
                (
                    "workspace/api/key".to_owned(),
                    tar::EntryType::Symlink,
                    0o777,
                    (1000, 1001),
                    Some("config/dev.key".to_owned())
                ),
            ]
        );
    }
}
