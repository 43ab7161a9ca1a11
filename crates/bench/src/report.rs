//! `docs/benchmarks.md`: the table, the machine and the date.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Context as _;

use crate::measure::median;
use crate::rows::{Results, mib, millis};

/// What the numbers were measured on.
#[derive(Debug)]
pub struct Machine {
    cores: usize,
    memory: String,
    docker: String,
    kernel: String,
    date: String,
}

impl Machine {
    /// Reads the machine: cores, memory, the Docker daemon's version, the kernel, today.
    ///
    /// # Errors
    /// The failure to run `docker`, `uname` or `date`.
    pub fn read() -> anyhow::Result<Self> {
        let run = |program: &str, args: &[&str]| -> anyhow::Result<String> {
            let output = std::process::Command::new(program).args(args).output()?;
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        };
        let memory = fs_err::read_to_string("/proc/meminfo")?
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kib| format!("{:.1} GiB", mib(kib * 1024) / 1024.0))
            .context("no MemTotal in /proc/meminfo")?;
        Ok(Self {
            cores: std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            memory,
            docker: run("docker", &["version", "--format", "{{.Server.Version}}"])?,
            kernel: run("uname", &["-sr"])?,
            date: run("date", &["-u", "+%Y-%m-%d %H:%M UTC"])?,
        })
    }
}

/// The report, as markdown.
/// `shortfalls` (see [`SHORTFALLS`]) goes at the end when there is one.
pub fn markdown(
    results: &Results,
    machine: &Machine,
    took: Duration,
    shortfalls: Option<&str>,
) -> String {
    let mut out = String::new();
    // Writing to a `String` cannot fail.
    let _ = writeln!(
        out,
        "# Benchmarks\n\nMeasured by `benches/run.sh` on {}: {} cores, {} of memory, Docker {}, {}. \
         The whole run took {:.0} s. Each row alternates `sk` and its baseline run by run, \
         in the same run, and gives the ratio of their medians; lower is better.\n",
        machine.date,
        machine.cores,
        machine.memory,
        machine.docker,
        machine.kernel,
        took.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| id | sk | baseline, same run | runs | sk median | baseline median | ratio | target | met |\n|---|---|---|---|---|---|---|---|---|"
    );
    for row in &results.rows {
        let ratio = row.samples.ratio();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.1} ms | {:.1} ms | {:.2} | ≤ {} | {} |",
            row.id,
            row.sk,
            row.baseline,
            row.samples.sk.len(),
            millis(median(&row.samples.sk)),
            millis(median(&row.samples.baseline)),
            ratio,
            row.target,
            if ratio <= row.target { "yes" } else { "**no**" }
        );
    }
    let peak = results.memory.iter().map(|m| m.bytes).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "\n## M1: peak memory of the `sk` process (children excluded; target ≤ 32 MiB, small and large within 20%)\n\nHighest: {:.1} MiB ({}).\n",
        mib(peak),
        if mib(peak) <= 32.0 {
            "met"
        } else {
            "**not met**"
        }
    );
    for memory in &results.memory {
        let _ = writeln!(out, "- {}: {:.1} MiB", memory.what, mib(memory.bytes));
    }
    let _ = writeln!(out, "\n## Without a target\n");
    for extra in &results.extras {
        let _ = writeln!(out, "- {}: {}", extra.what, extra.value);
    }
    if let Some(shortfalls) = shortfalls {
        let _ = write!(out, "\n{}", shortfalls.trim_end());
        out.push('\n');
    }
    out
}

/// Where the hand-kept account of unmet targets lives (what was measured, what was tried,
/// why it falls short), appended to the report as it is.
pub const SHORTFALLS: &str = "benches/shortfalls.md";
