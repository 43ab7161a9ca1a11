//! What a workspace changed since it started, asked for as one git diff.

use super::BranchName;

/// What the diff shows, as git's options say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffFormat {
    /// The whole patch, binary files included (`git diff --binary`): `git apply` takes it.
    #[default]
    Patch,
    /// A summary of the changed files (`--stat`).
    Stat,
    /// The names of the changed files (`--name-only`).
    NameOnly,
}

/// A diff of everything a workspace changed: its commits since the merge base with
/// `origin/<default_branch>` (or with `base`), its staged, unstaged and untracked files
/// (ignored ones aside).
#[derive(Debug, Clone)]
pub struct DiffRequest {
    /// The ref the workspace started from, as the workspace's git names it (a branch, a
    /// tag, an object id); `None` is `origin/<default_branch>`.
    pub base: Option<String>,
    /// The remote's default branch.
    pub default_branch: BranchName,
    /// What the diff shows.
    pub format: DiffFormat,
    /// Whether it is coloured (git's colours, `--color=always`).
    pub color: bool,
    /// The terminal's width, for `--stat` (`None`: git's default of 80 columns).
    pub columns: Option<u16>,
}

impl DiffRequest {
    /// The ref the diff starts from, as the workspace's git is given it: `base`, else the
    /// remote-tracking branch of the default branch in full (`refs/remotes/origin/<default>`,
    /// so a local branch named `origin/<default>` cannot stand in for it).
    #[must_use]
    pub fn start_ref(&self) -> String {
        self.base
            .clone()
            .unwrap_or_else(|| format!("refs/remotes/origin/{}", self.default_branch))
    }

    /// The ref the diff starts from, as the user knows it: `base`, else
    /// `origin/<default>`.
    #[must_use]
    pub fn start_name(&self) -> String {
        self.base
            .clone()
            .unwrap_or_else(|| format!("origin/{}", self.default_branch))
    }
}

/// What [`crate::Sandbox::diff`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffMade {
    /// The commit the diff starts from (the merge base), `None` for the empty tree (no
    /// common ancestor, or no commit on `HEAD` yet).
    pub base: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(base: Option<&str>) -> DiffRequest {
        DiffRequest {
            base: base.map(str::to_owned),
            default_branch: BranchName::new("release/v1").unwrap(),
            format: DiffFormat::default(),
            color: false,
            columns: None,
        }
    }

    #[test]
    fn the_default_start_is_origins_default_branch_in_full() {
        assert_eq!(request(None).start_ref(), "refs/remotes/origin/release/v1");
        assert_eq!(request(None).start_name(), "origin/release/v1");
        assert_eq!(request(Some("v2")).start_ref(), "v2");
        assert_eq!(DiffFormat::default(), DiffFormat::Patch);
    }
}
