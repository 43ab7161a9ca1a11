//! How a command's standard streams are connected. The caller decides (it knows whether
//! the user's terminal is there); a sandbox never looks at the process's stdio by itself.

use std::io::{Read, Write};
use std::sync::mpsc::Receiver;

/// Where a command run in a workspace reads and writes.
pub enum ExecIo<'a> {
    /// stdin, stdout and stderr are all the user's terminal: the command gets a terminal
    /// too (as `docker exec -it` would give it), sized like the user's.
    Terminal,
    /// The process's own stdin, stdout and stderr, which are not all a terminal.
    Inherited {
        /// stdin is a terminal. A sandbox that cannot hand a terminal on to a command
        /// without one gives it an empty stdin instead, so it never waits for an end of
        /// file the user has no reason to type.
        stdin_is_terminal: bool,
        /// The command is asked for output without colour: `NO_COLOR=1` in its
        /// environment (the caller's choice, e.g. when stdout is not a terminal).
        no_color: bool,
    },
    /// Streams the caller gives: captured output, scripted input.
    Piped(PipedIo<'a>),
}

/// The streams of [`ExecIo::Piped`].
pub struct PipedIo<'a> {
    /// Forwarded to the command, its end delivered as end of file; `None` gives the
    /// command an empty stdin.
    pub stdin: Option<Box<dyn Read + Send>>,
    /// Receives the command's stdout.
    pub stdout: &'a mut (dyn Write + Send),
    /// Receives the command's stderr.
    pub stderr: &'a mut (dyn Write + Send),
    /// Each message is a Ctrl-C for the command: the first interrupts it (SIGINT), a
    /// second kills it.
    pub interrupts: Option<Receiver<()>>,
}

impl std::fmt::Debug for ExecIo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Terminal => f.write_str("Terminal"),
            Self::Inherited {
                stdin_is_terminal,
                no_color,
            } => f
                .debug_struct("Inherited")
                .field("stdin_is_terminal", stdin_is_terminal)
                .field("no_color", no_color)
                .finish(),
            Self::Piped(piped) => f.debug_tuple("Piped").field(piped).finish(),
        }
    }
}

impl std::fmt::Debug for PipedIo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipedIo")
            .field("stdin", &self.stdin.is_some())
            .field("interrupts", &self.interrupts.is_some())
            .finish_non_exhaustive()
    }
}

/// Whether the user's terminal is there for an interactive session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionIo {
    /// stdin and stdout are a terminal.
    pub terminal: bool,
}
