//! The agents of worktree workspaces, from facts (see [`AgentActivity`]): the processes on
//! this machine whose environment holds `prompt`'s mark ([`MARKER_VARIABLE`]) and the
//! workspace's directory (`SK_WORKSPACE`), and each workspace's record of its last run, in
//! its git directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use skipper_core::{
    AgentActivity, AgentMark, LAST_RUN_RECORD, LastRun, MARKER_VARIABLE, Workspace,
    WorkspaceLocation,
};

/// Fills in the agent of each workspace of `workspaces` that is on this machine.
pub(crate) fn fill(workspaces: &mut [Workspace]) {
    if workspaces.is_empty() {
        return;
    }
    let marks = running_marks(Path::new("/proc"));
    for workspace in workspaces {
        let WorkspaceLocation::Host(dir) = &workspace.location else {
            continue;
        };
        let running = marks.get(dir).map_or(&[][..], Vec::as_slice);
        workspace.agent = AgentActivity::from_facts(running, last_run(dir).as_ref());
    }
}

/// The marks of the running processes readable under `proc`, by the workspace each
/// started in. A process that cannot be read (another user's, one that just ended) is
/// passed over.
fn running_marks(proc: &Path) -> HashMap<PathBuf, Vec<AgentMark>> {
    let mut marks: HashMap<PathBuf, Vec<AgentMark>> = HashMap::new();
    let Ok(entries) = fs_err::read_dir(proc) else {
        return marks;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name
            .to_str()
            .is_some_and(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        let Ok(environ) = fs_err::read(entry.path().join("environ")) else {
            continue;
        };
        if let Some((dir, mark)) = marked(&environ) {
            marks.entry(dir).or_default().push(mark);
        }
    }
    marks
}

/// The workspace and mark in a process's environment (`NAME=value`, NUL-separated), when
/// it has both.
fn marked(environ: &[u8]) -> Option<(PathBuf, AgentMark)> {
    let value = |name: &str| {
        let prefix = format!("{name}=");
        environ
            .split(|&byte| byte == 0)
            .find_map(|entry| entry.strip_prefix(prefix.as_bytes()))
            .and_then(|value| std::str::from_utf8(value).ok())
    };
    let mark = AgentMark::parse(value(MARKER_VARIABLE)?)?;
    Some((PathBuf::from(value("SK_WORKSPACE")?), mark))
}

/// The last run recorded in the git directory of the worktree at `dir`.
fn last_run(dir: &Path) -> Option<LastRun> {
    let text = fs_err::read_to_string(git_dir(dir)?.join(LAST_RUN_RECORD)).ok()?;
    LastRun::parse(&text)
}

/// The git directory of the repository or worktree at `dir`: `.git`, or where its `.git`
/// file points.
fn git_dir(dir: &Path) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    if dot_git.is_dir() {
        return Some(dot_git);
    }
    let text = fs_err::read_to_string(&dot_git).ok()?;
    let target = Path::new(text.strip_prefix("gitdir:")?.trim());
    Some(if target.is_absolute() {
        target.to_owned()
    } else {
        dir.join(target)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_is_marked_only_with_both_variables() {
        let both = b"A=1\0SKIPPER_AGENT=opencode:1700000000\0SK_WORKSPACE=/w/api\0";
        assert_eq!(
            marked(both),
            Some((
                PathBuf::from("/w/api"),
                AgentMark {
                    name: "opencode".into(),
                    started: 1_700_000_000
                }
            ))
        );
        assert_eq!(marked(b"SK_WORKSPACE=/w/api\0"), None);
        assert_eq!(marked(b"SKIPPER_AGENT=opencode:1\0"), None);
        assert_eq!(
            marked(b"XSKIPPER_AGENT=opencode:1\0SK_WORKSPACE=/w\0"),
            None
        );
    }

    #[test]
    fn a_worktrees_git_directory_is_where_its_file_points() {
        let dir = tempfile::tempdir().unwrap();
        let worktree = dir.path().join("wt");
        fs_err::create_dir_all(&worktree).unwrap();
        fs_err::write(worktree.join(".git"), "gitdir: ../main/.git/worktrees/wt\n").unwrap();
        assert_eq!(
            git_dir(&worktree),
            Some(worktree.join("../main/.git/worktrees/wt"))
        );
        let main = dir.path().join("main");
        fs_err::create_dir_all(main.join(".git")).unwrap();
        assert_eq!(git_dir(&main), Some(main.join(".git")));
    }
}
