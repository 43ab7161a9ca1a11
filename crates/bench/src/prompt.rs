//! Time to a shell prompt through a pseudo-terminal, as a user at a terminal sees it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use expectrl::Expect as _;

/// Starts `command` on a new pseudo-terminal and returns how long it took until a shell
/// prompt (`$ ` or `# ` at the end of the output) appeared; then leaves the shell with
/// `exit`, untimed.
///
/// # Errors
/// The failure to start it, or no prompt within a minute.
pub fn until_prompt(mut command: Command) -> anyhow::Result<Duration> {
    command
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let started = Instant::now();
    let mut session = expectrl::Session::spawn(command).context("could not start on a PTY")?;
    session.set_expect_timeout(Some(Duration::from_mins(1)));
    session
        .expect(expectrl::Regex("[#$] $"))
        .context("no shell prompt within a minute")?;
    let took = started.elapsed();
    session.send_line("exit")?;
    session
        .expect(expectrl::Eof)
        .context("the shell did not end after exit")?;
    Ok(took)
}
