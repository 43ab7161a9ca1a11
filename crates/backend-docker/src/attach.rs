//! The interactive shell of `sk attach`: a TTY exec with the local terminal in raw mode
//! (restored on every exit path, panics included), its size sent at start and on every
//! SIGWINCH, and stdin read on a dedicated thread.

use std::io::{self, Read, Write};

use bollard::Docker;
use bollard::exec::{CreateExecOptions, ResizeExecOptions, StartExecOptions, StartExecResults};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::error::{DockerError, describe_api_error};
use crate::exec::{ExecRequest, is_running, wait_exit_code};
use crate::scripts;

/// The detach sequence: explicit, since the daemon's default (Ctrl-P Ctrl-Q) would swallow
/// every Ctrl-P typed in the shell. Ctrl-^ then Ctrl-_ is hard to type by accident.
pub const DETACH_KEYS: &str = "ctrl-^,ctrl-_";

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
    container: &str,
    working_dir: &str,
    env: Vec<String>,
) -> Result<SessionEnd, DockerError> {
    interactive(
        docker,
        container,
        working_dir,
        shell_argv(),
        env,
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

/// Runs `argv` in `container`, in `working_dir`, on a TTY bound to the process's terminal
/// (as `docker exec -it` does): raw mode, the terminal's size, Ctrl-C typed into the
/// container's terminal; `env` (`NAME=value`) added to its environment after `TERM`.
///
/// # Errors
/// [`DockerError::Exec`] when the command cannot be started or followed.
pub async fn interactive(
    docker: &Docker,
    container: &str,
    working_dir: &str,
    argv: Vec<String>,
    env: Vec<String>,
    what: &str,
) -> Result<SessionEnd, DockerError> {
    let term = std::env::var("TERM").unwrap_or_else(|_| "xterm-256color".to_owned());
    let request = ExecRequest {
        container: container.to_owned(),
        argv,
        working_dir: Some(working_dir.to_owned()),
        env: std::iter::once(format!("TERM={term}")).chain(env).collect(),
    };
    let failed = |reason: String| DockerError::Exec {
        command: what.to_owned(),
        container: container.to_owned(),
        reason,
    };
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(true),
                detach_keys: Some(DETACH_KEYS.to_owned()),
                cmd: Some(request.argv.clone()),
                working_dir: request.working_dir.clone(),
                env: Some(request.env.clone()),
                ..Default::default()
            },
        )
        .await
        .map_err(|err| failed(describe_api_error(&err)))?;
    let StartExecResults::Attached {
        mut output,
        mut input,
    } = docker
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

    let raw = RawMode::enable().map_err(|err| failed(format!("raw mode: {err}")))?;
    resize(docker, &exec.id).await;
    let mut winch = signal(SignalKind::window_change()).ok();
    let (tx, mut keys) = mpsc::channel::<Vec<u8>>(16);
    forward_stdin(tx);

    let mut stdout = io::stdout();
    let mut failure = None;
    loop {
        tokio::select! {
            item = output.next() => match item {
                None => break,
                Some(Err(err)) => {
                    failure = Some(describe_api_error(&err));
                    break;
                }
                Some(Ok(chunk)) => {
                    let bytes = chunk.into_bytes();
                    if stdout.write_all(&bytes).and_then(|()| stdout.flush()).is_err() {
                        break;
                    }
                }
            },
            Some(bytes) = keys.recv() => {
                if input.write_all(&bytes).await.is_err() {
                    // The shell is gone; its output stream ends next.
                    continue;
                }
                let _ = input.flush().await;
            }
            Some(()) = async {
                match winch.as_mut() {
                    Some(winch) => winch.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                resize(docker, &exec.id).await;
            }
        }
    }
    drop(raw);
    if let Some(reason) = failure {
        return Err(failed(reason));
    }
    if is_running(docker, &exec.id).await {
        // Wait a moment: the output may end just before the daemon records the exit.
        return match wait_exit_code(docker, &exec.id, &request).await {
            Ok(code) => Ok(SessionEnd::Exited(code)),
            Err(_) => Ok(SessionEnd::Detached),
        };
    }
    wait_exit_code(docker, &exec.id, &request)
        .await
        .map(SessionEnd::Exited)
}

/// Sends the terminal's size to the exec. Best effort: a shell that is starting or ending
/// may refuse it.
async fn resize(docker: &Docker, exec_id: &str) {
    if let Ok((width, height)) = crossterm::terminal::size()
        && let Err(err) = docker
            .resize_exec(exec_id, ResizeExecOptions { height, width })
            .await
    {
        tracing::debug!("resizing exec {exec_id}: {err}");
    }
}
