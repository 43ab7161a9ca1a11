//! `config.toml`: where it is, what it holds, and errors that name the file, key and line.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use skipper_core::usecases::AgentCommand;

use crate::cli::SandboxArg;
use crate::error::CliError;

/// The configuration file's contents. Unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // `docker` is read once the docker sandbox is wired.
pub struct Config {
    /// The default sandbox when `--sandbox` is not given.
    pub sandbox: Option<SandboxArg>,
    #[serde(default)]
    pub agent: AgentConfig,
    #[serde(default)]
    pub docker: DockerConfig,
}

/// `[agent]`: the coding agent `sk workspace prompt` runs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// An argument vector; `{prompt}` stands for the message.
    pub command: Option<Vec<String>>,
}

impl AgentConfig {
    pub fn agent(&self) -> AgentCommand {
        self.command
            .clone()
            .map_or_else(AgentCommand::default, AgentCommand)
    }
}

/// `[docker]`: the Docker sandbox.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Read once the docker sandbox is wired.
pub struct DockerConfig {
    /// A Dockerfile to build instead of the shipped one.
    pub dockerfile: Option<PathBuf>,
    /// An image to use as it is, never built.
    pub image: Option<String>,
    /// Memory limit per container, in bytes or with a `k`, `m` or `g` suffix.
    pub memory: Option<String>,
    /// CPU limit per container (e.g. 2 or 1.5).
    pub cpus: Option<f64>,
}

/// Where skipper keeps its files.
#[derive(Debug, Clone)]
#[allow(dead_code)] // `home` is read by the docker sandbox wiring.
pub struct Paths {
    pub data_root: PathBuf,
    pub config_file: PathBuf,
    pub home: PathBuf,
}

impl Paths {
    /// `SKIPPER_HOME`, else `$XDG_DATA_HOME/skipper`, else `~/.local/share/skipper`; and
    /// `SKIPPER_CONFIG`, else `$XDG_CONFIG_HOME/skipper/config.toml`, else
    /// `~/.config/skipper/config.toml`.
    pub fn from_env() -> Result<Self, CliError> {
        let home = dirs::home_dir()
            .ok_or_else(|| CliError::failure("cannot tell your home directory").hint("set HOME"))?;
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let data_root = var("SKIPPER_HOME").unwrap_or_else(|| {
            var("XDG_DATA_HOME")
                .unwrap_or_else(|| home.join(".local/share"))
                .join("skipper")
        });
        let config_file = var("SKIPPER_CONFIG").unwrap_or_else(|| {
            var("XDG_CONFIG_HOME")
                .unwrap_or_else(|| home.join(".config"))
                .join("skipper/config.toml")
        });
        Ok(Self {
            data_root,
            config_file,
            home,
        })
    }
}

impl Config {
    /// Reads `path`; a missing file is the default configuration.
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
