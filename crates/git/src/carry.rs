//! Which of a host checkout's untracked and ignored files are carried into a new
//! workspace: those `git ls-files --others` lists that a pattern list (gitignore semantics,
//! through the `ignore` crate's matcher) selects, never following a symbolic link out of
//! the checkout. And where the patterns of `.worktreeinclude` are read from.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use fs_err as fs;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use skipper_core::{
    CarriedContent, CarriedFile, CarriedPath, CarrySelection, CheckoutError, IncludeList,
    IncludeSource, SkipReason, SkippedFile,
};

use crate::runner::Git;

/// The file other tools (Claude Code, worktrunk, Docker's sbx) read the same way.
pub const WORKTREE_INCLUDE: &str = ".worktreeinclude";

/// [`HostCheckouts::worktree_include`](skipper_core::HostCheckouts::worktree_include):
/// `revision`'s `.worktreeinclude` where it is tracked, else the working tree's (a regular
/// file only: a link there is not followed).
pub(crate) fn worktree_include(
    root: &Path,
    revision: &str,
) -> Result<Option<IncludeList>, CheckoutError> {
    let in_process = crate::objects::file_in(root, revision, WORKTREE_INCLUDE);
    if let crate::objects::FileRead::Found(bytes) = &in_process {
        let text = String::from_utf8_lossy(bytes);
        return Ok(Some(IncludeList::parse(&text, IncludeSource::Commit)));
    }
    let git = Git::in_dir(root);
    let object = format!("{revision}:{WORKTREE_INCLUDE}");
    if in_process == crate::objects::FileRead::AskGit
        && git.succeeds(["cat-file", "-e", object.as_str()])?
    {
        let text = git.run(["cat-file", "blob", object.as_str()])?;
        return Ok(Some(IncludeList::parse(&text, IncludeSource::Commit)));
    }
    let file = root.join(WORKTREE_INCLUDE);
    match fs::symlink_metadata(&file) {
        Ok(meta) if meta.is_file() => Ok(Some(IncludeList::parse(
            &fs::read_to_string(&file)?,
            IncludeSource::WorkingTree,
        ))),
        Ok(_) => {
            tracing::warn!("{} is not a regular file: not read", file.display());
            Ok(None)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// [`HostCheckouts::select_carried`](skipper_core::HostCheckouts::select_carried) in the
/// checkout at `root`.
pub(crate) fn select_carried(
    root: &Path,
    lists: &[Vec<String>],
) -> Result<CarrySelection, CheckoutError> {
    let matchers = lists
        .iter()
        .map(|patterns| matcher(root, patterns))
        .collect::<Result<Vec<_>, _>>()?;
    let mut selection = CarrySelection::default();
    if matchers.is_empty() {
        return Ok(selection);
    }
    let real_root = fs::canonicalize(root)?;
    for name in untracked(root)? {
        let relative = Path::new(OsStr::from_bytes(&name));
        let selected = matchers.iter().any(|matcher| {
            matcher
                .matched_path_or_any_parents(relative, false)
                .is_ignore()
        });
        if !selected {
            continue;
        }
        match carried(root, &real_root, &name) {
            Ok(Some(file)) => selection.files.push(file),
            // Gone since git listed it.
            Ok(None) => {}
            Err(reason) => selection.skipped.push(SkippedFile {
                path: String::from_utf8_lossy(&name).into_owned(),
                reason,
            }),
        }
    }
    selection.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(selection)
}

/// One pattern list as a `.gitignore` at `root`.
fn matcher(root: &Path, patterns: &[String]) -> Result<Gitignore, CheckoutError> {
    let mut builder = GitignoreBuilder::new(root);
    for pattern in patterns {
        builder
            .add_line(None, pattern)
            .map_err(|err| CheckoutError::InvalidPattern {
                pattern: pattern.clone(),
                reason: err.to_string(),
            })?;
    }
    builder
        .build()
        .map_err(|err| CheckoutError::InvalidPattern {
            pattern: patterns.join(" "),
            reason: err.to_string(),
        })
}

/// Every untracked file of the checkout, ignored ones included, as git names them
/// (relative to the root); nested repositories (listed as `dir/`) left out.
fn untracked(root: &Path) -> Result<Vec<Vec<u8>>, CheckoutError> {
    let args = ["ls-files", "-z", "--others"];
    let output = Git::in_dir(root)
        .command(args)
        .output()
        .map_err(|err| CheckoutError::GitUnavailable(err.to_string()))?;
    if !output.status.success() {
        return Err(CheckoutError::Git {
            command: args.join(" "),
            path: root.to_path_buf(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(output
        .stdout
        .split(|&byte| byte == 0)
        .filter(|name| !name.is_empty() && !name.ends_with(b"/"))
        .map(<[u8]>::to_vec)
        .collect())
}

/// What the entry `name` of the checkout is to carry, `None` when it is gone, or why it
/// stays behind.
fn carried(root: &Path, real_root: &Path, name: &[u8]) -> Result<Option<CarriedFile>, SkipReason> {
    let path = std::str::from_utf8(name)
        .ok()
        .and_then(|name| CarriedPath::new(name).ok())
        .ok_or(SkipReason::UnusableName)?;
    let source = root.join(path.as_str());
    let Ok(meta) = fs::symlink_metadata(&source) else {
        return Ok(None);
    };
    let content = if meta.is_file() {
        CarriedContent::File {
            source,
            mode: meta.permissions().mode() & 0o7777,
        }
    } else if meta.is_symlink() {
        let target = fs::read_link(&source).map_err(|_| SkipReason::NotAFile)?;
        let text = target.to_str().ok_or(SkipReason::UnusableName)?.to_owned();
        if target.is_absolute() {
            return Err(SkipReason::AbsoluteLink { target: text });
        }
        if !link_stays_inside(&path, &target) || !resolves_inside(&source, root, real_root) {
            return Err(SkipReason::LinksOutside { target: text });
        }
        CarriedContent::Symlink { target: text }
    } else {
        return Err(SkipReason::NotAFile);
    };
    Ok(Some(CarriedFile { path, content }))
}

/// Whether the relative link `target`, held by the link at `path`, names a place inside
/// the repository as written (each `..` taken against the link's directory).
fn link_stays_inside(path: &CarriedPath, target: &Path) -> bool {
    let mut depth = path.ancestors().count();
    for component in target.components() {
        match component {
            Component::ParentDir => {
                let Some(up) = depth.checked_sub(1) else {
                    return false;
                };
                depth = up;
            }
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// Whether the link at `source` in the checkout at `root` (`real_root` with its links
/// resolved), followed to its end through any further links, lands inside it. A dangling
/// link is judged by its text alone, and only when no step of its way in the checkout is
/// a link itself (one that could lead out).
fn resolves_inside(source: &Path, root: &Path, real_root: &Path) -> bool {
    if let Ok(real) = fs::canonicalize(source) {
        return real.starts_with(real_root);
    }
    let Ok(target) = fs::read_link(source) else {
        return false;
    };
    let base = source.parent().map_or_else(PathBuf::new, Path::to_path_buf);
    !base
        .join(target)
        .ancestors()
        .filter(|step| step.starts_with(root) && *step != root)
        .any(|step| fs::symlink_metadata(step).is_ok_and(|meta| meta.is_symlink()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_stays_inside_while_its_dots_stay_under_the_root() {
        let at = |path: &str| CarriedPath::new(path).unwrap();
        assert!(link_stays_inside(&at("link"), Path::new("real")));
        assert!(link_stays_inside(&at("a/link"), Path::new("../real")));
        assert!(link_stays_inside(&at("a/b/link"), Path::new("../../c/d")));
        assert!(!link_stays_inside(&at("link"), Path::new("../outside")));
        assert!(!link_stays_inside(
            &at("a/link"),
            Path::new("../../outside")
        ));
        assert!(!link_stays_inside(&at("a/link"), Path::new("../b/../../x")));
    }
}
