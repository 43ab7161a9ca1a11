//! The host ports a worktree workspace was given, remembered in git config stored with
//! the worktree: `skipper.ports` in `<its git dir>/config.worktree`, written with
//! `git config --file` (and read back as it reads it, in process), so it needs no
//! `extensions.worktreeConfig`, never reaches the host checkout's config, and goes when git
//! removes the worktree's git dir.

use std::path::{Path, PathBuf};

use skipper_core::{CheckoutError, format_ports, parse_ports};
use skipper_git::Git;

/// The git config key holding the ports, space-separated.
const PORTS_KEY: &str = "skipper.ports";

/// The worktree's own git dir (`<checkout>/.git/worktrees/<id>`), from the `gitdir:` line
/// of its `.git` file; `None` when it has no such file (a broken worktree).
pub(crate) fn git_dir(worktree: &Path) -> Option<PathBuf> {
    let text = fs_err::read_to_string(worktree.join(".git")).ok()?;
    let dir = text
        .lines()
        .find_map(|line| line.strip_prefix("gitdir: "))?;
    // Git may write it relative to the worktree (`worktree.useRelativePaths`).
    Some(worktree.join(dir.trim()))
}

/// The worktree's own config file, in its git dir.
fn config_file(worktree: &Path) -> Option<PathBuf> {
    Some(git_dir(worktree)?.join("config.worktree"))
}

/// Remembers `ports` as the worktree's at `worktree`. Nothing to remember is nothing done.
///
/// # Errors
/// [`CheckoutError`] when the worktree has no git dir or git cannot write its config.
pub(crate) fn remember(worktree: &Path, ports: &[u16]) -> Result<(), CheckoutError> {
    if ports.is_empty() {
        return Ok(());
    }
    let file = config_file(worktree).ok_or_else(|| CheckoutError::Git {
        command: format!("config {PORTS_KEY}"),
        path: worktree.to_path_buf(),
        stderr: "the worktree has no .git file naming its git dir".to_owned(),
    })?;
    // A new worktree has no such file yet: written whole in process, as git would write
    // it, without a git process; one that exists is left to git to edit.
    let fresh = fs_err::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .and_then(|mut created| {
            std::io::Write::write_all(
                &mut created,
                format!("[skipper]\n\tports = {}\n", format_ports(ports)).as_bytes(),
            )
        });
    if fresh.is_ok() {
        return Ok(());
    }
    let file = file.to_string_lossy();
    Git::in_dir(worktree).run([
        "config",
        "--file",
        file.as_ref(),
        PORTS_KEY,
        &format_ports(ports),
    ])?;
    Ok(())
}

/// The ports remembered for the worktree at `worktree`: none when it has none (made before
/// workspaces were given ports, or broken), or when what is there is not ports.
pub(crate) fn remembered(worktree: &Path) -> Vec<u16> {
    let Some(file) = config_file(worktree) else {
        return Vec::new();
    };
    // In process, as `git config --file <file> --get` reads it: `list` reads one per row.
    skipper_git::config_file::value(&file, PORTS_KEY)
        .and_then(|ports| parse_ports(ports.trim()))
        .unwrap_or_default()
}

/// The ports remembered by every worktree under `worktrees` (the data root's
/// `worktrees/<host>/<owner>/<name>/<branch>`), whatever repository it is of.
pub(crate) fn all_remembered(worktrees: &Path) -> Result<Vec<u16>, std::io::Error> {
    let mut level = vec![worktrees.to_path_buf()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for dir in level {
            let entries = match fs_err::read_dir(&dir) {
                Ok(entries) => entries,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err),
            };
            for entry in entries {
                let entry = entry?;
                if entry.file_type()?.is_dir() {
                    next.push(entry.path());
                }
            }
        }
        level = next;
    }
    Ok(level
        .iter()
        .flat_map(|worktree| remembered(worktree))
        .collect())
}
