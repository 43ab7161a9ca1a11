use crate::domain::{Carried, Checkout, IncludeList, Workspace};

use super::{Backend, WorkspaceError};

/// The pattern lists a new workspace's files are carried over by: the repository's `copy`
/// list (from its `.skipper.toml`) and its `.worktreeinclude`, read from `start_point`
/// (the workspace's start commit) where it is tracked, else from the host checkout's
/// working tree. Empty lists are left out. Changes nothing.
///
/// # Errors
/// [`WorkspaceError::Checkout`] when `.worktreeinclude` cannot be read.
pub fn carry_patterns(
    backend: Backend<'_>,
    checkout: &Checkout,
    start_point: &str,
    copy: &[String],
) -> Result<Vec<Vec<String>>, WorkspaceError> {
    let include = backend.checkouts.worktree_include(checkout, start_point)?;
    let lists = [
        copy.to_vec(),
        include
            .map(|IncludeList { patterns, .. }| patterns)
            .unwrap_or_default(),
    ];
    Ok(lists.into_iter().filter(|list| !list.is_empty()).collect())
}

/// Copies the host checkout's untracked and ignored files matched by any of `patterns`
/// (each list gitignore patterns of its own) into `workspace`, just made from it. Nothing
/// runs, so nothing needs approval. A symbolic link is never followed out of the checkout,
/// nothing is written outside the workspace, and nothing in it is overwritten: what was
/// left behind is in [`Carried::skipped`], with the reason. No patterns, nothing asked.
///
/// # Errors
/// [`WorkspaceError::Checkout`] for an invalid pattern or a failure to list the files,
/// [`WorkspaceError::Sandbox`] for a failure to write them (those written stay).
pub fn carry_files(
    backend: Backend<'_>,
    checkout: &Checkout,
    workspace: &Workspace,
    patterns: &[Vec<String>],
) -> Result<Carried, WorkspaceError> {
    if patterns.iter().all(Vec::is_empty) {
        return Ok(Carried::default());
    }
    let selection = backend.checkouts.select_carried(checkout, patterns)?;
    let mut skipped = selection.skipped;
    if selection.files.is_empty() {
        return Ok(Carried {
            copied: Vec::new(),
            skipped,
        });
    }
    let refused = backend.sandbox.put_files(workspace, &selection.files)?;
    let copied = selection
        .files
        .into_iter()
        .map(|file| file.path)
        .filter(|path| !refused.iter().any(|left| left.path == path.as_str()))
        .collect();
    skipped.extend(refused);
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Carried { copied, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        CarriedContent, CarriedFile, CarriedPath, IncludeSource, SandboxKind, SkipReason,
        SkippedFile, WorkspaceTarget,
    };
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};

    fn file(path: &str) -> CarriedFile {
        CarriedFile {
            path: CarriedPath::new(path).unwrap(),
            content: CarriedContent::File {
                source: format!("/host/{path}").into(),
                mode: 0o644,
            },
        }
    }

    fn patterns(list: &[&str]) -> Vec<Vec<String>> {
        vec![list.iter().map(|p| (*p).to_owned()).collect()]
    }

    #[test]
    fn no_patterns_asks_nothing() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &target);
        let workspace = sandbox.workspace(&api, &target);

        let carried = carry_files(backend(&checkouts, &sandbox), &api, &workspace, &[]).unwrap();

        assert_eq!(carried, Carried::default());
        assert!(checkouts.calls().is_empty(), "{:?}", checkouts.calls());
        assert!(sandbox.put().is_empty());
    }

    #[test]
    fn the_selected_files_are_put_and_what_was_left_is_said() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main").with_carry_selection(crate::CarrySelection {
            files: vec![file(".env"), file("README.md")],
            skipped: vec![SkippedFile {
                path: "secrets".to_owned(),
                reason: SkipReason::LinksOutside {
                    target: "/etc".to_owned(),
                },
            }],
        });
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &target)
            .with_files_there(&["README.md"]);
        let workspace = sandbox.workspace(&api, &target);

        let carried = carry_files(
            backend(&checkouts, &sandbox),
            &api,
            &workspace,
            &patterns(&[".env", "README.md", "secrets"]),
        )
        .unwrap();

        assert_eq!(carried.copied, [CarriedPath::new(".env").unwrap()]);
        let skipped: Vec<_> = carried
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.clone()))
            .collect();
        assert_eq!(
            skipped,
            [
                ("README.md", SkipReason::AlreadyThere),
                (
                    "secrets",
                    SkipReason::LinksOutside {
                        target: "/etc".to_owned()
                    }
                ),
            ]
        );
        assert_eq!(sandbox.put(), [".env"]);
    }

    #[test]
    fn the_include_file_and_the_copy_list_are_two_lists() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_worktree_include(IncludeList {
            patterns: vec![".env".to_owned()],
            source: IncludeSource::WorkingTree,
        });
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let lists = carry_patterns(
            backend(&checkouts, &sandbox),
            &api,
            "refs/heads/feat/x",
            &["config/*.key".to_owned()],
        )
        .unwrap();

        assert_eq!(lists, [vec!["config/*.key"], vec![".env"]]);
        assert_eq!(
            checkouts.calls(),
            ["worktree_include acme/api refs/heads/feat/x"]
        );
    }
}
