//! Which Docker engine `sk` talks to, found as the docker CLI finds it: `DOCKER_HOST`, then
//! `DOCKER_CONTEXT`, then `docker.host` and `docker.context` of the user's config, then the
//! current context of the docker CLI's `config.json`, then the default socket. A context's
//! endpoint and TLS files come from the CLI's context store.

use std::path::{Path, PathBuf};

use crate::error::DockerError;

/// The socket when nothing names an engine.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// The name of the context that stands for `DOCKER_HOST` or the default socket.
const DEFAULT_CONTEXT: &str = "default";

/// An engine's address and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix://...`, `tcp://...`, `https://...` or `ssh://user@host[:port]`.
    pub host: String,
    /// The client certificate, its key and the CA that signs the engine's certificate, for
    /// TLS.
    pub tls: Option<TlsFiles>,
    /// Why this endpoint, for `-v` (`DOCKER_HOST`, a context and what chose it...).
    pub why: String,
}

/// The files of a TLS connection, as the docker CLI keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The CA's certificate (`ca.pem`).
    pub ca: PathBuf,
    /// The client's certificate (`cert.pem`).
    pub cert: PathBuf,
    /// The client's key (`key.pem`).
    pub key: PathBuf,
}

impl TlsFiles {
    fn in_dir(dir: &Path) -> Self {
        Self {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }
}

impl Endpoint {
    /// Whether the engine runs on this machine, sharing its filesystem: reached through a
    /// Unix socket. Any other engine is remote: the host's paths mean nothing to it.
    #[must_use]
    pub fn is_local(&self) -> bool {
        self.host.starts_with("unix://")
    }
}

/// What the user's config says of the engine (`docker.host`, `docker.context`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineChoice {
    /// `docker.host`: an address, as `DOCKER_HOST` takes it.
    pub host: Option<String>,
    /// `docker.context`: a docker CLI context's name.
    pub context: Option<String>,
}

/// Where the docker CLI keeps its configuration: `$DOCKER_CONFIG`, else `~/.docker`.
#[must_use]
pub fn docker_config_dir(env: &dyn Fn(&str) -> Option<String>, home: &Path) -> PathBuf {
    env("DOCKER_CONFIG").map_or_else(|| home.join(".docker"), PathBuf::from)
}

/// The endpoint `choice` and the environment (`env`) name, the docker CLI's configuration
/// being in `config_dir`.
///
/// # Errors
/// [`DockerError::Endpoint`] for a context that does not exist or cannot be read, or a
/// `config.json` that cannot be read.
pub fn resolve(
    choice: &EngineChoice,
    env: &dyn Fn(&str) -> Option<String>,
    config_dir: &Path,
) -> Result<Endpoint, DockerError> {
    let env = |name: &str| env(name).filter(|value| !value.is_empty());
    // `DOCKER_TLS_VERIFY` turns TLS on for an address given as it is, with the files in
    // `DOCKER_CERT_PATH` (else the CLI's directory).
    let tls_of_env = || {
        env("DOCKER_TLS_VERIFY").map(|_| {
            TlsFiles::in_dir(
                &env("DOCKER_CERT_PATH").map_or_else(|| config_dir.to_owned(), PathBuf::from),
            )
        })
    };
    let given = |host: String, why: String| Endpoint {
        tls: (!host.starts_with("unix://") && !host.starts_with("ssh://"))
            .then(tls_of_env)
            .flatten(),
        host,
        why,
    };
    if let Some(host) = env("DOCKER_HOST") {
        return Ok(given(host, "DOCKER_HOST".to_owned()));
    }
    if let Some(name) = env("DOCKER_CONTEXT") {
        return context(&name, config_dir, "DOCKER_CONTEXT");
    }
    if let Some(host) = &choice.host {
        return Ok(given(
            host.clone(),
            "docker.host in the config file".to_owned(),
        ));
    }
    if let Some(name) = &choice.context {
        return context(name, config_dir, "docker.context in the config file");
    }
    if let Some(name) = current_context(config_dir)? {
        return context(
            &name,
            config_dir,
            &format!(
                "the current context of {}",
                config_dir.join("config.json").display()
            ),
        );
    }
    Ok(default_endpoint("the default socket"))
}

fn default_endpoint(why: &str) -> Endpoint {
    Endpoint {
        host: DEFAULT_HOST.to_owned(),
        tls: None,
        why: why.to_owned(),
    }
}

/// The `currentContext` of the CLI's `config.json`, when it names one.
fn current_context(config_dir: &Path) -> Result<Option<String>, DockerError> {
    let path = config_dir.join("config.json");
    let text = match fs_err::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(endpoint_error(err.to_string())),
    };
    let config: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| endpoint_error(format!("{} is not JSON: {err}", path.display())))?;
    Ok(config
        .get("currentContext")
        .and_then(serde_json::Value::as_str)
        .filter(|name| !name.is_empty())
        .map(str::to_owned))
}

/// The endpoint of context `name` in the CLI's context store (`contexts/meta/<sha256 of
/// the name>/meta.json`, TLS files in `contexts/tls/<sha256>/docker/`).
fn context(name: &str, config_dir: &Path, chosen_by: &str) -> Result<Endpoint, DockerError> {
    let why = format!("context `{name}` ({chosen_by})");
    if name == DEFAULT_CONTEXT {
        return Ok(default_endpoint(&why));
    }
    let id = skipper_core::short_hash(name, 64);
    let meta = config_dir.join("contexts/meta").join(&id).join("meta.json");
    let text = fs_err::read_to_string(&meta).map_err(|err| {
        if err.kind() == std::io::ErrorKind::NotFound {
            endpoint_error(format!(
                "there is no docker context `{name}` (chosen by {chosen_by}; `docker context ls` lists them)"
            ))
        } else {
            endpoint_error(err.to_string())
        }
    })?;
    let meta_json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| endpoint_error(format!("{} is not JSON: {err}", meta.display())))?;
    let docker = &meta_json["Endpoints"]["docker"];
    let host = docker["Host"]
        .as_str()
        .filter(|host| !host.is_empty())
        .ok_or_else(|| {
            endpoint_error(format!(
                "docker context `{name}` has no Docker endpoint ({} has no Endpoints.docker.Host)",
                meta.display()
            ))
        })?;
    let tls_dir = config_dir.join("contexts/tls").join(&id).join("docker");
    let tls = tls_dir
        .join("ca.pem")
        .exists()
        .then(|| TlsFiles::in_dir(&tls_dir));
    Ok(Endpoint {
        host: host.to_owned(),
        tls,
        why,
    })
}

fn endpoint_error(reason: String) -> DockerError {
    DockerError::Endpoint { reason }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn write_context(dir: &Path, name: &str, host: &str, tls: bool) {
        let id = skipper_core::short_hash(name, 64);
        let meta = dir.join("contexts/meta").join(&id);
        fs_err::create_dir_all(&meta).unwrap();
        fs_err::write(
            meta.join("meta.json"),
            format!(
                r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
            ),
        )
        .unwrap();
        if tls {
            let tls = dir.join("contexts/tls").join(&id).join("docker");
            fs_err::create_dir_all(&tls).unwrap();
            fs_err::write(tls.join("ca.pem"), "ca").unwrap();
        }
    }

    #[test]
    fn docker_host_comes_first_and_takes_tls_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        write_context(dir.path(), "remote", "ssh://me@box", false);
        let env = env_of(&[
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/certs"),
            ("DOCKER_CONTEXT", "remote"),
        ]);
        let endpoint = resolve(&EngineChoice::default(), &env, dir.path()).unwrap();
        assert_eq!(endpoint.host, "tcp://127.0.0.1:2376");
        assert_eq!(endpoint.why, "DOCKER_HOST");
        assert_eq!(endpoint.tls, Some(TlsFiles::in_dir(Path::new("/certs"))));
        assert!(!endpoint.is_local());
        // Without DOCKER_TLS_VERIFY: plain TCP; a unix socket never has TLS.
        let env = env_of(&[("DOCKER_HOST", "tcp://127.0.0.1:2375")]);
        assert_eq!(
            resolve(&EngineChoice::default(), &env, dir.path())
                .unwrap()
                .tls,
            None
        );
        let env = env_of(&[
            ("DOCKER_HOST", "unix:///x.sock"),
            ("DOCKER_TLS_VERIFY", "1"),
        ]);
        let local = resolve(&EngineChoice::default(), &env, dir.path()).unwrap();
        assert!(local.is_local() && local.tls.is_none());
    }

    #[test]
    fn then_the_context_of_the_environment_then_the_config_then_the_clis_current_one() {
        let dir = tempfile::tempdir().unwrap();
        write_context(dir.path(), "remote", "tcp://10.0.0.9:2376", true);
        write_context(dir.path(), "ssh-box", "ssh://me@box:2222", false);
        let choice = EngineChoice {
            host: None,
            context: Some("ssh-box".into()),
        };
        let env = env_of(&[("DOCKER_CONTEXT", "remote")]);
        let endpoint = resolve(&choice, &env, dir.path()).unwrap();
        assert_eq!(endpoint.host, "tcp://10.0.0.9:2376");
        let tls = endpoint.tls.unwrap();
        assert!(tls.ca.ends_with("docker/ca.pem"), "{tls:?}");
        assert_eq!(endpoint.why, "context `remote` (DOCKER_CONTEXT)");

        let none = env_of(&[]);
        let endpoint = resolve(&choice, &none, dir.path()).unwrap();
        assert_eq!(
            (endpoint.host.as_str(), endpoint.tls),
            ("ssh://me@box:2222", None)
        );
        let host = EngineChoice {
            host: Some("tcp://127.0.0.1:1".into()),
            context: Some("ssh-box".into()),
        };
        assert_eq!(
            resolve(&host, &none, dir.path()).unwrap().host,
            "tcp://127.0.0.1:1"
        );

        fs_err::write(
            dir.path().join("config.json"),
            r#"{"currentContext": "remote"}"#,
        )
        .unwrap();
        let endpoint = resolve(&EngineChoice::default(), &none, dir.path()).unwrap();
        assert_eq!(endpoint.host, "tcp://10.0.0.9:2376");
        assert!(
            endpoint
                .why
                .starts_with("context `remote` (the current context of")
        );
    }

    #[test]
    fn the_default_socket_when_nothing_names_one_and_an_unknown_context_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let none = env_of(&[]);
        let endpoint = resolve(&EngineChoice::default(), &none, dir.path()).unwrap();
        assert_eq!(endpoint.host, DEFAULT_HOST);
        assert!(endpoint.is_local());
        let default = env_of(&[("DOCKER_CONTEXT", "default")]);
        assert_eq!(
            resolve(&EngineChoice::default(), &default, dir.path())
                .unwrap()
                .host,
            DEFAULT_HOST
        );
        let missing = env_of(&[("DOCKER_CONTEXT", "nope")]);
        let err = resolve(&EngineChoice::default(), &missing, dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("there is no docker context `nope`"),
            "{err}"
        );
    }
}
