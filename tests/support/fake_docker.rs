//! Docker daemons that go wrong, on a Unix socket in the test's directory: one that never
//! answers (a socket nobody accepts on), one that answers its ping and version query and
//! nothing else, and one that also answers container listings as Podman 4 does.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A socket that takes connections (the kernel queues them) and never says a word: nobody
/// accepts them. [`Self::connections`] counts what was queued.
pub struct SilentSocket {
    path: PathBuf,
    listener: UnixListener,
    seen: std::cell::Cell<usize>,
}

impl SilentSocket {
    pub fn bind(dir: &Path) -> Self {
        let path = dir.join("silent-docker.sock");
        let listener = UnixListener::bind(&path).unwrap();
        listener.set_nonblocking(true).unwrap();
        Self {
            path,
            listener,
            seen: std::cell::Cell::new(0),
        }
    }

    /// `DOCKER_HOST` for this socket.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// How many connections were ever made to the socket: those queued since the last call
    /// are taken off the queue and counted.
    pub fn connections(&self) -> usize {
        while self.listener.accept().is_ok() {
            self.seen.set(self.seen.get() + 1);
        }
        self.seen.get()
    }
}

/// A daemon that answers `GET /_ping` and `GET /version` (also under a version prefix such
/// as `/v1.47/version`), `GET /containers/json` when given a listing, and holds every other
/// request open without an answer. Stopped on drop.
pub struct PingOnlyDaemon {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    accepting: Option<std::thread::JoinHandle<()>>,
}

impl PingOnlyDaemon {
    pub fn start(dir: &Path) -> Self {
        Self::answering(dir, "ping-only-docker.sock", None)
    }

    /// A daemon that also answers every container listing with `listing` (a JSON array),
    /// whatever its filters.
    pub fn listing(dir: &Path, listing: &'static str) -> Self {
        Self::answering(dir, "listing-docker.sock", Some(listing))
    }

    fn answering(dir: &Path, socket: &str, listing: Option<&'static str>) -> Self {
        let path = dir.join(socket);
        let listener = UnixListener::bind(&path).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let accepting = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    // Ends when the client hangs up.
                    std::thread::spawn(move || serve(stream, listing));
                }
            }
        });
        Self {
            path,
            stop,
            accepting: Some(accepting),
        }
    }

    /// `DOCKER_HOST` for this daemon.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.path.display())
    }
}

impl Drop for PingOnlyDaemon {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which then sees the flag.
        let _ = UnixStream::connect(&self.path);
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
    }
}

/// Answers the requests on one connection until one goes unanswered or the client leaves.
fn serve(stream: UnixStream, listing: Option<&'static str>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        // The headers, up to the empty line; the answered requests carry no body.
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" || header == "\n" {
                break;
            }
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("");
        let path = path.split('?').next().unwrap_or("");
        let (content_type, body) = if path.ends_with("/_ping") {
            ("text/plain", "OK".to_owned())
        } else if path.ends_with("/version") {
            (
                "application/json",
                r#"{"Version":"27.0.0","ApiVersion":"1.47","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64"}"#
                    .to_owned(),
            )
        } else if let Some(listing) = listing.filter(|_| path.ends_with("/containers/json")) {
            ("application/json", listing.to_owned())
        } else {
            // Never answered: wait for the client to give up and close.
            let mut rest = Vec::new();
            let _ = std::io::Read::read_to_end(&mut reader, &mut rest);
            return;
        };
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nApi-Version: 1.47\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}
