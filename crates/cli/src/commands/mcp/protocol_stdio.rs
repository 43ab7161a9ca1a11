//! The protocol's own stdin and stdout. `sk mcp` moves the two streams it was started with
//! to descriptors of their own (closed on exec), then points descriptor 0 at `/dev/null`
//! and descriptor 1 at stderr: nothing else in the process, no stray print and no child
//! process inheriting its stdio (git, a hook), can read a request or write into the
//! protocol.

use std::fs::File;

/// The protocol's input and output, with stdin and stdout moved out of the way.
pub fn take() -> std::io::Result<(File, File)> {
    // Descriptors from 3 up: 0, 1 and 2 keep their places.
    let input = rustix::io::fcntl_dupfd_cloexec(std::io::stdin(), 3)?;
    let output = rustix::io::fcntl_dupfd_cloexec(std::io::stdout(), 3)?;
    let nothing = fs_err::File::open("/dev/null")?;
    rustix::stdio::dup2_stdin(&nothing)?;
    rustix::stdio::dup2_stdout(std::io::stderr())?;
    Ok((File::from(input), File::from(output)))
}
