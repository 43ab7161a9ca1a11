//! Processes started in a workspace container without `docker exec`: PID 1 of a container is
//! `spawner.sh`, which reads requests from a FIFO in the container's exec directory, a host
//! directory (`<data root>/run/containers/<name>/`) mounted read-write at
//! [`spec::EXEC_MOUNT`], and starts each with fork and exec (a few milliseconds, where the
//! daemon's exec start alone takes 70-90 ms on a small machine).
//!
//! One request: `sk` makes `<id>/` there holding the `run` script (working directory,
//! environment, argument vector: what the exec would have been given) and the FIFOs
//! `status`, `out`, `err` and `in`; opens the reading ends, writes `<id>\n` to `requests`,
//! and waits for the spawner to open `in`, which proves the request was taken (or fails
//! after [`PICKUP_DEADLINE`], never running it twice). Output is relayed as the exec's is;
//! the exit status comes back on `status`; signals go as `signal <id> <SIG>` requests.
//!
//! A request with a terminal (`sk attach`, a command on the user's terminal) is one whose
//! `run` starts `terminal.sh`, which makes a pseudo-terminal inside with util-linux
//! script(1) (see [`start_terminal`]): the spawner itself knows nothing of terminals, so
//! every container with a spawner can have one.
//!
//! Whenever the spawner cannot be used (no exec directory: a container made before; nobody
//! reading `requests`: PID 1 is not the spawner, or the container is stopped;
//! `SKIPPER_DOCKER_EXEC=api`; a daemon elsewhere; an environment `sh` cannot express; for a
//! terminal, an image without util-linux script(1)) the caller uses the daemon's exec, and
//! `-v` says why.
//!
//! The container can write into its exec directory, so the host never follows a link there,
//! opens only FIFOs it checks are FIFOs, and reads the status strictly (see [`fifo`]).

mod fifo;
mod relay;
mod request;
mod secrets;
mod terminal;

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags};
use rustix::fs::{AtFlags, Gid, Mode, Uid};
use skipper_git::Layout;

use crate::ExecPath;
use crate::secret_env::SecretEnv;
use crate::spec;

pub(crate) use relay::{Relay, Stdin};
pub(crate) use request::TerminalSize;
pub(crate) use terminal::{Terminal, TerminalControl, start_terminal};

/// How long the spawner gets to take a request before the command is reported as not
/// started.
const PICKUP_DEADLINE: Duration = Duration::from_secs(10);
/// The pause between two looks at whether the spawner took a request.
const PICKUP_POLL: Duration = Duration::from_millis(1);
/// How long a container just started gets for its spawner to read requests.
const SPAWNER_START_DEADLINE: Duration = Duration::from_secs(2);
/// Why a container's spawner cannot be asked when it does not read its requests.
const NO_READER: &str = "nobody reads its requests (PID 1 is not the spawner, or it is stopped)";

/// Why a command did not go through the spawner.
#[derive(Debug)]
pub(crate) enum NotSpawned {
    /// Nothing was asked of the spawner: the daemon's exec is to be used, for this reason.
    Unavailable(String),
    /// The request was sent and went wrong: the command may or may not have run.
    Failed(String),
}

/// The exec directories of one data root's containers.
#[derive(Debug, Clone)]
pub(crate) struct Spawners {
    layout: Layout,
    /// Why no command goes through a spawner, when none does.
    disabled: Option<&'static str>,
    /// Whether the daemon runs on this machine, so that a host directory can be mounted.
    local: bool,
}

/// Whether the daemon at `endpoint` sees this machine's files: a Unix socket.
fn is_local(endpoint: &str) -> bool {
    endpoint.starts_with("unix://")
}

impl Spawners {
    /// The exec directories under `data_root`, used as `exec` says for the daemon at
    /// `endpoint`.
    pub(crate) fn new(data_root: &Path, exec: ExecPath, endpoint: &str) -> Self {
        let local = is_local(endpoint);
        let disabled = match exec {
            ExecPath::Api => Some("SKIPPER_DOCKER_EXEC=api"),
            ExecPath::Spawner if !local => Some("the daemon is not on this machine"),
            ExecPath::Spawner => None,
        };
        Self {
            layout: Layout::new(data_root.to_owned()),
            disabled,
            local,
        }
    }

    /// Makes container `name`'s exec directory (mode 0700) before the container is made,
    /// and returns it for the mount; `None` when the daemon is elsewhere or the directory
    /// cannot be made (the container then runs without a spawner). One already there is
    /// kept as it is: it may be mounted in a container of that name that another `sk` made
    /// meanwhile, and what a removed container left there is harmless (its spawner's
    /// `requests` FIFO is used again; request directories are never reused).
    pub(crate) fn prepare(&self, name: &str) -> Option<PathBuf> {
        if !self.local {
            return None;
        }
        let dir = self.layout.container_exec_dir(name);
        let made = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .and_then(|()| fs_err::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)));
        match made {
            Ok(()) => Some(dir),
            Err(err) => {
                tracing::debug!("making {}: {err}; no spawner for {name}", dir.display());
                None
            }
        }
    }

    /// Gives container `name`'s exec directory to the container's user (`uid`, `gid`), so
    /// that its spawner can use it. Only root can, and only root needs to: any other `sk`
    /// builds images whose user is its own. Best effort: without it, commands use the
    /// daemon's exec.
    pub(crate) fn hand_over(&self, name: &str, uid: u32, gid: u32) {
        if !rustix::process::geteuid().is_root() || uid == 0 {
            return;
        }
        let dir = self.layout.container_exec_dir(name);
        if let Err(err) = std::os::unix::fs::lchown(&dir, Some(uid), Some(gid)) {
            tracing::debug!("giving {} to {uid}:{gid}: {err}", dir.display());
        }
    }

    /// Whether container `name`'s exec directory belongs to `uid` (or `uid` is root's), so
    /// that a process of that user, the container's PID 1, can be its spawner.
    pub(crate) fn exec_dir_writable_by(&self, name: &str, uid: u64) -> bool {
        use std::os::unix::fs::MetadataExt;
        uid == 0
            || fs_err::metadata(self.layout.container_exec_dir(name))
                .is_ok_and(|meta| u64::from(meta.uid()) == uid)
    }

    /// Removes container `name`'s exec directory: it is removed.
    pub(crate) fn forget(&self, name: &str) {
        let dir = self.layout.container_exec_dir(name);
        match fs_err::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => tracing::debug!("{err}"),
        }
    }

    /// Waits until container `name`'s spawner reads its requests, for a container just
    /// started: its PID 1 opens `requests` a few milliseconds after the start, and a
    /// command asked before that would go through the daemon's exec. Gives up (the caller
    /// goes on; commands then use the daemon's exec) after [`SPAWNER_START_DEADLINE`], or
    /// at once when the spawner is not used or the container has no exec directory. A
    /// container just made has no `requests` FIFO until its spawner makes it: `fresh` waits
    /// for that too, unless its PID 1 said it cannot be the spawner (`unserved`).
    pub(crate) async fn await_reader(&self, name: &str, fresh: bool) {
        let deadline = tokio::time::Instant::now() + SPAWNER_START_DEADLINE;
        loop {
            let waiting = match self.connect(name) {
                Ok(_) => return,
                Err(reason) => {
                    reason == NO_READER
                        || (fresh && self.missing(name, "requests") && !self.has(name, "unserved"))
                }
            };
            if !waiting || tokio::time::Instant::now() >= deadline {
                tracing::debug!("{name}: its spawner does not read requests after its start");
                return;
            }
            tokio::time::sleep(PICKUP_POLL).await;
        }
    }

    /// Whether container `name`'s exec directory is there without `entry` (the `requests`
    /// FIFO, which the spawner makes when it starts). Nothing there is followed if a link.
    fn missing(&self, name: &str, entry: &str) -> bool {
        let dir = self.layout.container_exec_dir(name);
        dir.is_dir()
            && matches!(
                fs_err::symlink_metadata(dir.join(entry)),
                Err(err) if err.kind() == io::ErrorKind::NotFound
            )
    }

    /// Whether container `name`'s exec directory holds `entry`, whatever it is.
    fn has(&self, name: &str, entry: &str) -> bool {
        fs_err::symlink_metadata(self.layout.container_exec_dir(name).join(entry)).is_ok()
    }

    fn connect(&self, name: &str) -> Result<Channel, String> {
        if let Some(reason) = self.disabled {
            return Err(reason.to_owned());
        }
        let path = self.layout.container_exec_dir(name);
        let dir = fifo::open_dir(&path)
            .map_err(|err| format!("no exec directory {} ({err})", path.display()))?;
        let requests = fifo::open_fifo(&dir, "requests", fifo::End::Write).map_err(|err| {
            if fifo::is_no_reader(&err) {
                NO_READER.to_owned()
            } else {
                format!("its requests FIFO cannot be opened ({err})")
            }
        })?;
        let stat = rustix::fs::fstat(&dir).map_err(|err| err.to_string())?;
        let (uid, gid) = (Uid::from_raw(stat.st_uid), Gid::from_raw(stat.st_gid));
        let owner = if uid == rustix::process::geteuid() {
            None
        } else if rustix::process::geteuid().is_root() {
            Some((uid, gid))
        } else {
            return Err("its exec directory belongs to another user".to_owned());
        };
        Ok(Channel {
            path,
            dir,
            requests,
            owner,
        })
    }
}

/// An open way to one container's spawner.
#[derive(Debug)]
struct Channel {
    /// The exec directory on the host.
    path: PathBuf,
    dir: OwnedFd,
    /// The writing end of `requests`.
    requests: OwnedFd,
    /// Whom what `sk` makes there is to belong to, when not to `sk`'s user.
    owner: Option<(Uid, Gid)>,
}

impl Channel {
    /// Sends one request line (shorter than `PIPE_BUF`, so written whole or not at all).
    fn send(&self, line: &str) -> io::Result<()> {
        let written = rustix::io::write(&self.requests, line.as_bytes())?;
        if written == line.len() {
            Ok(())
        } else {
            Err(io::Error::other("the request was cut short"))
        }
    }

    /// Whether nobody reads `requests` any more: the spawner died.
    fn spawner_gone(&self) -> bool {
        let mut fds = [PollFd::new(&self.requests, PollFlags::OUT)];
        let zero = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        rustix::event::poll(&mut fds, Some(&zero)).is_ok()
            && fds[0].revents().contains(PollFlags::ERR)
    }

    /// Asks the spawner to send `sig` to request `id`'s process group. Best effort: the
    /// command may have ended.
    fn signal(&self, id: &str, sig: &str) {
        if let Err(err) = self.send(&format!("signal {id} {sig}\n")) {
            tracing::debug!("signalling {sig} to {id}: {err}");
        }
    }

    /// Gives `name` in the request directory `dir` to the container's user, when `sk`'s is
    /// another.
    fn hand_over(&self, dir: impl AsFd, name: &str) -> io::Result<()> {
        if let Some((uid, gid)) = self.owner {
            rustix::fs::chownat(dir, name, Some(uid), Some(gid), AtFlags::SYMLINK_NOFOLLOW)?;
        }
        Ok(())
    }
}

/// A request's directory on the host, removed (never through a link) when dropped.
#[derive(Debug)]
struct RequestDir(PathBuf);

impl Drop for RequestDir {
    fn drop(&mut self) {
        if let Err(err) = fs_err::remove_dir_all(&self.0)
            && err.kind() != io::ErrorKind::NotFound
        {
            tracing::debug!("{err}");
        }
    }
}

/// Where and how the spawner is asked to run an argument vector.
#[derive(Debug)]
pub(crate) struct Spawn<'a> {
    /// The container.
    pub container: &'a str,
    /// The working directory, or the container's.
    pub working_dir: Option<&'a str>,
    /// Extra environment, `NAME=value`.
    pub env: &'a [String],
    /// Secrets for its environment, after `env`.
    pub secrets: &'a SecretEnv,
}

/// Runs `argv` in `spawn.container` through its spawner, with `io`, and returns its exit
/// status.
///
/// # Errors
/// [`NotSpawned::Unavailable`] when nothing was asked of the spawner (the caller uses the
/// daemon's exec); [`NotSpawned::Failed`] when the request was not taken in time, or the
/// container stopped while it ran.
pub(crate) async fn run(
    spawners: &Spawners,
    spawn: &Spawn<'_>,
    argv: &[String],
    io: Relay<'_>,
) -> Result<i32, NotSpawned> {
    let channel = spawners
        .connect(spawn.container)
        .map_err(NotSpawned::Unavailable)?;
    let id = request::request_id();
    let pidfile = format!("{}/{id}/pid", spec::EXEC_MOUNT);
    let secrets = SecretsFifo::of(spawn, &id)?;
    let script = request::run_script(
        Some(&pidfile),
        secrets.path.as_deref(),
        spawn.working_dir,
        spawn.env,
        argv,
    )
    .ok_or_else(unsayable)?;
    let _removed = RequestDir(channel.path.join(&id));
    let ends = make_request(&channel, &id, &[("run", &script)], secrets.fifos())
        .map_err(|err| NotSpawned::Unavailable(format!("making request {id}: {err}")))?;
    channel
        .send(&format!("{id}\n"))
        .map_err(|err| NotSpawned::Unavailable(format!("sending request {id}: {err}")))?;
    let input = picked_up(&channel, &ends.dir).await?;
    let _fed = secrets.feed(&ends.dir)?;
    relay::relay(&channel, &id, ends, input, io).await
}

/// Why an environment has no script.
fn unsayable() -> NotSpawned {
    NotSpawned::Unavailable("the environment is not one `sh` can set".to_owned())
}

/// The `secrets` FIFO of a request that has secrets: its path in the container and what
/// `sk` writes into it.
struct SecretsFifo {
    path: Option<String>,
    text: String,
}

impl SecretsFifo {
    /// For `spawn`'s secrets, in request `id`'s directory.
    fn of(spawn: &Spawn<'_>, id: &str) -> Result<Self, NotSpawned> {
        if spawn.secrets.is_empty() {
            return Ok(Self {
                path: None,
                text: String::new(),
            });
        }
        Ok(Self {
            path: Some(format!("{}/{id}/secrets", spec::EXEC_MOUNT)),
            text: request::secrets_text(spawn.secrets.expose()).ok_or_else(unsayable)?,
        })
    }

    /// The FIFOs the request needs for them.
    fn fifos(&self) -> &'static [&'static str] {
        if self.path.is_some() {
            &["secrets"]
        } else {
            &[]
        }
    }

    /// Starts writing them once the script reads them (see [`secrets::feed`]).
    fn feed(self, dir: &OwnedFd) -> Result<Option<secrets::SecretFeed>, NotSpawned> {
        if self.path.is_none() {
            return Ok(None);
        }
        secrets::feed(dir, self.text)
            .map(Some)
            .map_err(|err| NotSpawned::Failed(format!("handing over its secrets: {err}")))
    }
}

/// The reading ends of a request's FIFOs, opened before it is sent, and its directory.
#[derive(Debug)]
struct Ends {
    dir: OwnedFd,
    status: OwnedFd,
    out: OwnedFd,
    err: OwnedFd,
}

/// Makes request `id`'s directory with its `files` (`run` the script the spawner runs;
/// name and text), the FIFOs every request has and the `fifos` this one needs besides, and
/// opens the reading ends of the first three.
fn make_request(
    channel: &Channel,
    id: &str,
    files: &[(&str, &str)],
    fifos: &[&str],
) -> io::Result<Ends> {
    let private = Mode::RUSR | Mode::WUSR;
    rustix::fs::mkdirat(&channel.dir, id, Mode::RWXU)?;
    channel.hand_over(&channel.dir, id)?;
    let dir = fifo::open_subdir(&channel.dir, id)?;
    for (name, text) in files {
        fifo::write_new_file(&dir, name, text)?;
        channel.hand_over(&dir, name)?;
    }
    for name in ["status", "out", "err", "in"].iter().chain(fifos).copied() {
        rustix::fs::mkfifoat(&dir, name, private)?;
        channel.hand_over(&dir, name)?;
    }
    let open = |name| fifo::open_fifo(&dir, name, fifo::End::Read);
    Ok(Ends {
        status: open("status")?,
        out: open("out")?,
        err: open("err")?,
        dir,
    })
}

/// Waits for the spawner to open `in`, which it does last, once it holds every other FIFO:
/// the request was taken. Returns the writing end of `in`.
async fn picked_up(channel: &Channel, dir: &OwnedFd) -> Result<OwnedFd, NotSpawned> {
    let deadline = tokio::time::Instant::now() + PICKUP_DEADLINE;
    loop {
        match fifo::open_fifo(dir, "in", fifo::End::Write) {
            Ok(input) => return Ok(input),
            Err(err) if fifo::is_no_reader(&err) => {}
            Err(err) => return Err(NotSpawned::Failed(format!("opening its stdin: {err}"))),
        }
        if channel.spawner_gone() {
            return Err(NotSpawned::Failed(
                "the container stopped before the command started".to_owned(),
            ));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(NotSpawned::Failed(format!(
                "the container's spawner did not take the command within {} s",
                PICKUP_DEADLINE.as_secs()
            )));
        }
        tokio::time::sleep(PICKUP_POLL).await;
    }
}
