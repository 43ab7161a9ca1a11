//! A command's output kept for a tool's answer, up to a limit: past it, its start and its
//! end, with a note in between saying how much was left out.

use std::collections::VecDeque;
use std::io::Write;

/// How much of each stream a tool's answer holds.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// Bytes written, the first half of `limit` and the last half kept.
#[derive(Debug)]
pub struct Capped {
    limit: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
}

/// What [`Capped`] kept, as text.
#[derive(Debug, PartialEq, Eq)]
pub struct Kept {
    /// The output (invalid UTF-8 replaced), with the note where bytes were left out.
    pub text: String,
    /// Whether bytes were left out.
    pub truncated: bool,
    /// How many bytes were written in all.
    pub bytes: u64,
}

impl Capped {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            head: Vec::new(),
            tail: VecDeque::new(),
            total: 0,
        }
    }

    /// What was kept, with a note in the middle when some was left out.
    pub fn kept(self) -> Kept {
        let kept = self.head.len() + self.tail.len();
        let left_out = self.total - kept as u64;
        let mut bytes = self.head;
        if left_out > 0 {
            bytes.extend_from_slice(
                format!(
                    "\n[sk: {left_out} bytes left out here; the output was {} bytes, of which the first {} and the last {} are shown]\n",
                    self.total,
                    bytes.len(),
                    self.tail.len()
                )
                .as_bytes(),
            );
        }
        bytes.extend(self.tail);
        Kept {
            text: String::from_utf8_lossy(&bytes).into_owned(),
            truncated: left_out > 0,
            bytes: self.total,
        }
    }
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.total += buf.len() as u64;
        let room = (self.limit / 2).saturating_sub(self.head.len());
        let (head, rest) = buf.split_at(room.min(buf.len()));
        self.head.extend_from_slice(head);
        let tail_limit = self.limit - self.limit / 2;
        // Only the last `tail_limit` bytes of `rest` can stay.
        let rest = &rest[rest.len().saturating_sub(tail_limit)..];
        let overflow = (self.tail.len() + rest.len()).saturating_sub(tail_limit);
        self.tail.drain(..overflow);
        self.tail.extend(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(limit: usize, chunks: &[&[u8]]) -> Kept {
        let mut capped = Capped::new(limit);
        for chunk in chunks {
            capped.write_all(chunk).unwrap();
        }
        capped.kept()
    }

    #[test]
    fn output_within_the_limit_is_kept_whole() {
        let kept = written(10, &[b"hello ", b"you!"]);
        assert_eq!(
            kept,
            Kept {
                text: "hello you!".to_owned(),
                truncated: false,
                bytes: 10
            }
        );
    }

    #[test]
    fn past_the_limit_the_start_and_the_end_are_kept_around_a_note() {
        let kept = written(8, &[b"abcdef", b"ghij", b"klmnop"]);
        assert!(kept.truncated);
        assert_eq!(kept.bytes, 16);
        assert_eq!(
            kept.text,
            "abcd\n[sk: 8 bytes left out here; the output was 16 bytes, of which the first 4 and the last 4 are shown]\nmnop"
        );
    }

    #[test]
    fn one_large_write_keeps_its_own_end() {
        let kept = written(4, &[b"0123456789"]);
        assert!(kept.text.starts_with("01\n[sk: 6 bytes left out"));
        assert!(kept.text.ends_with("]\n89"));
    }
}
