//! The bridge between a blocking thread that writes or reads a tar archive and the async
//! side that feeds it to or from the daemon: a bounded channel of chunks, so memory stays
//! bounded whatever the repository's size.

use std::io::{self, BufWriter, Read, Write};

use tokio::sync::mpsc;

/// Chunks in flight between the archive thread and the daemon: memory stays bounded at
/// about `CHANNEL_CHUNKS * CHUNK_SIZE` whatever the repository's size. Small: with 8 chunks
/// of 256 KiB, `sk`'s peak memory copying a 214 MiB repository was a third above a tiny
/// one's (13.5 MiB against 10.1; issue 11 allows a fifth), for no speed a unix socket
/// needs.
const CHANNEL_CHUNKS: usize = 4;
/// The size of one chunk.
const CHUNK_SIZE: usize = 64 * 1024;

/// A chunk of archive bytes, or the error that ended the archive.
pub type Chunk = io::Result<Vec<u8>>;

/// A `Write` that sends chunks to the async side.
#[derive(Debug)]
pub struct ChunkSender {
    tx: mpsc::Sender<Chunk>,
}

impl Write for ChunkSender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tx
            .blocking_send(Ok(buf.to_vec()))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the daemon stopped reading"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A bounded channel for archive chunks: the writer for a blocking thread, a sender for the
/// error that ends the archive early, and the receiver for the upload body.
#[must_use]
pub fn chunk_channel() -> (
    BufWriter<ChunkSender>,
    mpsc::Sender<Chunk>,
    mpsc::Receiver<Chunk>,
) {
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    let errors = tx.clone();
    (
        BufWriter::with_capacity(CHUNK_SIZE, ChunkSender { tx }),
        errors,
        rx,
    )
}

/// A `Read` over chunks received from the async side (for downloads).
#[derive(Debug)]
pub struct ChunkReader {
    rx: mpsc::Receiver<Chunk>,
    current: Vec<u8>,
    offset: usize,
}

impl ChunkReader {
    /// Reads what `rx` delivers, until it closes.
    #[must_use]
    pub fn new(rx: mpsc::Receiver<Chunk>) -> Self {
        Self {
            rx,
            current: Vec::new(),
            offset: 0,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.offset == self.current.len() {
            match self.rx.blocking_recv() {
                Some(chunk) => {
                    self.current = chunk?;
                    self.offset = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.offset);
        buf[..n].copy_from_slice(&self.current[self.offset..self.offset + n]);
        self.offset += n;
        Ok(n)
    }
}
