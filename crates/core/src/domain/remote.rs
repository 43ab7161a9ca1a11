use std::fmt;

use super::{InvalidName, RepositoryId};

/// A git remote that skipper is willing to clone: never an option in disguise (a leading
/// `-`) and never a transport that runs commands (`ext::`, any `<helper>::`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteUrl {
    raw: String,
    repository: RepositoryId,
}

impl RemoteUrl {
    /// Parses and vets `remote`: `git@host:owner/name.git`, `ssh://[user@]host[:port]/owner/name`,
    /// `https://host/owner/name`, `file:///path/name` and absolute local paths.
    ///
    /// Relative local paths are the caller's to make absolute first: the core touches no
    /// filesystem.
    ///
    /// # Errors
    /// [`InvalidName`] when the remote is unsafe, unparsable or names no repository.
    pub fn parse(remote: &str) -> Result<Self, InvalidName> {
        let invalid = |reason: &str| InvalidName::new("remote", remote, reason);
        if remote.is_empty() {
            return Err(invalid("it is empty"));
        }
        if remote.starts_with('-') {
            return Err(invalid("it must not start with `-`"));
        }
        if remote.chars().any(char::is_control) {
            return Err(invalid("it contains control characters"));
        }
        if let Some((helper, _)) = remote.split_once("::")
            && !helper.contains('/')
            && !helper.is_empty()
        {
            return Err(invalid(&format!(
                "the `{helper}::` transport runs programs and is not allowed"
            )));
        }
        let url = gix_url::parse(remote).map_err(|err| invalid(&err.to_string()))?;
        let (host, owner_required) = match url.scheme {
            gix_url::Scheme::File => ("local".to_owned(), false),
            gix_url::Scheme::Ssh
            | gix_url::Scheme::Http
            | gix_url::Scheme::Https
            | gix_url::Scheme::Git => {
                let host = url
                    .host()
                    .filter(|host| !host.is_empty())
                    .ok_or_else(|| invalid("it names no host"))?;
                (host.to_ascii_lowercase(), true)
            }
            _ => {
                return Err(invalid(
                    "only ssh, https, git and file remotes are supported",
                ));
            }
        };
        if host.starts_with('-') {
            return Err(invalid("its host must not start with `-`"));
        }
        let path = url.path.to_string();
        let segments: Vec<&str> = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .collect();
        let Some((last, parents)) = segments.split_last() else {
            return Err(invalid("it names no repository"));
        };
        let name = last.strip_suffix(".git").unwrap_or(last);
        let owner = if owner_required {
            if parents.is_empty() {
                return Err(invalid("it names no owner (expected `owner/name`)"));
            }
            let owner = parents.join("/");
            owner.strip_prefix('~').unwrap_or(&owner).to_owned()
        } else {
            // A local path: the parent directory stands in for the owner, sanitised since it
            // only labels the clone.
            sanitise_label(parents.last().copied().unwrap_or("_"))
        };
        let name = if owner_required {
            name.to_owned()
        } else {
            sanitise_label(name)
        };
        let repository =
            RepositoryId::new(&host, &owner, &name).map_err(|err| invalid(&err.reason))?;
        Ok(Self {
            raw: remote.to_owned(),
            repository,
        })
    }

    /// The remote as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The repository this remote identifies.
    #[must_use]
    pub fn repository(&self) -> &RepositoryId {
        &self.repository
    }
}

impl fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

fn sanitise_label(label: &str) -> String {
    let cleaned: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches(['.', '-']).to_owned();
    if cleaned.is_empty() {
        "_".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(remote: &str) -> String {
        let url = RemoteUrl::parse(remote).unwrap();
        let repo = url.repository();
        format!("{}:{}/{}", repo.host(), repo.owner(), repo.name())
    }

    #[test]
    fn identity_comes_from_the_remote() {
        assert_eq!(id("git@github.com:owner/name.git"), "github.com:owner/name");
        assert_eq!(
            id("ssh://git@github.com/owner/name.git"),
            "github.com:owner/name"
        );
        assert_eq!(id("ssh://host:2222/owner/name"), "host:owner/name");
        assert_eq!(id("https://github.com/owner/name"), "github.com:owner/name");
        assert_eq!(
            id("https://gitlab.com/group/sub/name.git"),
            "gitlab.com:group/sub/name"
        );
        assert_eq!(id("file:///srv/git/api.git"), "local:git/api");
        assert_eq!(id("/srv/git/api"), "local:git/api");
        assert_eq!(id("file:///tmp/my dir/repo.git"), "local:my-dir/repo");
    }

    #[test]
    fn refuses_unsafe_remotes() {
        for remote in [
            "",
            "-uhttps://x/y/z",
            "--upload-pack=touch /tmp/x",
            "ext::sh -c touch% /tmp/pwned",
            "fd::17",
            "https://github.com/name",
            "https://github.com/owner/..",
        ] {
            assert!(RemoteUrl::parse(remote).is_err(), "accepted {remote:?}");
        }
    }
}
