//! The inputs: bare origins made with `git fast-import`, so that a large history costs
//! seconds, not minutes.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;

use anyhow::{Context as _, bail};

use crate::lab::Lab;

/// What an origin holds.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Text files in the default branch's tree.
    pub files: usize,
    /// Commits after the first; each changes a few files.
    pub commits: usize,
    /// Bytes of incompressible data each later commit adds (a binary file rewritten).
    pub binary_per_commit: usize,
}

/// A small repository: a few files and some history.
pub const SMALL: Shape = Shape {
    files: 50,
    commits: 200,
    binary_per_commit: 0,
};

/// A large repository: 20,000 files and over 200 MB of history.
pub const LARGE: Shape = Shape {
    files: 20_000,
    commits: 42,
    binary_per_commit: 5 << 20,
};

/// Makes the bare origin `name` of `shape` in the lab, its default branch `main`; its path.
///
/// # Errors
/// The failure of git.
pub fn origin(lab: &Lab, name: &str, shape: Shape) -> anyhow::Result<std::path::PathBuf> {
    let bare = lab.origin(name);
    lab.ok(lab
        .command("git")
        .args(["init", "-q", "--bare", "-b", "main"])
        .arg(&bare))?;
    let mut import = lab.command("git");
    import
        .args(["fast-import", "--quiet"])
        .current_dir(&bare)
        .stdin(Stdio::piped());
    let mut child = import.spawn().context("could not start git fast-import")?;
    let stdin = child.stdin.take().context("git fast-import has no stdin")?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdin);
    write_history(&mut out, shape)?;
    out.flush()?;
    drop(out);
    if !child.wait()?.success() {
        bail!("git fast-import failed for {}", bare.display());
    }
    lab.ok(lab
        .command("git")
        .args(["repack", "-adq"])
        .current_dir(&bare))?;
    Ok(bare)
}

/// How many bytes the origin's packs hold.
///
/// # Errors
/// The failure of git.
pub fn pack_bytes(lab: &Lab, bare: &Path) -> anyhow::Result<u64> {
    let counted = lab.ok(lab
        .command("git")
        .args(["count-objects", "-v"])
        .current_dir(bare))?;
    let kib = counted
        .lines()
        .find_map(|line| line.strip_prefix("size-pack: "))
        .and_then(|kib| kib.trim().parse::<u64>().ok())
        .context("git count-objects printed no size-pack")?;
    Ok(kib * 1024)
}

/// A small, fast, deterministic generator (xorshift64*): the same inputs every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn fill(&mut self, bytes: &mut [u8]) {
        for chunk in bytes.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

fn text_file(noise: &mut Noise, index: usize, round: usize) -> String {
    // Writing to a `String` cannot fail.
    let mut text = format!("// file {index}, round {round}\n");
    for line in 0..12 {
        let _ = writeln!(text, "let value_{line} = {};", noise.next() % 1_000_000);
    }
    text
}

fn text_path(index: usize) -> String {
    format!("src/module{:03}/file{index:05}.rs", index % 200)
}

fn data(out: &mut impl std::io::Write, bytes: &[u8]) -> std::io::Result<()> {
    writeln!(out, "data {}", bytes.len())?;
    out.write_all(bytes)?;
    writeln!(out)
}

fn write_history(out: &mut impl std::io::Write, shape: Shape) -> anyhow::Result<()> {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let time = 1_700_000_000_u64;
    // The first commit: every text file and a README.
    writeln!(out, "commit refs/heads/main\nmark :1")?;
    writeln!(out, "committer bench <bench@example.com> {time} +0000")?;
    data(out, b"the first commit")?;
    writeln!(out, "M 100644 inline README.md")?;
    data(out, b"# bench\n")?;
    for index in 0..shape.files {
        writeln!(out, "M 100644 inline {}", text_path(index))?;
        data(out, text_file(&mut noise, index, 0).as_bytes())?;
    }
    let mut binary = vec![0_u8; shape.binary_per_commit];
    for round in 1..=shape.commits {
        writeln!(out, "commit refs/heads/main\nmark :{}", round + 1)?;
        writeln!(
            out,
            "committer bench <bench@example.com> {} +0000",
            time + round as u64 * 60
        )?;
        data(out, format!("commit {round}").as_bytes())?;
        writeln!(out, "from :{round}")?;
        for step in 0..3 {
            let index = (round * 7 + step * 13) % shape.files;
            writeln!(out, "M 100644 inline {}", text_path(index))?;
            data(out, text_file(&mut noise, index, round).as_bytes())?;
        }
        if !binary.is_empty() {
            noise.fill(&mut binary);
            writeln!(out, "M 100644 inline media/blob{}.bin", round % 5)?;
            data(out, &binary)?;
        }
    }
    Ok(())
}
