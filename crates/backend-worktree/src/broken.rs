//! A broken worktree's files: a directory under skipper's worktree directory that git no
//! longer knows as a worktree (its `.git` file was deleted or damaged). Git cannot say
//! which of its files are work, so all of them are; `--force` keeps them as an archive.

use std::path::Path;

use skipper_core::{SaveSlot, SavedContents};

/// The archive of a broken worktree's files in its save's directory.
pub(crate) const ARCHIVE: &str = "files.tar";

/// Every file under `dir` (symbolic links as themselves, directories not listed), as
/// paths relative to it, sorted.
pub(crate) fn files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs_err::read_dir(&current)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Archives the files under `dir` into [`ARCHIVE`] in `slot`, as they are (symbolic links
/// not followed), and says what the save holds and what it cannot do.
pub(crate) fn archive(dir: &Path, slot: &SaveSlot) -> std::io::Result<SavedContents> {
    let count = files(dir)?.len();
    let path = slot.dir.join(ARCHIVE);
    let part = slot.dir.join(format!("{ARCHIVE}.part"));
    {
        let file = fs_err::File::create(&part)?;
        let mut builder = tar::Builder::new(std::io::BufWriter::new(file));
        builder.follow_symlinks(false);
        builder.append_dir_all(".", dir)?;
        builder
            .into_inner()?
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
    }
    fs_err::rename(&part, &path)?;
    Ok(SavedContents {
        untracked: count,
        unsaved: vec![format!(
            "the workspace was no git worktree any more, so its {count} {} kept as they were in {}, not as commits: `sk workspace restore` cannot put them back; unpack it with `tar -xf`",
            if count == 1 { "file is" } else { "files are" },
            path.display()
        )],
        ..SavedContents::default()
    })
}
