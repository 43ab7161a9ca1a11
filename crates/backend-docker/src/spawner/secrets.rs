//! A request's secrets, handed to its script through the FIFO `secrets` in its directory:
//! the script reads them first thing (see [`super::request::run_script`]), and their values
//! pass through the FIFO alone, never a file in the data root.

use std::io::{self, Write as _};
use std::os::fd::OwnedFd;

use super::{PICKUP_POLL, fifo};

/// The task writing a request's secrets; dropping it stops the task, for a request that
/// ends before its script read them.
#[derive(Debug)]
pub(super) struct SecretFeed(tokio::task::JoinHandle<()>);

impl Drop for SecretFeed {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Writes `text` into the FIFO `secrets` in the request's directory `dir` once the
/// script opens it for reading, then closes it, which ends the script's read.
///
/// # Errors
/// The failure to keep `dir` open for the task.
pub(super) fn feed(dir: &OwnedFd, text: String) -> io::Result<SecretFeed> {
    let dir = dir.try_clone()?;
    Ok(SecretFeed(tokio::spawn(async move {
        let fd = loop {
            match fifo::open_fifo(&dir, "secrets", fifo::End::Write) {
                Ok(fd) => break fd,
                Err(err) if fifo::is_no_reader(&err) => tokio::time::sleep(PICKUP_POLL).await,
                Err(err) => {
                    tracing::debug!("opening a request's secrets FIFO: {err}");
                    return;
                }
            }
        };
        let written = tokio::task::spawn_blocking(move || write_all(fd, text.as_bytes())).await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::debug!("writing a request's secrets: {err}"),
            Err(err) => tracing::debug!("writing a request's secrets: {err}"),
        }
    })))
}

/// Writes `bytes` to the FIFO `fd`, made blocking first: its reader is there.
fn write_all(fd: OwnedFd, bytes: &[u8]) -> io::Result<()> {
    rustix::fs::fcntl_setfl(&fd, rustix::fs::OFlags::empty())?;
    std::fs::File::from(fd).write_all(bytes)
}
