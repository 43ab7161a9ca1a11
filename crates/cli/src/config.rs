//! `config.toml`: where it is, what it holds, and errors that name the file, key and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use skipper_backend_docker::{DockerConfig, ExecPath};
use skipper_core::{AgentOverride, Agents, InvalidPorts, PortRange};

use crate::cli::SandboxArg;
use crate::error::CliError;

/// The configuration file's contents. Unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The default sandbox when `--sandbox` is not given.
    pub sandbox: Option<SandboxArg>,
    /// `agent = "NAME"`: the coding agent `prompt` runs; or, as before presets, an
    /// `[agent]` table with `command`.
    pub agent: Option<AgentSetting>,
    /// `[agents.NAME]`: an agent defined, or a preset changed.
    #[serde(default)]
    pub agents: BTreeMap<String, AgentOverride>,
    #[serde(default)]
    pub docker: DockerSection,
    /// `[hooks]`: the user's own hooks, run in every repository's workspaces before the
    /// project's (they need no approval).
    #[serde(default)]
    pub hooks: skipper_core::Hooks,
    #[serde(default)]
    pub ports: PortsSection,
    /// `[secrets]`: what `--secret NAME` and agents' declared secrets are read from.
    #[serde(default)]
    pub secrets: crate::secrets::SecretTable,
    #[serde(default)]
    pub mcp: McpSection,
    /// `[network]`: the network policy of new Docker workspaces (the worktree sandbox has
    /// none).
    #[serde(default)]
    pub network: skipper_core::NetworkSettings,
    /// `[ssh]`: the host's ssh agent in workspaces.
    #[serde(default)]
    pub ssh: SshSection,
}

/// `[ssh]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshSection {
    /// The host's `SSH_AUTH_SOCK` reaches every Docker workspace on a local engine at
    /// `/run/skipper/ssh-agent.sock` (on by default).
    #[serde(default = "forward_by_default")]
    pub forward_agent: bool,
}

impl Default for SshSection {
    fn default() -> Self {
        Self {
            forward_agent: true,
        }
    }
}

fn forward_by_default() -> bool {
    true
}

/// `[mcp]`: what `sk mcp`'s clients may do.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpSection {
    /// `workspace_remove` may take `force`: save the work at risk and remove anyway.
    #[serde(default)]
    pub allow_force: bool,
}

/// `[ports]`: the host ports workspaces are given.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortsSection {
    /// The range ports are given from, `first-last`.
    pub range: Option<String>,
}

impl PortsSection {
    /// The port range: `SKIPPER_PORT_RANGE` wins over the file; neither is 20000-29999.
    ///
    /// # Errors
    /// A usage error for a bad `SKIPPER_PORT_RANGE`, a failure naming the file for a bad
    /// `ports.range`.
    pub fn range(&self, paths: &Paths) -> Result<PortRange, CliError> {
        let hint = "write it as first-last with ports from 1024 to 65535, e.g. \"20000-29999\"";
        if let Some(text) = std::env::var_os("SKIPPER_PORT_RANGE").filter(|v| !v.is_empty()) {
            let text = text.to_string_lossy();
            return text.parse().map_err(|err: InvalidPorts| {
                CliError::usage(format!("SKIPPER_PORT_RANGE: {err}")).hint(hint)
            });
        }
        match &self.range {
            Some(text) => text.parse().map_err(|err: InvalidPorts| {
                CliError::failure(format!(
                    "invalid config file {}: ports.range: {err}",
                    paths.config_file.display()
                ))
                .hint(hint)
            }),
            None => Ok(PortRange::DEFAULT),
        }
    }
}

/// `agent`: the coding agent `sk workspace prompt` runs.
#[derive(Debug)]
pub enum AgentSetting {
    /// `agent = "claude"`: a preset, or an agent of `[agents]`.
    Name(String),
    /// `[agent] command = [...]`: the earlier form, an argument vector for the prompt.
    Table(AgentTable),
}

/// A string is a name; a table is read as [`AgentTable`], its errors its own (serde's
/// untagged enums would say only that neither form matched).
impl<'de> Deserialize<'de> for AgentSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = AgentSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an agent's name, or an [agent] table")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<AgentSetting, E> {
                Ok(AgentSetting::Name(name.to_owned()))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                map: M,
            ) -> Result<AgentSetting, M::Error> {
                AgentTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(AgentSetting::Table)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `[agent]`, the earlier form of [`AgentSetting`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentTable {
    /// An argument vector; `{prompt}` stands for the message.
    pub command: Vec<String>,
}

impl Config {
    /// The Docker sandbox's settings ([`DockerSection::resolve`]), with the host
    /// configuration of every agent there is to share.
    ///
    /// # Errors
    /// As [`DockerSection::resolve`] and [`Config::agents`].
    pub fn docker(&self, paths: &Paths) -> Result<DockerConfig, CliError> {
        let mut config = self.docker.resolve(paths)?;
        config.agent_config = Some(self.agents(paths)?.0.config_paths());
        config.network = self.network.clone();
        if self.ssh.forward_agent {
            // The relay is this same program's hidden command.
            config.ssh_agent_relay = std::env::current_exe().ok().map(|sk| {
                vec![
                    sk.to_string_lossy().into_owned(),
                    crate::commands::SSH_AGENT_RELAY.to_owned(),
                ]
            });
        }
        Ok(config)
    }

    /// The agents there are (the presets with `[agents]` over them) and the one the user
    /// chose, if any. `[agent] command` is the prompt of the agent its program names (a
    /// preset changed, or an agent of its own).
    ///
    /// # Errors
    /// A failure naming the file for an agent without a program.
    pub fn agents(&self, paths: &Paths) -> Result<(Agents, Option<String>), CliError> {
        let mut overrides = self.agents.clone();
        let chosen = match &self.agent {
            None => None,
            Some(AgentSetting::Name(name)) => Some(name.clone()),
            Some(AgentSetting::Table(AgentTable { command })) => {
                let program = command.first().map_or("", String::as_str);
                let name = Path::new(program).file_name().map_or_else(
                    || program.to_owned(),
                    |name| name.to_string_lossy().into_owned(),
                );
                overrides.entry(name.clone()).or_default().prompt = Some(command.clone());
                Some(name)
            }
        };
        let agents = Agents::new(&overrides).map_err(|err| {
            CliError::failure(format!(
                "invalid config file {}: {err}",
                paths.config_file.display()
            ))
            .hint("give the agent an argument vector whose first word is its program, e.g. prompt = [\"my-agent\", \"{prompt}\"]")
        })?;
        Ok((agents, chosen))
    }
}

/// `[docker]`: the Docker sandbox.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerSection {
    /// The engine's address, as `DOCKER_HOST` takes it (which comes first).
    pub host: Option<String>,
    /// A docker CLI context to take the engine from (`DOCKER_CONTEXT` comes first).
    pub context: Option<String>,
    /// A Dockerfile to build instead of the shipped one.
    pub dockerfile: Option<PathBuf>,
    /// An image to use as it is, never built.
    pub image: Option<String>,
    /// Memory limit per container, in bytes or with a `k`, `m` or `g` suffix.
    pub memory: Option<String>,
    /// CPU limit per container (e.g. 2 or 1.5).
    pub cpus: Option<f64>,
    /// Build arguments for the workspace image (e.g. `BASE_IMAGE`).
    #[serde(default)]
    pub build_args: BTreeMap<String, String>,
    /// The OCI runtime new workspace containers run under (`runsc` for gVisor); `create
    /// --runtime` wins.
    pub runtime: Option<String>,
    /// `[docker.ulimits]`: resource limits of every container, `NAME = "SOFT:HARD"`.
    #[serde(default)]
    pub ulimits: BTreeMap<String, crate::docker_runtime::UlimitValue>,
    /// `[docker.proxy]`: the egress proxy of `allow` workspaces.
    #[serde(default)]
    pub proxy: ProxySection,
}

/// `[docker.proxy]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxySection {
    /// The Debian-family image the proxy image is built `FROM`.
    pub base: Option<String>,
}

impl DockerSection {
    /// The Docker sandbox's settings: `SKIPPER_DOCKERFILE` and `SKIPPER_DOCKER_IMAGE` win
    /// over the file; `SKIPPER_DOCKER_TIMEOUT` is how many seconds the daemon gets to answer
    /// a request; `SKIPPER_DOCKER_EXEC=api` starts every command through the daemon's exec
    /// API instead of the containers' spawners.
    pub fn resolve(&self, paths: &Paths) -> Result<DockerConfig, CliError> {
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let request_timeout = env("SKIPPER_DOCKER_TIMEOUT")
            .map(|value| {
                let text = value.to_string_lossy();
                parse_seconds(&text).ok_or_else(|| {
                    CliError::usage(format!(
                        "SKIPPER_DOCKER_TIMEOUT `{text}` is not a whole number of seconds above 0"
                    ))
                    .hint(format!(
                        "set it to the seconds the Docker daemon gets to answer a request, e.g. 30 (unset: {} s)",
                        skipper_backend_docker::DEFAULT_REQUEST_TIMEOUT.as_secs()
                    ))
                })
            })
            .transpose()?;
        let exec = match env("SKIPPER_DOCKER_EXEC") {
            None => ExecPath::Spawner,
            Some(value) if value == "api" => ExecPath::Api,
            Some(value) if value == "spawner" => ExecPath::Spawner,
            Some(value) => {
                return Err(CliError::usage(format!(
                    "SKIPPER_DOCKER_EXEC `{}` is neither `api` nor `spawner`",
                    value.to_string_lossy()
                ))
                .hint("set it to `api` to start commands through `docker exec`, or unset it"));
            }
        };
        let memory_bytes = self
            .memory
            .as_deref()
            .map(|text| {
                parse_bytes(text).ok_or_else(|| {
                    CliError::failure(format!(
                        "invalid config file {}: docker.memory `{text}` is not a size",
                        paths.config_file.display()
                    ))
                    .hint("use bytes or a k, m or g suffix, e.g. \"4g\"")
                })
            })
            .transpose()?;
        let nano_cpus = match self.cpus {
            Some(cpus) if !(cpus > 0.0 && cpus <= 1024.0) => {
                return Err(CliError::failure(format!(
                    "invalid config file {}: docker.cpus must be a positive number",
                    paths.config_file.display()
                )));
            }
            // The range is checked above, so the product fits an i64.
            #[allow(clippy::cast_possible_truncation)]
            Some(cpus) => Some((cpus * 1e9).round() as i64),
            None => None,
        };
        Ok(DockerConfig {
            data_root: paths.data_root.clone(),
            home: paths.home.clone(),
            config_home: Some(paths.config_home.clone()),
            data_home: Some(paths.data_home.clone()),
            dockerfile: env("SKIPPER_DOCKERFILE")
                .map(PathBuf::from)
                .or_else(|| self.dockerfile.clone()),
            image: env("SKIPPER_DOCKER_IMAGE")
                .map(|v| v.to_string_lossy().into_owned())
                .or_else(|| self.image.clone()),
            memory_bytes,
            nano_cpus,
            build_args: self.build_args.clone(),
            request_timeout,
            exec,
            agent_config: None,
            ssh_agent_relay: None,
            anticipate: None,
            engine: skipper_backend_docker::endpoint::EngineChoice {
                host: self.host.clone().filter(|host| !host.is_empty()),
                context: self.context.clone().filter(|context| !context.is_empty()),
            },
            runtime: self
                .runtime
                .as_deref()
                .map(|name| crate::docker_runtime::configured_runtime(name, &paths.config_file))
                .transpose()?,
            ulimits: crate::docker_runtime::ulimits(&self.ulimits, &paths.config_file)?,
            network: skipper_core::NetworkSettings::default(),
            proxy_base: env("SKIPPER_DOCKER_PROXY_BASE")
                .map(|v| v.to_string_lossy().into_owned())
                .or_else(|| self.proxy.base.clone()),
        })
    }
}

/// A positive whole number of seconds.
fn parse_seconds(text: &str) -> Option<std::time::Duration> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|seconds| *seconds > 0)
        .map(std::time::Duration::from_secs)
}

/// `4g`, `512m`, `100k` or plain bytes.
fn parse_bytes(text: &str) -> Option<i64> {
    let text = text.trim().to_ascii_lowercase();
    let text = text.strip_suffix('b').unwrap_or(&text);
    let (digits, unit) = match text.char_indices().last()? {
        (i, 'k') => (&text[..i], 1_i64 << 10),
        (i, 'm') => (&text[..i], 1 << 20),
        (i, 'g') => (&text[..i], 1 << 30),
        _ => (text, 1),
    };
    digits
        .trim()
        .parse::<i64>()
        .ok()?
        .checked_mul(unit)
        .filter(|b| *b > 0)
}

/// Where skipper keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub data_root: PathBuf,
    pub config_file: PathBuf,
    pub home: PathBuf,
    /// `$XDG_CONFIG_HOME`, else `~/.config`.
    pub config_home: PathBuf,
    /// `$XDG_DATA_HOME`, else `~/.local/share`.
    pub data_home: PathBuf,
}

impl Paths {
    /// `SKIPPER_HOME`, else `$XDG_DATA_HOME/skipper`, else `~/.local/share/skipper`; and
    /// `SKIPPER_CONFIG`, else `$XDG_CONFIG_HOME/skipper/config.toml`, else
    /// `~/.config/skipper/config.toml`. Nothing is created: the data root is made by the
    /// first command that writes there.
    ///
    /// # Errors
    /// A usage error naming the variable when the data root is relative or a directory
    /// skipper must not fill (see [`unfit_data_root`]).
    pub fn from_env() -> Result<Self, CliError> {
        let home = dirs::home_dir()
            .ok_or_else(|| CliError::failure("cannot tell your home directory").hint("set HOME"))?;
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let data_home = var("XDG_DATA_HOME").unwrap_or_else(|| home.join(".local/share"));
        let config_home = var("XDG_CONFIG_HOME").unwrap_or_else(|| home.join(".config"));
        let (root, variable) = match var("SKIPPER_HOME") {
            Some(root) => (root, "SKIPPER_HOME"),
            None if var("XDG_DATA_HOME").is_some() => (data_home.join("skipper"), "XDG_DATA_HOME"),
            None => (data_home.join("skipper"), "HOME"),
        };
        let data_root = data_root(&root, variable, &home)?;
        let config_file =
            var("SKIPPER_CONFIG").unwrap_or_else(|| config_home.join("skipper/config.toml"));
        Ok(Self {
            data_root,
            config_file,
            home,
            config_home,
            data_home,
        })
    }
}

/// The data root `root` (decided by `variable`) made free of symlinks, as far as it exists
/// (git reports worktree paths resolved), and checked: absolute, and no directory that is
/// not skipper's own.
fn data_root(root: &Path, variable: &str, home: &Path) -> Result<PathBuf, CliError> {
    let hint = match variable {
        "SKIPPER_HOME" => {
            "set SKIPPER_HOME to an absolute path of skipper's own, e.g. ~/.local/share/skipper"
                .to_owned()
        }
        "XDG_DATA_HOME" => {
            "set XDG_DATA_HOME to an absolute path, or SKIPPER_HOME to skipper's own directory"
                .to_owned()
        }
        _ => format!(
            "set {variable} to an absolute path, or SKIPPER_HOME to skipper's own directory"
        ),
    };
    let refused = |reason: &str| {
        CliError::usage(format!(
            "cannot use the data root {} (from {variable}): {reason}",
            root.display()
        ))
        .hint(hint.as_str())
    };
    if !root.is_absolute() {
        return Err(refused(
            "it is a relative path, so it would move with the current directory",
        ));
    }
    let resolved = resolve_existing(root).map_err(|err| refused(&err))?;
    let home = resolve_existing(home).unwrap_or_else(|_| home.to_owned());
    if let Some(reason) = unfit_data_root(root, &home).or_else(|| unfit_data_root(&resolved, &home))
    {
        return Err(refused(reason));
    }
    Ok(resolved)
}

/// `path` with its longest existing ancestor resolved (symlinks, `.` and `..`) and the rest,
/// which does not exist yet, appended: the path it will have once created.
fn resolve_existing(path: &Path) -> Result<PathBuf, String> {
    for existing in path.ancestors() {
        match fs_err::canonicalize(existing) {
            Ok(resolved) => {
                // `existing` is an ancestor of `path`, so the prefix is there to strip.
                let rest = path.strip_prefix(existing).unwrap_or(Path::new(""));
                if rest
                    .components()
                    .any(|part| part == std::path::Component::ParentDir)
                {
                    return Err("it has `..` after a directory that does not exist".to_owned());
                }
                // `join("")` would add a trailing `/`, and the path's text is the Docker
                // sandbox's fingerprint of the data root.
                return Ok(if rest.as_os_str().is_empty() {
                    resolved
                } else {
                    resolved.join(rest)
                });
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err.to_string()),
        }
    }
    Err("none of its directories exists".to_owned())
}

/// Directories of the system, or every user's, that no data root may be: skipper would
/// spread `repos/`, `worktrees/`, `saved/` and `tmp/` among their contents.
const SYSTEM_DIRECTORIES: [&str; 24] = [
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/local",
    "/var",
    "/var/tmp",
    "/Users",
];

/// Why `root` (absolute) must not be a data root, if it must not: the filesystem root, the
/// home directory `home` or a directory holding it, or a system directory.
fn unfit_data_root(root: &Path, home: &Path) -> Option<&'static str> {
    let root = lexically_normal(root);
    if root.parent().is_none() {
        Some("it is the filesystem root")
    } else if root == lexically_normal(home) {
        Some("it is your home directory itself; use a directory of skipper's own in it")
    } else if SYSTEM_DIRECTORIES.iter().any(|dir| root == Path::new(dir)) {
        Some("it is a system directory")
    } else if lexically_normal(home).starts_with(&root) {
        Some("it holds your home directory")
    } else {
        None
    }
}

/// `path` without `.` components and trailing slashes (`..` is left to the filesystem).
fn lexically_normal(path: &Path) -> PathBuf {
    path.components()
        .filter(|part| *part != std::path::Component::CurDir)
        .collect()
}

impl Config {
    /// Reads `path`; a missing file is the default configuration.
    #[allow(
        clippy::disallowed_methods,
        reason = "the message names the file in its own words: `cannot read config file <path>`"
    )]
    pub fn load(path: &Path) -> Result<Self, CliError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(err) => {
                return Err(CliError::failure(format!(
                    "cannot read config file {}: {err}",
                    path.display()
                )));
            }
        };
        toml::from_str(&text).map_err(|err| {
            CliError::failure(format!(
                "invalid config file {}: {}",
                path.display(),
                err.to_string().trim_end()
            ))
            .hint("see the README's configuration section for the keys skipper knows")
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{parse_bytes, parse_seconds, resolve_existing, unfit_data_root};

    #[test]
    fn a_data_root_reads_the_same_before_and_after_it_is_made() {
        // As text: paths compare by components, and `/a/` is `/a` to them.
        let existing = fs_err::canonicalize(std::env::temp_dir()).unwrap();
        let resolved = resolve_existing(&existing).unwrap();
        assert_eq!(resolved.as_os_str(), existing.as_os_str());
        let missing = existing.join("sk-unit-no-such-dir/skipper");
        let resolved = resolve_existing(&missing).unwrap();
        assert_eq!(resolved.as_os_str(), missing.as_os_str());
        assert_eq!(
            resolve_existing(&existing.join("./sk-unit-no-such-dir/../x")).unwrap_err(),
            "it has `..` after a directory that does not exist"
        );
    }

    #[test]
    fn deadlines_are_positive_whole_seconds() {
        assert_eq!(parse_seconds("1"), Some(std::time::Duration::from_secs(1)));
        assert_eq!(
            parse_seconds(" 30 "),
            Some(std::time::Duration::from_secs(30))
        );
        for text in ["0", "-1", "1.5", "soon", ""] {
            assert_eq!(parse_seconds(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_data_root_is_none_of_the_system_s_or_the_user_s_own_directories() {
        let home = Path::new("/home/ana");
        let elsewhere = Path::new("/data/users/ana");
        assert_eq!(
            unfit_data_root(Path::new("/data/users"), elsewhere),
            Some("it holds your home directory")
        );
        for (root, reason) in [
            ("/", "it is the filesystem root"),
            (
                "/home/ana",
                "it is your home directory itself; use a directory of skipper's own in it",
            ),
            (
                "/home/ana/",
                "it is your home directory itself; use a directory of skipper's own in it",
            ),
            (
                "/home/./ana",
                "it is your home directory itself; use a directory of skipper's own in it",
            ),
            ("/home", "it is a system directory"),
            ("/usr", "it is a system directory"),
            ("/etc/", "it is a system directory"),
            ("/tmp", "it is a system directory"),
            ("/var/tmp", "it is a system directory"),
        ] {
            assert_eq!(
                unfit_data_root(Path::new(root), home),
                Some(reason),
                "{root}"
            );
        }
        for root in [
            "/home/ana/.local/share/skipper",
            "/home/ana/sk",
            "/tmp/sk-data",
            "/var/lib/skipper",
            "/srv/skipper",
            "/home/bob",
        ] {
            assert_eq!(unfit_data_root(Path::new(root), home), None, "{root}");
        }
    }

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_bytes("4g"), Some(4 << 30));
        assert_eq!(parse_bytes("512M"), Some(512 << 20));
        assert_eq!(parse_bytes("100kb"), Some(100 << 10));
        assert_eq!(parse_bytes("1000"), Some(1000));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_bytes("0"), None);
    }
}
