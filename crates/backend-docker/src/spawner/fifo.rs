//! Opening what a container can write to: its exec directory is mounted read-write, so any
//! name in it may have been replaced by a symbolic link to a host file, a regular file or a
//! directory. Everything here is opened relative to a directory already open, never
//! following a link (`O_NOFOLLOW`), without blocking, and checked to be what it must be.
//! (The container cannot make device nodes: `MKNOD` is dropped.)

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use rustix::fs::{self, FileType, Mode, OFlags};
use rustix::io::Errno;

/// The flags every open here takes.
fn safe() -> OFlags {
    OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY
}

/// Opens the directory `path`, refusing a symbolic link in its place.
pub(crate) fn open_dir(path: &Path) -> io::Result<OwnedFd> {
    Ok(fs::open(
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | safe(),
        Mode::empty(),
    )?)
}

/// Opens the directory `name` in `dir`, refusing a symbolic link in its place.
pub(crate) fn open_subdir(dir: impl AsFd, name: &str) -> io::Result<OwnedFd> {
    Ok(fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | safe(),
        Mode::empty(),
    )?)
}

/// Which end of a FIFO to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The reading end: opens at once, whether or not a writer is there.
    Read,
    /// The writing end: fails with [`is_no_reader`] while nobody holds the reading end.
    Write,
    /// Both ends: opens at once, and writes never fail for want of a reader (they wait in
    /// the FIFO for one, up to its capacity).
    Both,
}

/// Opens the FIFO `name` in `dir` at `end`, non-blocking, never following a link; anything
/// but a FIFO there is refused (and left as it is: nothing is truncated or created).
pub(crate) fn open_fifo(dir: impl AsFd, name: &str, end: End) -> io::Result<OwnedFd> {
    let access = match end {
        End::Read => OFlags::RDONLY,
        End::Write => OFlags::WRONLY,
        End::Both => OFlags::RDWR,
    };
    let fd = fs::openat(dir, name, access | OFlags::NONBLOCK | safe(), Mode::empty())?;
    if FileType::from_raw_mode(fs::fstat(&fd)?.st_mode) != FileType::Fifo {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{name} is not a FIFO"),
        ));
    }
    Ok(fd)
}

/// Whether opening a FIFO's writing end failed because nobody holds its reading end.
pub(crate) fn is_no_reader(err: &io::Error) -> bool {
    err.raw_os_error() == Some(Errno::NXIO.raw_os_error())
}

/// Writes a new file `name` in `dir` holding `text` (never an existing name, never through
/// a link), readable by its owner alone.
pub(crate) fn write_new_file(dir: impl AsFd, name: &str, text: &str) -> io::Result<()> {
    let fd = fs::openat(
        dir,
        name,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | safe(),
        Mode::RUSR | Mode::WUSR,
    )?;
    let mut file = std::fs::File::from(fd);
    io::Write::write_all(&mut file, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_or_a_file_in_place_of_a_fifo_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let host_file = dir.path().join("host-secret");
        fs_err::write(&host_file, "secret\n").unwrap();
        let exec_dir = dir.path().join("exec");
        fs_err::create_dir(&exec_dir).unwrap();
        fs_err::os::unix::fs::symlink(&host_file, exec_dir.join("out")).unwrap();
        fs_err::write(exec_dir.join("err"), "").unwrap();
        fs_err::os::unix::fs::symlink(dir.path(), exec_dir.join("linked-dir")).unwrap();
        let fd = open_dir(&exec_dir).unwrap();

        for end in [End::Read, End::Write, End::Both] {
            let linked = open_fifo(&fd, "out", end).unwrap_err();
            assert_eq!(linked.raw_os_error(), Some(Errno::LOOP.raw_os_error()));
            let file = open_fifo(&fd, "err", end).unwrap_err();
            assert_eq!(file.kind(), io::ErrorKind::InvalidData, "{file}");
        }
        assert!(write_new_file(&fd, "out", "x").is_err());
        assert!(open_subdir(&fd, "linked-dir").is_err());
        assert!(open_dir(&exec_dir.join("linked-dir")).is_err());
        assert_eq!(fs_err::read_to_string(&host_file).unwrap(), "secret\n");
        assert_eq!(fs_err::read_to_string(exec_dir.join("err")).unwrap(), "");
    }

    #[test]
    fn a_fifo_opens_for_writing_only_once_someone_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let fd = open_dir(dir.path()).unwrap();
        fs::mkfifoat(&fd, "in", Mode::RUSR | Mode::WUSR).unwrap();
        let unread = open_fifo(&fd, "in", End::Write).unwrap_err();
        assert!(is_no_reader(&unread), "{unread}");
        let _reader = open_fifo(&fd, "in", End::Read).unwrap();
        open_fifo(&fd, "in", End::Write).unwrap();
    }
}
