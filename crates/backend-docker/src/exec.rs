//! Processes inside containers: captured runs of skipper's own steps, and the user's commands
//! streamed with stdout and stderr kept apart, stdin forwarded with its end delivered, and
//! interrupts turned into signals to the command's process group inside the container.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::error::{DockerError, describe_api_error, status_of};
use crate::scripts;
use crate::secret_env::SecretEnv;
use crate::spawner::{self, NotSpawned, Relay, Spawn, Spawners, Stdin};

/// How long to wait for the daemon to record an exec's exit once its output has ended.
const EXIT_CODE_WAIT: Duration = Duration::from_secs(5);
/// The pause between two polls of an exec's state.
const EXIT_CODE_POLL: Duration = Duration::from_millis(10);

/// A process to run in a container.
#[derive(Debug, Clone)]
pub struct ExecRequest {
    /// The container.
    pub container: String,
    /// The argument vector.
    pub argv: Vec<String>,
    /// The working directory, or the image's.
    pub working_dir: Option<String>,
    /// Extra environment, `NAME=value`.
    pub env: Vec<String>,
    /// Secrets for its environment, after `env`.
    pub secrets: SecretEnv,
}

impl ExecRequest {
    /// `argv` in `working_dir` of `container`.
    #[must_use]
    pub fn new(container: &str, argv: Vec<String>, working_dir: Option<&str>) -> Self {
        Self {
            container: container.to_owned(),
            argv,
            working_dir: working_dir.map(str::to_owned),
            env: Vec::new(),
            secrets: SecretEnv::default(),
        }
    }

    /// The environment the daemon's exec is given: `env`, then the secrets (the exec's
    /// configuration is the daemon's alone: neither the container's nor `docker inspect`'s).
    pub(crate) fn exec_env(&self) -> Option<Vec<String>> {
        let env: Vec<String> = self
            .env
            .iter()
            .chain(self.secrets.expose())
            .cloned()
            .collect();
        (!env.is_empty()).then_some(env)
    }

    /// What the spawner is asked to run for this request.
    pub(crate) fn spawn(&self) -> Spawn<'_> {
        Spawn {
            container: &self.container,
            working_dir: self.working_dir.as_deref(),
            env: &self.env,
            secrets: &self.secrets,
        }
    }

    fn describe(&self) -> String {
        self.argv.join(" ")
    }

    fn failed(&self, reason: impl Into<String>) -> DockerError {
        DockerError::Exec {
            command: self.describe(),
            container: self.container.clone(),
            reason: reason.into(),
        }
    }
}

/// What a captured process did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// Its exit status.
    pub status: i32,
    /// What it wrote on stdout.
    pub stdout: Vec<u8>,
    /// What it wrote on stderr.
    pub stderr: Vec<u8>,
}

impl Captured {
    /// Stderr as trimmed text.
    #[must_use]
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).trim().to_owned()
    }
}

/// Whether an exec failed because the container is not running (PID 1 died).
#[must_use]
pub fn is_not_running(err: &bollard::errors::Error) -> bool {
    status_of(err) == Some(409)
}

/// Runs `request` to its end and returns its status and output, with `stdin` written to it
/// when given: through the container's spawner when it has one that answers, else through
/// the daemon's exec.
///
/// # Errors
/// [`DockerError::Exec`] when the process cannot be started or followed.
pub async fn capture(
    docker: &Docker,
    spawners: &Spawners,
    request: &ExecRequest,
    stdin: Option<Vec<u8>>,
) -> Result<Captured, DockerError> {
    let mut captured = Captured::default();
    let relay = Relay {
        stdin: stdin.as_deref().map_or(Stdin::Empty, Stdin::Bytes),
        stdout: &mut captured.stdout,
        stderr: &mut captured.stderr,
        interrupts: None,
    };
    match spawner::run(spawners, &request.spawn(), &request.argv, relay).await {
        Ok(status) => {
            captured.status = status;
            return Ok(captured);
        }
        Err(NotSpawned::Failed(reason)) => return Err(request.failed(reason)),
        Err(NotSpawned::Unavailable(reason)) => {
            tracing::debug!(
                "{}: docker exec, not the spawner: {reason}",
                request.container
            );
        }
    }
    capture_by_exec(docker, request, stdin).await
}

/// [`capture`] through the daemon's exec.
async fn capture_by_exec(
    docker: &Docker,
    request: &ExecRequest,
    stdin: Option<Vec<u8>>,
) -> Result<Captured, DockerError> {
    let (id, output, input) = start(docker, request, stdin.is_some()).await?;
    let writer = async move {
        if let (Some(bytes), Some(mut input)) = (stdin, input) {
            // The process may exit without reading: a failed write is not our failure.
            let _ = input.write_all(&bytes).await;
            let _ = input.shutdown().await;
        }
    };
    let reader = async move {
        let mut captured = Captured::default();
        let mut output = output;
        while let Some(item) = output.next().await {
            match item.map_err(|err| describe_api_error(&err))? {
                LogOutput::StdErr { message } => captured.stderr.extend_from_slice(&message),
                LogOutput::StdOut { message } | LogOutput::Console { message } => {
                    captured.stdout.extend_from_slice(&message);
                }
                LogOutput::StdIn { .. } => {}
            }
        }
        Ok::<_, String>(captured)
    };
    let ((), read) = tokio::join!(writer, reader);
    let mut captured = read.map_err(|reason| request.failed(reason))?;
    captured.status = exit_code(docker, &id, request).await?;
    Ok(captured)
}

/// Where a streamed process's input and output go.
pub struct ExecIo<'a> {
    /// Forwarded to the process, its end delivered as end of file; `None` gives the process
    /// an empty stdin.
    pub stdin: Option<&'a mut StdinFeed>,
    /// Receives the process's stdout.
    pub stdout: &'a mut (dyn Write + Send),
    /// Receives the process's stderr.
    pub stderr: &'a mut (dyn Write + Send),
}

impl std::fmt::Debug for ExecIo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecIo")
            .field("stdin", &self.stdin.is_some())
            .finish_non_exhaustive()
    }
}

/// How much of stdin a start may take and still be started again with it.
const REPLAY_LIMIT: usize = 1 << 20;

/// The caller's stdin for a command that may be started more than once: read on a thread
/// of its own, and what a start refused before its command ran (`exec-guard.sh`) took of it
/// is given again, first, to the next start.
pub struct StdinFeed {
    chunks: mpsc::Receiver<Vec<u8>>,
    /// What the current start was given, while it is at most [`REPLAY_LIMIT`].
    given: Vec<u8>,
    /// Whether the current start was given more than [`StdinFeed::given`] keeps.
    overflowed: bool,
    /// What the next start is given first.
    replay: Vec<u8>,
}

impl std::fmt::Debug for StdinFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StdinFeed")
            .field("given", &self.given.len())
            .finish_non_exhaustive()
    }
}

impl StdinFeed {
    /// Starts reading `reader` on a thread of its own.
    #[must_use]
    pub fn new(reader: Box<dyn Read + Send>) -> Self {
        let (tx, chunks) = mpsc::channel::<Vec<u8>>(4);
        std::thread::spawn(move || {
            let mut reader = reader;
            let mut buf = vec![0_u8; 64 * 1024];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if tx.blocking_send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => {
                        tracing::debug!("reading stdin: {err}");
                        break;
                    }
                }
            }
        });
        Self {
            chunks,
            given: Vec::new(),
            overflowed: false,
            replay: Vec::new(),
        }
    }

    /// The next start is to be given what this one was.
    ///
    /// # Errors
    /// When this one was given more than can be kept: its command cannot be started again
    /// with the same input.
    pub fn start_again(&mut self) -> Result<(), String> {
        if self.overflowed {
            return Err(format!(
                "it was refused after more than {REPLAY_LIMIT} bytes of stdin were sent to it"
            ));
        }
        self.replay = std::mem::take(&mut self.given);
        Ok(())
    }

    fn keep(&mut self, chunk: &[u8]) {
        if self.given.len() + chunk.len() <= REPLAY_LIMIT {
            self.given.extend_from_slice(chunk);
        } else {
            self.overflowed = true;
        }
    }

    /// Copies what the next start is given, then stdin, to `input`, then shuts it down so
    /// that the process sees end of file. Dropping it midway loses nothing a next start
    /// needs: a chunk is kept before it is written.
    pub(crate) async fn forward(&mut self, mut input: Input) {
        let replay = std::mem::take(&mut self.replay);
        if !replay.is_empty() {
            self.keep(&replay);
            if input.write_all(&replay).await.is_err() {
                return;
            }
        }
        while let Some(chunk) = self.chunks.recv().await {
            self.keep(&chunk);
            if input.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = input.flush().await;
        let _ = input.shutdown().await;
    }
}

/// A signal to deliver to a streamed command's process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// Ctrl-C: SIGINT the first time, SIGKILL after.
    CtrlC,
}

/// Runs the user's command `request` with its I/O on `io` and returns its exit status (what
/// the stdin feed gave a start is kept, see [`StdinFeed::start_again`]).
///
/// The command starts through `sh`, which records its pid in a file and execs it; since
/// the spawner and the daemon both make the command a session leader, each [`Interrupt`]
/// received signals the whole process group inside the container (SIGINT first, SIGKILL
/// on the second). Output that cannot be written (a closed pipe) ends the command with
/// SIGTERM, as a shell pipeline would. Through the container's spawner when it has one that
/// answers, else through the daemon's exec.
///
/// # Errors
/// [`DockerError::Exec`] when the process cannot be started or followed.
pub async fn stream(
    docker: &Docker,
    spawners: &Spawners,
    request: &ExecRequest,
    mut io: ExecIo<'_>,
    interrupts: &mut mpsc::UnboundedReceiver<Interrupt>,
) -> Result<i32, DockerError> {
    let relay = Relay {
        stdin: io.stdin.as_deref_mut().map_or(Stdin::Empty, Stdin::Feed),
        stdout: &mut *io.stdout,
        stderr: &mut *io.stderr,
        interrupts: Some(&mut *interrupts),
    };
    // The same argument vector as the exec's, whose pidfile the spawner does not need.
    let wrapped = wrap_with_pidfile(&pidfile_path(), &request.argv);
    match spawner::run(spawners, &request.spawn(), &wrapped, relay).await {
        Ok(status) => return Ok(status),
        Err(NotSpawned::Failed(reason)) => return Err(request.failed(reason)),
        Err(NotSpawned::Unavailable(reason)) => {
            tracing::debug!(
                "{}: docker exec, not the spawner: {reason}",
                request.container
            );
        }
    }
    stream_by_exec(docker, request, io, interrupts).await
}

/// [`stream`] through the daemon's exec.
async fn stream_by_exec(
    docker: &Docker,
    request: &ExecRequest,
    io: ExecIo<'_>,
    interrupts: &mut mpsc::UnboundedReceiver<Interrupt>,
) -> Result<i32, DockerError> {
    let pidfile = pidfile_path();
    let mut wrapped = request.clone();
    wrapped.argv = wrap_with_pidfile(&pidfile, &request.argv);
    let (id, mut output, input) = start(docker, &wrapped, io.stdin.is_some()).await?;

    let ExecIo {
        stdin,
        stdout,
        stderr,
    } = io;
    let forwarding = async move {
        if let (Some(feed), Some(input)) = (stdin, input) {
            feed.forward(input).await;
        }
    };
    tokio::pin!(forwarding);
    let mut forwarded = false;
    let mut interrupted = 0_u32;
    let mut output_closed = false;
    let mut failure = None;
    loop {
        tokio::select! {
            () = &mut forwarding, if !forwarded => forwarded = true,
            item = output.next() => match item {
                None => break,
                Some(Err(err)) => {
                    failure = Some(describe_api_error(&err));
                    break;
                }
                Some(Ok(chunk)) => {
                    if output_closed {
                        continue;
                    }
                    let written = match chunk {
                        LogOutput::StdErr { message } => stderr.write_all(&message).and_then(|()| stderr.flush()),
                        LogOutput::StdOut { message } | LogOutput::Console { message } => {
                            stdout.write_all(&message).and_then(|()| stdout.flush())
                        }
                        LogOutput::StdIn { .. } => Ok(()),
                    };
                    if let Err(err) = written {
                        tracing::debug!("output of {} closed: {err}", request.container);
                        output_closed = true;
                        signal(docker, &request.container, &pidfile, "TERM").await;
                    }
                }
            },
            Some(Interrupt::CtrlC) = interrupts.recv() => {
                interrupted += 1;
                let sig = if interrupted == 1 { "INT" } else { "KILL" };
                signal(docker, &request.container, &pidfile, sig).await;
            }
        }
    }
    if let Some(reason) = failure {
        return Err(wrapped.failed(reason));
    }
    let status = exit_code(docker, &id, &wrapped).await?;
    Ok(status)
}

/// `sh -c` [`scripts::EXEC_RECORDING_PID`] `<pidfile> <argv...>`: the command keeps the
/// shell's pid, which the pidfile records (an unwritable `/tmp` only costs the interrupt).
/// The script first deletes the pidfiles of commands that have ended, so that no exec is
/// spent after each command on deleting its own.
/// The user's words are positional parameters, never shell text. A missing program exits
/// 127 silently, so the caller can tell the user in its own words.
#[must_use]
pub fn wrap_with_pidfile(pidfile: &str, argv: &[String]) -> Vec<String> {
    let mut wrapped = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        scripts::EXEC_RECORDING_PID.to_owned(),
        pidfile.to_owned(),
    ];
    wrapped.extend(argv.iter().cloned());
    wrapped
}

fn pidfile_path() -> String {
    unique_tmp("exec")
}

/// A file in the container's `/tmp` for `exec-guard.sh` to say why it refused a command.
#[must_use]
pub fn guard_path() -> String {
    unique_tmp("guard")
}

/// `/tmp/.skipper-<what>-…`, a name no other exec of any `sk` uses.
fn unique_tmp(what: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "/tmp/.skipper-{what}-{}-{}-{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Signals the process group recorded in `pidfile` (or the process alone, if it is not a
/// group leader). Best effort: the command may already have ended.
async fn signal(docker: &Docker, container: &str, pidfile: &str, sig: &str) {
    let request = ExecRequest::new(
        container,
        vec![
            "sh".into(),
            "-c".into(),
            scripts::SIGNAL_PROCESS_GROUP.into(),
            pidfile.into(),
            sig.into(),
        ],
        None,
    );
    if let Err(err) = capture_by_exec(docker, &request, None).await {
        tracing::debug!("signalling {sig} in {container}: {err}");
    }
}

type Output = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>,
>;
pub(crate) type Input = std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>;

/// Creates and starts an attached exec.
async fn start(
    docker: &Docker,
    request: &ExecRequest,
    attach_stdin: bool,
) -> Result<(String, Output, Option<Input>), DockerError> {
    let options = CreateExecOptions {
        attach_stdin: Some(attach_stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(false),
        cmd: Some(request.argv.clone()),
        working_dir: request.working_dir.clone(),
        env: request.exec_env(),
        ..Default::default()
    };
    let exec = docker
        .create_exec(&request.container, options)
        .await
        .map_err(|err| exec_error(request, &err))?;
    match docker
        .start_exec(
            &exec.id,
            Some(StartExecOptions {
                detach: false,
                tty: false,
                output_capacity: Some(64 * 1024),
            }),
        )
        .await
        .map_err(|err| exec_error(request, &err))?
    {
        StartExecResults::Attached { output, input } => {
            Ok((exec.id, output, attach_stdin.then_some(input)))
        }
        StartExecResults::Detached => Err(request.failed("the daemon detached the exec")),
    }
}

fn exec_error(request: &ExecRequest, err: &bollard::errors::Error) -> DockerError {
    if is_not_running(err) {
        request.failed(format!(
            "the container is not running ({})",
            describe_api_error(err)
        ))
    } else {
        request.failed(describe_api_error(err))
    }
}

/// The exit code of a finished exec. The daemon may still report it running for a moment
/// after its output ends, so this polls briefly.
async fn exit_code(docker: &Docker, id: &str, request: &ExecRequest) -> Result<i32, DockerError> {
    let deadline = tokio::time::Instant::now() + EXIT_CODE_WAIT;
    loop {
        let inspect = docker
            .inspect_exec(id)
            .await
            .map_err(|err| request.failed(describe_api_error(&err)))?;
        if inspect.running != Some(true) {
            let code = inspect.exit_code.unwrap_or(-1);
            return Ok(i32::try_from(code).unwrap_or(-1));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(request.failed("the process's output ended but it is still running"));
        }
        tokio::time::sleep(EXIT_CODE_POLL).await;
    }
}

/// Whether an exec is still running (for an attach that was detached).
pub async fn is_running(docker: &Docker, id: &str) -> bool {
    docker
        .inspect_exec(id)
        .await
        .is_ok_and(|inspect| inspect.running == Some(true))
}

/// Waits for an exec's exit code (for the attach module).
///
/// # Errors
/// [`DockerError::Exec`] when the daemon cannot say.
pub async fn wait_exit_code(
    docker: &Docker,
    id: &str,
    request: &ExecRequest,
) -> Result<i32, DockerError> {
    exit_code(docker, id, request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_words_stay_arguments() {
        let argv = vec!["echo".to_owned(), "$(rm -rf /); `x`".to_owned()];
        let wrapped = wrap_with_pidfile("/tmp/p", &argv);
        assert_eq!(wrapped[..2], ["sh", "-c"]);
        assert_eq!(wrapped[3], "/tmp/p");
        assert_eq!(wrapped[4..], argv[..]);
        assert_eq!(wrapped[2], scripts::EXEC_RECORDING_PID);
    }

    #[test]
    fn pidfiles_are_unique() {
        assert_ne!(pidfile_path(), pidfile_path());
    }
}
