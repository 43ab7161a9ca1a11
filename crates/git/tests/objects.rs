//! Files at a commit read in process against what git reads there: a file, a missing
//! path, a symbolic link, a directory (left to git), at `HEAD`, a full ref, an annotated
//! tag's ref and an object id, in a host checkout and in a linked worktree.

// A failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use skipper_git::{FileRead, file_in};
use skipper_testkit::{TempHome, cloned_origin, git};

/// What `git cat-file blob <revision>:<path>` prints, `None` when it fails.
fn by_git(dir: &std::path::Path, revision: &str, path: &str) -> Option<Vec<u8>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "blob", &format!("{revision}:{path}")])
        .output()
        .unwrap();
    output.status.success().then_some(output.stdout)
}

#[test]
fn a_file_at_a_commit_reads_as_git_reads_it() {
    let home = TempHome::new();
    let (origin, checkout) = cloned_origin(home.root());
    fs_err::create_dir_all(origin.seed.join("dir")).unwrap();
    fs_err::write(origin.seed.join("dir/inner.txt"), "inner\n").unwrap();
    fs_err::os::unix::fs::symlink("README.md", origin.seed.join("link")).unwrap();
    git(&origin.seed, &["add", "-A"]);
    git(&origin.seed, &["commit", "-q", "-m", "more"]);
    git(&origin.seed, &["tag", "-a", "-m", "v1", "v1"]);
    git(&origin.seed, &["push", "-q", "origin", "main", "v1"]);
    git(&checkout, &["fetch", "-q", "--tags", "origin"]);
    git(&checkout, &["merge", "-q", "--ff-only", "origin/main"]);
    let id = git(&checkout, &["rev-parse", "HEAD"]);

    for revision in [
        "HEAD",
        "refs/remotes/origin/main",
        "refs/tags/v1",
        id.as_str(),
    ] {
        for path in ["README.md", "dir/inner.txt", "link"] {
            assert_eq!(
                file_in(&checkout, revision, path),
                FileRead::Found(by_git(&checkout, revision, path).unwrap()),
                "{revision}:{path}"
            );
        }
        assert_eq!(
            file_in(&checkout, revision, "missing.txt"),
            FileRead::Absent
        );
        assert_eq!(file_in(&checkout, revision, "dir"), FileRead::AskGit);
    }
    // What it does not parse is git's to answer.
    assert_eq!(file_in(&checkout, "HEAD~1", "README.md"), FileRead::AskGit);
    assert_eq!(file_in(&checkout, "main", "README.md"), FileRead::AskGit);
    assert_eq!(
        file_in(&home.root().join("nothing"), "HEAD", "README.md"),
        FileRead::AskGit
    );

    // A linked worktree reads its own HEAD.
    let linked = home.root().join("linked");
    git(
        &checkout,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feat",
            linked.to_str().unwrap(),
        ],
    );
    fs_err::write(linked.join("README.md"), "changed\n").unwrap();
    git(&linked, &["commit", "-q", "-am", "changed"]);
    assert_eq!(
        file_in(&linked, "HEAD", "README.md"),
        FileRead::Found(b"changed\n".to_vec())
    );
    assert_eq!(
        file_in(&checkout, "HEAD", "README.md"),
        FileRead::Found(b"hello\n".to_vec())
    );
}

#[test]
fn reads_stay_right_across_the_git_commands_a_command_runs_and_a_clone_made_again() {
    let home = TempHome::new();
    let (origin, checkout) = cloned_origin(home.root());
    let at_origin =
        |checkout: &std::path::Path| file_in(checkout, "refs/remotes/origin/main", "README.md");
    assert_eq!(at_origin(&checkout), FileRead::Found(b"hello\n".to_vec()));

    // A fetch brings a new commit (and writes in `.git`): the kept handle sees it.
    fs_err::write(origin.seed.join("README.md"), "fetched\n").unwrap();
    git(&origin.seed, &["commit", "-q", "-am", "fetched"]);
    git(&origin.seed, &["push", "-q", "origin", "main"]);
    git(&checkout, &["fetch", "-q", "origin"]);
    assert_eq!(at_origin(&checkout), FileRead::Found(b"fetched\n".to_vec()));

    // So does a worktree's new branch, and a file of a commit made in it.
    let linked = home.root().join("linked");
    git(
        &checkout,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feat",
            linked.to_str().unwrap(),
        ],
    );
    fs_err::write(linked.join("new.txt"), "new\n").unwrap();
    git(&linked, &["add", "new.txt"]);
    git(&linked, &["commit", "-q", "-m", "new"]);
    assert_eq!(
        file_in(&checkout, "refs/heads/feat", "new.txt"),
        FileRead::Found(b"new\n".to_vec())
    );

    // The checkout removed and cloned again from another origin at the same path: the
    // other repository is read, not the one kept.
    let (other, _) = cloned_origin(&home.root().join("other"));
    fs_err::write(other.seed.join("README.md"), "other\n").unwrap();
    git(&other.seed, &["commit", "-q", "-am", "other"]);
    git(&other.seed, &["push", "-q", "origin", "main"]);
    fs_err::remove_dir_all(&checkout).unwrap();
    git(
        home.root(),
        &[
            "clone",
            "-q",
            other.bare.to_str().unwrap(),
            checkout.to_str().unwrap(),
        ],
    );
    assert_eq!(at_origin(&checkout), FileRead::Found(b"other\n".to_vec()));
}
