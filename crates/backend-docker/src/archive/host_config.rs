//! The host's configuration as an archive, for an engine that cannot mount it (one not on
//! this machine): each [`HostMount`]'s files at the path its mount would have, owned by
//! root and readable, never writable, by the container user's group.

use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::spec::HostMount;

/// How deep a directory is copied; deeper entries are left out (a link loop ends here).
const MAX_DEPTH: usize = 12;
/// The largest file copied; larger ones (caches, logs) are left out.
const MAX_FILE: u64 = 16 << 20;

/// Writes `mounts` as a tar archive to `out`, the container user's group being `group`.
/// Symbolic links are followed; what is neither a file nor a directory (a socket, say),
/// and files over 16 MiB, are left out, each said in the returned lines.
///
/// # Errors
/// A host file that cannot be read, or `out` failing.
pub fn write_host_config(
    mounts: &[HostMount],
    group: u64,
    out: impl Write,
) -> io::Result<Vec<String>> {
    let mut builder = tar::Builder::new(out);
    let mut skipped = Vec::new();
    let mut parents = Vec::new();
    for mount in mounts {
        let target = mount.target.trim_start_matches('/');
        // The directories above the mount's place (never `/` or its first level, which
        // the image has), so that they are root's too.
        let mut parent = Path::new(target).parent();
        let mut chain = Vec::new();
        while let Some(dir) = parent.filter(|dir| dir.components().count() > 1) {
            chain.push(dir.to_path_buf());
            parent = dir.parent();
        }
        for dir in chain.into_iter().rev() {
            if !parents.contains(&dir) {
                append_dir(&mut builder, &dir, 0o755)?;
                parents.push(dir);
            }
        }
        append(
            &mut builder,
            &mount.source,
            Path::new(target),
            group,
            0,
            &mut skipped,
        )?;
    }
    builder.into_inner()?.flush()?;
    Ok(skipped)
}

fn header(mode: u32, size: u64, kind: tar::EntryType, group: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_uid(0);
    header.set_gid(group);
    header.set_mtime(0);
    header
}

fn append_dir(builder: &mut tar::Builder<impl Write>, path: &Path, mode: u32) -> io::Result<()> {
    let mut header = header(mode, 0, tar::EntryType::Directory, 0);
    builder.append_data(&mut header, path, io::empty())
}

fn append(
    builder: &mut tar::Builder<impl Write>,
    source: &Path,
    target: &Path,
    group: u64,
    depth: usize,
    skipped: &mut Vec<String>,
) -> io::Result<()> {
    let metadata = match fs_err::metadata(source) {
        Ok(metadata) => metadata,
        // A dangling link, or gone since it was looked at.
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    if metadata.is_dir() {
        if depth >= MAX_DEPTH {
            skipped.push(format!(
                "{} (deeper than {MAX_DEPTH} levels)",
                source.display()
            ));
            return Ok(());
        }
        let mut header = header(0o750, 0, tar::EntryType::Directory, group);
        builder.append_data(&mut header, target, io::empty())?;
        let mut entries: Vec<_> = fs_err::read_dir(source)?
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .collect();
        entries.sort();
        for name in entries {
            append(
                builder,
                &source.join(&name),
                &target.join(&name),
                group,
                depth + 1,
                skipped,
            )?;
        }
    } else if metadata.is_file() {
        if metadata.len() > MAX_FILE {
            skipped.push(format!("{} (over 16 MiB)", source.display()));
            return Ok(());
        }
        let executable = metadata.permissions().mode() & 0o111 != 0;
        let mode = if executable { 0o750 } else { 0o640 };
        let file = fs_err::File::open(source)?;
        let mut header = header(mode, metadata.len(), tar::EntryType::Regular, group);
        builder.append_data(&mut header, target, io::Read::take(file, metadata.len()))?;
    } else {
        skipped.push(format!("{} (not a file or directory)", source.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::HomeLink;

    #[test]
    fn files_land_at_their_mounts_place_owned_by_root_readable_by_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let ssh = dir.path().join(".ssh");
        fs_err::create_dir_all(&ssh).unwrap();
        fs_err::write(ssh.join("id_ed25519"), "key").unwrap();
        fs_err::os::unix::fs::symlink(ssh.join("id_ed25519"), ssh.join("linked")).unwrap();
        std::os::unix::net::UnixListener::bind(ssh.join("control.sock")).unwrap();
        fs_err::write(dir.path().join(".gitconfig"), "[user]\n").unwrap();
        let mounts = [
            HostMount {
                source: ssh.clone(),
                target: "/run/skipper/host/ssh".into(),
                home_path: ".ssh".into(),
                link: HomeLink::Link,
            },
            HostMount {
                source: dir.path().join(".gitconfig"),
                target: "/run/skipper/host/gitconfig".into(),
                home_path: ".gitconfig".into(),
                link: HomeLink::Link,
            },
        ];
        let mut archive = Vec::new();
        let skipped = write_host_config(&mounts, 1000, &mut archive).unwrap();
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(skipped[0].contains("control.sock"), "{skipped:?}");
        let mut read = tar::Archive::new(archive.as_slice());
        let entries: Vec<(String, u32, u64, u64)> = read
            .entries()
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let header = entry.header();
                (
                    entry.path().unwrap().display().to_string(),
                    header.mode().unwrap(),
                    header.uid().unwrap(),
                    header.gid().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            entries,
            [
                ("run/skipper".to_owned(), 0o755, 0, 0),
                ("run/skipper/host".to_owned(), 0o755, 0, 0),
                ("run/skipper/host/ssh".to_owned(), 0o750, 0, 1000),
                ("run/skipper/host/ssh/id_ed25519".to_owned(), 0o640, 0, 1000),
                ("run/skipper/host/ssh/linked".to_owned(), 0o640, 0, 1000),
                ("run/skipper/host/gitconfig".to_owned(), 0o640, 0, 1000),
            ]
        );
    }
}
