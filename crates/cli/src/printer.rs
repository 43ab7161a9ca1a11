//! Output: results on stdout, progress, warnings and errors on stderr, colour only on a
//! terminal and never with `NO_COLOR`.

use std::io::{IsTerminal, Write};

use crate::error::CliError;

/// Whether stderr may carry colour.
pub fn colour_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Where `sk` writes.
#[derive(Debug)]
pub struct Printer {
    quiet: bool,
    colour: bool,
}

impl Printer {
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            colour: colour_enabled(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// A result line on stdout. A closed pipe is not an error.
    pub fn result(&self, line: &str) {
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }

    /// A progress or status line on stderr (silenced by `--quiet`).
    pub fn status(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }

    pub fn warning(&self, line: &str) {
        eprintln!("{} {line}", self.paint("1;33", "warning:"));
    }

    pub fn error(&self, err: &CliError) {
        if err.status == crate::error::ExitStatus::Cancelled {
            eprintln!("{}", self.paint("2", "cancelled"));
            return;
        }
        eprintln!("{} {}", self.paint("1;31", "error:"), err.message);
        for hint in &err.hints {
            eprintln!("  {} {hint}", self.paint("36", "-"));
        }
    }
}
