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
