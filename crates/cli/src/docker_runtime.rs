//! How Docker workspace containers run: the OCI runtime (`docker.runtime`, `create
//! --runtime`; `runsc` for gVisor) and the resource limits of every container
//! (`[docker.ulimits]`), read from the configuration; and the advice for the daemon's
//! refusals of a runtime.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use skipper_backend_docker::DockerError;
use skipper_backend_docker::ulimits::{FORM, Ulimit};

use crate::error::CliError;

/// A value of `[docker.ulimits]`: `"SOFT:HARD"`, or one number (as text or as a TOML
/// integer) for both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UlimitValue(String);

impl<'de> Deserialize<'de> for UlimitValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = UlimitValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a resource limit, {FORM}")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<UlimitValue, E> {
                Ok(UlimitValue(text.to_owned()))
            }
            fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<UlimitValue, E> {
                Ok(UlimitValue(number.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<UlimitValue, E> {
                Ok(UlimitValue(number.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The limits of `[docker.ulimits]` in the config file `file`.
///
/// # Errors
/// A failure naming the file, the key (`docker.ulimits.NAME`) and the form expected.
pub fn ulimits(
    table: &BTreeMap<String, UlimitValue>,
    file: &Path,
) -> Result<Vec<Ulimit>, CliError> {
    table
        .iter()
        .map(|(name, UlimitValue(text))| {
            Ulimit::parse(name, text).map_err(|err| {
                CliError::failure(format!(
                    "invalid config file {}: docker.ulimits.{name}: {err}",
                    file.display()
                ))
                .hint(
                    "write each limit as `docker run --ulimit` takes it: nofile = \"1024:20000\" (soft:hard), or nofile = 4096 (both)",
                )
            })
        })
        .collect()
}

/// Why `name` cannot name a runtime, if it cannot: the daemon's runtimes are names
/// without spaces or control characters.
fn unfit_runtime(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("it is empty")
    } else if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        Some("a runtime's name has no spaces, control characters or `/`")
    } else {
        None
    }
}

/// `docker.runtime` of the config file `file`, checked.
///
/// # Errors
/// A failure naming the file and the key.
pub fn configured_runtime(name: &str, file: &Path) -> Result<String, CliError> {
    match unfit_runtime(name) {
        None => Ok(name.to_owned()),
        Some(reason) => Err(CliError::failure(format!(
            "invalid config file {}: docker.runtime `{}`: {reason}",
            file.display(),
            crate::printer::untrusted(name)
        ))
        .hint("name a runtime the Docker daemon lists (`docker info` shows them), e.g. \"runsc\"")),
    }
}

/// `--runtime NAME`, checked.
///
/// # Errors
/// A usage error.
pub fn runtime_argument(name: &str) -> Result<String, CliError> {
    match unfit_runtime(name) {
        None => Ok(name.to_owned()),
        Some(reason) => Err(CliError::usage(format!(
            "invalid --runtime `{}`: {reason}",
            crate::printer::untrusted(name)
        ))
        .hint("name a runtime the Docker daemon lists (`docker info` shows them), e.g. runsc")),
    }
}

/// The refusal of `--runtime` when the workspace goes to the worktree sandbox.
pub fn runtime_needs_docker(name: &str) -> CliError {
    CliError::usage(format!(
        "--runtime {} is a Docker sandbox setting: a worktree workspace runs on the host, under no container runtime",
        crate::printer::untrusted(name)
    ))
    .hint("make a Docker workspace: `sk --sandbox docker workspace create ... --runtime NAME`")
}

/// What to say when `create --runtime asked` found the workspace made already under
/// `made_under` (`None`: the daemon's default): nothing when they agree.
pub fn runtime_kept(asked: Option<&str>, made_under: Option<&str>) -> Option<String> {
    let asked = asked?;
    if made_under == Some(asked) {
        return None;
    }
    let under = made_under.map_or_else(
        || "the daemon's default runtime".to_owned(),
        |runtime| format!("the runtime \"{}\"", crate::printer::untrusted(runtime)),
    );
    Some(format!(
        "the workspace runs under {under}, not --runtime {}: a workspace's runtime is fixed when it is made (remove it and create it again to change it)",
        crate::printer::untrusted(asked)
    ))
}

/// The advice for a Docker error about a runtime found among `err`'s causes, if any.
pub fn hints(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(inner) = cause {
        if let Some(docker) = inner.downcast_ref::<DockerError>() {
            return match docker {
                DockerError::RuntimeMissing { runtime, .. } => vec![
                    format!(
                        "configure it in the daemon's daemon.json `runtimes` (e.g. {{\"runtimes\": {{\"{runtime}\": {{\"path\": \"/usr/bin/{runtime}\"}}}}}}), then restart that daemon"
                    ),
                    "or choose one it has: `--runtime NAME`, or docker.runtime in config.toml (unset: the daemon's default)".to_owned(),
                ],
                DockerError::RuntimeStart { runtime, .. } => vec![
                    format!(
                        "the message is the runtime's own: check the daemon's `runtimes` entry for \"{runtime}\" (its path and runtimeArgs in daemon.json)"
                    ),
                    "or make the workspace under another runtime: `--runtime NAME`, or docker.runtime in config.toml (unset: the daemon's default)".to_owned(),
                ],
                _ => Vec::new(),
            };
        }
        cause = inner.source();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Table {
        ulimits: BTreeMap<String, UlimitValue>,
    }

    fn parse(text: &str) -> Result<Vec<Ulimit>, CliError> {
        let table: Table = toml::from_str(text).unwrap();
        ulimits(&table.ulimits, Path::new("/c/config.toml"))
    }

    #[test]
    fn ulimits_are_text_or_a_number() {
        let limits = parse("[ulimits]\nnofile = \"1024:20000\"\nnproc = 4096\n").unwrap();
        assert_eq!(
            limits,
            [
                Ulimit::parse("nofile", "1024:20000").unwrap(),
                Ulimit::parse("nproc", "4096").unwrap(),
            ]
        );
        assert!(parse("[ulimits]\n").unwrap().is_empty());
    }

    #[test]
    fn a_bad_ulimit_names_the_key_and_the_form() {
        let err = parse("[ulimits]\nnofile = \"1024-20000\"\n").unwrap_err();
        assert_eq!(
            err.message,
            "invalid config file /c/config.toml: docker.ulimits.nofile: `1024-20000` is not a limit: write \"SOFT:HARD\" or a single number for both, e.g. \"1024:20000\""
        );
        assert_eq!(err.status, crate::error::ExitStatus::Failure);
        let err = parse("[ulimits]\nfiles = 10\n").unwrap_err();
        assert!(
            err.message
                .starts_with("invalid config file /c/config.toml: docker.ulimits.files: `files` is not a resource limit (known: core, cpu,"),
            "{}",
            err.message
        );
        let wrong_type = toml::from_str::<Table>("[ulimits]\nnofile = true\n").unwrap_err();
        assert!(
            wrong_type
                .to_string()
                .contains("expected a resource limit, \"SOFT:HARD\" or a single number for both"),
            "{wrong_type}"
        );
    }

    #[test]
    fn a_runtime_asked_of_an_existing_workspace_is_said_to_be_kept_only_when_it_differs() {
        assert_eq!(runtime_kept(None, Some("runsc")), None);
        assert_eq!(runtime_kept(Some("runsc"), Some("runsc")), None);
        assert_eq!(
            runtime_kept(Some("runsc"), None).unwrap(),
            "the workspace runs under the daemon's default runtime, not --runtime runsc: a workspace's runtime is fixed when it is made (remove it and create it again to change it)"
        );
        assert!(
            runtime_kept(Some("runc"), Some("runsc"))
                .unwrap()
                .starts_with("the workspace runs under the runtime \"runsc\", not --runtime runc")
        );
    }

    #[test]
    fn a_runtime_is_a_plain_name() {
        assert_eq!(runtime_argument("runsc").unwrap(), "runsc");
        assert_eq!(
            runtime_argument("io.containerd.runc.v2").unwrap(),
            "io.containerd.runc.v2"
        );
        for bad in ["", "run sc", "a/b", "x\n"] {
            assert_eq!(
                runtime_argument(bad).unwrap_err().status,
                crate::error::ExitStatus::Usage,
                "{bad:?}"
            );
        }
        let err = configured_runtime("", Path::new("/c/config.toml")).unwrap_err();
        assert_eq!(
            err.message,
            "invalid config file /c/config.toml: docker.runtime ``: it is empty"
        );
    }
}
