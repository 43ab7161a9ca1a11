//! The repository copy's archive: which git directory a checkout uses, and a tar of it that
//! never follows symbolic links, leaves out what only makes sense on the host (`index`,
//! `worktrees/`, lock files, the stash) and, for a delta, the object files a snapshot
//! already holds.

use fs_err::File;
use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::Owner;

/// The file, inside the snapshot's git directory, that lists the object files it holds.
pub const MANIFEST: &str = "skipper/snapshot-objects";
/// Where a delta puts the host's refs, for the setup step to swap in whole (so refs deleted
/// on the host since the snapshot disappear).
pub const INCOMING: &str = "skipper/incoming";

/// The git directory of a checkout: `.git` itself, or for a linked worktree or a `gitdir:`
/// file, the common directory it points to.
///
/// # Errors
/// When `.git` is missing or unreadable.
pub fn git_dir_of(checkout: &Path) -> io::Result<PathBuf> {
    let dot_git = checkout.join(".git");
    let meta = fs_err::metadata(&dot_git)?;
    if meta.is_dir() {
        return Ok(dot_git);
    }
    let text = fs_err::read_to_string(&dot_git)?;
    let pointed = text.strip_prefix("gitdir:").map(str::trim).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not a gitdir file", dot_git.display()),
        )
    })?;
    let git_dir = checkout.join(pointed);
    match fs_err::read_to_string(git_dir.join("commondir")) {
        Ok(common) => Ok(git_dir.join(common.trim())),
        Err(_) => Ok(git_dir),
    }
}

/// Which object files the container already has.
#[derive(Debug, Clone)]
pub enum CopyMode {
    /// Everything, and a manifest of the object files, for a repository snapshot.
    Snapshot,
    /// Object files missing from the snapshot, plus every other file; refs go to
    /// [`INCOMING`].
    Delta {
        /// Object files (relative to `objects/`) the snapshot holds.
        present: HashSet<String>,
    },
}

/// What an archive of a git directory held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopySummary {
    /// Files archived.
    pub files: u64,
    /// Bytes of file content archived.
    pub bytes: u64,
    /// Object files skipped because the snapshot holds them.
    pub reused_objects: u64,
}

/// Whether a file under `objects/` is named after its content (a loose object or a pack and
/// its companions), so that the same name means the same bytes.
#[must_use]
pub fn is_content_named(objects_relative: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some((dir, file)) = objects_relative.split_once('/') {
        if dir.len() == 2 && hex(dir) && file.len() >= 38 && hex(file) {
            return true;
        }
        if dir == "pack"
            && let Some(rest) = file.strip_prefix("pack-")
            && let Some((name, ext)) = rest.split_once('.')
        {
            return hex(name)
                && matches!(
                    ext,
                    "pack" | "idx" | "rev" | "bitmap" | "mtimes" | "keep" | "promisor"
                );
        }
    }
    false
}

/// Whether a path relative to the git directory stays on the host. The host's stash stays
/// too, so that a stash inside a workspace is always the workspace's own work.
#[must_use]
pub fn is_host_only(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    relative == "index"
        || relative == "worktrees"
        || relative.starts_with("worktrees/")
        || relative == "skipper"
        || relative.starts_with("skipper/")
        || relative == "refs/stash"
        || relative == "logs/refs/stash"
        || relative == "gc.pid"
        || relative == "gc.log"
        || is_lock_file(name)
}

/// Whether `name` is a lock file: git names them `<file>.lock`, in lower case exactly.
#[allow(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "git writes `.lock` in lower case only; `.LOCK` is no lock file"
)]
fn is_lock_file(name: &str) -> bool {
    name.ends_with(".lock")
}

/// Where a file of the git directory goes in the archive, relative to the container's git
/// directory.
#[must_use]
pub fn destination(relative: &str, mode: &CopyMode) -> String {
    let is_ref = relative == "refs" || relative.starts_with("refs/") || relative == "packed-refs";
    if matches!(mode, CopyMode::Delta { .. }) && is_ref {
        format!("{INCOMING}/{relative}")
    } else {
        relative.to_owned()
    }
}

/// Writes a tar of `git_dir` to `out`, with entries under `prefix` (for example
/// `workspace/api/.git`), parents included, owned by `owner`. Symbolic links are archived
/// as links, never followed; other special files are skipped.
///
/// # Errors
/// Reading the git directory or writing the archive.
pub fn write_git_dir(
    git_dir: &Path,
    prefix: &str,
    mode: &CopyMode,
    owner: Owner,
    links: &[(String, String)],
    out: impl Write,
) -> io::Result<CopySummary> {
    let mut builder = Owned {
        inner: tar::Builder::new(out),
        owner,
    };
    builder.inner.follow_symlinks(false);
    let mut summary = CopySummary::default();
    let mut manifest = Vec::new();

    let mut parent = String::new();
    for component in prefix.split('/').filter(|c| !c.is_empty()) {
        if !parent.is_empty() {
            parent.push('/');
        }
        parent.push_str(component);
        append_dir(&mut builder, &parent)?;
    }
    if matches!(mode, CopyMode::Delta { .. }) {
        append_dir(&mut builder, &format!("{prefix}/skipper"))?;
        append_dir(&mut builder, &format!("{prefix}/{INCOMING}"))?;
    }

    let mut stack = vec![String::new()];
    while let Some(dir_relative) = stack.pop() {
        let dir_path = if dir_relative.is_empty() {
            git_dir.to_path_buf()
        } else {
            git_dir.join(&dir_relative)
        };
        let mut entries: Vec<_> = fs_err::read_dir(&dir_path)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(fs_err::DirEntry::file_name);
        for entry in entries {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                // git never names its own files so; a stray file is not worth failing for.
                continue;
            };
            let relative = if dir_relative.is_empty() {
                name
            } else {
                format!("{dir_relative}/{name}")
            };
            if is_host_only(&relative) {
                continue;
            }
            let file_type = entry.file_type()?;
            let archived = format!("{prefix}/{}", destination(&relative, mode));
            if file_type.is_dir() {
                append_dir(&mut builder, &archived)?;
                stack.push(relative);
            } else if file_type.is_symlink() {
                let target = fs_err::read_link(entry.path())?;
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_mode(0o777);
                header.set_size(0);
                builder.own(&mut header);
                builder.inner.append_link(&mut header, &archived, &target)?;
            } else if file_type.is_file() {
                let objects_relative = relative.strip_prefix("objects/");
                let content_named = objects_relative.is_some_and(is_content_named);
                if content_named
                    && let (Some(object), CopyMode::Delta { present }) = (objects_relative, mode)
                    && present.contains(object)
                {
                    summary.reused_objects += 1;
                    continue;
                }
                let size = append_file(&mut builder, &entry.path(), &archived)?;
                summary.files += 1;
                summary.bytes += size;
                if content_named && let Some(object) = objects_relative {
                    manifest.extend_from_slice(object.as_bytes());
                    manifest.push(b'\n');
                }
            }
        }
    }

    if matches!(mode, CopyMode::Snapshot) {
        append_dir(&mut builder, &format!("{prefix}/skipper"))?;
        let mut header = file_header(manifest.len() as u64, 0o644);
        builder.own(&mut header);
        builder.inner.append_data(
            &mut header,
            format!("{prefix}/{MANIFEST}"),
            manifest.as_slice(),
        )?;
    }
    // Symbolic links elsewhere in the container (`path`, `target`), sent with the copy
    // rather than in an archive of their own.
    for (path, target) in links {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_mode(0o777);
        header.set_size(0);
        header.set_mtime(0);
        builder.inner.append_link(&mut header, path, target)?;
    }
    let mut out = builder.inner.into_inner()?;
    out.flush()?;
    Ok(summary)
}

/// Parses a snapshot manifest.
#[must_use]
pub fn parse_manifest(text: &str) -> HashSet<String> {
    text.lines()
        .filter(|line| is_content_named(line))
        .map(str::to_owned)
        .collect()
}

pub(super) fn file_header(size: u64, mode: u32) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(mode);
    header.set_mtime(0);
    header
}

/// A tar builder that stamps every entry with one owner.
struct Owned<W: Write> {
    inner: tar::Builder<W>,
    owner: Owner,
}

impl<W: Write> Owned<W> {
    fn own(&self, header: &mut tar::Header) {
        header.set_uid(self.owner.uid);
        header.set_gid(self.owner.gid);
    }
}

fn append_dir<W: Write>(builder: &mut Owned<W>, path: &str) -> io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_size(0);
    header.set_mode(0o755);
    header.set_mtime(0);
    builder.own(&mut header);
    builder
        .inner
        .append_data(&mut header, format!("{path}/"), io::empty())
}

fn append_file<W: Write>(builder: &mut Owned<W>, path: &Path, archived: &str) -> io::Result<u64> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    let size = meta.len();
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 != 0 {
            0o755
        } else {
            0o644
        }
    };
    let mut header = file_header(size, mode);
    if let Ok(modified) = meta.modified()
        && let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH)
    {
        header.set_mtime(since.as_secs());
    }
    builder.own(&mut header);
    let reader = ExactReader {
        inner: file,
        remaining: size,
        path: path.to_path_buf(),
    };
    builder.inner.append_data(&mut header, archived, reader)?;
    Ok(size)
}

/// Reads exactly `remaining` bytes, failing if the file shrank while archived (a tar entry
/// whose header lies about its size would corrupt the rest of the archive).
struct ExactReader {
    inner: File,
    remaining: u64,
    path: PathBuf,
}

impl Read for ExactReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        let want = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} shrank while it was copied", self.path.display()),
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(archive: &[u8]) -> Vec<String> {
        tar::Archive::new(archive)
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect()
    }

    fn fake_git_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let git = dir.path();
        for d in [
            "objects/ab",
            "objects/pack",
            "objects/info",
            "refs/heads/feat",
            "worktrees/w",
            "logs",
        ] {
            fs_err::create_dir_all(git.join(d)).unwrap();
        }
        let loose = format!("objects/ab/{}", "c".repeat(38));
        fs_err::write(git.join(&loose), "obj").unwrap();
        fs_err::write(
            git.join(format!("objects/pack/pack-{}.pack", "d".repeat(40))),
            "pack",
        )
        .unwrap();
        fs_err::write(git.join("objects/info/commit-graph"), "graph").unwrap();
        fs_err::write(git.join("refs/heads/feat/x"), "sha").unwrap();
        fs_err::write(git.join("packed-refs"), "p").unwrap();
        fs_err::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        fs_err::write(git.join("index"), "host index").unwrap();
        fs_err::write(git.join("config.lock"), "x").unwrap();
        fs_err::write(git.join("worktrees/w/gitdir"), "/host/path").unwrap();
        fs_err::os::unix::fs::symlink("/etc/passwd", git.join("logs/escape")).unwrap();
        dir
    }

    #[test]
    fn a_snapshot_holds_everything_but_host_state_and_lists_its_objects() {
        let git = fake_git_dir();
        let mut out = Vec::new();
        let summary = write_git_dir(
            git.path(),
            "workspace/api/.git",
            &CopyMode::Snapshot,
            Owner {
                uid: 1000,
                gid: 100,
            },
            &[],
            &mut out,
        )
        .unwrap();
        let names = names(&out);
        assert_eq!(
            names[..3],
            ["workspace/", "workspace/api/", "workspace/api/.git/"]
        );
        assert!(names.contains(&"workspace/api/.git/refs/heads/feat/x".to_owned()));
        assert!(names.contains(&"workspace/api/.git/HEAD".to_owned()));
        for host_only in ["index", "config.lock", "worktrees/w/gitdir"] {
            assert!(
                !names.contains(&format!("workspace/api/.git/{host_only}")),
                "{host_only}"
            );
        }
        assert_eq!(summary.reused_objects, 0);
        let mut archive = tar::Archive::new(out.as_slice());
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            assert_eq!(
                (entry.header().uid().unwrap(), entry.header().gid().unwrap()),
                (1000, 100)
            );
        }
        // The symlink is archived as a link, not followed.
        let mut archive = tar::Archive::new(out.as_slice());
        let link = archive
            .entries()
            .unwrap()
            .map(Result::unwrap)
            .find(|e| e.path().unwrap().ends_with("logs/escape"))
            .unwrap();
        assert_eq!(link.header().entry_type(), tar::EntryType::Symlink);
        assert_eq!(link.header().size().unwrap(), 0);
        // The manifest lists the content-named object files only.
        let mut archive = tar::Archive::new(out.as_slice());
        let mut manifest = String::new();
        archive
            .entries()
            .unwrap()
            .map(Result::unwrap)
            .find(|e| e.path().unwrap().ends_with(MANIFEST))
            .unwrap()
            .read_to_string(&mut manifest)
            .unwrap();
        let listed = parse_manifest(&manifest);
        assert_eq!(listed.len(), 2);
        assert!(listed.contains(&format!("ab/{}", "c".repeat(38))));
    }

    #[test]
    fn a_delta_skips_known_objects_and_stages_refs() {
        let git = fake_git_dir();
        let present = HashSet::from([format!("ab/{}", "c".repeat(38))]);
        let mut out = Vec::new();
        let summary = write_git_dir(
            git.path(),
            "workspace/api/.git",
            &CopyMode::Delta { present },
            Owner::default(),
            &[(
                "run/skipper/ssh-agent.sock".to_owned(),
                "ssh-agent.d/agent.sock".to_owned(),
            )],
            &mut out,
        )
        .unwrap();
        let names = names(&out);
        assert!(
            names.contains(&"run/skipper/ssh-agent.sock".to_owned()),
            "{names:?}"
        );
        assert_eq!(summary.reused_objects, 1);
        assert!(
            !names.iter().any(|n| n.contains(&"c".repeat(38))),
            "{names:?}"
        );
        assert!(names.contains(&format!(
            "workspace/api/.git/objects/pack/pack-{}.pack",
            "d".repeat(40)
        )));
        assert!(names.contains(&"workspace/api/.git/objects/info/commit-graph".to_owned()));
        assert!(
            names.contains(&"workspace/api/.git/skipper/incoming/refs/heads/feat/x".to_owned())
        );
        assert!(names.contains(&"workspace/api/.git/skipper/incoming/packed-refs".to_owned()));
        assert!(!names.iter().any(|n| n == "workspace/api/.git/packed-refs"));
        assert!(!names.iter().any(|n| n.ends_with(MANIFEST)));
    }

    #[test]
    fn content_named_objects_are_recognised() {
        assert!(is_content_named(&format!("ab/{}", "0".repeat(38))));
        assert!(is_content_named(&format!(
            "pack/pack-{}.idx",
            "a".repeat(40)
        )));
        assert!(!is_content_named("info/packs"));
        assert!(!is_content_named("pack/multi-pack-index"));
        assert!(!is_content_named("info/commit-graph"));
        assert!(!is_content_named("ab/../../x"));
    }

    #[test]
    fn the_hosts_stash_is_never_copied() {
        assert!(is_host_only("refs/stash"));
        assert!(is_host_only("logs/refs/stash"));
        assert!(!is_host_only("refs/stashed"));
        assert!(!is_host_only("refs/heads/stash"));
        assert!(!is_host_only("logs/refs/heads/stash"));
    }

    #[test]
    fn a_gitdir_file_leads_to_the_common_directory() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("main/.git");
        fs_err::create_dir_all(main.join("worktrees/w")).unwrap();
        fs_err::write(main.join("worktrees/w/commondir"), "../..\n").unwrap();
        let wt = dir.path().join("w");
        fs_err::create_dir_all(&wt).unwrap();
        fs_err::write(
            wt.join(".git"),
            format!("gitdir: {}\n", main.join("worktrees/w").display()),
        )
        .unwrap();
        let found = git_dir_of(&wt).unwrap();
        assert_eq!(found.canonicalize().unwrap(), main.canonicalize().unwrap());
        assert_eq!(git_dir_of(&dir.path().join("main")).unwrap(), main);
    }
}
