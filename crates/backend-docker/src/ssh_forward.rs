//! An engine reached over ssh, as the docker CLI reaches one: each connection is an `ssh`
//! process running `docker system dial-stdio` on the engine's machine, whose stdio is the
//! API's stream. The client connects to a Unix socket of this process's own (in a private
//! directory), and each connection to it is piped to a new such `ssh`; the user's ssh
//! configuration, agent and keys apply as they do for `ssh` itself.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::AsyncReadExt as _;
use tokio::net::UnixListener;
use tokio::process::Command;

use crate::error::DockerError;

/// Where an `ssh://[user@]host[:port]` address leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// The user to log in as, when the address names one.
    pub user: Option<String>,
    /// The host.
    pub host: String,
    /// The port, when the address names one.
    pub port: Option<u16>,
}

impl SshTarget {
    /// Reads `ssh://[user@]host[:port]` (a trailing `/` allowed).
    ///
    /// # Errors
    /// [`DockerError::Endpoint`] for anything else.
    pub fn parse(url: &str) -> Result<Self, DockerError> {
        let bad = |why: &str| DockerError::Endpoint {
            reason: format!(
                "`{url}` is not an ssh address of the form ssh://[user@]host[:port]: {why}"
            ),
        };
        let rest = url.strip_prefix("ssh://").ok_or_else(|| bad("no ssh://"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') {
            return Err(bad("a path is not supported"));
        }
        let (user, host_port) = match rest.rsplit_once('@') {
            Some((user, rest)) if !user.is_empty() => (Some(user.to_owned()), rest),
            Some(_) => return Err(bad("an empty user")),
            None => (None, rest),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) => (
                host,
                Some(
                    port.parse::<u16>()
                        .map_err(|_| bad("the port is not a number"))?,
                ),
            ),
            None => (host_port, None),
        };
        if host.is_empty() || host.starts_with('-') {
            return Err(bad("no host"));
        }
        Ok(Self {
            user,
            host: host.to_owned(),
            port,
        })
    }

    /// The `ssh` arguments running `docker system dial-stdio` there.
    #[must_use]
    pub fn ssh_args(&self) -> Vec<String> {
        let mut args = vec!["-o".to_owned(), "BatchMode=yes".to_owned(), "-T".to_owned()];
        if let Some(user) = &self.user {
            args.extend(["-l".to_owned(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_owned(), port.to_string()]);
        }
        args.extend(
            ["--", &self.host, "docker", "system", "dial-stdio"]
                .iter()
                .map(|arg| (*arg).to_owned()),
        );
        args
    }
}

/// A running forwarder: its socket, and what `ssh` last said on stderr. Stops accepting,
/// and deletes its directory, when dropped.
#[derive(Debug)]
pub struct SshForward {
    dir: PathBuf,
    socket: PathBuf,
    said: Arc<Mutex<String>>,
    accepting: tokio::task::JoinHandle<()>,
}

impl SshForward {
    /// Starts forwarding a socket of its own to `target`. Must run inside the tokio
    /// runtime that is to serve the connections.
    ///
    /// # Errors
    /// [`DockerError::Io`] when the socket cannot be made.
    pub fn start(target: &SshTarget) -> Result<Self, DockerError> {
        let dir = private_dir()?;
        let socket = dir.join("engine.sock");
        let listener = UnixListener::bind(&socket).map_err(|source| DockerError::Io {
            path: socket.clone(),
            source,
        })?;
        let said = Arc::new(Mutex::new(String::new()));
        let args = target.ssh_args();
        let heard = Arc::clone(&said);
        let accepting = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let args = args.clone();
                let heard = Arc::clone(&heard);
                tokio::spawn(async move { pipe(stream, &args, &heard).await });
            }
        });
        tracing::debug!(
            "ssh: forwarding {} to ssh {}",
            socket.display(),
            target.ssh_args().join(" ")
        );
        Ok(Self {
            dir,
            socket,
            said,
            accepting,
        })
    }

    /// The address the client connects to.
    #[must_use]
    pub fn unix_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// What `ssh` last wrote on stderr (why it failed), trimmed; empty when nothing.
    #[must_use]
    pub fn last_words(&self) -> String {
        self.said
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .trim()
            .to_owned()
    }
}

impl Drop for SshForward {
    fn drop(&mut self) {
        self.accepting.abort();
        let _ = fs_err::remove_dir_all(&self.dir);
    }
}

/// A directory only this user can enter, for the socket.
fn private_dir() -> Result<PathBuf, DockerError> {
    use std::os::unix::fs::DirBuilderExt as _;
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let dir = base.join(format!("sk-ssh-{}-{nanos:x}", std::process::id()));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|source| DockerError::Io {
            path: dir.clone(),
            source,
        })?;
    Ok(dir)
}

/// Pipes one client connection through a new `ssh`, keeping what it says on stderr.
async fn pipe(mut stream: tokio::net::UnixStream, args: &[String], said: &Mutex<String>) {
    let child = Command::new("ssh")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) => {
            *said.lock().unwrap_or_else(PoisonError::into_inner) = format!("cannot run ssh: {err}");
            return;
        }
    };
    let (Some(stdin), Some(stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return;
    };
    let mut remote = tokio::io::join(stdout, stdin);
    let errors = async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    };
    let (_, text) = tokio::join!(
        tokio::io::copy_bidirectional(&mut stream, &mut remote),
        errors
    );
    if !text.trim().is_empty() {
        tracing::debug!("ssh: {}", text.trim());
        *said.lock().unwrap_or_else(PoisonError::into_inner) = text;
    }
    let _ = child.wait().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_addresses_are_read_as_the_docker_cli_reads_them() {
        let target = SshTarget::parse("ssh://root@127.0.0.1:2222").unwrap();
        assert_eq!(
            target,
            SshTarget {
                user: Some("root".into()),
                host: "127.0.0.1".into(),
                port: Some(2222),
            }
        );
        assert_eq!(
            target.ssh_args(),
            [
                "-o",
                "BatchMode=yes",
                "-T",
                "-l",
                "root",
                "-p",
                "2222",
                "--",
                "127.0.0.1",
                "docker",
                "system",
                "dial-stdio"
            ]
        );
        let plain = SshTarget::parse("ssh://build-box/").unwrap();
        assert_eq!((plain.user, plain.port), (None, None));
        for bad in [
            "ssh://",
            "ssh://@host",
            "ssh://host:port",
            "ssh://host/path",
            "ssh://-oProxyCommand=x",
        ] {
            assert!(SshTarget::parse(bad).is_err(), "{bad}");
        }
    }
}
