//! Running a program in the foreground with the user's terminal.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;

use signal_hook::consts::{SIGINT, SIGQUIT};
use skipper_core::{CommandStatus, PipedIo};

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
pub(crate) fn run_foreground(command: &mut Command) -> std::io::Result<CommandStatus> {
    let _interrupts = ForwardInterrupts::install();
    let status = command.status()?;
    Ok(exit_status(status))
}

/// Runs `command` with its streams on `io` and returns its exit status. stdout and stderr
/// are copied as they come; stdin is copied and then closed, so the command sees its end.
/// Each interrupt sends SIGINT to the command, a second one SIGKILL.
pub(crate) fn run_piped(command: &mut Command, io: PipedIo<'_>) -> std::io::Result<CommandStatus> {
    let PipedIo {
        stdin,
        stdout,
        stderr,
        interrupts,
    } = io;
    if interrupts.is_some() {
        receive_interrupts(command);
    }
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let (child_in, child_out, child_err) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let done = AtomicBool::new(false);
    let status = std::thread::scope(|scope| {
        if let (Some(mut reader), Some(mut input)) = (stdin, child_in) {
            // The command may exit without reading: a failed write is not our failure.
            scope.spawn(move || {
                let _ = std::io::copy(&mut reader, &mut input);
            });
        }
        if let Some(interrupts) = interrupts {
            let done = &done;
            scope.spawn(move || {
                let mut count = 0;
                while !done.load(Ordering::Relaxed) {
                    match interrupts.recv_timeout(std::time::Duration::from_millis(50)) {
                        Ok(()) => {
                            count += 1;
                            let signal = if count == 1 { "-INT" } else { "-KILL" };
                            let _ = Command::new("kill")
                                .args([signal, &pid.to_string()])
                                .status();
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            });
        }
        let err_copy = child_err.map(|pipe| scope.spawn(move || copy_or_end(pipe, stderr, pid)));
        if let Some(pipe) = child_out {
            copy_or_end(pipe, stdout, pid);
        }
        if let Some(handle) = err_copy {
            let _ = handle.join();
        }
        let status = child.wait();
        done.store(true, Ordering::Relaxed);
        status
    })?;
    Ok(exit_status(status))
}

/// Makes SIGINT and SIGQUIT end `command` (or run its traps) even when `sk` itself was
/// started with them ignored, as a shell does with `&` when job control is off: an ignored
/// signal stays ignored across `exec`, and a shell cannot even trap a signal that was
/// ignored when it started, so the interrupt `sk` sends would never reach the command.
fn receive_interrupts(command: &mut Command) {
    #[allow(unsafe_code)]
    // SAFETY: the closure runs in the forked child before `exec` and only calls
    // `signal(2)`, which is async-signal-safe; it touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            for signal in [libc::SIGINT, libc::SIGQUIT] {
                if libc::signal(signal, libc::SIG_DFL) == libc::SIG_ERR {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

/// Copies a command's output to `out`. Output that cannot be written (a closed pipe) ends
/// the command with SIGTERM, as a shell pipeline would; the rest is drained so it never
/// blocks.
fn copy_or_end(mut pipe: impl Read, out: &mut (dyn Write + Send), pid: u32) {
    if std::io::copy(&mut pipe, out).is_err() {
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
    }
}

pub(crate) fn exit_status(status: std::process::ExitStatus) -> CommandStatus {
    match (status.code(), status.signal()) {
        (Some(code), _) => CommandStatus(code),
        (None, Some(signal)) => CommandStatus(128 + signal),
        (None, None) => CommandStatus(1),
    }
}
