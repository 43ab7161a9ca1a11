//! Output: results on stdout, progress, warnings and errors on stderr. Colour follows
//! anstream's rules: only on a terminal, never with `NO_COLOR` or `CLICOLOR=0`, always with
//! `CLICOLOR_FORCE`. Text from outside `sk` (paths, ref names, other programs' messages)
//! never reaches the terminal as control characters: see [`untrusted`].

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

use anstyle::{AnsiColor, Style};

use crate::error::{CliError, ExitStatus};

const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();
const HINT: Style = AnsiColor::Cyan.on_default();
const DIM: Style = Style::new().dimmed();

/// Whether `c` may not reach a terminal as it is: a control character (C0, DEL, C1) or a
/// bidirectional override, which reorders what is shown around it.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` from outside `sk` (a path, a branch or file name, git's or Docker's words) made
/// safe to print: every control character (C0, DEL, C1 such as CSI `\u{9b}`) and every
/// bidirectional override is written as an escape (`\e`, `\a`, `\n`, `\r`, `\t`,
/// `\u{9b}`), so it cannot move the cursor, retitle the window or fake a line of output.
pub fn untrusted(text: &str) -> Cow<'_, str> {
    if !text.contains(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{1b}' => safe.push_str("\\e"),
            '\u{7}' => safe.push_str("\\a"),
            '\n' => safe.push_str("\\n"),
            '\r' => safe.push_str("\\r"),
            '\t' => safe.push_str("\\t"),
            // Writing to a `String` cannot fail.
            c if is_unsafe(c) => {
                let _ = write!(safe, "\\u{{{:x}}}", u32::from(c));
            }
            c => safe.push(c),
        }
    }
    Cow::Owned(safe)
}

/// `text` safe to print, its line breaks kept: each line through [`untrusted`], and every
/// secret value masked (see [`crate::secrets::masked`]).
fn untrusted_lines(text: &str) -> String {
    crate::secrets::masked(text)
        .split('\n')
        .map(untrusted)
        .collect::<Vec<_>>()
        .join("\n")
}

/// JSON text whose strings hold no raw terminal control: `serde_json` escapes C0 controls
/// itself; DEL, C1 controls and bidirectional overrides are written `\u00XX`-style too
/// (the same string to a JSON reader).
fn json_escaped(json: &str) -> Cow<'_, str> {
    let json = crate::secrets::masked(json);
    if !json.contains(|c: char| c != '\n' && is_unsafe(c)) {
        return json;
    }
    let mut safe = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if c != '\n' && is_unsafe(c) {
            // Writing to a `String` cannot fail.
            let _ = write!(safe, "\\u{:04x}", u32::from(c));
        } else {
            safe.push(c);
        }
    }
    Cow::Owned(safe)
}

/// Whether stderr may carry colour.
pub fn colour_enabled() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Where `sk` writes.
#[derive(Debug)]
pub struct Printer {
    quiet: bool,
    /// Set for `sk mcp`, whose stdout is the protocol: results and warnings are kept here
    /// for the tool's answer instead (warnings still go to stderr too).
    captured: Option<Mutex<Captured>>,
}

/// What a capturing [`Printer`] kept, as written, unescaped (it travels in JSON strings,
/// never to a terminal).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Captured {
    /// Result lines (JSON as one entry each) and status lines, in order.
    pub messages: Vec<String>,
    pub warnings: Vec<String>,
}

#[allow(
    clippy::unused_self,
    reason = "all output goes through the printer, even lines that need none of its state yet"
)]
impl Printer {
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            captured: None,
        }
    }

    /// A printer whose results, status lines and warnings are kept (see [`Printer::take`]):
    /// results are not written to stdout, status lines and warnings still go to stderr
    /// (status lines unless `quiet`).
    pub fn capturing(quiet: bool) -> Self {
        Self {
            quiet,
            captured: Some(Mutex::new(Captured::default())),
        }
    }

    /// What a capturing printer kept so far, emptied; nothing for one that prints.
    pub fn take(&self) -> Captured {
        self.captured
            .as_ref()
            .map_or_else(Captured::default, |captured| {
                std::mem::take(&mut *captured.lock().unwrap_or_else(PoisonError::into_inner))
            })
    }

    /// Keeps `line` with `pick`'s list of a capturing printer; false for one that prints.
    fn keep(&self, pick: fn(&mut Captured) -> &mut Vec<String>, line: &str) -> bool {
        let Some(captured) = &self.captured else {
            return false;
        };
        pick(&mut captured.lock().unwrap_or_else(PoisonError::into_inner))
            .push(crate::secrets::masked(line).into_owned());
        true
    }

    /// Whether `--quiet` was given.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// A result line on stdout. A closed pipe is not an error.
    pub fn result(&self, line: &str) {
        if self.keep(|captured| &mut captured.messages, line) {
            return;
        }
        let _ = writeln!(std::io::stdout().lock(), "{}", untrusted_lines(line));
    }

    /// `value` as pretty JSON on stdout, for scripts.
    pub fn json(&self, value: &impl serde::Serialize) -> Result<(), CliError> {
        let json = serde_json::to_string_pretty(value)
            .map_err(|err| CliError::failure(format!("cannot write JSON: {err}")))?;
        if self.keep(|captured| &mut captured.messages, &json) {
            return Ok(());
        }
        let _ = writeln!(std::io::stdout().lock(), "{}", json_escaped(&json));
        Ok(())
    }

    /// A progress or status line on stderr (silenced by `--quiet`).
    pub fn status(&self, line: &str) {
        self.keep(|captured| &mut captured.messages, line);
        if !self.quiet {
            let _ = writeln!(anstream::stderr(), "{}", untrusted_lines(line));
        }
    }

    pub fn warning(&self, line: &str) {
        self.keep(|captured| &mut captured.warnings, line);
        let _ = writeln!(
            anstream::stderr(),
            "{WARNING}warning:{WARNING:#} {}",
            untrusted_lines(line)
        );
    }

    pub fn error(&self, err: &CliError) {
        let mut stderr = anstream::stderr().lock();
        if err.status == ExitStatus::Cancelled {
            let _ = writeln!(stderr, "{DIM}cancelled{DIM:#}");
            return;
        }
        let _ = writeln!(
            stderr,
            "{ERROR}error:{ERROR:#} {}",
            untrusted_lines(&err.message)
        );
        for hint in &err.hints {
            let _ = writeln!(stderr, "  {HINT}-{HINT:#} {}", untrusted_lines(hint));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_written_as_escapes() {
        assert_eq!(
            untrusted("x\u{1b}[2J\u{1b}]0;OWNED\u{7}.txt"),
            "x\\e[2J\\e]0;OWNED\\a.txt"
        );
        assert_eq!(untrusted("a\u{9b}31mb"), "a\\u{9b}31mb");
        assert_eq!(
            untrusted("a\nb\rc\td\u{0}e\u{7f}"),
            "a\\nb\\rc\\td\\u{0}e\\u{7f}"
        );
        assert_eq!(untrusted("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
    }

    #[test]
    fn ordinary_text_is_left_as_it_is() {
        for text in ["feat/x", "ünïcödé ✓", "a\\eb", "tab-free"] {
            assert!(
                matches!(untrusted(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn a_message_keeps_its_lines_and_loses_its_controls() {
        assert_eq!(
            untrusted_lines("failed:\n  x\u{1b}[2J\r\n"),
            "failed:\n  x\\e[2J\\r\n"
        );
    }

    #[test]
    fn json_strings_keep_their_meaning_without_raw_controls() {
        let json = serde_json::to_string(&["a\u{1b}b\u{9b}c\u{7f}d\u{202e}"]).unwrap();
        let escaped = json_escaped(&json);
        assert_eq!(escaped, r#"["a\u001bb\u009bc\u007fd\u202e"]"#);
        let back: Vec<String> = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, ["a\u{1b}b\u{9b}c\u{7f}d\u{202e}"]);
    }
}
