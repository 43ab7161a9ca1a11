//! The work at risk in a workspace, in words: one line per problem, for the `remove`
//! refusal. File, branch and tag names come from the workspace, so each is printed through
//! [`untrusted`]: a name cannot draw on the terminal or start a line of its own.

use std::fmt::Write as _;

use skipper_core::{AtRisk, UnpushedRef};

use crate::printer::untrusted;
use crate::words::count;

/// How many paths of a kind are named before "and N more".
const SHOWN_PATHS: usize = 5;

/// One line per problem.
pub fn describe(risk: &AtRisk) -> Vec<String> {
    let mut lines = Vec::new();
    if !risk.modified.is_empty() {
        lines.push(format!(
            "{}: {}",
            count(risk.modified.len(), "modified file", "modified files"),
            some_paths(&risk.modified)
        ));
    }
    if !risk.untracked.is_empty() {
        lines.push(format!(
            "{}: {}",
            count(risk.untracked.len(), "untracked file", "untracked files"),
            some_paths(&risk.untracked)
        ));
    }
    for branch in &risk.unpushed {
        lines.push(format!(
            "branch `{}` has {} on no remote branch",
            untrusted(branch.branch.as_str()),
            count(branch.commits, "commit", "commits")
        ));
    }
    for other in &risk.other_refs {
        lines.push(match other {
            UnpushedRef::Stash { entries } => {
                format!("the stash holds {}", count(*entries, "entry", "entries"))
            }
            UnpushedRef::DetachedHead { commits } => {
                format!(
                    "a detached HEAD has {} on no branch",
                    count(*commits, "commit", "commits")
                )
            }
            UnpushedRef::Tag { name } => {
                format!("tag `{}` exists only in the workspace", untrusted(name))
            }
            UnpushedRef::Notes { reference } => {
                format!(
                    "notes `{}` hold notes the remote does not have",
                    untrusted(reference)
                )
            }
            UnpushedRef::Other { reference } => {
                format!(
                    "ref `{}` holds commits on no remote branch",
                    untrusted(reference)
                )
            }
            UnpushedRef::Unreadable { detail } => format!(
                "could not be read, so it is counted as work: {}; --force removes the workspace anyway, with what could not be read",
                untrusted(detail)
            ),
        });
    }
    for nested in &risk.nested {
        if nested.risk.is_empty() {
            continue;
        }
        let what = if nested.submodule {
            "submodule"
        } else {
            "nested repository"
        };
        let inner = describe(&nested.risk);
        lines.push(format!(
            "{what} `{}` holds work: {}",
            nested.path,
            inner.join("; ")
        ));
    }
    lines
}

/// The first few of `paths`, then how many more.
pub fn some_paths(paths: &[String]) -> String {
    let mut shown = paths
        .iter()
        .take(SHOWN_PATHS)
        .map(|path| untrusted(path))
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN_PATHS {
        // Writing to a `String` cannot fail.
        let _ = write!(shown, " and {} more", paths.len() - SHOWN_PATHS);
    }
    shown
}

#[cfg(test)]
mod tests {
    use skipper_core::UnpushedBranch;

    use super::*;

    #[test]
    fn names_from_the_workspace_are_escaped_and_stay_on_their_line() {
        let risk = AtRisk {
            untracked: vec!["x\u{1b}]0;OWNED\u{7}".into(), "y\n  - all clear".into()],
            other_refs: vec![UnpushedRef::Tag {
                name: "v\u{9b}1".into(),
            }],
            ..AtRisk::default()
        };
        assert_eq!(
            describe(&risk),
            [
                "2 untracked files: x\\e]0;OWNED\\a, y\\n  - all clear",
                "tag `v\\u{9b}1` exists only in the workspace",
            ]
        );
    }

    #[test]
    fn names_each_problem_and_counts_what_it_leaves_out() {
        let risk = AtRisk {
            modified: (1..=7).map(|i| format!("f{i}")).collect(),
            untracked: vec!["new.txt".into()],
            unpushed: vec![UnpushedBranch {
                branch: "feat/x".into(),
                commits: 2,
            }],
            other_refs: vec![
                UnpushedRef::Stash { entries: 1 },
                UnpushedRef::DetachedHead { commits: 3 },
                UnpushedRef::Tag { name: "v1".into() },
            ],
            ..AtRisk::default()
        };
        assert_eq!(
            describe(&risk),
            [
                "7 modified files: f1, f2, f3, f4, f5 and 2 more",
                "1 untracked file: new.txt",
                "branch `feat/x` has 2 commits on no remote branch",
                "the stash holds 1 entry",
                "a detached HEAD has 3 commits on no branch",
                "tag `v1` exists only in the workspace",
            ]
        );
    }
}
