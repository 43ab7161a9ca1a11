//! The interactive shell of `sk attach`, and the commands run on the user's terminal: a
//! terminal inside the container bound to the process's own, with the local terminal in
//! raw mode (restored on every exit path, panics included), its size given at start and on
//! every SIGWINCH, and stdin read on a dedicated thread.
//!
//! The terminal inside is the spawner's (see [`spawner::start_terminal`]) when the
//! container has a spawner that can make one, else a TTY exec, as `docker exec -it`; `-v`
//! says why it is the exec. Both leave the command running on the detach keys: the daemon
//! spots them in an exec's input, `sk` itself in the spawner's.

use std::io::{self, Read, Write};

use bollard::Docker;
use bollard::exec::{CreateExecOptions, ResizeExecOptions, StartExecOptions, StartExecResults};
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::error::{DockerError, describe_api_error};
use crate::exec::{ExecRequest, is_running, wait_exit_code};
use crate::scripts;
use crate::secret_env::SecretEnv;
use crate::spawner::{self, NotSpawned, Spawners, Terminal, TerminalControl, TerminalSize};

/// The detach sequence: explicit, since the daemon's default (Ctrl-P Ctrl-Q) would swallow
/// every Ctrl-P typed in the shell. Ctrl-^ then Ctrl-_ is hard to type by accident.
pub const DETACH_KEYS: &str = "ctrl-^,ctrl-_";

/// The bytes [`DETACH_KEYS`] types: Ctrl-^ (0x1e), then Ctrl-_ (0x1f).
const DETACH_SEQUENCE: [u8; 2] = [0x1e, 0x1f];

/// The shell: `bash` when the image has it, else `sh`.
#[must_use]
pub fn shell_argv() -> Vec<String> {
    vec!["sh".into(), "-c".into(), scripts::INTERACTIVE_SHELL.into()]
}

/// How the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The shell exited with this code.
    Exited(i32),
    /// The detach keys ended the connection; the shell goes on.
    Detached,
}

/// Puts the terminal in raw mode for its lifetime; dropping it (also while unwinding from a
/// panic) restores the previous mode.
#[derive(Debug)]
struct RawMode;

impl RawMode {
    fn enable() -> io::Result<Self> {
        crossterm::terminal::enable_raw_mode()?;
        Ok(Self)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Runs an interactive shell in `container`, in `working_dir`, on the process's terminal,
/// `env` (`NAME=value`) added to its environment.
///
/// # Errors
/// [`DockerError::Exec`] when the shell cannot be started or followed.
pub async fn interactive_shell(
    docker: &Docker,
    spawners: &Spawners,
    container: &str,
    working_dir: &str,
    env: Vec<String>,
) -> Result<SessionEnd, DockerError> {
    interactive(
        docker,
        spawners,
        container,
        working_dir,
        shell_argv(),
        (env, SecretEnv::default()),
        "interactive shell",
    )
    .await
}

/// Reads the process's stdin on a thread of its own and sends each chunk to `tx`, until
/// stdin ends or fails or the receiver is gone.
fn forward_stdin(tx: mpsc::Sender<Vec<u8>>) {
    std::thread::spawn(move || {
        let mut stdin = io::stdin();
        let mut buf = [0_u8; 4096];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.blocking_send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
}

/// Spots the detach keys in what is typed, as the daemon does in an exec's input: the keys
/// of the sequence typed so far are held back, and sent on as typed when the next key is
/// not the sequence's next.
#[derive(Debug, Default)]
struct DetachKeys {
    /// How many keys of [`DETACH_SEQUENCE`] were typed last.
    held: usize,
}

impl DetachKeys {
    /// What of `typed` is to be sent on, and whether it completed the sequence (what
    /// follows the sequence is dropped, as the connection ends there).
    fn scan(&mut self, typed: &[u8]) -> (Vec<u8>, bool) {
        let mut send = Vec::with_capacity(typed.len());
        for &key in typed {
            if key == DETACH_SEQUENCE[self.held] {
                self.held += 1;
                if self.held == DETACH_SEQUENCE.len() {
                    self.held = 0;
                    return (send, true);
                }
                continue;
            }
            send.extend_from_slice(&DETACH_SEQUENCE[..self.held]);
            self.held = 0;
            if key == DETACH_SEQUENCE[0] {
                self.held = 1;
            } else {
                send.push(key);
            }
        }
        (send, false)
    }
}

/// The local terminal's size, when it has one.
fn local_size() -> Option<TerminalSize> {
    crossterm::terminal::size()
        .ok()
        .map(|(cols, rows)| TerminalSize { rows, cols })
}

/// Where the local terminal's size is given.
trait Resize {
    /// Gives the terminal inside `size`. Best effort: a terminal that is starting or
    /// ending may refuse it.
    async fn resize(&mut self, size: TerminalSize);
}

/// An exec's terminal, resized through the daemon.
struct ExecTerminal<'a> {
    docker: &'a Docker,
    exec_id: &'a str,
}

impl Resize for ExecTerminal<'_> {
    async fn resize(&mut self, size: TerminalSize) {
        let options = ResizeExecOptions {
            height: size.rows,
            width: size.cols,
        };
        if let Err(err) = self.docker.resize_exec(self.exec_id, options).await {
            tracing::debug!("resizing exec {}: {err}", self.exec_id);
        }
    }
}

impl Resize for TerminalControl {
    async fn resize(&mut self, size: TerminalSize) {
        self.set_size(size);
    }
}

/// How the process's terminal and the one inside came apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unbound {
    /// Its output ended: its command is ending or has ended.
    OutputEnded,
    /// The process's stdout could not be written to any more.
    StdoutClosed,
    /// `sk` spotted the detach keys.
    Detached,
}

/// Binds the process's terminal to one inside the container until `output` ends: raw mode
/// for as long, the keys typed (read on a thread of their own) written to `input`, and the
/// size given to `terminal` at once and on every SIGWINCH; the detach keys are spotted
/// when `spot_detach` (else what is inside does it).
///
/// # Errors
/// The reason, when raw mode cannot be had or the output fails.
async fn bind_terminal<O, B, I, R>(
    mut output: O,
    mut input: I,
    terminal: &mut R,
    spot_detach: bool,
) -> Result<Unbound, String>
where
    O: Stream<Item = Result<B, String>> + Unpin,
    B: AsRef<[u8]>,
    I: AsyncWrite + Unpin,
    R: Resize,
{
    let _raw = RawMode::enable().map_err(|err| format!("raw mode: {err}"))?;
    if let Some(size) = local_size() {
        terminal.resize(size).await;
    }
    let mut winch = signal(SignalKind::window_change()).ok();
    let (tx, mut keys) = mpsc::channel::<Vec<u8>>(16);
    forward_stdin(tx);
    let mut detach = spot_detach.then(DetachKeys::default);

    let mut stdout = io::stdout();
    loop {
        tokio::select! {
            item = output.next() => match item {
                None => return Ok(Unbound::OutputEnded),
                Some(Err(reason)) => return Err(reason),
                Some(Ok(chunk)) => {
                    if stdout.write_all(chunk.as_ref()).and_then(|()| stdout.flush()).is_err() {
                        return Ok(Unbound::StdoutClosed);
                    }
                }
            },
            Some(typed) = keys.recv() => {
                let (send, detached) = match detach.as_mut() {
                    Some(detach) => detach.scan(&typed),
                    None => (typed, false),
                };
                // A failed write: the shell is gone; its output ends next.
                if !send.is_empty() && input.write_all(&send).await.is_ok() {
                    let _ = input.flush().await;
                }
                if detached {
                    return Ok(Unbound::Detached);
                }
            }
            Some(()) = async {
                match winch.as_mut() {
                    Some(winch) => winch.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                if let Some(size) = local_size() {
                    terminal.resize(size).await;
                }
            }
        }
    }
}

/// Runs `argv` in `container`, in `working_dir`, on a terminal bound to the process's (as
/// `docker exec -it` does): raw mode, the terminal's size, Ctrl-C typed into the
/// container's terminal; `env` (`NAME=value`) added to its environment after `TERM`, and
/// its secrets after that.
/// Through the container's spawner when it has one that can make a terminal, else through
/// the daemon's exec.
///
/// # Errors
/// [`DockerError::Exec`] when the command cannot be started or followed.
pub async fn interactive(
    docker: &Docker,
    spawners: &Spawners,
    container: &str,
    working_dir: &str,
    argv: Vec<String>,
    (env, secrets): (Vec<String>, SecretEnv),
    what: &str,
) -> Result<SessionEnd, DockerError> {
    let term = std::env::var("TERM").unwrap_or_else(|_| "xterm-256color".to_owned());
    let request = ExecRequest {
        container: container.to_owned(),
        argv,
        working_dir: Some(working_dir.to_owned()),
        env: std::iter::once(format!("TERM={term}")).chain(env).collect(),
        secrets,
    };
    let failed = |reason: String| DockerError::Exec {
        command: what.to_owned(),
        container: container.to_owned(),
        reason,
    };
    match spawner::start_terminal(spawners, &request.spawn(), &request.argv, local_size()).await {
        Ok(terminal) => return on_spawned(terminal).await.map_err(failed),
        Err(NotSpawned::Failed(reason)) => return Err(failed(reason)),
        Err(NotSpawned::Unavailable(reason)) => {
            tracing::debug!("{container}: docker exec, not the spawner: {reason}");
        }
    }
    by_exec(docker, &request, failed).await
}

/// The session on a terminal the spawner made: the detach keys are `sk`'s to spot.
async fn on_spawned(terminal: Terminal) -> Result<SessionEnd, String> {
    let Terminal {
        output,
        input,
        mut control,
    } = terminal;
    match bind_terminal(chunks(output), input, &mut control, true).await? {
        // What is inside goes on: see `terminal.sh`.
        Unbound::Detached | Unbound::StdoutClosed => Ok(SessionEnd::Detached),
        Unbound::OutputEnded => match control.exit_status().await {
            Ok(code) => Ok(SessionEnd::Exited(code)),
            Err(NotSpawned::Failed(reason) | NotSpawned::Unavailable(reason)) => Err(reason),
        },
    }
}

/// What `from` carries, chunk by chunk, until its end.
fn chunks(from: pipe::Receiver) -> impl Stream<Item = Result<Vec<u8>, String>> + Unpin {
    Box::pin(futures_util::stream::unfold(from, |mut from| async move {
        let mut buf = vec![0_u8; 16 * 1024];
        match from.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), from))
            }
            Err(err) => Some((Err(err.to_string()), from)),
        }
    }))
}

/// The session on a TTY exec: the daemon spots the detach keys.
async fn by_exec(
    docker: &Docker,
    request: &ExecRequest,
    failed: impl Fn(String) -> DockerError,
) -> Result<SessionEnd, DockerError> {
    let exec = docker
        .create_exec(
            &request.container,
            CreateExecOptions {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(true),
                detach_keys: Some(DETACH_KEYS.to_owned()),
                cmd: Some(request.argv.clone()),
                working_dir: request.working_dir.clone(),
                env: request.exec_env(),
                ..Default::default()
            },
        )
        .await
        .map_err(|err| failed(describe_api_error(&err)))?;
    let StartExecResults::Attached { output, input } = docker
        .start_exec(
            &exec.id,
            Some(StartExecOptions {
                detach: false,
                tty: true,
                output_capacity: None,
            }),
        )
        .await
        .map_err(|err| failed(describe_api_error(&err)))?
    else {
        return Err(failed("the daemon detached the exec".to_owned()));
    };

    let output = output.map(|item| {
        item.map(bollard::container::LogOutput::into_bytes)
            .map_err(|err| describe_api_error(&err))
    });
    let mut terminal = ExecTerminal {
        docker,
        exec_id: &exec.id,
    };
    bind_terminal(output, input, &mut terminal, false)
        .await
        .map_err(&failed)?;
    if is_running(docker, &exec.id).await {
        // Wait a moment: the output may end just before the daemon records the exit.
        return match wait_exit_code(docker, &exec.id, request).await {
            Ok(code) => Ok(SessionEnd::Exited(code)),
            Err(_) => Ok(SessionEnd::Detached),
        };
    }
    wait_exit_code(docker, &exec.id, request)
        .await
        .map(SessionEnd::Exited)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes a key of the daemon's `ctrl-<c>` notation types.
    fn ctrl(key: &str) -> u8 {
        let [c] = key.strip_prefix("ctrl-").unwrap().as_bytes() else {
            panic!("{key}")
        };
        c & 0x1f
    }

    #[test]
    fn the_detach_sequence_is_the_one_the_daemon_is_given() {
        let keys: Vec<u8> = DETACH_KEYS.split(',').map(ctrl).collect();
        assert_eq!(keys, DETACH_SEQUENCE);
    }

    #[test]
    fn the_detach_keys_are_held_back_and_end_the_session() {
        let mut keys = DetachKeys::default();
        assert_eq!(keys.scan(b"ls\r"), (b"ls\r".to_vec(), false));
        assert_eq!(keys.scan(b"a\x1e\x1fb"), (b"a".to_vec(), true));
        // Split across reads.
        let mut keys = DetachKeys::default();
        assert_eq!(keys.scan(b"x\x1e"), (b"x".to_vec(), false));
        assert_eq!(keys.scan(b"\x1f"), (Vec::new(), true));
    }

    #[test]
    fn a_broken_detach_sequence_is_sent_as_typed() {
        let mut keys = DetachKeys::default();
        assert_eq!(keys.scan(b"\x1e"), (Vec::new(), false));
        assert_eq!(keys.scan(b"q"), (b"\x1eq".to_vec(), false));
        assert_eq!(keys.scan(b"\x1e\x1e\x1f"), (b"\x1e".to_vec(), true));
        let mut keys = DetachKeys::default();
        assert_eq!(keys.scan(b"\x1f\x1e\x1e"), (b"\x1f\x1e".to_vec(), false));
    }
}
