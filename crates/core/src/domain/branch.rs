use std::fmt;

use super::InvalidName;

/// A local branch name that git accepts: validated by git's own reference rules
/// (`git check-ref-format --branch`) before anything is created.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BranchName(String);

impl BranchName {
    /// Validates `name` as a branch name.
    ///
    /// # Errors
    /// [`InvalidName`] naming the rule the name breaks.
    pub fn new(name: &str) -> Result<Self, InvalidName> {
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
    /// Reads back a name from [`Self::as_path_component`].
    ///
    /// # Errors
    /// [`InvalidName`] when the decoded text is not a valid branch name.
    pub fn from_path_component(component: &str) -> Result<Self, InvalidName> {
        Self::new(&component.replace("%2F", "/").replace("%25", "%"))
    }
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
