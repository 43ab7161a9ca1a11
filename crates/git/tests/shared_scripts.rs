//! The shared gate and save scripts on the host, in real repositories: what cannot be read
//! is refused rather than lost, and two saves of one worktree at once never share an index.

// A failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use skipper_core::{AtRisk, ErrorKind, SaveId, SaveSlot, UnpushedRef};
use skipper_git::{HostScripts, Policy, gate, preserve};
use skipper_testkit::{TempHome, cloned_origin, git};

/// A host checkout of a fresh origin (default branch `main`) and a worktree of it on
/// `feat/x`, under a temporary home.
struct Repos {
    home: TempHome,
    checkout: PathBuf,
    worktree: PathBuf,
}

fn repos() -> Repos {
    let home = TempHome::new();
    let (_origin, checkout) = cloned_origin(home.root());
    let worktree = home.root().join("worktree");
    git(
        &checkout,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feat/x",
            worktree.to_str().unwrap(),
        ],
    );
    Repos {
        home,
        checkout,
        worktree,
    }
}

fn policy() -> Policy {
    Policy::Worktree {
        branch: Some("feat/x".to_owned()),
    }
}

fn slot(repos: &Repos, id: &str) -> SaveSlot {
    let dir = repos.home.root().join("saved").join(id);
    fs_err::create_dir_all(&dir).unwrap();
    SaveSlot {
        id: SaveId::new(id).unwrap(),
        dir,
    }
}

fn unreadable(risk: &AtRisk) -> Vec<String> {
    risk.other_refs
        .iter()
        .filter_map(|r| match r {
            UnpushedRef::Unreadable { detail } => Some(detail.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_submodule_at_a_path_git_quotes_is_unreadable_and_refuses_a_save() {
    let repos = repos();
    let odd = repos.worktree.join("we\"ird");
    fs_err::create_dir_all(&odd).unwrap();
    git(&odd, &["init", "-q", "-b", "trunk"]);
    git(&odd, &["commit", "-q", "--allow-empty", "-m", "inside"]);
    let inside = git(&odd, &["rev-parse", "HEAD"]);
    git(
        &repos.worktree,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{inside},we\"ird"),
        ],
    );
    let host = HostScripts::in_dir(&repos.worktree);
    let risk = gate::at_risk(&host, &policy()).unwrap();
    let details = unreadable(&risk);
    assert_eq!(details.len(), 1, "{risk:?}");
    assert!(details[0].contains("we\\\"ird"), "{details:?}");
    assert!(!risk.is_empty());
    let err = preserve::preserve(&host, &policy(), &slot(&repos, "odd00001"), "m").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "{err}");
    assert!(err.to_string().contains("cannot save"), "{err}");
}

#[test]
fn a_branch_name_that_is_not_utf8_is_unreadable_and_refuses_a_save() {
    let repos = repos();
    git(
        &repos.worktree,
        &["commit", "-q", "--allow-empty", "-m", "work"],
    );
    let head = git(&repos.worktree, &["rev-parse", "HEAD"]);
    // git takes any bytes but a few in a ref name; the shell writes the one byte 0xff.
    let made = std::process::Command::new("sh")
        .arg("-c")
        .arg("git checkout -q -b \"$(printf 'odd\\377')\"")
        .current_dir(&repos.worktree)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .unwrap();
    assert!(made.success());
    let host = HostScripts::in_dir(&repos.worktree);
    let risk = gate::at_risk(&host, &policy()).unwrap();
    assert!(
        unreadable(&risk)
            .iter()
            .any(|detail| detail.contains("not UTF-8")),
        "{risk:?}"
    );
    assert_eq!(risk.unpushed.len(), 1, "feat/x is read: {risk:?}");
    let err = preserve::preserve(&host, &policy(), &slot(&repos, "odd00002"), "m").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "{err}");
    assert_eq!(git(&repos.worktree, &["rev-parse", "HEAD"]), head);
}

/// What the index and the working tree of `dir` hold.
fn status(dir: &Path) -> String {
    git(dir, &["status", "--porcelain=v1", "--untracked-files=all"])
}

#[test]
fn concurrent_saves_of_one_worktree_each_build_in_an_index_of_their_own() {
    let repos = repos();
    let worktree = &repos.worktree;
    fs_err::write(worktree.join("staged.txt"), "staged\n").unwrap();
    git(worktree, &["add", "staged.txt"]);
    fs_err::write(worktree.join("README.md"), "changed\n").unwrap();
    for i in 0..20 {
        fs_err::write(worktree.join(format!("u{i}.txt")), format!("{i}\n")).unwrap();
    }
    let before = status(worktree);
    let slots: Vec<SaveSlot> = (0..4)
        .map(|i| slot(&repos, &format!("race000{i}")))
        .collect();
    let saved: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = slots
            .iter()
            .map(|slot| {
                scope.spawn(move || {
                    preserve::preserve(&HostScripts::in_dir(worktree), &policy(), slot, "m")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Every save holds all of the work, and the real index is as it was.
    let first = saved[0].as_ref().unwrap();
    let tree = |commit: &str| {
        git(
            &repos.checkout,
            &["rev-parse", &format!("{commit}^{{tree}}")],
        )
    };
    for contents in &saved {
        let contents = contents.as_ref().unwrap();
        assert_eq!(contents.untracked, 20);
        assert_eq!(
            tree(contents.worktree.as_ref().unwrap()),
            tree(first.worktree.as_ref().unwrap())
        );
        assert_eq!(
            tree(contents.index.as_ref().unwrap()),
            tree(first.index.as_ref().unwrap())
        );
    }
    let files = git(
        &repos.checkout,
        &[
            "ls-tree",
            "-r",
            "--name-only",
            first.worktree.as_ref().unwrap(),
        ],
    );
    assert_eq!(files.lines().count(), 22, "{files}");
    assert_eq!(
        git(
            &repos.checkout,
            &[
                "ls-tree",
                "-r",
                "--name-only",
                first.index.as_ref().unwrap()
            ]
        ),
        "README.md\nstaged.txt"
    );
    assert_eq!(status(worktree), before);
    assert_eq!(git(&repos.checkout, &["for-each-ref", "refs/skipper"]), "");
}

#[test]
fn the_state_names_head_its_branch_each_stash_entry_and_the_status_and_changes_nothing() {
    let repos = repos();
    let dir = &repos.worktree;
    fs_err::write(dir.join("README.md"), "stashed one\n").unwrap();
    git(dir, &["stash", "-q"]);
    fs_err::write(dir.join("README.md"), "stashed two\n").unwrap();
    git(dir, &["stash", "-q"]);
    fs_err::write(dir.join("README.md"), "modified\n").unwrap();
    fs_err::write(dir.join("new file.txt"), "new\n").unwrap();
    let index_path = dir.join(git(dir, &["rev-parse", "--git-path", "index"]).trim());
    let index = fs_err::read(&index_path).unwrap();

    let state = skipper_git::state::work_state(&HostScripts::in_dir(dir)).unwrap();

    assert_eq!(
        state.head.as_deref(),
        Some(git(dir, &["rev-parse", "HEAD"]).trim())
    );
    assert_eq!(state.on.as_deref(), Some("refs/heads/feat/x"));
    let entries = git(dir, &["rev-list", "--walk-reflogs", "refs/stash"]);
    assert_eq!(state.stash, entries.lines().collect::<Vec<_>>());
    assert_eq!(state.stash.len(), 2);
    assert_eq!(state.status, b" M README.md\0?? new file.txt\0");
    assert_eq!(
        fs_err::read(&index_path).unwrap(),
        index,
        "the index is not rewritten"
    );
}
