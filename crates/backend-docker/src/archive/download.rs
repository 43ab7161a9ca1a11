//! Files out of a container, from the tar the daemon sends: the part file a download is
//! written to first, and the extraction of the archive's single regular file.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Where a download to `dest` is written until it is complete: `<dest>.part`, renamed to
/// `dest` only then, so that an interrupted download never leaves a truncated file under
/// the name of a good one.
#[must_use]
pub fn partial_path(dest: &Path) -> PathBuf {
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    PathBuf::from(part)
}

/// Reads the single regular file of a tar archive into `dest` (created or truncated), all
/// of it: an archive that ends before the size its header gives fails. Fails when there is
/// no regular file. Nothing is unpacked by path, so no entry can escape `dest`.
///
/// # Errors
/// Reading the archive or writing `dest`.
pub fn extract_single_file(archive: impl Read, dest: &Path) -> io::Result<u64> {
    let mut archive = tar::Archive::new(archive);
    for entry in archive.entries()? {
        let mut entry = entry?;
        if entry.header().entry_type().is_file() {
            let size = entry.header().size()?;
            let mut file = fs_err::File::create(dest)?;
            let copied = io::copy(&mut entry, &mut file)?;
            if copied != size {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the archive ended after {copied} of the file's {size} bytes"),
                ));
            }
            file.sync_all()?;
            return Ok(copied);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        "the archive holds no regular file",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::git_dir::file_header;

    #[test]
    fn extraction_takes_the_one_file_whatever_its_path() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = file_header(5, 0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, "x.bundle", &b"hello"[..])
            .unwrap();
        let archive = builder.into_inner().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("saved.bundle");
        assert_eq!(extract_single_file(archive.as_slice(), &dest).unwrap(), 5);
        assert_eq!(fs_err::read(&dest).unwrap(), b"hello");
    }

    #[test]
    fn a_truncated_archive_is_an_error() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = file_header(1000, 0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, "x.bundle", &[7u8; 1000][..])
            .unwrap();
        let archive = builder.into_inner().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("saved.bundle.part");
        // Cut inside the file's content.
        let err = extract_single_file(&archive[..512 + 600], &dest).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
        assert_eq!(
            extract_single_file(io::empty(), &dest).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn downloads_go_to_a_part_file_first() {
        assert_eq!(
            partial_path(Path::new("/data/saved/x-T.bundle")),
            Path::new("/data/saved/x-T.bundle.part")
        );
    }
}
