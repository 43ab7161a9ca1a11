//! The host's ssh agent in workspaces on a local engine, at a path that does not change:
//! `/run/skipper/ssh-agent.sock` in every container links to a socket in a directory of
//! the data root mounted into it, on which a small relay of `sk`'s own listens. The relay
//! passes each connection on to the agent the host had when `sk` last ran (the file
//! `target` beside the socket, rewritten by every `sk` that talks to the engine), so an
//! agent restarted at another path is found again by the next command, and no key ever
//! leaves the host.
//!
//! The relay is one process per data root, started by the first `sk` that finds none
//! answering (`flock` keeps it one), detached from the terminal; it ends once its socket or
//! its `target` is gone (the data root deleted), looking every 2 seconds.

use std::io;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the relay's directory is mounted in a container.
pub const AGENT_DIR_MOUNT: &str = "/run/skipper/ssh-agent.d";
/// The agent's path in every container (`SSH_AUTH_SOCK`).
pub const AGENT_SOCKET: &str = "/run/skipper/ssh-agent.sock";
/// The relay's socket in its directory.
const RELAY_SOCKET: &str = "agent.sock";
/// The host agent's socket path, as the last `sk` saw it.
const TARGET: &str = "target";
/// Held by the running relay.
const LOCK: &str = "relay.lock";
/// How often the relay looks whether it is still wanted.
const WATCH: Duration = Duration::from_secs(2);

/// The relay's directory under `data_root`.
#[must_use]
pub fn relay_dir(data_root: &Path) -> PathBuf {
    data_root.join("run/ssh-agent")
}

/// Points the relay in `dir` at the host's agent (`host_agent`, the caller's
/// `SSH_AUTH_SOCK`, when it names a socket), and starts it with `relay` (a command line
/// that `dir` is appended to) when none answers. Best effort: without it, workspaces reach
/// no agent, as if the host had none.
pub fn refresh(dir: &Path, host_agent: Option<&Path>, relay: &[String]) {
    if let Err(err) = try_refresh(dir, host_agent, relay) {
        tracing::debug!("ssh agent relay in {}: {err}", dir.display());
    }
}

fn try_refresh(dir: &Path, host_agent: Option<&Path>, relay: &[String]) -> io::Result<()> {
    // Made even without an agent now: a container mounts it, and an agent found later
    // reaches that container through it.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let target = dir.join(TARGET);
    if let Some(agent) = host_agent.filter(|agent| agent.is_absolute() && agent.exists()) {
        let text = agent.to_string_lossy();
        if fs_err::read_to_string(&target).ok().as_deref() != Some(&*text) {
            let part = dir.join(format!("{TARGET}.{}", std::process::id()));
            fs_err::write(&part, text.as_bytes())?;
            fs_err::rename(&part, &target)?;
        }
    }
    if !target.exists() || UnixStream::connect(dir.join(RELAY_SOCKET)).is_ok() {
        return Ok(());
    }
    let Some((program, args)) = relay.split_first() else {
        return Ok(());
    };
    tracing::debug!("starting the ssh agent relay in {}", dir.display());
    // Its own process group: the terminal's Ctrl-C is not for it.
    std::process::Command::new(program)
        .args(args)
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .map(drop)
}

/// Runs the relay in `dir` until its socket or `target` is gone; returns at once when
/// another relay holds the directory.
///
/// # Errors
/// When the directory's lock or socket cannot be made.
pub fn serve(dir: &Path) -> io::Result<()> {
    let lock = fs_err::File::create(dir.join(LOCK))?;
    if rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        return Ok(());
    }
    let socket = dir.join(RELAY_SOCKET);
    match fs_err::remove_file(&socket) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    let listener = UnixListener::bind(&socket)?;
    listener.set_nonblocking(true)?;
    let inode = fs_err::metadata(&socket)?.ino();
    let wanted =
        || fs_err::metadata(&socket).is_ok_and(|m| m.ino() == inode) && dir.join(TARGET).exists();
    let watch = rustix::event::Timespec {
        tv_sec: WATCH.as_secs().try_into().unwrap_or(2),
        tv_nsec: 0,
    };
    loop {
        let mut fds = [rustix::event::PollFd::new(
            &listener,
            rustix::event::PollFlags::IN,
        )];
        // A timeout or an interrupted wait: look whether the relay is still wanted.
        let _ = rustix::event::poll(&mut fds, Some(&watch));
        if !wanted() {
            return Ok(());
        }
        let client = match listener.accept() {
            Ok((client, _)) => client,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            Err(err) => return Err(err),
        };
        client.set_nonblocking(false)?;
        let target = dir.join(TARGET);
        std::thread::spawn(move || {
            let Ok(agent) = fs_err::read_to_string(&target) else {
                return;
            };
            if let Ok(agent) = UnixStream::connect(agent.trim()) {
                relay(client, agent);
            }
        });
    }
}

/// Copies both ways between `client` and `agent` until either ends.
fn relay(client: UnixStream, agent: UnixStream) {
    let (Ok(mut client_in), Ok(mut agent_in)) = (client.try_clone(), agent.try_clone()) else {
        return;
    };
    let (mut client_out, mut agent_out) = (client, agent);
    let upstream = std::thread::spawn(move || {
        let _ = io::copy(&mut client_in, &mut agent_out);
        let _ = agent_out.shutdown(std::net::Shutdown::Write);
    });
    let _ = io::copy(&mut agent_in, &mut client_out);
    let _ = client_out.shutdown(std::net::Shutdown::Write);
    let _ = upstream.join();
}

/// The link (`path` in an archive unpacked at `/`, `target`) that makes [`AGENT_SOCKET`]
/// the relay's socket in [`AGENT_DIR_MOUNT`]: sent with a new container's repository copy.
#[must_use]
pub fn link() -> (String, String) {
    let dir = AGENT_DIR_MOUNT.rsplit('/').next().unwrap_or_default();
    (
        AGENT_SOCKET.trim_start_matches('/').to_owned(),
        format!("{dir}/{RELAY_SOCKET}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stable_path_links_to_the_relays_socket_beside_it() {
        assert_eq!(
            link(),
            (
                "run/skipper/ssh-agent.sock".to_owned(),
                "ssh-agent.d/agent.sock".to_owned()
            )
        );
    }

    #[test]
    fn the_relay_passes_connections_to_the_agent_target_names() {
        let dir = tempfile::tempdir().unwrap();
        let relay = dir.path().join("relay");
        let agent_path = dir.path().join("agent");
        let agent = UnixListener::bind(&agent_path).unwrap();
        std::thread::spawn(move || {
            for stream in agent.incoming().flatten() {
                let mut stream = stream;
                let mut reader = stream.try_clone().unwrap();
                let _ = io::copy(&mut reader, &mut stream);
            }
        });
        // No relay command: the directory and target are made, nothing is started.
        refresh(&relay, Some(&agent_path), &[]);
        assert_eq!(
            fs_err::read_to_string(relay.join(TARGET)).unwrap(),
            agent_path.display().to_string()
        );
        let served = relay.clone();
        let handle = std::thread::spawn(move || serve(&served));
        let socket = relay.join(RELAY_SOCKET);
        let mut client = loop {
            if let Ok(client) = UnixStream::connect(&socket) {
                break client;
            }
            std::thread::yield_now();
        };
        io::Write::write_all(&mut client, b"ping").unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let mut echoed = String::new();
        io::Read::read_to_string(&mut client, &mut echoed).unwrap();
        assert_eq!(echoed, "ping");
        // A second relay finds the directory held and returns.
        serve(&relay).unwrap();
        // Without its target, the first one ends.
        fs_err::remove_file(relay.join(TARGET)).unwrap();
        handle.join().unwrap().unwrap();
    }
}
