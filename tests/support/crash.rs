//! Killing `sk` at a named fault point (`SK_FAULT_AT`, debug builds only) and checking
//! that it died there, for the crash suite: no sleeps, the process kills itself at the
//! exact phase.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Output;

use super::TestEnv;

/// Whom a fault point kills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kill {
    /// `sk` alone, as `kill -9 <pid>` does: programs it started run on.
    Sk,
    /// `sk`'s whole process group (`SK_FAULT_MODE=kill-group`), as closing the terminal
    /// does: git and whatever `sk` started die with it. `sk` runs in a group of its own.
    Group,
}

impl TestEnv {
    /// Runs `sk args` with `SK_FAULT_AT=point` and asserts that it was killed by SIGKILL
    /// there (so the point was reached); returns what it printed before.
    pub fn killed_at(&self, point: &str, kill: Kill, args: &[&str]) -> Output {
        let mut command = self.sk();
        command.env("SK_FAULT_AT", point).args(args);
        if kill == Kill::Group {
            command.env("SK_FAULT_MODE", "kill-group").process_group(0);
        }
        let output = command.output().unwrap();
        assert_eq!(
            output.status.signal(),
            Some(9),
            "sk {args:?} was not killed at {point}: {}",
            self.screen(&output)
        );
        output
    }
}
