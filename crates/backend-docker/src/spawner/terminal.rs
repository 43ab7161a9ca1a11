//! A request with a terminal inside the container, for `sk attach` and the commands run on
//! the user's terminal: `terminal.sh` makes a pseudo-terminal there with util-linux
//! script(1), in place of the one `docker exec -it` makes. Keys go in on `in`, what the
//! terminal shows comes out on `out`, each resize is a `<rows> <cols>` line on `size`, and
//! the exit status comes back on `status`. `err` carries `terminal.sh`'s answer alone:
//! `pty` when the terminal starts, else why it cannot, said before it read or showed
//! anything, so that the caller can still use the daemon's exec.
//!
//! Leaving the terminal (the caller spotting the detach keys) is closing every end: the
//! command goes on, `terminal.sh` keeping its stdin open and its output drained.

use std::os::fd::OwnedFd;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;

use super::request::{self, STATUS_LIMIT, TerminalSize};
use super::secrets::SecretFeed;
use super::{NotSpawned, PICKUP_DEADLINE, RequestDir, SecretsFifo, Spawn, Spawners};
use super::{fifo, make_request, picked_up, relay, unsayable};
use crate::{scripts, spec};

/// The most bytes `terminal.sh`'s answer on `err` may take.
const ANSWER_LIMIT: usize = 256;
/// The answer saying the terminal starts.
const STARTS: &[u8] = b"pty\n";
/// How long `terminal.sh` gets to answer once it was started.
const ANSWER_DEADLINE: Duration = PICKUP_DEADLINE;

/// A terminal started in a container: its two streams, and what controls it.
#[derive(Debug)]
pub(crate) struct Terminal {
    /// What the terminal shows.
    pub output: pipe::Receiver,
    /// Where the keys typed go.
    pub input: pipe::Sender,
    /// Its size and its end.
    pub control: TerminalControl,
}

/// The size and the end of a [`Terminal`]; dropping it removes the request's directory.
#[derive(Debug)]
pub(crate) struct TerminalControl {
    /// `size`, opened for reading and writing, so that a resize never waits for the loop
    /// in the container that reads it.
    size: OwnedFd,
    status: pipe::Receiver,
    /// The size the terminal was last given.
    given: Option<TerminalSize>,
    /// The session's secrets, until its script read them.
    _fed: Option<SecretFeed>,
    _removed: RequestDir,
}

/// Starts `argv` in `spawn.container` on a terminal of `size` (unknown: left as the
/// kernel makes it) made by its spawner.
///
/// # Errors
/// [`NotSpawned::Unavailable`] when the caller is to use the daemon's exec: no spawner
/// answers, or `terminal.sh` refused before anything ran (no util-linux script(1) in the
/// image, say); [`NotSpawned::Failed`] when the request was not taken in time.
pub(crate) async fn start_terminal(
    spawners: &Spawners,
    spawn: &Spawn<'_>,
    argv: &[String],
    size: Option<TerminalSize>,
) -> Result<Terminal, NotSpawned> {
    let channel = spawners
        .connect(spawn.container)
        .map_err(NotSpawned::Unavailable)?;
    let id = request::request_id();
    let dir = format!("{}/{id}", spec::EXEC_MOUNT);
    let run = request::terminal_run_script(&format!("{dir}/pid"), &dir, size)
        .ok_or_else(|| NotSpawned::Unavailable(format!("{dir} cannot be said in `sh`")))?;
    let secrets = SecretsFifo::of(spawn, &id)?;
    let session = request::run_script(
        None,
        secrets.path.as_deref(),
        spawn.working_dir,
        spawn.env,
        argv,
    )
    .ok_or_else(unsayable)?;
    let removed = RequestDir(channel.path.join(&id));
    let files = [
        ("run", run.as_str()),
        ("terminal", scripts::TERMINAL),
        ("session", session.as_str()),
    ];
    let fifos: Vec<&str> = std::iter::once("size")
        .chain(secrets.fifos().iter().copied())
        .collect();
    let ends = make_request(&channel, &id, &files, &fifos)
        .map_err(|err| NotSpawned::Unavailable(format!("making request {id}: {err}")))?;
    let size_fifo = fifo::open_fifo(&ends.dir, "size", fifo::End::Both).map_err(|err| {
        NotSpawned::Unavailable(format!("opening the size FIFO of request {id}: {err}"))
    })?;
    channel
        .send(&format!("{id}\n"))
        .map_err(|err| NotSpawned::Unavailable(format!("sending request {id}: {err}")))?;
    let input = picked_up(&channel, &ends.dir).await?;
    let fed = secrets.feed(&ends.dir)?;
    let receiver = |fd: OwnedFd| {
        pipe::Receiver::from_owned_fd(fd).map_err(|err| NotSpawned::Failed(err.to_string()))
    };
    let mut answer_from = receiver(ends.err)?;
    let mut status = receiver(ends.status)?;
    let answer = tokio::time::timeout(ANSWER_DEADLINE, read_to_end(&mut answer_from, ANSWER_LIMIT))
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", ANSWER_DEADLINE.as_secs())));
    match answer {
        Ok(answer) if answer == STARTS => {}
        answer => {
            // Nothing was read nor shown: the daemon's exec can start the command instead.
            let told = match answer {
                Ok(answer) => printable(&answer),
                Err(reason) => reason,
            };
            let code =
                tokio::time::timeout(ANSWER_DEADLINE, read_to_end(&mut status, STATUS_LIMIT))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .and_then(|sent| request::parse_status(&sent));
            return Err(NotSpawned::Unavailable(match code {
                Some(code) => format!("its terminal did not start: {told} (exit status {code})"),
                None => format!("its terminal did not start: {told}"),
            }));
        }
    }
    Ok(Terminal {
        output: receiver(ends.out)?,
        input: pipe::Sender::from_owned_fd(input)
            .map_err(|err| NotSpawned::Failed(err.to_string()))?,
        control: TerminalControl {
            size: size_fifo,
            status,
            given: size,
            _fed: fed,
            _removed: removed,
        },
    })
}

impl TerminalControl {
    /// Gives the terminal `size`, unless it has it already. Best effort: a terminal that is
    /// ending reads no more resizes.
    pub(crate) fn set_size(&mut self, size: TerminalSize) {
        if self.given == Some(size) {
            return;
        }
        let line = size.resize_line();
        match rustix::io::write(&self.size, line.as_bytes()) {
            Ok(written) if written == line.len() => self.given = Some(size),
            Ok(_) => tracing::debug!("a resize to {size:?} was cut short"),
            Err(err) => tracing::debug!("resizing to {size:?}: {err}"),
        }
    }

    /// The exit status of the terminal's command, once its output has ended.
    ///
    /// # Errors
    /// [`NotSpawned::Failed`] when the container sent none back (it stopped, say).
    pub(crate) async fn exit_status(&mut self) -> Result<i32, NotSpawned> {
        let sent = read_to_end(&mut self.status, STATUS_LIMIT)
            .await
            .map_err(NotSpawned::Failed)?;
        relay::exit_status(&sent)
    }
}

/// Everything `from` carries until its end, at most `limit` bytes.
async fn read_to_end(from: &mut pipe::Receiver, limit: usize) -> Result<Vec<u8>, String> {
    let mut sent = Vec::new();
    let mut buf = [0_u8; 256];
    loop {
        match from.read(&mut buf).await {
            Ok(0) => return Ok(sent),
            Ok(n) if sent.len() + n > limit => {
                return Err(format!("it sent more than {limit} bytes"));
            }
            Ok(n) => sent.extend_from_slice(&buf[..n]),
            Err(err) => return Err(err.to_string()),
        }
    }
}

/// What a container wrote, as one line of text for `-v`.
fn printable(sent: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(sent)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(ANSWER_LIMIT)
        .collect();
    match text.trim() {
        "" => "it said nothing".to_owned(),
        text => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_container_said_is_one_printable_line() {
        assert_eq!(
            printable(b"no util-linux script(1)\n"),
            "no util-linux script(1)"
        );
        assert_eq!(printable(b"a\x1b[2Jb\r\n"), "a [2Jb");
        assert_eq!(printable(b""), "it said nothing");
    }
}
