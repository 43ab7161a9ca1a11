//! What the user's terminal is attached to: decided once here, and handed to the sandbox
//! as an I/O mode (a sandbox never looks at the process's stdio by itself).

use std::io::IsTerminal;

use skipper_core::{ExecIo, SessionIo};

/// The I/O of a command run with `sk`'s own stdio: on a terminal when stdin, stdout and
/// stderr all are one (as `docker exec -it`), else the streams as they are.
pub fn exec_io() -> ExecIo<'static> {
    let stdin = std::io::stdin().is_terminal();
    if stdin && std::io::stdout().is_terminal() && std::io::stderr().is_terminal() {
        ExecIo::Terminal
    } else {
        ExecIo::Inherited {
            stdin_is_terminal: stdin,
            no_color: false,
        }
    }
}

/// The I/O of the coding agent: [`exec_io`], and when stdout is not a terminal (a file, a
/// pipe) no terminal for the agent and `NO_COLOR=1`, so its output holds no colour codes.
pub fn agent_io() -> ExecIo<'static> {
    match exec_io() {
        ExecIo::Inherited {
            stdin_is_terminal, ..
        } => ExecIo::Inherited {
            stdin_is_terminal,
            no_color: !std::io::stdout().is_terminal(),
        },
        io => io,
    }
}

/// Whether an interactive session has the user's terminal (stdin and stdout).
pub fn session_io() -> SessionIo {
    SessionIo {
        terminal: std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
    }
}
