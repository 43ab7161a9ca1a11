use std::fmt;
use std::path::PathBuf;

use super::InvalidName;

/// Who a repository is: the host it lives on, its owner (possibly `group/subgroup`) and its
/// name. Two owners' repositories of the same name are different identities.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepositoryId {
    host: String,
    owner: String,
    name: String,
}

impl RepositoryId {
    /// Builds an identity from its parts, each checked to be safe as a path component.
    ///
    /// # Errors
    /// [`InvalidName`] when a part is empty, `.`/`..`, or holds characters outside
    /// `[A-Za-z0-9._-]` (the owner may hold `/` between such segments).
    pub fn new(host: &str, owner: &str, name: &str) -> Result<Self, InvalidName> {
        let whole = format!("{owner}/{name}");
        let invalid = |reason: String| InvalidName::new("repository", &whole, reason);
        check_segment(host, "host", true).map_err(invalid)?;
        for segment in owner.split('/') {
            check_segment(segment, "owner", false).map_err(invalid)?;
        }
        check_segment(name, "name", false).map_err(invalid)?;
        Ok(Self {
            host: host.to_owned(),
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The host (`github.com`, or `local` for file remotes).
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The owner, `/`-separated when nested.
    #[must_use]
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository's own name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Relative storage path `<host>/<owner>/<name>`, with the owner flattened into one
    /// component (`/` becomes `+`) so that no repository directory can nest in another.
    #[must_use]
    pub fn storage_path(&self) -> PathBuf {
        [
            self.host.as_str(),
            &self.owner.replace('/', "+"),
            &self.name,
        ]
        .iter()
        .collect()
    }

    /// Reads back an identity from the components of [`Self::storage_path`].
    ///
    /// # Errors
    /// [`InvalidName`] when the components do not form a valid identity.
    pub fn from_storage(host: &str, owner: &str, name: &str) -> Result<Self, InvalidName> {
        Self::new(host, &owner.replace('+', "/"), name)
    }

    /// A stable identity string, `host/owner/name`, for hashing.
    #[must_use]
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.host, self.owner, self.name)
    }
}

impl fmt::Display for RepositoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

fn check_segment(segment: &str, what: &str, host: bool) -> Result<(), String> {
    if segment.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if segment == "." || segment == ".." {
        return Err(format!("the {what} must not be `.` or `..`"));
    }
    if segment.starts_with('-') {
        return Err(format!("the {what} must not start with `-`"));
    }
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '.' | '_' | '-')
            || (host && matches!(c, ':' | '[' | ']'))
    };
    if let Some(bad) = segment.chars().find(|c| !allowed(*c)) {
        return Err(format!("the {what} contains `{bad}`"));
    }
    Ok(())
}

/// How the user named a repository on the command line: `name` or `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryQuery {
    owner: Option<String>,
    name: String,
}

impl RepositoryQuery {
    /// Parses `name` or `owner/name` (the owner may itself hold `/`).
    ///
    /// # Errors
    /// [`InvalidName`] for path tricks (`../x`) and characters no repository name has.
    pub fn parse(query: &str) -> Result<Self, InvalidName> {
        let (owner, name) = match query.rsplit_once('/') {
            Some((owner, name)) => (Some(owner), name),
            None => (None, query),
        };
        RepositoryId::new("query", owner.unwrap_or("_"), name)
            .map_err(|err| InvalidName::new("repository", query, err.reason))?;
        Ok(Self {
            owner: owner.map(str::to_owned),
            name: name.to_owned(),
        })
    }

    /// Whether `id` is what the user meant.
    #[must_use]
    pub fn matches(&self, id: &RepositoryId) -> bool {
        id.name() == self.name
            && self
                .owner
                .as_deref()
                .is_none_or(|owner| owner == id.owner())
    }
}

impl fmt::Display for RepositoryQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.owner {
            Some(owner) => write!(f, "{owner}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A repository cloned on the host: the checkout every workspace of it is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// Who the repository is.
    pub repository: RepositoryId,
    /// The working tree of the host checkout.
    pub path: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_paths_of_nested_owners_never_nest() {
        let a = RepositoryId::new("h", "group/sub", "x").unwrap();
        let b = RepositoryId::new("h", "group", "sub").unwrap();
        assert_eq!(a.storage_path(), PathBuf::from("h/group+sub/x"));
        assert!(!a.storage_path().starts_with(b.storage_path()));
        let back = RepositoryId::from_storage("h", "group+sub", "x").unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn queries_match_by_name_or_owner_and_name() {
        let id = RepositoryId::new("h", "acme", "api").unwrap();
        assert!(RepositoryQuery::parse("api").unwrap().matches(&id));
        assert!(RepositoryQuery::parse("acme/api").unwrap().matches(&id));
        assert!(!RepositoryQuery::parse("other/api").unwrap().matches(&id));
    }

    #[test]
    fn queries_refuse_path_tricks() {
        for query in ["../x", "..", "a/../b", "x y", "", "/x", "-x"] {
            assert!(RepositoryQuery::parse(query).is_err(), "accepted {query:?}");
        }
    }
}
