//! Real git repositories for the tests: a bare "origin" and the seed clone that pushes
//! commits to it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `git -C dir args` and returns its trimmed stdout; panics on failure.
///
/// Hermetic: no system or global configuration, a fixed author and committer, and none of
/// a surrounding hook's `GIT_DIR`, `GIT_WORK_TREE` or `GIT_INDEX_FILE`.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test User")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test User")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A bare repository playing the remote, and the seed clone that commits and pushes to it.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The bare repository.
    pub bare: PathBuf,
    /// Its `file://` URL, as a user would clone it.
    pub url: String,
    /// The working repository whose `origin` is [`Self::bare`].
    pub seed: PathBuf,
    /// The branch the bare repository's HEAD names.
    pub default_branch: String,
}

impl Origin {
    /// An empty bare repository at `bare` whose HEAD names `default_branch`, and an empty
    /// seed at `seed` whose `origin` it is.
    pub fn new(bare: PathBuf, seed: PathBuf, default_branch: &str) -> Self {
        fs_err::create_dir_all(&bare).unwrap();
        git(&bare, &["init", "--quiet", "--bare", "-b", default_branch]);
        fs_err::create_dir_all(&seed).unwrap();
        git(&seed, &["init", "--quiet", "-b", default_branch]);
        let url = format!("file://{}", bare.display());
        git(&seed, &["remote", "add", "origin", &url]);
        Self {
            bare,
            url,
            seed,
            default_branch: default_branch.to_owned(),
        }
    }

    /// Checks out `branch` in the seed, creating it at the current commit when it is new.
    pub fn checkout(&self, branch: &str) {
        let current = git(&self.seed, &["symbolic-ref", "--short", "HEAD"]);
        if current == branch {
            return;
        }
        let exists = Command::new("git")
            .arg("-C")
            .arg(&self.seed)
            .args(["rev-parse", "--verify", "--quiet"])
            .arg(format!("refs/heads/{branch}"))
            .output()
            .unwrap()
            .status
            .success();
        if exists {
            git(&self.seed, &["checkout", "--quiet", branch]);
        } else {
            git(&self.seed, &["checkout", "--quiet", "-b", branch]);
        }
    }

    /// Commits `file` with `content` on `branch` (see [`Self::checkout`]) with `message`,
    /// without pushing; returns the commit id. The seed stays on `branch`.
    pub fn commit(&self, branch: &str, file: &str, content: &str, message: &str) -> String {
        self.checkout(branch);
        fs_err::write(self.seed.join(file), content).unwrap();
        git(&self.seed, &["add", file]);
        git(&self.seed, &["commit", "--quiet", "-m", message]);
        git(&self.seed, &["rev-parse", "HEAD"])
    }

    /// `git push origin refspecs` from the seed.
    pub fn push(&self, refspecs: &[&str]) {
        let mut args = vec!["push", "--quiet", "origin"];
        args.extend_from_slice(refspecs);
        git(&self.seed, &args);
    }

    /// Commits `file` with `content` on `branch` as "add <file>" and pushes it; returns the
    /// commit id.
    pub fn push_commit(&self, branch: &str, file: &str, content: &str) -> String {
        let id = self.commit(branch, file, content, &format!("add {file}"));
        self.push(&[branch]);
        id
    }
}

/// Under `root`: an origin (`origin.git`, seeded from `seed`) whose default branch `main`
/// has one commit (`README.md`), and a clone of it at `checkout`.
pub fn cloned_origin(root: &Path) -> (Origin, PathBuf) {
    let origin = Origin::new(root.join("origin.git"), root.join("seed"), "main");
    origin.push_commit("main", "README.md", "hello\n");
    let checkout = root.join("checkout");
    git(
        root,
        &["clone", "-q", &origin.url, checkout.to_str().unwrap()],
    );
    (origin, checkout)
}
