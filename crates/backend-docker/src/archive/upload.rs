//! A file into a container: the tar the daemon unpacks, holding that one regular file.

use std::io::{self, Write};
use std::path::Path;

use super::Owner;
use super::git_dir::file_header;

/// Writes a tar of the host file `file`, named `name` in the archive, mode 0644, owned by
/// `owner`, to `out`, and flushes it. Returns the file's size.
///
/// # Errors
/// Reading the file or writing the archive.
pub fn write_single_file(
    file: &Path,
    name: &str,
    owner: Owner,
    out: impl Write,
) -> io::Result<u64> {
    let mut reader = fs_err::File::open(file)?;
    let size = reader.metadata()?.len();
    let mut header = file_header(size, 0o644);
    header.set_uid(owner.uid);
    header.set_gid(owner.gid);
    let mut builder = tar::Builder::new(out);
    builder.append_data(&mut header, name, &mut reader)?;
    let mut out = builder.into_inner()?;
    out.flush()?;
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_holds_the_file_under_its_name_and_owner() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("work.bundle");
        fs_err::write(&file, b"bundle bytes").unwrap();
        let mut archive = Vec::new();
        let owner = Owner {
            uid: 1000,
            gid: 1000,
        };
        assert_eq!(
            write_single_file(&file, "x.bundle", owner, &mut archive).unwrap(),
            12
        );
        let dest = dir.path().join("out");
        assert_eq!(
            super::super::extract_single_file(archive.as_slice(), &dest).unwrap(),
            12
        );
        assert_eq!(fs_err::read(&dest).unwrap(), b"bundle bytes");
        let mut archive = tar::Archive::new(archive.as_slice());
        let entry = archive.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(entry.path().unwrap().to_str(), Some("x.bundle"));
        assert_eq!(entry.header().uid().unwrap(), 1000);
    }
}
