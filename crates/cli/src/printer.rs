//! Output: results on stdout, progress, warnings and errors on stderr. Colour follows
//! anstream's rules: only on a terminal, never with `NO_COLOR` or `CLICOLOR=0`, always with
//! `CLICOLOR_FORCE`.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use crate::error::{CliError, ExitStatus};

const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();
const HINT: Style = AnsiColor::Cyan.on_default();
const DIM: Style = Style::new().dimmed();

/// Whether stderr may carry colour.
pub fn colour_enabled() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Where `sk` writes.
#[derive(Debug)]
pub struct Printer {
    quiet: bool,
}

#[allow(
    clippy::unused_self,
    reason = "all output goes through the printer, even lines that need none of its state yet"
)]
impl Printer {
    pub fn new(quiet: bool) -> Self {
        Self { quiet }
    }

    /// Whether `--quiet` was given.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// A result line on stdout. A closed pipe is not an error.
    pub fn result(&self, line: &str) {
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }

    /// A progress or status line on stderr (silenced by `--quiet`).
    pub fn status(&self, line: &str) {
        if !self.quiet {
            let _ = writeln!(anstream::stderr(), "{line}");
        }
    }

    pub fn warning(&self, line: &str) {
        let _ = writeln!(anstream::stderr(), "{WARNING}warning:{WARNING:#} {line}");
    }

    pub fn error(&self, err: &CliError) {
        let mut stderr = anstream::stderr().lock();
        if err.status == ExitStatus::Cancelled {
            let _ = writeln!(stderr, "{DIM}cancelled{DIM:#}");
            return;
        }
        let _ = writeln!(stderr, "{ERROR}error:{ERROR:#} {}", err.message);
        for hint in &err.hints {
            let _ = writeln!(stderr, "  {HINT}-{HINT:#} {hint}");
        }
    }
}
