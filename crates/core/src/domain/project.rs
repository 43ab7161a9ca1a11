//! A repository's own setup: `.skipper.toml` at its root, read from a workspace's commit.
//! It says what runs when a workspace is made or removed (`[hooks]`), which ignored files a
//! new workspace gets from the host checkout (`copy`), how many ports it needs (`[ports]`),
//! the variables every command run in it sees (`[env]`) and the coding agent `prompt` runs
//! there unless the user chose one (`agent`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{CommandLine, Environment};

/// The file's name, at the repository's root.
pub const PROJECT_FILE: &str = ".skipper.toml";

/// The most ports `[ports] count` may ask for.
pub const MAX_PORTS: u16 = 20;

/// What `.skipper.toml` says. Every part is optional; a repository without the file has
/// [`ProjectConfig::default`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectConfig {
    /// `[hooks]`: commands run in the workspace (they need the user's approval).
    pub hooks: Hooks,
    /// `copy`: globs of ignored or untracked files to copy from the host checkout into a
    /// new workspace.
    pub copy: Vec<String>,
    /// `[ports]`.
    pub ports: PortsSection,
    /// `[env]`: plain variables for every command run in the workspace (names starting
    /// with `SK_` are skipper's and never taken from here).
    pub env: Environment,
    /// `agent`: the coding agent `prompt` runs in the repository's workspaces when the
    /// user chose none (`--agent`, `agent` in config.toml).
    pub agent: Option<String>,
    /// `[network]`: the mode of the repository's Docker workspaces when the user set none,
    /// and hosts their `allow` list adds to the user's.
    pub network: super::NetworkSettings,
}

/// `[hooks]`, in `.skipper.toml` or the user's `config.toml`: each a list of commands, a
/// string run through `sh -c`, an array run as an argument vector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Hooks {
    /// Run once, after the workspace is made.
    #[serde(default, deserialize_with = "commands")]
    pub post_create: Vec<CommandLine>,
    /// Run before a removal, once the dirty gate let it go ahead.
    #[serde(default, deserialize_with = "commands")]
    pub pre_remove: Vec<CommandLine>,
}

impl Hooks {
    /// The commands of `stage`.
    #[must_use]
    pub fn of(&self, stage: HookStage) -> &[CommandLine] {
        match stage {
            HookStage::PostCreate => &self.post_create,
            HookStage::PreRemove => &self.pre_remove,
        }
    }

    /// Whether no stage has a command.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.post_create.is_empty() && self.pre_remove.is_empty()
    }

    /// A fingerprint of every command of every stage (SHA-256, hex): what an approval is
    /// of, so that any change to the commands asks again.
    #[must_use]
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for stage in HookStage::ALL {
            for command in self.of(stage) {
                let (kind, parts) = match command {
                    CommandLine::Shell(text) => ("shell", vec![text.clone()]),
                    CommandLine::Argv(argv) => ("argv", argv.clone()),
                };
                // Lengths before every text: no two command sets hash the same bytes.
                for field in [stage.as_str(), kind]
                    .into_iter()
                    .chain(parts.iter().map(String::as_str))
                {
                    hasher.update((field.len() as u64).to_le_bytes());
                    hasher.update(field.as_bytes());
                }
                hasher.update(u64::MAX.to_le_bytes());
            }
        }
        format!("{:x}", hasher.finalize())
    }
}

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookStage {
    /// After the workspace is made.
    PostCreate,
    /// Before it is removed.
    PreRemove,
}

impl HookStage {
    /// Every stage, in the order a workspace meets them.
    pub const ALL: [Self; 2] = [Self::PostCreate, Self::PreRemove];

    /// The stage's key in `[hooks]`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PostCreate => "post-create",
            Self::PreRemove => "pre-remove",
        }
    }
}

impl std::fmt::Display for HookStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[ports]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortsSection {
    /// How many ports each workspace gets (1 to [`MAX_PORTS`]; 1 when not given).
    #[serde(default = "one_port")]
    pub count: u16,
}

impl Default for PortsSection {
    fn default() -> Self {
        Self { count: one_port() }
    }
}

fn one_port() -> u16 {
    1
}

/// Why `.skipper.toml` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectConfigError {
    /// Not TOML, or a value of the wrong type.
    #[error("{file}:{line}:{column}: {message}")]
    Malformed {
        /// The file, as it is named to the user.
        file: String,
        /// 1-based.
        line: usize,
        /// 1-based, in characters.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A key skipper does not know.
    #[error("{file}: unknown key `{key}`")]
    UnknownKey {
        /// The file.
        file: String,
        /// The key, dotted from the top (`hooks.post_create`).
        key: String,
    },
    /// A known key with a value skipper cannot take.
    #[error("{file}: {key} {reason}")]
    Invalid {
        /// The file.
        file: String,
        /// The key, dotted.
        key: String,
        /// What is wrong with its value.
        reason: String,
    },
}

/// The file as serde reads it, once its keys are known to be skipper's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    #[serde(default)]
    hooks: Hooks,
    #[serde(default)]
    copy: Vec<String>,
    #[serde(default)]
    ports: PortsSection,
    #[serde(default)]
    env: BTreeMap<String, String>,
    agent: Option<String>,
    #[serde(default)]
    network: super::NetworkSettings,
}

/// The keys of each table; `env` takes any name.
const KNOWN_KEYS: [(&str, &[&str]); 5] = [
    ("", &["hooks", "copy", "ports", "env", "agent", "network"]),
    ("network", &["mode", "allow"]),
    ("hooks", &["post-create", "pre-remove"]),
    ("ports", &["count"]),
    ("env", &[]),
];

impl ProjectConfig {
    /// Parses the text of `.skipper.toml`; `file` names it in errors (e.g.
    /// `.skipper.toml at origin/main`).
    ///
    /// # Errors
    /// [`ProjectConfigError::Malformed`] with the line and column, [`UnknownKey`] naming
    /// the first unknown key, [`Invalid`] for `ports.count` outside 1 to [`MAX_PORTS`].
    ///
    /// [`UnknownKey`]: ProjectConfigError::UnknownKey
    /// [`Invalid`]: ProjectConfigError::Invalid
    pub fn parse(text: &str, file: &str) -> Result<Self, ProjectConfigError> {
        let malformed = |message: String, span: Option<std::ops::Range<usize>>| {
            let (line, column) = line_and_column(text, span.map_or(0, |span| span.start));
            ProjectConfigError::Malformed {
                file: file.to_owned(),
                line,
                column,
                message: message.trim_end().to_owned(),
            }
        };
        let table: toml::Table = text
            .parse()
            .map_err(|err: toml::de::Error| malformed(err.message().to_owned(), err.span()))?;
        if let Some(key) = unknown_key(&table) {
            return Err(ProjectConfigError::UnknownKey {
                file: file.to_owned(),
                key,
            });
        }
        let raw: RawProject =
            toml::from_str(text).map_err(|err| malformed(err.message().to_owned(), err.span()))?;
        if raw.ports.count == 0 || raw.ports.count > MAX_PORTS {
            return Err(ProjectConfigError::Invalid {
                file: file.to_owned(),
                key: "ports.count".to_owned(),
                reason: format!("is {}, but must be from 1 to {MAX_PORTS}", raw.ports.count),
            });
        }
        Ok(Self {
            hooks: raw.hooks,
            copy: raw.copy,
            ports: raw.ports,
            env: raw.env.into_iter().collect(),
            agent: raw.agent,
            network: raw.network,
        })
    }
}

/// The first key of `table` (dotted) that [`KNOWN_KEYS`] lacks.
fn unknown_key(table: &toml::Table) -> Option<String> {
    let known = |section: &str| {
        KNOWN_KEYS
            .iter()
            .find(|(name, _)| *name == section)
            .map(|(_, keys)| *keys)
    };
    let top = known("").unwrap_or_default();
    for (key, value) in table {
        if !top.contains(&key.as_str()) {
            return Some(key.clone());
        }
        if let (Some(keys), toml::Value::Table(inner)) = (known(key), value)
            && key != "env"
            && let Some(unknown) = inner.keys().find(|inner| !keys.contains(&inner.as_str()))
        {
            return Some(format!("{key}.{unknown}"));
        }
    }
    None
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |last| last.chars().count())
        + 1;
    (line, column)
}

/// A hook command: a string for `sh -c`, or an argument vector.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawCommand {
    Shell(String),
    Argv(Vec<String>),
}

fn commands<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<CommandLine>, D::Error> {
    let raw = Vec::<RawCommand>::deserialize(deserializer)?;
    raw.into_iter()
        .map(|command| match command {
            RawCommand::Shell(text) => Ok(CommandLine::Shell(text)),
            RawCommand::Argv(argv) if argv.first().is_some_and(|p| !p.is_empty()) => {
                Ok(CommandLine::Argv(argv))
            }
            RawCommand::Argv(_) => Err(serde::de::Error::custom(
                "a hook's argument vector needs a program",
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = ".skipper.toml";

    #[test]
    fn every_part_is_read() {
        let config = ProjectConfig::parse(
            r#"
copy = [".env", "config/*.local"]

[hooks]
post-create = ["npm ci", ["make", "setup"]]
pre-remove = ["docker compose down"]

[ports]
count = 3

[env]
RUST_LOG = "debug"
"#,
            FILE,
        )
        .unwrap();

        assert_eq!(
            config.hooks.post_create,
            [
                CommandLine::Shell("npm ci".into()),
                CommandLine::Argv(vec!["make".into(), "setup".into()])
            ]
        );
        assert_eq!(
            config.hooks.pre_remove,
            [CommandLine::Shell("docker compose down".into())]
        );
        assert_eq!(config.copy, [".env", "config/*.local"]);
        assert_eq!(config.ports.count, 3);
        assert_eq!(config.env.to_assignments(), ["RUST_LOG=debug"]);
    }

    #[test]
    fn an_empty_file_is_the_default_with_one_port() {
        let config = ProjectConfig::parse("", FILE).unwrap();
        assert_eq!(config, ProjectConfig::default());
        assert_eq!(config.ports.count, 1);
    }

    #[test]
    fn unknown_keys_are_named_with_their_table() {
        for (text, key) in [
            ("colour = 1", "colour"),
            ("[hooks]\npost_create = []", "hooks.post_create"),
            ("[ports]\nfirst = 3000", "ports.first"),
        ] {
            assert_eq!(
                ProjectConfig::parse(text, FILE),
                Err(ProjectConfigError::UnknownKey {
                    file: FILE.into(),
                    key: key.into()
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_text_and_wrong_types_give_line_and_column() {
        let err = ProjectConfig::parse("[hooks]\npost-create = [\"a\"\n", FILE).unwrap_err();
        let ProjectConfigError::Malformed { line, .. } = err else {
            panic!("expected Malformed, got {err:?}");
        };
        assert_eq!(line, 2);

        let err = ProjectConfig::parse("copy = []\n[ports]\ncount = \"two\"\n", FILE).unwrap_err();
        let ProjectConfigError::Malformed { line, column, .. } = &err else {
            panic!("expected Malformed, got {err:?}");
        };
        assert_eq!((*line, *column), (3, 9), "{err}");
    }

    #[test]
    fn ports_count_is_from_one_to_twenty() {
        assert_eq!(
            ProjectConfig::parse("[ports]\ncount = 21", FILE)
                .unwrap_err()
                .to_string(),
            ".skipper.toml: ports.count is 21, but must be from 1 to 20"
        );
        assert!(ProjectConfig::parse("[ports]\ncount = 0", FILE).is_err());
        assert_eq!(
            ProjectConfig::parse("[ports]\ncount = 20", FILE)
                .unwrap()
                .ports
                .count,
            20
        );
    }

    #[test]
    fn a_changed_command_changes_the_digest_and_the_same_commands_keep_it() {
        let hooks = |post: &str| Hooks {
            post_create: vec![CommandLine::Shell(post.into())],
            pre_remove: Vec::new(),
        };
        assert_eq!(hooks("a").digest(), hooks("a").digest());
        assert_ne!(hooks("a").digest(), hooks("b").digest());
        let moved = Hooks {
            post_create: Vec::new(),
            pre_remove: vec![CommandLine::Shell("a".into())],
        };
        assert_ne!(hooks("a").digest(), moved.digest());
        let split = Hooks {
            post_create: vec![CommandLine::Argv(vec!["a b".into()])],
            pre_remove: Vec::new(),
        };
        let joined = Hooks {
            post_create: vec![CommandLine::Argv(vec!["a".into(), "b".into()])],
            pre_remove: Vec::new(),
        };
        assert_ne!(split.digest(), joined.digest());
    }
}
