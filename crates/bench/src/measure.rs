//! Timing: one command's wall time, two commands alternated run by run, medians, and the
//! peak resident memory of one process (its children excluded).

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// Runs `command` (its output discarded unless it was set otherwise) and returns how long
/// it took, failing unless it succeeded.
///
/// # Errors
/// Its failure to start, or its exit status.
pub fn time(command: &mut Command) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let status = command
        .status()
        .with_context(|| format!("could not start {command:?}"))?;
    let took = started.elapsed();
    if !status.success() {
        bail!("{command:?} failed ({status}); run it by hand to see why");
    }
    Ok(took)
}

/// Both sides of a row, run for run.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// `sk`'s times.
    pub sk: Vec<Duration>,
    /// The baseline's times.
    pub baseline: Vec<Duration>,
}

impl Samples {
    /// The ratio of `sk`'s median to the baseline's.
    pub fn ratio(&self) -> f64 {
        median(&self.sk).as_secs_f64() / median(&self.baseline).as_secs_f64().max(1e-9)
    }
}

/// The median of `samples` (the mean of the middle two for an even count).
pub fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

/// Runs `sk` and `baseline` `runs` times each after `warmup` untimed rounds, alternating
/// which goes first, so that both see the same disk cache and load. Each is given the
/// run's number (warmup rounds count on from `runs`) and returns the time it measured,
/// leaving out any preparation or cleanup of its own.
///
/// # Errors
/// The first failure of either side.
pub fn alternate(
    runs: usize,
    warmup: usize,
    mut sk: impl FnMut(usize) -> anyhow::Result<Duration>,
    mut baseline: impl FnMut(usize) -> anyhow::Result<Duration>,
) -> anyhow::Result<Samples> {
    for round in 0..warmup {
        sk(runs + round)?;
        baseline(runs + round)?;
    }
    let mut samples = Samples::default();
    for run in 0..runs {
        if run % 2 == 0 {
            samples.sk.push(sk(run)?);
            samples.baseline.push(baseline(run)?);
        } else {
            samples.baseline.push(baseline(run)?);
            samples.sk.push(sk(run)?);
        }
    }
    Ok(samples)
}

/// Runs `command` and returns its wall time and the peak resident set of that process
/// alone (`VmHWM`, read from `/proc` until it exits; its children are processes of their
/// own and not counted).
///
/// # Errors
/// Its failure to start, or its exit status.
pub fn peak_rss(command: &mut Command) -> anyhow::Result<(Duration, u64)> {
    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("could not start {command:?}"))?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = fs_err::read_to_string(&status_file)
            && let Some(kib) = text
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
        {
            peak = peak.max(kib * 1024);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        // Sampling, not synchronisation: VmHWM only grows, so the last reading before
        // exit is the peak to within what the last millisecond allocated.
        std::thread::sleep(Duration::from_millis(1));
    };
    let took = started.elapsed();
    if !status.success() {
        bail!("{command:?} failed ({status})");
    }
    Ok((took, peak))
}
