//! A workspace's network policy: what it may reach, fixed when it is made.
//!
//! The user's `[network]` (config.toml) and the repository's (`.skipper.toml`) are
//! [`NetworkSettings`]; [`NetworkPolicy::resolve`] makes them one policy: `--network` (put
//! in the user's settings by the CLI) or the user's `mode`, else the repository's, else
//! [`NetworkMode::Bridge`]; the repository's `allow` adds to the user's. A sandbox that
//! isolates the network keeps the policy with the workspace; one that cannot (a worktree)
//! has none.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

/// How a workspace reaches the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NetworkMode {
    /// Docker's default bridge: whatever the host reaches (the default).
    #[default]
    Bridge,
    /// No interface but loopback.
    None,
    /// No route out; the allowed hosts alone, through an HTTP(S) proxy.
    Allow,
}

impl NetworkMode {
    /// Every mode, as the command line spells them.
    pub const ALL: [Self; 3] = [Self::Bridge, Self::None, Self::Allow];

    /// The mode's name, in config files, labels and output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bridge => "bridge",
            Self::None => "none",
            Self::Allow => "allow",
        }
    }
}

impl fmt::Display for NetworkMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NetworkMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.as_str() == text)
            .ok_or_else(|| format!("`{text}` is not a network mode (bridge, none or allow)"))
    }
}

impl<'de> Deserialize<'de> for NetworkMode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One host an `allow` workspace may reach: `host` (any port) or `host:port`. A host is a
/// DNS name (`registry.npmjs.org`), `*.` and a domain for any of its subdomains
/// (`*.github.com`, not `github.com` itself), or an IPv4 address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AllowEntry {
    host: String,
    port: Option<u16>,
}

impl AllowEntry {
    /// The host, lower-cased (`*.` kept for a domain's subdomains).
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The one port allowed; `None`: any.
    #[must_use]
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Whether the entry stands for every subdomain of a domain (`*.example.com`).
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        self.host.starts_with("*.")
    }
}

impl fmt::Display for AllowEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}:{port}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

impl FromStr for AllowEntry {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = |reason: &str| Err(format!("allow entry `{text}` {reason}"));
        if text.starts_with('[') || text.matches(':').count() > 1 {
            return refuse("is an IPv6 address, which the proxy's allow list does not take");
        }
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => match port.parse::<u16>() {
                Ok(port) if port > 0 => (host, Some(port)),
                _ => return refuse("has a port that is not a number from 1 to 65535"),
            },
            None => (text, None),
        };
        let name = host.strip_prefix("*.").unwrap_or(host);
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
            return refuse(
                "is not a host name (letters, digits, `-` and dots), `*.` and a domain, or an IPv4 address, with an optional `:port`",
            );
        }
        let looks_numeric = name
            .split('.')
            .all(|label| label.chars().all(|c| c.is_ascii_digit()));
        if looks_numeric && (host != name || name.parse::<std::net::Ipv4Addr>().is_err()) {
            return refuse("is not a valid IPv4 address");
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

impl<'de> Deserialize<'de> for AllowEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `[network]` as the user's config.toml or a repository's `.skipper.toml` gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSettings {
    /// `mode`: unset leaves it to the next in line.
    pub mode: Option<NetworkMode>,
    /// `allow`: hosts an `allow` workspace may reach.
    #[serde(default)]
    pub allow: Vec<AllowEntry>,
}

/// The policy a workspace was made with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// How it reaches the network.
    pub mode: NetworkMode,
    /// What it may reach in [`NetworkMode::Allow`] (empty: nothing); empty otherwise.
    pub allow: Vec<AllowEntry>,
}

impl NetworkPolicy {
    /// The policy of a new workspace: `user`'s mode (where the CLI put `--network`), else
    /// `project`'s, else bridge; in allow mode, `user`'s hosts then those `project` adds
    /// (each once). A mode other than allow keeps no hosts.
    #[must_use]
    pub fn resolve(user: &NetworkSettings, project: Option<&NetworkSettings>) -> Self {
        let mode = user
            .mode
            .or_else(|| project.and_then(|project| project.mode))
            .unwrap_or_default();
        let mut allow: Vec<AllowEntry> = Vec::new();
        if mode == NetworkMode::Allow {
            let project_allow = project.map_or(&[][..], |project| &project.allow);
            for entry in user.allow.iter().chain(project_allow) {
                if !allow.contains(entry) {
                    allow.push(entry.clone());
                }
            }
        }
        Self { mode, allow }
    }

    /// The allow list in one line, space-separated (a label's value).
    #[must_use]
    pub fn allow_text(&self) -> String {
        let entries: Vec<String> = self.allow.iter().map(ToString::to_string).collect();
        entries.join(" ")
    }

    /// The policy `mode` and `allow` (as [`Self::allow_text`] wrote it) say; `None` when
    /// either cannot be read.
    #[must_use]
    pub fn from_parts(mode: &str, allow: &str) -> Option<Self> {
        let mode: NetworkMode = mode.parse().ok()?;
        let allow = allow
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<Vec<AllowEntry>, _>>()
            .ok()?;
        Some(Self { mode, allow })
    }
}

/// For people: `bridge`, `none`, `allow (a.example, b.example:443)`, `allow (nothing)`.
impl fmt::Display for NetworkPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            NetworkMode::Allow if self.allow.is_empty() => f.write_str("allow (nothing)"),
            NetworkMode::Allow => {
                let entries: Vec<String> = self.allow.iter().map(ToString::to_string).collect();
                write!(f, "allow ({})", entries.join(", "))
            }
            mode => f.write_str(mode.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(texts: &[&str]) -> Vec<AllowEntry> {
        texts.iter().map(|text| text.parse().unwrap()).collect()
    }

    fn settings(mode: Option<NetworkMode>, allow: &[&str]) -> NetworkSettings {
        NetworkSettings {
            mode,
            allow: entries(allow),
        }
    }

    #[test]
    fn allow_entries_are_hosts_with_an_optional_port() {
        let entry: AllowEntry = "Registry.NPMjs.org:443".parse().unwrap();
        assert_eq!(
            (entry.host(), entry.port()),
            ("registry.npmjs.org", Some(443))
        );
        assert_eq!(entry.to_string(), "registry.npmjs.org:443");
        let any: AllowEntry = "172.17.0.2".parse().unwrap();
        assert_eq!(any.port(), None);
        let wildcard: AllowEntry = "*.github.com".parse().unwrap();
        assert!(wildcard.is_wildcard());
        for bad in [
            "",
            "a..b",
            "-a.com",
            "a_b.com",
            "a.com:0",
            "a.com:70000",
            "a.com:x",
            "http://a.com",
            "a.com/path",
            "[::1]:443",
            "::1",
            "999.1.1.1",
            "*.10.0.0.1",
            "*.",
            "a.*.com",
        ] {
            assert!(bad.parse::<AllowEntry>().is_err(), "{bad:?} was taken");
        }
    }

    #[test]
    fn the_flag_or_the_users_mode_wins_and_the_repository_adds_hosts() {
        let user = settings(Some(NetworkMode::Allow), &["a.example", "b.example:443"]);
        let project = settings(Some(NetworkMode::Bridge), &["b.example:443", "c.example"]);
        let policy = NetworkPolicy::resolve(&user, Some(&project));
        assert_eq!(policy.mode, NetworkMode::Allow);
        assert_eq!(
            policy.allow,
            entries(&["a.example", "b.example:443", "c.example"])
        );
        assert_eq!(
            policy.to_string(),
            "allow (a.example, b.example:443, c.example)"
        );

        // No mode of the user's: the repository's, else bridge.
        let user = settings(None, &["a.example"]);
        let project = settings(Some(NetworkMode::Allow), &["c.example"]);
        let policy = NetworkPolicy::resolve(&user, Some(&project));
        assert_eq!(policy.mode, NetworkMode::Allow);
        assert_eq!(policy.allow, entries(&["a.example", "c.example"]));
        let policy = NetworkPolicy::resolve(&user, None);
        assert_eq!(policy, NetworkPolicy::default());
        assert_eq!(policy.mode, NetworkMode::Bridge);

        // Not allow: no hosts kept.
        let user = settings(Some(NetworkMode::None), &["a.example"]);
        let policy = NetworkPolicy::resolve(&user, Some(&project));
        assert_eq!(policy.mode, NetworkMode::None);
        assert!(policy.allow.is_empty());
        assert_eq!(policy.to_string(), "none");
        let nothing = NetworkPolicy::resolve(&settings(Some(NetworkMode::Allow), &[]), None);
        assert_eq!(nothing.to_string(), "allow (nothing)");
    }

    #[test]
    fn a_policy_reads_back_from_its_label_text() {
        let policy = NetworkPolicy {
            mode: NetworkMode::Allow,
            allow: entries(&["a.example", "10.0.0.1:8080", "*.b.example"]),
        };
        let text = policy.allow_text();
        assert_eq!(text, "a.example 10.0.0.1:8080 *.b.example");
        assert_eq!(NetworkPolicy::from_parts("allow", &text), Some(policy));
        assert_eq!(
            NetworkPolicy::from_parts("none", ""),
            Some(NetworkPolicy {
                mode: NetworkMode::None,
                allow: Vec::new()
            })
        );
        assert_eq!(NetworkPolicy::from_parts("open", ""), None);
        assert_eq!(NetworkPolicy::from_parts("allow", "a..b"), None);
    }

    #[test]
    fn network_tables_read_from_toml() {
        let parsed: NetworkSettings =
            toml::from_str("mode = \"allow\"\nallow = [\"a.example\", \"b.example:8080\"]\n")
                .unwrap();
        assert_eq!(
            parsed,
            settings(Some(NetworkMode::Allow), &["a.example", "b.example:8080"])
        );
        let err = toml::from_str::<NetworkSettings>("mode = \"open\"\n").unwrap_err();
        assert!(err.to_string().contains("not a network mode"), "{err}");
        let err = toml::from_str::<NetworkSettings>("allow = [\"a b\"]\n").unwrap_err();
        assert!(err.to_string().contains("allow entry `a b`"), "{err}");
        assert!(toml::from_str::<NetworkSettings>("ports = 1\n").is_err());
    }
}
