//! Running a program in the foreground with the user's terminal.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use signal_hook::consts::{SIGINT, SIGQUIT};
use skipper_core::ExitStatus;

/// While alive, Ctrl-C and Ctrl-\ do not end `sk`: the terminal delivers them to the whole
/// foreground process group, so they reach the child, and `sk` stays to report the child's
/// own exit status. Handlers (unlike ignored signals) are reset by `exec`, so the child
/// gets the default behaviour.
#[derive(Debug)]
pub(crate) struct ForwardInterrupts {
    ids: Vec<signal_hook::SigId>,
}

impl ForwardInterrupts {
    pub(crate) fn install() -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let ids = [SIGINT, SIGQUIT]
            .into_iter()
            .filter_map(|signal| signal_hook::flag::register(signal, Arc::clone(&flag)).ok())
            .collect();
        Self { ids }
    }
}

impl Drop for ForwardInterrupts {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// Runs `command` with inherited stdio and returns its exit status (128 + signal number
/// when a signal ended it).
pub(crate) fn run_foreground(command: &mut Command) -> std::io::Result<ExitStatus> {
    let _interrupts = ForwardInterrupts::install();
    let status = command.status()?;
    Ok(exit_status(status))
}

pub(crate) fn exit_status(status: std::process::ExitStatus) -> ExitStatus {
    match (status.code(), status.signal()) {
        (Some(code), _) => ExitStatus(code),
        (None, Some(signal)) => ExitStatus(128 + signal),
        (None, None) => ExitStatus(1),
    }
}
