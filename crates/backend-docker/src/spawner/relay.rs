//! A started request's streams: stdin forwarded, stdout and stderr relayed apart as the
//! daemon's exec relays them, interrupts and a closed output turned into signals, and the
//! exit status read back.

use std::io::Write;
use std::os::fd::OwnedFd;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::sync::mpsc;

use super::request::{STATUS_LIMIT, parse_status};
use super::{Channel, Ends, NotSpawned};
use crate::exec::{Interrupt, StdinFeed};

/// How long output may stay open once the command has ended (held by a process it left
/// running), as the daemon waits for an exec's streams before it closes them.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// What a request's stdin is given.
pub(crate) enum Stdin<'a> {
    /// Nothing: end of file at once.
    Empty,
    /// These bytes, then end of file.
    Bytes(&'a [u8]),
    /// The caller's stdin, replayed as [`StdinFeed`] says.
    Feed(&'a mut StdinFeed),
}

/// Where a request's input comes from and its output and interrupts go.
pub(crate) struct Relay<'a> {
    /// Its stdin.
    pub stdin: Stdin<'a>,
    /// Receives its stdout.
    pub stdout: &'a mut (dyn Write + Send),
    /// Receives its stderr.
    pub stderr: &'a mut (dyn Write + Send),
    /// Ctrl-C presses to deliver (SIGINT, then SIGKILL), when there are any.
    pub interrupts: Option<&'a mut mpsc::UnboundedReceiver<Interrupt>>,
}

impl std::fmt::Debug for Relay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay").finish_non_exhaustive()
    }
}

/// The next interrupt, or never when there are none.
async fn next_interrupt(
    interrupts: &mut Option<&mut mpsc::UnboundedReceiver<Interrupt>>,
) -> Option<Interrupt> {
    match interrupts {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

/// Relays request `id`'s streams until it ends and returns its exit status.
pub(super) async fn relay(
    channel: &Channel,
    id: &str,
    ends: Ends,
    input: OwnedFd,
    io: Relay<'_>,
) -> Result<i32, NotSpawned> {
    let receiver = |fd: OwnedFd| {
        pipe::Receiver::from_owned_fd(fd).map_err(|err| NotSpawned::Failed(err.to_string()))
    };
    let mut out = receiver(ends.out)?;
    let mut err = receiver(ends.err)?;
    let mut status = receiver(ends.status)?;
    let input =
        pipe::Sender::from_owned_fd(input).map_err(|err| NotSpawned::Failed(err.to_string()))?;
    let Relay {
        stdin,
        stdout,
        stderr,
        mut interrupts,
    } = io;
    let forwarding = async move {
        match stdin {
            // Dropping the writing end is the end of file.
            Stdin::Empty => drop(input),
            Stdin::Bytes(bytes) => {
                let mut input = input;
                // The process may exit without reading: a failed write is not our failure.
                let _ = input.write_all(bytes).await;
            }
            Stdin::Feed(feed) => feed.forward(Box::pin(input)).await,
        }
    };
    tokio::pin!(forwarding);
    let grace = tokio::time::sleep(Duration::from_secs(u64::from(u32::MAX)));
    tokio::pin!(grace);
    let mut out_buf = vec![0_u8; 64 * 1024];
    let mut err_buf = vec![0_u8; 64 * 1024];
    let mut status_buf = [0_u8; STATUS_LIMIT];
    let mut sent = Vec::new();
    let (mut out_open, mut err_open, mut status_open) = (true, true, true);
    let mut forwarded = false;
    let mut output_closed = false;
    let mut interrupted = 0_u32;
    while out_open || err_open || status_open {
        // Which stream's bytes came in, to be written where they go.
        let mut chunk: Option<(bool, usize)> = None;
        tokio::select! {
            () = &mut forwarding, if !forwarded => forwarded = true,
            read = out.read(&mut out_buf), if out_open => match read {
                Ok(0) | Err(_) => out_open = false,
                Ok(n) => chunk = Some((false, n)),
            },
            read = err.read(&mut err_buf), if err_open => match read {
                Ok(0) | Err(_) => err_open = false,
                Ok(n) => chunk = Some((true, n)),
            },
            read = status.read(&mut status_buf), if status_open => match read {
                Ok(0) | Err(_) => {
                    status_open = false;
                    grace.as_mut().reset(tokio::time::Instant::now() + OUTPUT_GRACE);
                }
                Ok(n) => {
                    if sent.len() + n > STATUS_LIMIT {
                        return Err(NotSpawned::Failed("it sent back no exit status but more".to_owned()));
                    }
                    sent.extend_from_slice(&status_buf[..n]);
                }
            },
            Some(Interrupt::CtrlC) = next_interrupt(&mut interrupts) => {
                interrupted += 1;
                channel.signal(id, if interrupted == 1 { "INT" } else { "KILL" });
            }
            () = &mut grace, if !status_open => break,
        }
        let Some((to_stderr, n)) = chunk else {
            continue;
        };
        if output_closed {
            continue;
        }
        let written = if to_stderr {
            stderr
                .write_all(&err_buf[..n])
                .and_then(|()| stderr.flush())
        } else {
            stdout
                .write_all(&out_buf[..n])
                .and_then(|()| stdout.flush())
        };
        if let Err(err) = written {
            tracing::debug!("output of request {id} closed: {err}");
            output_closed = true;
            channel.signal(id, "TERM");
        }
    }
    exit_status(&sent)
}

/// The exit status a request's `status` FIFO carried, `sent`.
///
/// # Errors
/// [`NotSpawned::Failed`] when it is none: nothing (the container stopped), or anything
/// but an exit status.
pub(super) fn exit_status(sent: &[u8]) -> Result<i32, NotSpawned> {
    parse_status(sent).ok_or_else(|| {
        NotSpawned::Failed(if sent.is_empty() {
            "the container stopped while the command ran".to_owned()
        } else {
            format!(
                "it sent back `{}`, not an exit status",
                String::from_utf8_lossy(sent).trim()
            )
        })
    })
}
