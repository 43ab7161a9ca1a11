//! `sk-bench`: the benchmark suite. It builds its own inputs (a small repository and a
//! large one, each with a bare origin), measures every row of `docs/benchmarks.md` against
//! its baseline (git or the docker CLI doing the same by hand) in one run, alternating the
//! two so that both see the same machine, prints each row as a ratio of medians and writes
//! `docs/benchmarks.md`.
//!
//! Run it through `benches/run.sh`, which builds a release `sk` first. Nothing here
//! asserts a duration: the targets are reported, met or not.

mod inputs;
mod lab;
mod measure;
mod prompt;
mod report;
mod rows;

use std::path::PathBuf;

use anyhow::{Context as _, bail};

/// What the command line asked for.
#[derive(Debug)]
struct Options {
    /// The `sk` binary measured.
    sk: PathBuf,
    /// Where the report goes.
    out: PathBuf,
    /// Fewer runs and no 200-workspace listing: a quick look, not a report.
    quick: bool,
    /// Only these rows (`--only B1,B7`): a look, not a report.
    only: Option<Vec<String>>,
}

fn options() -> anyhow::Result<Options> {
    let mut sk = None;
    let mut out = PathBuf::from("docs/benchmarks.md");
    let mut quick = false;
    let mut only = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--sk") => sk = args.next().map(PathBuf::from),
            Some("--out") => {
                out = args
                    .next()
                    .map(PathBuf::from)
                    .context("--out needs a path")?;
            }
            Some("--quick") => quick = true,
            Some("--only") => {
                let rows = args.next().context("--only needs rows, e.g. B1,B7")?;
                only = Some(
                    rows.to_string_lossy()
                        .split(',')
                        .map(|row| row.trim().to_owned())
                        .collect(),
                );
            }
            Some("-h" | "--help") => {
                println!(
                    "usage: sk-bench --sk <path to sk> [--out docs/benchmarks.md] [--quick] [--only B1,B7,...,M1,extras]"
                );
                std::process::exit(0);
            }
            _ => bail!("unknown argument {} (see --help)", arg.display()),
        }
    }
    let sk = sk.context("--sk <path to a release sk> is needed")?;
    Ok(Options {
        sk: fs_err::canonicalize(sk)?,
        out,
        quick,
        only,
    })
}

fn main() -> anyhow::Result<()> {
    let options = options()?;
    let lab = lab::Lab::new(&options.sk)?;
    let started = std::time::Instant::now();
    let results = rows::all(&lab, options.quick, options.only.as_deref())?;
    let shortfalls = fs_err::read_to_string(report::SHORTFALLS).ok();
    let text = report::markdown(
        &results,
        &report::Machine::read()?,
        started.elapsed(),
        shortfalls.as_deref(),
    );
    if !options.quick && options.only.is_none() {
        fs_err::write(&options.out, &text)?;
        eprintln!("wrote {}", options.out.display());
    }
    Ok(())
}
