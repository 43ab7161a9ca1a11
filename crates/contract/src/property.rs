//! The property behind the dirty gate and the save: whatever sequence of git operations
//! made a workspace's state, the gate names every piece of work a removal would lose, and
//! a forced removal then a restore give it all back. Random sequences of commits, branches
//! with odd names (unicode spaces among them), stash entries, tags, notes, a detached
//! `HEAD`, staged, modified, untracked and ignored files, a commit in a submodule and in a
//! nested repository; one harness (and one submodule) for all the cases of a run.

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use skipper_core::{AtRisk, BranchStart, Ignored, SandboxKind, UnpushedRef, Workspace};

use crate::saving::SUBMODULE;
use crate::{GIT, Harness, chain};

/// One git operation in the workspace.
#[derive(Debug, Clone)]
pub enum Op {
    /// Commits a change to one of a few files on whatever `HEAD` is.
    Commit {
        /// Which file.
        file: u8,
    },
    /// Makes a branch at `HEAD`, switches to it and commits on it.
    Branch {
        /// Its name, after the case's prefix.
        name: String,
    },
    /// Detaches `HEAD` and commits on it.
    Detach,
    /// Stashes a change to `README.md` (and whatever is staged).
    Stash,
    /// Tags `HEAD`.
    Tag {
        /// Its name, after the case's prefix.
        name: String,
        /// Annotated, or lightweight.
        annotated: bool,
    },
    /// Adds (or replaces) a note on `HEAD`.
    Note,
    /// Writes an untracked file.
    Untracked,
    /// Writes an ignored file.
    Ignored,
    /// Changes `README.md` without staging it.
    Modify,
    /// Writes a new file and stages it.
    Stage,
    /// Commits in the submodule.
    SubmoduleCommit,
    /// Commits in a nested repository made with `git init`.
    NestedCommit,
}

/// Names git accepts: one or two components of letters, digits and odd characters, an em
/// space and a no-break space among them.
fn name() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9_+#,@é中\u{2003}\u{a0}-]{0,6}(/[a-z0-9][a-z0-9é_-]{0,4})?"
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..3).prop_map(|file| Op::Commit { file }),
        name().prop_map(|name| Op::Branch { name }),
        Just(Op::Detach),
        Just(Op::Stash),
        (name(), any::<bool>()).prop_map(|(name, annotated)| Op::Tag { name, annotated }),
        Just(Op::Note),
        Just(Op::Untracked),
        Just(Op::Ignored),
        Just(Op::Modify),
        Just(Op::Stage),
        Just(Op::SubmoduleCommit),
        Just(Op::NestedCommit),
    ]
}

/// The shell making `ops`, the case's names starting with `prefix`.
fn script(ops: &[Op], prefix: &str) -> String {
    let mut text = String::from(
        "set -e\nx=$(git rev-parse --git-path info/exclude)\n\
         grep -qx '*.ign' \"$x\" 2>/dev/null || printf '*.ign\\n' >> \"$x\"\n",
    );
    for (i, op) in ops.iter().enumerate() {
        let line = match op {
            Op::Commit { file } => format!(
                "printf 'commit {i}' > f{file}.txt && git add f{file}.txt && {GIT} commit -q -m 'commit {i}'"
            ),
            // A name already taken (or clashing with one) leaves this operation out.
            Op::Branch { name } => format!(
                "if git checkout -q -b '{prefix}{name}' 2>/dev/null; then printf 'b{i}' > b{i}.txt && git add b{i}.txt && {GIT} commit -q -m 'branch {i}'; fi"
            ),
            Op::Detach => format!(
                "git checkout -q --detach && printf 'd{i}' > d{i}.txt && git add d{i}.txt && {GIT} commit -q -m 'detached {i}'"
            ),
            Op::Stash => {
                format!("printf ' stash {i}' >> README.md && {GIT} stash push -q -m 'stash {i}'")
            }
            Op::Tag { name, annotated } => {
                let how = if *annotated {
                    format!("-a -m 'tag {i}'")
                } else {
                    String::new()
                };
                format!("{GIT} tag {how} '{prefix}{name}' 2>/dev/null || true")
            }
            Op::Note => format!("{GIT} notes add -f -m 'note {i}' HEAD 2>/dev/null"),
            Op::Untracked => format!("mkdir -p u && printf 'untracked {i}' > u/u{i}.txt"),
            Op::Ignored => format!("printf 'ignored {i}' > i{i}.ign"),
            Op::Modify => format!("printf 'modified {i}' > README.md"),
            Op::Stage => format!("printf 'staged {i}' > s{i}.txt && git add s{i}.txt"),
            Op::SubmoduleCommit => format!(
                "(cd {SUBMODULE} && printf ' {i}' >> lib.txt && {GIT} commit -q -am 'submodule {i}')"
            ),
            Op::NestedCommit => format!(
                "mkdir -p nested && (cd nested && {{ [ -e .git ] || git init -q -b trunk; }} && \
                 printf 'nested {i}' > n.txt && git add n.txt && {GIT} commit -q -m 'nested {i}')"
            ),
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// The pieces of work the gate must name in `ws` after `ops`, checked against `risk`.
fn assert_named(h: &Harness, ws: &Workspace, ops: &[Op], prefix: &str, risk: &AtRisk) {
    let head_branch = h
        .sh(ws, "git symbolic-ref -q HEAD || true")
        .strip_prefix("refs/heads/")
        .map(str::to_owned);
    for op in ops {
        match op {
            Op::Branch { name } => {
                let branch = format!("{prefix}{name}");
                let reference = format!("refs/heads/{branch}");
                let Some(oid) = existing(h, ws, &reference) else {
                    continue;
                };
                if head_branch.as_deref() == Some(branch.as_str())
                    || !h.kept_by_host(&reference, &oid)
                {
                    assert!(
                        risk.unpushed.iter().any(|b| b.branch == branch),
                        "{branch:?} is not named in {risk:?}"
                    );
                }
            }
            Op::Tag { name, .. } => {
                let reference = format!("refs/tags/{prefix}{name}");
                if let Some(oid) = existing(h, ws, &reference)
                    && !h.kept_by_host(&reference, &oid)
                {
                    let tag = format!("{prefix}{name}");
                    assert!(
                        risk.other_refs
                            .contains(&UnpushedRef::Tag { name: tag.clone() }),
                        "{tag:?} is not named in {risk:?}"
                    );
                }
            }
            Op::Note => {
                let oid = existing(h, ws, "refs/notes/commits").unwrap();
                if !h.kept_by_host("refs/notes/commits", &oid) {
                    assert!(
                        risk.other_refs.contains(&UnpushedRef::Notes {
                            reference: "refs/notes/commits".into()
                        }),
                        "the notes are not named in {risk:?}"
                    );
                }
            }
            Op::Stash => {
                let oid = existing(h, ws, "refs/stash").unwrap();
                if !h.kept_by_host("refs/stash", &oid) {
                    assert!(
                        risk.other_refs
                            .iter()
                            .any(|r| matches!(r, UnpushedRef::Stash { .. })),
                        "the stash is not named in {risk:?}"
                    );
                }
            }
            Op::Untracked => assert!(
                risk.untracked.iter().any(|path| path.starts_with("u/")),
                "untracked files are not named in {risk:?}"
            ),
            Op::Ignored => assert!(
                // The ignored files are `i<n>.ign`.
                risk.ignored.paths.iter().any(|path| path.starts_with('i')),
                "ignored files are not listed in {risk:?}"
            ),
            Op::SubmoduleCommit | Op::NestedCommit => {
                let path = if matches!(op, Op::SubmoduleCommit) {
                    SUBMODULE
                } else {
                    "nested"
                };
                assert!(
                    risk.nested.iter().any(|n| n.path == path),
                    "{path} is not named in {risk:?}"
                );
            }
            Op::Detach | Op::Commit { .. } | Op::Modify | Op::Stage => {}
        }
    }
    // A detached HEAD's commits on no branch, tag or remote branch.
    let adrift = h.sh(
        ws,
        "if git symbolic-ref -q HEAD >/dev/null; then echo 0; else git rev-list --count HEAD --not --branches --tags --remotes; fi",
    );
    if adrift != "0" {
        assert!(
            risk.other_refs
                .iter()
                .any(|r| matches!(r, UnpushedRef::DetachedHead { .. })),
            "the detached HEAD is not named in {risk:?}"
        );
    }
}

/// The object `reference` names in `ws`, if it exists.
fn existing(h: &Harness, ws: &Workspace, reference: &str) -> Option<String> {
    let oid = h.sh(
        ws,
        &format!("git rev-parse -q --verify '{reference}' || true"),
    );
    (!oid.is_empty()).then_some(oid)
}

/// Runs the property on `h`: `cases` random sequences, each in a workspace of its own.
pub fn every_kind_of_work_is_gated_and_comes_back(h: &Harness, cases: u32) {
    let sub = h.add_submodule();
    let config = Config {
        cases,
        // Each case makes workspaces: a few shrinking steps say enough.
        max_shrink_iters: 16,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let count = Cell::new(0u32);
    let result = runner.run(&prop::collection::vec(op(), 1..8), |ops| {
        let n = count.get();
        count.set(n + 1);
        let branch = format!("prop/{n}");
        let prefix = format!("c{n}-");
        let ws = h.create(&branch, BranchStart::NewFromDefault);
        if ops.iter().any(|op| matches!(op, Op::SubmoduleCommit)) {
            h.init_submodule(&ws, &sub);
        }
        h.sh(&ws, &script(&ops, &prefix));
        let risk = h.at_risk(&ws);
        assert_named(h, &ws, &ops, &prefix, &risk);
        let before = h.fingerprint(&ws);
        let again = if risk.is_empty() {
            // Nothing named: then removing it without a save loses nothing either.
            h.sandbox()
                .destroy(&ws, false)
                .unwrap_or_else(|err| panic!("destroying: {}", chain(&err)));
            h.create(&branch, h.restore_start(&branch))
        } else {
            h.round_trip(&ws).1
        };
        assert_eq!(h.fingerprint(&again), before, "after {ops:?}");
        assert_eq!(
            h.at_risk(&again),
            AtRisk {
                ignored: Ignored::default(),
                ..risk
            },
            "after {ops:?}"
        );
        h.sandbox()
            .destroy(&again, true)
            .unwrap_or_else(|err| panic!("destroying: {}", chain(&err)));
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// The property with a number of cases fit for the sandbox: a container per case costs
/// seconds, a worktree less.
pub fn random_work_is_gated_and_comes_back_after_a_forced_removal(h: &Harness) {
    let cases = match h.sandbox().kind() {
        SandboxKind::Worktree => 16,
        SandboxKind::Docker => 6,
    };
    every_kind_of_work_is_gated_and_comes_back(h, cases);
}
