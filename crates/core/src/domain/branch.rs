use std::fmt;

use super::InvalidName;

/// A local branch name that git accepts: validated by git's own reference rules
/// (`git check-ref-format --branch`) before anything is created, short enough to be one file
/// name on disk, and not a name git would read as another ref.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BranchName(String);

/// Refs git keeps beside `HEAD` in the repository's directory that do not end in `_HEAD`.
const PSEUDO_REFS: [&str; 2] = ["HEAD", "AUTO_MERGE"];

/// What git would also read a name starting with one of the prefixes it tries (`refs/`,
/// `refs/heads/`, `refs/tags/`, `refs/remotes/`) or with skipper's one remote as: `heads/x`
/// is also branch `x`, `origin/main` also the remote's `main`.
fn other_ref(name: &str) -> Option<(&'static str, String)> {
    let (prefix, rest) = ["refs/", "heads/", "tags/", "remotes/", "origin/"]
        .into_iter()
        .find_map(|prefix| Some((prefix, name.strip_prefix(prefix)?)))?;
    let reading = match prefix {
        "refs/" => "a full ref name".to_owned(),
        "heads/" => format!("branch `{rest}`"),
        "tags/" => format!("tag `{rest}`"),
        "remotes/" => format!("remote-tracking branch `{rest}`"),
        _ => format!("branch `{rest}` of the remote `origin`"),
    };
    Some((prefix, reading))
}

impl BranchName {
    /// The longest [`Self::as_path_component`], in bytes: a file name holds 255, and the
    /// longest name made from it is the index of saved work, `.<branch>-<seconds>.index.lock`
    /// (1 + 1 + 10 + 11 bytes around the branch). Tmux sessions and containers are named
    /// by a hash, so they need no room.
    pub const MAX_PATH_COMPONENT_BYTES: usize = 255 - 23;

    /// Validates `name` as the branch of a workspace the user names: git's rules (see
    /// [`Self::from_git`]), and no name git would also read as another ref, and short enough
    /// for one file name on disk (see [`Self::MAX_PATH_COMPONENT_BYTES`]).
    ///
    /// # Errors
    /// [`InvalidName`] naming the rule the name breaks.
    pub fn new(name: &str) -> Result<Self, InvalidName> {
        let invalid = |reason: &str| InvalidName::new("branch name", name, reason);
        Self::from_git(name)?;
        if is_pseudo_ref(name) {
            return Err(invalid(
                "it is spelt like git's own refs beside HEAD (`FETCH_HEAD`, `ORIG_HEAD`, `AUTO_MERGE`, ...), so git would read it as one",
            ));
        }
        if let Some((prefix, reading)) = other_ref(name) {
            return Err(invalid(&format!(
                "it starts with `{prefix}`, so git would also read it as {reading}"
            )));
        }
        let branch = Self(name.to_owned());
        let bytes = branch.as_path_component().len();
        if bytes > Self::MAX_PATH_COMPONENT_BYTES {
            return Err(invalid(&format!(
                "it is too long: {bytes} bytes as a file name (`/` and `%` take three), at most {}",
                Self::MAX_PATH_COMPONENT_BYTES
            )));
        }
        Ok(branch)
    }

    /// The name as git spells it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as one path component: `%` and `/` are percent-encoded, so `a/b` and a
    /// branch `a` can never nest or collide on disk.
    #[must_use]
    pub fn as_path_component(&self) -> String {
        self.0.replace('%', "%25").replace('/', "%2F")
    }
}

impl BranchName {
    /// A branch that exists already, read back from git or from skipper's own records:
    /// git's reference rules only (`git check-ref-format --branch`), so a branch `sk` would
    /// not make (too long, or ambiguous with another ref) is still seen, e.g. as work at
    /// risk.
    ///
    /// # Errors
    /// [`InvalidName`] naming the rule the name breaks.
    pub fn from_git(name: &str) -> Result<Self, InvalidName> {
        let invalid = |reason: &str| InvalidName::new("branch name", name, reason);
        if name.is_empty() {
            return Err(invalid("it is empty"));
        }
        if name.starts_with('-') {
            return Err(invalid("it must not start with `-`"));
        }
        if name == "@" {
            return Err(invalid("`@` alone is not a branch name"));
        }
        if name.chars().any(char::is_whitespace) {
            return Err(invalid("it must not contain whitespace"));
        }
        let full = format!("refs/heads/{name}");
        gix_validate::reference::branch_name(full.as_str().into())
            .map_err(|err| invalid(&err.to_string()))?;
        Ok(Self(name.to_owned()))
    }

    /// Reads back a name from [`Self::as_path_component`], by git's rules only (see
    /// [`Self::from_git`]): a workspace made before a stricter rule is still found.
    ///
    /// # Errors
    /// [`InvalidName`] when the decoded text is not a valid branch name.
    pub fn from_path_component(component: &str) -> Result<Self, InvalidName> {
        Self::from_git(&component.replace("%2F", "/").replace("%25", "%"))
    }
}

/// `HEAD`, `AUTO_MERGE`, or all capitals and underscores ending in `_HEAD` (`FETCH_HEAD`,
/// `ORIG_HEAD`, `MERGE_HEAD`, `CHERRY_PICK_HEAD`, ...).
fn is_pseudo_ref(name: &str) -> bool {
    PSEUDO_REFS.contains(&name)
        || (name.ends_with("_HEAD")
            && name
                .bytes()
                .all(|byte| byte.is_ascii_uppercase() || byte == b'_'))
}

impl fmt::Display for BranchName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for BranchName {
    type Err = InvalidName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_and_nested_names() {
        for name in ["main", "feat/x", "release/v1.2", "user/a-b_c", "x.y"] {
            assert_eq!(BranchName::new(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn refuses_what_git_refuses() {
        for name in [
            "", "..", "a..b", "-x", "x.lock", "a b", "a~1", "a:b", "@{", "a^b", "a?b", "a*b",
            "a[b", "a\\b", "/a", "a/", "a//b", ".a", "a/.b", "a.", "HEAD", "@", "a@{b",
        ] {
            assert!(BranchName::new(name).is_err(), "accepted {name:?}");
        }
    }

    #[test]
    fn refuses_names_git_would_read_as_other_refs() {
        for name in [
            "FETCH_HEAD",
            "ORIG_HEAD",
            "MERGE_HEAD",
            "CHERRY_PICK_HEAD",
            "REVERT_HEAD",
            "BISECT_HEAD",
            "AUTO_MERGE",
            "MY_OWN_HEAD",
            "refs/heads/x",
            "heads/x",
            "tags/v1",
            "remotes/origin/x",
            "origin/main",
        ] {
            assert!(BranchName::new(name).is_err(), "accepted {name:?}");
        }
    }

    #[test]
    fn accepts_names_that_only_resemble_refs() {
        for name in [
            "Fetch_Head",
            "my_HEAD",
            "_HEAD_x",
            "feat/HEAD",
            "originals/x",
            "x/origin/y",
            "x/refs/y",
            "AUTO_MERGE_x",
        ] {
            assert!(BranchName::new(name).is_ok(), "refused {name:?}");
        }
    }

    #[test]
    fn branches_read_back_from_git_follow_git_rules_only() {
        for name in ["origin/x", "FETCH_HEAD", &"c".repeat(300)] {
            assert!(BranchName::new(name).is_err(), "{name}");
            assert_eq!(BranchName::from_git(name).unwrap().as_str(), name);
        }
        let stored = BranchName::from_git("origin/x")
            .unwrap()
            .as_path_component();
        assert_eq!(
            BranchName::from_path_component(&stored).unwrap().as_str(),
            "origin/x"
        );
        for name in ["", "a b", "x.lock", "HEAD", "-x"] {
            assert!(BranchName::from_git(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn the_path_component_must_fit_a_file_name_with_room_for_saved_work() {
        let longest = "b".repeat(BranchName::MAX_PATH_COMPONENT_BYTES);
        assert_eq!(
            BranchName::new(&longest).unwrap().as_path_component().len(),
            232
        );
        let err = BranchName::new(&format!("{longest}b")).unwrap_err();
        assert_eq!(
            err.reason,
            "it is too long: 233 bytes as a file name (`/` and `%` take three), at most 232"
        );
        // 60 × `ab` joined by `/`: 179 characters, 297 bytes once `/` is `%2F`.
        let nested = ["ab"; 60].join("/");
        assert_eq!(nested.len(), 179);
        assert!(BranchName::new(&nested).is_err());
        // Multi-byte characters count in bytes.
        assert!(BranchName::new(&"é".repeat(116)).is_ok());
        assert!(BranchName::new(&"é".repeat(117)).is_err());
    }

    #[test]
    fn path_component_is_flat_and_injective() {
        let a = BranchName::new("a/b").unwrap().as_path_component();
        let b = BranchName::new("a%2Fb").unwrap().as_path_component();
        assert_eq!(a, "a%2Fb");
        assert_ne!(a, b);
        assert_eq!(BranchName::from_path_component(&a).unwrap().as_str(), "a/b");
        assert_eq!(
            BranchName::from_path_component(&b).unwrap().as_str(),
            "a%2Fb"
        );
        assert!(!a.contains('/'));
    }
}
