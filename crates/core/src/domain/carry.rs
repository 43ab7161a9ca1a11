//! Files carried over from the host checkout into a new workspace: ignored or untracked
//! files (`.env`, `config/dev.key`) a repository names in `.worktreeinclude` or in its
//! `copy` list, and what was left behind and why.

use std::fmt;
use std::path::PathBuf;

use super::InvalidName;

/// A file's place relative to a workspace's root that cannot leave it: `/`-separated,
/// relative, with no empty, `.` or `..` component, and never in a `.git` directory. Whether it would leave the workspace
/// through a symbolic link is the sandbox's to check, where the links are.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CarriedPath(String);

impl CarriedPath {
    /// Checks `path` (as git prints it: `/`-separated, relative to the repository's root).
    ///
    /// # Errors
    /// [`InvalidName`] for an empty or absolute path, a `.`, `..`, `.git` or empty
    /// component, a backslash or a NUL.
    pub fn new(path: &str) -> Result<Self, InvalidName> {
        let invalid = |reason: &str| InvalidName::new("path", path, reason);
        if path.is_empty() {
            return Err(invalid("it is empty"));
        }
        if path.starts_with('/') {
            return Err(invalid("it is absolute"));
        }
        if path.contains(['\\', '\0']) {
            return Err(invalid("it holds a backslash or a NUL"));
        }
        if path
            .split('/')
            .any(|component| matches!(component, "" | "." | ".."))
        {
            return Err(invalid("it has an empty, `.` or `..` component"));
        }
        if path
            .split('/')
            .any(|component| component.eq_ignore_ascii_case(".git"))
        {
            return Err(invalid("it is in a `.git` directory"));
        }
        Ok(Self(path.to_owned()))
    }

    /// The path as git prints it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its components, first to last.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// The directories it is in, outermost first (`a`, `a/b` for `a/b/c`).
    pub fn ancestors(&self) -> impl Iterator<Item = &str> {
        self.0.match_indices('/').map(|(end, _)| &self.0[..end])
    }
}

impl fmt::Display for CarriedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a carried file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarriedContent {
    /// A regular file, read from `source` on the host.
    File {
        /// The host file.
        source: PathBuf,
        /// Its permission bits (`0o644`, `0o755`).
        mode: u32,
    },
    /// A symbolic link whose relative `target` stays inside the checkout, made again as it
    /// is.
    Symlink {
        /// The link's target, as the link holds it.
        target: String,
    },
}

/// One file to put into a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedFile {
    /// Where it goes, relative to the workspace's root (where it was in the checkout).
    pub path: CarriedPath,
    /// What it is.
    pub content: CarriedContent,
}

/// A file matched by a pattern and not carried over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// Its path relative to the repository's root, as git prints it.
    pub path: String,
    /// Why it was left behind.
    pub reason: SkipReason,
}

/// Why a matched file was not carried over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// A symbolic link whose target resolves outside the host checkout: never followed.
    LinksOutside {
        /// The link's target.
        target: String,
    },
    /// A symbolic link with an absolute target, which would not name the same file in the
    /// workspace.
    AbsoluteLink {
        /// The link's target.
        target: String,
    },
    /// Neither a regular file nor a symbolic link (a socket, a fifo).
    NotAFile,
    /// Its name is not UTF-8, or not a path that stays inside the repository.
    UnusableName,
    /// Something is already at its path in the workspace (a tracked file of its branch):
    /// never overwritten.
    AlreadyThere,
    /// One of its directories in the workspace is a symbolic link or not a directory:
    /// writing through it could leave the workspace.
    ThroughLink {
        /// That directory, relative to the workspace's root.
        dir: String,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LinksOutside { target } => write!(
                f,
                "a symbolic link to {target}, outside the host checkout (not followed)"
            ),
            Self::AbsoluteLink { target } => write!(
                f,
                "a symbolic link to the absolute path {target}, which would not name the same file in the workspace"
            ),
            Self::NotAFile => f.write_str("neither a file nor a symbolic link"),
            Self::UnusableName => f.write_str("its name is not a UTF-8 path inside the repository"),
            Self::AlreadyThere => f.write_str("the workspace already has it (never overwritten)"),
            Self::ThroughLink { dir } => write!(
                f,
                "{dir} in the workspace is a symbolic link or not a directory (never written through)"
            ),
        }
    }
}

/// What the host checkout offers for a list of patterns: the files to carry over and those
/// matched but left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarrySelection {
    /// The files to put into the workspace, sorted by path.
    pub files: Vec<CarriedFile>,
    /// The files matched and left behind, with the reason.
    pub skipped: Vec<SkippedFile>,
}

/// Where a repository's `.worktreeinclude` was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeSource {
    /// The workspace's start commit, where it is tracked.
    Commit,
    /// The host checkout's working tree, where it is untracked or ignored.
    WorkingTree,
}

/// The patterns of a `.worktreeinclude`: one gitignore-style pattern per line, blank lines
/// and `#` comments left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeList {
    /// The patterns, in order (`!` negations kept: they count as in a `.gitignore`).
    pub patterns: Vec<String>,
    /// Where the file was read from.
    pub source: IncludeSource,
}

impl IncludeList {
    /// The patterns of `text`, a `.worktreeinclude` read from `source`.
    #[must_use]
    pub fn parse(text: &str, source: IncludeSource) -> Self {
        let patterns = text
            .lines()
            .map(|line| line.trim_end_matches('\r'))
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .map(str::to_owned)
            .collect();
        Self { patterns, source }
    }
}

/// What carrying files into a workspace did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carried {
    /// The files written into the workspace, sorted.
    pub copied: Vec<CarriedPath>,
    /// The files matched and not written, with the reason.
    pub skipped: Vec<SkippedFile>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_carried_path_stays_inside_the_workspace() {
        for good in [".env", "config/dev.key", "a/b/c", "..env", "a/.../b"] {
            assert_eq!(CarriedPath::new(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "/etc/passwd",
            "../up",
            "a/../../b",
            "a//b",
            "./a",
            "a/.",
            "a/",
            "a\\b",
            "a\0b",
        ] {
            assert!(CarriedPath::new(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn ancestors_are_the_directories_outermost_first() {
        let path = CarriedPath::new("a/b/c.key").unwrap();
        assert_eq!(path.ancestors().collect::<Vec<_>>(), ["a", "a/b"]);
        assert_eq!(CarriedPath::new(".env").unwrap().ancestors().count(), 0);
    }

    #[test]
    fn an_include_file_keeps_patterns_and_drops_comments_and_blank_lines() {
        let list = IncludeList::parse(
            "# secrets\n.env\n\n  \nconfig/*.key\r\n!config/public.key\n",
            IncludeSource::WorkingTree,
        );
        assert_eq!(
            list.patterns,
            [".env", "config/*.key", "!config/public.key"]
        );
    }
}
