//! Writing back the stat data of files a clean proof found unchanged, as `git status`
//! does: a file written in the same instant as its index (every file of a worktree checked
//! out moments before its index was written) is racily clean, so each look reads and hashes
//! it again until the index records it anew. git's own `status` then rewrites the index;
//! `list` runs no git, so the proof writes it, only where git's own rules would let it:
//!
//! - under `index.lock`, taken as git takes it (never waited for, never broken), and only
//!   if the index on disk is still the one read (its trailing checksum, as git's
//!   `verify_index` checks it);
//! - only an index `gix` writes back whole: version 2 or 3, none of the extensions it would
//!   drop (split index, untracked cache, file-system monitor, resolve-undo), a checksum,
//!   and no `core.sharedRepository` whose permissions the new file would have to take;
//! - only stat data from before the look began ([`Started`]): a file changed again within
//!   the same tick of the file system's clock as its stat was read could otherwise keep the
//!   time and size recorded, and then pass for unchanged.
//!
//! Any of these not holding, or any step failing, leaves the index as it was: the next look
//! reads those files again, which is all the refresh saves.

use std::io::{Read, Seek, SeekFrom, Write};
use std::time::Duration;

use gix::index::entry::Stat;

/// On a file system whose times have no sub-second part (none of the stat data read has
/// one), how long ago a file must have changed: such times are cut to the second, or to two.
const COARSE_SETTLED: Duration = Duration::from_secs(2);

/// The file system's clock when a look began, before it read any file's stat data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Started(Duration);

impl Started {
    /// Now, as Linux stamps files: its coarse real-time clock, which advances a tick (a few
    /// milliseconds) at a time, so that a file changed from now on gets a time at or after
    /// this one.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn now() -> Self {
        let now = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
        Self(Duration::new(
            u64::try_from(now.tv_sec).unwrap_or(0),
            u32::try_from(now.tv_nsec).unwrap_or(0),
        ))
    }

    /// Elsewhere, where the clock that stamps files is not known: [`COARSE_SETTLED`] ago,
    /// a margin wider than any file system's tick.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn now() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        Self(now.saturating_sub(COARSE_SETTLED))
    }
}

/// Records `stale` (each an entry's position in `index` and the stat data its file has now)
/// in `repo`'s index file, when that can be done safely; otherwise does nothing.
pub(crate) fn record(
    repo: &gix::Repository,
    index: &gix::index::File,
    stale: &[(usize, Stat)],
    started: Started,
) {
    if !stale.is_empty() && writable(repo, index) && settled(stale, started) {
        let _ = write(index, stale);
    }
}

fn writable(repo: &gix::Repository, index: &gix::index::File) -> bool {
    use gix::index::Version;
    matches!(index.version(), Version::V2 | Version::V3)
        && index.checksum().is_some()
        && index.link().is_none()
        && index.untracked().is_none()
        && index.fs_monitor().is_none()
        && index.resolve_undo().is_none()
        && repo
            .config_snapshot()
            .string("core.sharedRepository")
            .is_none()
}

/// Whether every file of `stale` last changed (contents or inode) before the look began,
/// in an earlier tick of the clock: any change since then has a later time than the one
/// recorded. Times without a sub-second part must be [`COARSE_SETTLED`] old.
fn settled(stale: &[(usize, Stat)], Started(started): Started) -> bool {
    let times = || stale.iter().flat_map(|(_, stat)| [stat.mtime, stat.ctime]);
    let coarse = times().all(|time| time.nsecs == 0);
    times().all(|time| {
        let at = Duration::new(u64::from(time.secs), time.nsecs);
        if coarse {
            started
                .checked_sub(at)
                .is_some_and(|age| age >= COARSE_SETTLED)
        } else {
            at < started
        }
    })
}

/// `None` when the lock is taken, the index changed since it was read, or a write failed:
/// the lock, dropped uncommitted, then removes only its own file.
fn write(index: &gix::index::File, stale: &[(usize, Stat)]) -> Option<()> {
    let lock = gix::lock::File::acquire_to_update_resource(
        index.path(),
        gix::lock::acquire::Fail::Immediately,
        None,
        0,
    )
    .ok()?;
    if trailing_checksum(index)? != index.checksum()?.as_slice() {
        return None;
    }
    let mut refreshed = index.clone();
    let entries = refreshed.entries_mut();
    for (position, stat) in stale {
        entries.get_mut(*position)?.stat = *stat;
    }
    let mut out = std::io::BufWriter::new(lock);
    refreshed
        .write_to(&mut out, gix::index::write::Options::default())
        .ok()?;
    out.flush().ok()?;
    out.into_inner().ok()?.commit().ok()?;
    Some(())
}

/// The checksum at the end of the index file as it is on disk now.
fn trailing_checksum(index: &gix::index::File) -> Option<Vec<u8>> {
    let length = index.checksum()?.as_slice().len();
    let mut file = fs_err::File::open(index.path()).ok()?;
    file.seek(SeekFrom::End(-i64::try_from(length).ok()?))
        .ok()?;
    let mut checksum = vec![0; length];
    file.read_exact(&mut checksum).ok()?;
    Some(checksum)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed_at(secs: u32, nsecs: u32) -> (usize, Stat) {
        let mut stat = Stat::default();
        stat.mtime.secs = secs;
        stat.mtime.nsecs = nsecs;
        stat.ctime = stat.mtime;
        (0, stat)
    }

    fn started(secs: u64, nanos: u32) -> Started {
        Started(Duration::new(secs, nanos))
    }

    #[test]
    fn stat_data_from_before_the_look_began_is_settled() {
        let at = started(1_000, 500);
        assert!(settled(&[changed_at(990, 1), changed_at(1_000, 499)], at));
        // The same tick as the look's start, or after it: a change could still follow.
        assert!(!settled(&[changed_at(990, 1), changed_at(1_000, 500)], at));
        assert!(!settled(&[changed_at(2_000, 1)], at));
        // One entry's change time counts as much as its modification time.
        let mut recent = changed_at(990, 1);
        recent.1.ctime = gix::index::entry::stat::Time {
            secs: 1_000,
            nsecs: 600,
        };
        assert!(!settled(&[recent], at));
    }

    #[test]
    fn whole_second_times_must_be_two_seconds_old() {
        let at = started(1_000, 0);
        assert!(settled(&[changed_at(998, 0)], at));
        assert!(!settled(&[changed_at(999, 0)], at));
    }
}
