//! The progress port: how adapters tell the user about long steps without printing
//! themselves. The CLI implements it (a spinner on a terminal, nothing with `--quiet`, log
//! lines with `--verbose`).

use std::fmt::Debug;

/// Where an adapter reports what a long operation is doing. Every method is cheap and
/// never fails: progress is for the user, never part of an operation's result.
pub trait Progress: Send + Sync + Debug {
    /// A long step begins or ends, as a sentence ("Building the workspace image ...").
    fn step(&self, line: &str);

    /// A detail of the current step (one step of an image build).
    fn detail(&self, line: &str);

    /// Something the user should know, said once by the adapter (how a setting is
    /// honoured, say): shown off a terminal too, unless the user asked for quiet.
    fn notice(&self, line: &str) {
        self.step(line);
    }

    /// A transfer of unknown size begins, described by `label`; the returned meter counts
    /// its bytes.
    fn transfer(&self, label: &str) -> Box<dyn Transfer>;

    /// A long step whose own output comes line by line begins (an image build), described
    /// by `label`; the returned view shows that output as it comes (on a terminal, the last
    /// few lines under the current heading) and disappears when finished.
    fn output(&self, label: &str) -> Box<dyn LiveOutput>;

    /// Whether the user watches live progress: a tool's own progress display (git's) may
    /// then be passed on with [`Progress::passthrough`].
    fn live(&self) -> bool;

    /// Bytes of a tool's own progress display, shown as they are when [`Progress::live`].
    fn passthrough(&self, bytes: &[u8]);
}

/// The meter of one transfer.
pub trait Transfer: Send + Sync {
    /// `bytes` more were moved.
    fn advance(&self, bytes: u64);

    /// The transfer is over (done or failed); the meter disappears.
    fn finish(&self);
}

/// The live view of one step's output.
pub trait LiveOutput: Send + Sync {
    /// A new part of the output begins (one step of a build), as a short line.
    fn heading(&self, line: &str);

    /// One more line of output.
    fn line(&self, line: &str);

    /// The output is over (done or failed); the view disappears.
    fn finish(&self);
}

/// Progress that nobody watches: for tests and quiet callers.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn step(&self, _line: &str) {}

    fn detail(&self, _line: &str) {}

    fn transfer(&self, _label: &str) -> Box<dyn Transfer> {
        Box::new(NoProgress)
    }

    fn output(&self, _label: &str) -> Box<dyn LiveOutput> {
        Box::new(NoProgress)
    }

    fn live(&self) -> bool {
        false
    }

    fn passthrough(&self, _bytes: &[u8]) {}
}

impl Transfer for NoProgress {
    fn advance(&self, _bytes: u64) {}

    fn finish(&self) {}
}

impl LiveOutput for NoProgress {
    fn heading(&self, _line: &str) {}

    fn line(&self, _line: &str) {}

    fn finish(&self) {}
}
