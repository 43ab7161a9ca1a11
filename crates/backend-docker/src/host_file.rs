//! Files `sk` keeps on the host for the Docker sandbox (records of containers and images,
//! the API version), written whole: to a file of their own first, then renamed into place,
//! so that a reader never sees half of one.

use std::path::Path;

/// Writes `bytes` to `path` whole, making its directory when missing. A file left by a
/// failed write is removed.
///
/// # Errors
/// Making the directory, writing or renaming.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut staged = path.as_os_str().to_owned();
    staged.push(format!(".{}.tmp", std::process::id()));
    let staged = std::path::PathBuf::from(staged);
    let written = fs_err::create_dir_all(dir)
        .and_then(|()| fs_err::write(&staged, bytes))
        .and_then(|()| fs_err::rename(&staged, path));
    if written.is_err() {
        let _ = fs_err::remove_file(&staged);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_written_whole_and_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a/b/file");
        write_whole(&path, b"one").expect("written");
        write_whole(&path, b"two").expect("written again");
        assert_eq!(fs_err::read(&path).expect("read"), b"two");
        assert_eq!(
            fs_err::read_dir(dir.path().join("a/b"))
                .expect("dir")
                .count(),
            1
        );
    }
}
