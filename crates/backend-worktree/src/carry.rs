//! Files carried from the host checkout into a worktree: written under its directory,
//! never over anything there and never through a link, so nothing lands outside it.

use std::io;
use std::os::unix::fs::PermissionsExt;

use fs_err::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use fs_err as fs;
use skipper_core::{
    CarriedContent, CarriedFile, CarriedPath, Operation, SandboxError, SkipReason, SkippedFile,
    Workspace,
};

use crate::operation::{During, failed, path_of};

/// [`Sandbox::put_files`](skipper_core::Sandbox::put_files) into the worktree `workspace`.
pub(crate) fn put_files(
    workspace: &Workspace,
    files: &[CarriedFile],
) -> Result<Vec<SkippedFile>, SandboxError> {
    let root = path_of(workspace)?;
    let attempt = failed(Operation::Carrying, &workspace.reference);
    let mut skipped = Vec::new();
    for file in files {
        if let Some(reason) = refusal(root, &file.path).during(&attempt)? {
            skipped.push(SkippedFile {
                path: file.path.to_string(),
                reason,
            });
            continue;
        }
        put(root, file).during(&attempt)?;
    }
    Ok(skipped)
}

/// Why `path` may not be written under `root`, if it may not: something is at its place,
/// or one of its directories is a link or no directory.
fn refusal(root: &Path, path: &CarriedPath) -> io::Result<Option<SkipReason>> {
    for dir in path.ancestors() {
        match fs::symlink_metadata(root.join(dir)) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Ok(Some(SkipReason::ThroughLink {
                    dir: dir.to_owned(),
                }));
            }
            // Made fresh below: nothing deeper can be there.
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        }
    }
    match fs::symlink_metadata(root.join(path.as_str())) {
        Ok(_) => Ok(Some(SkipReason::AlreadyThere)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// Writes `file` under `root`, making its directories; fails rather than replace anything
/// that appeared at its place meanwhile.
fn put(root: &Path, file: &CarriedFile) -> io::Result<()> {
    let dest = root.join(file.path.as_str());
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent)?;
    }
    match &file.content {
        CarriedContent::File { source, mode } => {
            let mut from = fs::File::open(source)?;
            // `create_new` is O_EXCL: it neither follows a link at `dest` nor replaces a file.
            let mut to = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(*mode)
                .open(&dest)?;
            io::copy(&mut from, &mut to)?;
            // The umask may have taken bits the checkout's file has.
            to.set_permissions(std::fs::Permissions::from_mode(*mode))?;
            Ok(())
        }
        CarriedContent::Symlink { target } => fs::os::unix::fs::symlink(target, &dest),
    }
}
