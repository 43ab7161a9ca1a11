//! The CLI's side of the core's progress port: a spinner on a terminal, nothing with
//! `--quiet`, log lines (seen with `-v`) otherwise.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use std::collections::VecDeque;
use std::sync::Mutex;

use skipper_core::{LiveOutput, NoProgress, Progress, Transfer};

use crate::printer::untrusted;

/// How progress reaches the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `--quiet`: nothing.
    Quiet,
    /// stderr is a terminal: lines and live meters.
    Terminal,
    /// stderr is a file or a pipe: log lines, shown with `-v`.
    Log,
}

/// Progress of long steps (image build, repository copy, clone), for the user.
#[derive(Debug)]
pub struct CliProgress {
    mode: Mode,
}

impl CliProgress {
    pub fn new(quiet: bool) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Terminal
        } else {
            Mode::Log
        };
        Self { mode }
    }
}

impl Progress for CliProgress {
    fn step(&self, line: &str) {
        match self.mode {
            Mode::Terminal => {
                // Build output and other engines' words: never raw control characters.
                let _ = writeln!(anstream::stderr(), "{}", untrusted(line));
            }
            Mode::Log => tracing::info!("{line}"),
            Mode::Quiet => {}
        }
    }

    fn notice(&self, line: &str) {
        match self.mode {
            Mode::Terminal | Mode::Log => {
                let _ = writeln!(anstream::stderr(), "note: {}", untrusted(line));
            }
            Mode::Quiet => {}
        }
    }

    fn detail(&self, line: &str) {
        match self.mode {
            Mode::Terminal => {
                let _ = writeln!(anstream::stderr(), "  {}", untrusted(line));
            }
            Mode::Log => tracing::debug!("{line}"),
            Mode::Quiet => {}
        }
    }

    fn transfer(&self, label: &str) -> Box<dyn Transfer> {
        match self.mode {
            Mode::Terminal => Box::new(Spinner::new(label)),
            Mode::Log => Box::new(Logged::new(label)),
            Mode::Quiet => Box::new(NoProgress),
        }
    }

    fn output(&self, label: &str) -> Box<dyn LiveOutput> {
        match self.mode {
            Mode::Terminal => Box::new(LiveTail::new(label)),
            Mode::Log => Box::new(LoggedOutput),
            Mode::Quiet => Box::new(NoProgress),
        }
    }

    fn live(&self) -> bool {
        self.mode == Mode::Terminal
    }

    fn passthrough(&self, bytes: &[u8]) {
        if self.mode == Mode::Terminal {
            let mut stderr = std::io::stderr().lock();
            let _ = stderr.write_all(bytes);
            let _ = stderr.flush();
        }
    }
}

/// A spinner with the bytes moved and the rate.
struct Spinner(indicatif::ProgressBar);

impl Spinner {
    fn new(label: &str) -> Self {
        let bar = indicatif::ProgressBar::new_spinner().with_message(label.to_owned());
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} {msg}: {bytes} ({bytes_per_sec})")
        {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(bar)
    }
}

impl Transfer for Spinner {
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// A transfer logged when it ends, with its size.
struct Logged {
    label: String,
    bytes: std::sync::atomic::AtomicU64,
}

impl Logged {
    fn new(label: &str) -> Self {
        tracing::debug!("{label}");
        Self {
            label: label.to_owned(),
            bytes: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl Transfer for Logged {
    fn advance(&self, bytes: u64) {
        self.bytes
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    fn finish(&self) {
        let bytes = self.bytes.load(std::sync::atomic::Ordering::Relaxed);
        tracing::info!("{}: {bytes} bytes", self.label);
    }
}

/// How many lines of a step's output the live view shows.
const LIVE_LINES: usize = 5;

/// How many characters of each line the live view shows.
const LIVE_WIDTH: usize = 100;

/// A spinner with the current heading, and under it the last lines of output, each cut to
/// [`LIVE_WIDTH`] characters; a finished heading stays above it.
struct LiveTail {
    bar: indicatif::ProgressBar,
    label: String,
    state: Mutex<(String, VecDeque<String>)>,
}

impl LiveTail {
    fn new(label: &str) -> Self {
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        let tail = Self {
            bar,
            label: untrusted(label).into_owned(),
            state: Mutex::new((String::new(), VecDeque::new())),
        };
        tail.draw("", &VecDeque::new());
        tail
    }

    /// Redraws the view: the label and heading, then the output lines.
    fn draw(&self, heading: &str, lines: &VecDeque<String>) {
        // A build's lines can be hundreds of characters long: the view shows their start.
        let cut = |text: &str| -> String { text.chars().take(LIVE_WIDTH).collect() };
        let mut message = cut(&if heading.is_empty() {
            self.label.clone()
        } else {
            format!("{}: {heading}", self.label)
        });
        for line in lines {
            message.push_str("\n    ");
            message.push_str(&cut(line));
        }
        self.bar.set_message(message);
    }
}

impl LiveOutput for LiveTail {
    fn heading(&self, line: &str) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if !state.0.is_empty() {
            self.bar.println(format!("  {}", state.0));
        }
        state.0 = untrusted(line).into_owned();
        state.1.clear();
        self.draw(&state.0, &state.1);
    }

    fn line(&self, line: &str) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if state.1.len() == LIVE_LINES {
            state.1.pop_front();
        }
        state.1.push_back(untrusted(line).into_owned());
        self.draw(&state.0, &state.1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Output logged line by line, seen with `-v`.
struct LoggedOutput;

impl LiveOutput for LoggedOutput {
    fn heading(&self, line: &str) {
        tracing::info!("{line}");
    }

    fn line(&self, line: &str) {
        tracing::debug!("{line}");
    }

    fn finish(&self) {}
}
