//! Every row of the suite, in the order that keeps them apart: the worktree rows first,
//! then the docker rows on few containers, then the listings that need many.

use std::fmt::Write as _;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::inputs::{self, LARGE, SMALL};
use crate::lab::{BASE_IMAGE, Lab};
use crate::measure::{self, Samples, alternate, median, peak_rss, time};
use crate::prompt::until_prompt;

/// A row with a target: `sk`'s median over the baseline's must be at most `target`.
#[derive(Debug)]
pub struct Row {
    pub id: &'static str,
    pub sk: String,
    pub baseline: String,
    pub target: f64,
    pub samples: Samples,
}

/// The peak memory of one `sk` process.
#[derive(Debug)]
pub struct Memory {
    pub what: String,
    pub bytes: u64,
}

/// A figure reported without a target.
#[derive(Debug)]
pub struct Extra {
    pub what: String,
    pub value: String,
}

/// Everything one run measured.
#[derive(Debug, Default)]
pub struct Results {
    pub rows: Vec<Row>,
    pub memory: Vec<Memory>,
    pub extras: Vec<Extra>,
}

impl Results {
    fn row(&mut self, row: Row) {
        eprintln!(
            "{:<3} sk {:>9.1} ms  baseline {:>9.1} ms  ratio {:>5.2}  (target <= {})",
            row.id,
            millis(measure::median(&row.samples.sk)),
            millis(measure::median(&row.samples.baseline)),
            row.samples.ratio(),
            row.target
        );
        self.rows.push(row);
    }

    fn extra(&mut self, what: impl Into<String>, value: impl Into<String>) {
        let extra = Extra {
            what: what.into(),
            value: value.into(),
        };
        eprintln!("    {}: {}", extra.what, extra.value);
        self.extras.push(extra);
    }

    fn memory(&mut self, what: impl Into<String>, bytes: u64) {
        let memory = Memory {
            what: what.into(),
            bytes,
        };
        eprintln!("M1  {}: {:.1} MiB", memory.what, mib(memory.bytes));
        self.memory.push(memory);
    }
}

pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[allow(
    clippy::cast_precision_loss,
    reason = "memory sizes are far below 2^52 bytes"
)]
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

/// How many runs each kind of row gets.
#[derive(Debug, Clone, Copy)]
struct Runs {
    /// Commands of a few milliseconds on both sides, whose medians need many samples.
    cheap: usize,
    quick: usize,
    slow: usize,
    costly: usize,
}

/// Runs every row, or those `only` names (`B1`, ..., `M1`, `extras`).
///
/// # Errors
/// Docker or the base image missing, or the first command that failed.
pub fn all(lab: &Lab, quick: bool, only: Option<&[String]>) -> anyhow::Result<Results> {
    let wants = |id: &str| only.is_none_or(|only| only.iter().any(|wanted| wanted == id));
    preflight(lab)?;
    let runs = if quick {
        Runs {
            cheap: 5,
            quick: 5,
            slow: 3,
            costly: 1,
        }
    } else {
        Runs {
            cheap: 40,
            quick: 20,
            slow: 10,
            costly: 3,
        }
    };
    let mut results = Results::default();
    eprintln!("making the inputs");
    let small = inputs::origin(lab, "small", SMALL)?;
    let large = inputs::origin(lab, "large", LARGE)?;
    let tiny = inputs::origin(lab, "tiny", SMALL)?;
    results.extra(
        "inputs",
        format!(
            "small: {} files, {} commits; large: {} files, {} commits, {:.0} MiB packed",
            SMALL.files + 1,
            SMALL.commits + 1,
            LARGE.files + 1,
            LARGE.commits + 1,
            mib(inputs::pack_bytes(lab, &large)?)
        ),
    );
    lab.ok(&mut lab.sk(&["clone", &url(&small)]))?;
    lab.ok(lab
        .command("git")
        .args(["clone", "-q"])
        .arg(&small)
        .arg(lab.path("plain-small")))?;
    // The inputs' hundreds of megabytes written out now, not by the kernel's writeback
    // while the rows of a few milliseconds are measured.
    lab.ok(&mut std::process::Command::new("sync"))?;

    if wants("B2") {
        worktree_create(lab, &mut results, runs)?;
    }
    if wants("B6") {
        worktree_list(lab, &mut results, runs)?;
    }

    let started = Instant::now();
    lab.ok(&mut lab.sk(&["--sandbox", "docker", "clone", &url(&small)]))?;
    results.extra(
        "first docker use: the workspace image built (layer cache as found) and the main container made",
        seconds(started.elapsed()),
    );
    lab.ok(&mut lab.sk(&[
        "workspace",
        "create",
        "--sandbox",
        "docker",
        "-r",
        "small",
        "-b",
        "b1",
    ]))?;
    if wants("B1") {
        docker_run(lab, &mut results, runs)?;
    }
    if wants("B7") {
        docker_attach(lab, &mut results, runs)?;
    }
    if wants("B3") {
        docker_clone(lab, &mut results, runs, &large)?;
    } else if wants("B4") || wants("M1") || wants("extras") {
        lab.ok(&mut lab.sk(&["--sandbox", "docker", "clone", &url(&large)]))?;
    }
    if wants("B4") {
        docker_create(lab, &mut results, runs)?;
    }
    if wants("M1") {
        memory(lab, &mut results, &large, &tiny)?;
    }
    if wants("extras") {
        phases(lab, &mut results)?;
        image_build(lab, &mut results)?;
    }
    if wants("B5") {
        docker_list(lab, &mut results, runs, quick)?;
    }
    Ok(results)
}

fn preflight(lab: &Lab) -> anyhow::Result<()> {
    let answers = lab
        .command("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .status()
        .is_ok_and(|status| status.success());
    if !answers {
        bail!("no Docker daemon answers: start one (tests/support/docker/engine.sh)");
    }
    if !lab
        .command("docker")
        .args(["image", "inspect", BASE_IMAGE])
        .status()
        .is_ok_and(|status| status.success())
    {
        bail!("the base image {BASE_IMAGE} is missing: run tests/support/docker/base-image.sh");
    }
    Ok(())
}

fn url(bare: &Path) -> String {
    bare.display().to_string()
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// B2: a new worktree workspace against `git fetch` + `git worktree add -b`.
fn worktree_create(lab: &Lab, results: &mut Results, runs: Runs) -> anyhow::Result<()> {
    let plain = shell_quote(&lab.path("plain-small"));
    let samples = alternate(
        runs.cheap,
        1,
        |run| {
            let branch = format!("b2-{run}");
            let took = time(&mut lab.sk(&["workspace", "create", "-r", "small", "-b", &branch]))?;
            lab.ok(&mut lab.sk(&["workspace", "remove", "-r", "small", "-b", &branch]))?;
            Ok(took)
        },
        |run| {
            let worktree = shell_quote(&lab.path(&format!("wt-b2-{run}")));
            let took = time(&mut lab.sh(&format!(
                "git -C {plain} fetch -q origin && git -C {plain} worktree add -q -b b2-{run} {worktree} origin/main"
            )))?;
            lab.ok(&mut lab.sh(&format!("git -C {plain} worktree remove {worktree}")))?;
            Ok(took)
        },
    )?;
    results.row(Row {
        id: "B2",
        sk: "`sk workspace create` (worktree, new branch)".into(),
        baseline: "`git fetch origin` + `git worktree add -b`".into(),
        target: 1.1,
        samples,
    });
    Ok(())
}

/// B6: `list --json` of 20 worktrees against `git worktree list` + `git status` of each.
fn worktree_list(lab: &Lab, results: &mut Results, runs: Runs) -> anyhow::Result<()> {
    let plain = lab.path("plain-small");
    let mut statuses = String::new();
    for n in 0..20 {
        let branch = format!("b6-{n:02}");
        lab.ok(&mut lab.sk(&["workspace", "create", "-r", "small", "-b", &branch]))?;
        let worktree = lab.path(&format!("wt-{branch}"));
        lab.ok(lab
            .command("git")
            .arg("-C")
            .arg(&plain)
            .args(["worktree", "add", "-q", "-b", &branch])
            .arg(&worktree)
            .arg("origin/main"))?;
        // Writing to a `String` cannot fail.
        let _ = write!(
            statuses,
            " && git -C {} status --porcelain >/dev/null",
            shell_quote(&worktree)
        );
    }
    let by_hand = format!(
        "git -C {} worktree list --porcelain >/dev/null{statuses}",
        shell_quote(&plain)
    );
    let samples = alternate(
        runs.cheap,
        2,
        |_| time(&mut lab.sk(&["workspace", "list", "--json", "-r", "small"])),
        |_| time(&mut lab.sh(&by_hand)),
    )?;
    results.row(Row {
        id: "B6",
        sk: "`sk workspace list --json`, 20 worktree workspaces".into(),
        baseline: "`git worktree list` + `git -C <wt> status --porcelain` for each".into(),
        target: 0.5,
        samples,
    });
    for n in 0..20 {
        let branch = format!("b6-{n:02}");
        lab.ok(&mut lab.sk(&["workspace", "remove", "-r", "small", "-b", &branch]))?;
    }
    Ok(())
}

/// The container and repository path of `repository`'s docker workspace on `branch`.
fn container_of(lab: &Lab, repository: &str, branch: &str) -> anyhow::Result<(String, String)> {
    let rows = lab.rows(repository)?;
    let row = rows
        .iter()
        .find(|row| row["sandbox"] == "docker" && row["branch"] == branch)
        .with_context(|| format!("no docker workspace {repository} {branch}"))?;
    Ok((
        row["container"].as_str().unwrap_or_default().to_owned(),
        row["path"].as_str().unwrap_or_default().to_owned(),
    ))
}

/// B1: `sk workspace run -- true` in a running container against `docker exec`.
fn docker_run(lab: &Lab, results: &mut Results, runs: Runs) -> anyhow::Result<()> {
    let (container, path) = container_of(lab, "small", "b1")?;
    // As the row says and a user types it: no `--sandbox`, so the sandbox is found.
    let sk = ["workspace", "run", "-r", "small", "-b", "b1", "--", "true"];
    let samples = alternate(
        runs.quick,
        2,
        |_| time(&mut lab.sk(&sk)),
        |_| {
            time(
                lab.command("docker")
                    .args(["exec", "-w", &path, &container, "true"]),
            )
        },
    )?;
    results.row(Row {
        id: "B1",
        sk: "`sk workspace run -r R -b B -- true`, docker, container running".into(),
        baseline: "`docker exec <c> true`".into(),
        target: 0.7,
        samples,
    });
    Ok(())
}

/// B7: `sk workspace attach` until the shell's prompt, against `docker exec -it bash`.
fn docker_attach(lab: &Lab, results: &mut Results, runs: Runs) -> anyhow::Result<()> {
    let (container, path) = container_of(lab, "small", "b1")?;
    let samples = alternate(
        runs.slow,
        1,
        |_| {
            let mut command = lab.sk(&[
                "workspace",
                "attach",
                "--sandbox",
                "docker",
                "-r",
                "small",
                "-b",
                "b1",
            ]);
            command.env("TERM", "xterm");
            until_prompt(command)
        },
        |_| {
            let mut command = lab.command("docker");
            command
                .args([
                    "exec",
                    "-it",
                    "-w",
                    &path,
                    "-e",
                    "TERM=xterm",
                    &container,
                    "bash",
                ])
                .env("TERM", "xterm");
            until_prompt(command)
        },
    )?;
    results.row(Row {
        id: "B7",
        sk: "`sk workspace attach` (docker) until the shell prompt, through a PTY".into(),
        baseline: "`docker exec -it <c> bash` until its prompt".into(),
        target: 0.8,
        samples,
    });
    Ok(())
}

/// The workspace image `sk` uses (the image of the small repository's main container's
/// image's base: the image its containers were made from, before any snapshot).
fn workspace_image(lab: &Lab) -> anyhow::Result<String> {
    let images = lab.ok(lab.command("docker").args([
        "images",
        "--filter",
        "label=dev.skipper.role=image",
        "--format",
        "{{.Repository}}:{{.Tag}}",
    ]))?;
    images
        .lines()
        .find(|line| line.starts_with("skipper-workspace:"))
        .map(str::to_owned)
        .context("no skipper-workspace image: the first docker clone should have built it")
}

/// B3: `sk clone --sandbox docker` of the large repository against `git clone` +
/// `docker run -d` + `docker cp`.
///
/// Nothing is removed until the row is measured: each sk run clones a copy of the origin of
/// its own, each hand run keeps its checkout and container. On ext4 a file made within about
/// 30 seconds of a mass deletion is slow to make (the inode allocator skips recently deleted
/// inodes one by one: a checkout of 20,000 files took 1.2 s on a quiet disk and 11 to 15 s
/// right after one), so removing the last run's 40,000 files before the next made each side
/// pay for the other's cleanup.
fn docker_clone(lab: &Lab, results: &mut Results, runs: Runs, large: &Path) -> anyhow::Result<()> {
    let image = workspace_image(lab)?;
    let label = lab.label();
    let copy_of = |run: usize| -> anyhow::Result<PathBuf> {
        let copy = lab.origin(&format!("large-b3-{run}"));
        lab.ok(lab
            .command("git")
            .args(["clone", "-q", "--bare", "--local"])
            .arg(large)
            .arg(&copy))?;
        Ok(copy)
    };
    let mut made = Vec::new();
    let samples = alternate(
        runs.costly,
        0,
        |run| {
            let origin = url(&copy_of(run)?);
            made.push(format!("large-b3-{run}"));
            time(&mut lab.sk(&["--sandbox", "docker", "clone", &origin]))
        },
        |run| {
            let dir = lab.path(&format!("byhand-{run}"));
            let name = format!("{label}-b3-{run}");
            time(&mut lab.sh(&format!(
                "git clone -q {} {dir} && docker run -d --name {name} {image} tail -f /dev/null >/dev/null && docker cp -q {dir} {name}:/tmp/large",
                shell_quote(large),
                dir = shell_quote(&dir)
            )))
        },
    )?;
    for repository in made {
        lab.ok(&mut lab.sk(&["repo", "remove", "-r", &repository, "--force"]))?;
    }
    for run in 0..runs.costly {
        lab.ok(lab
            .command("docker")
            .args(["rm", "-f", &format!("{label}-b3-{run}")]))?;
        fs_err::remove_dir_all(lab.path(&format!("byhand-{run}")))?;
    }
    results.row(Row {
        id: "B3",
        sk: "`sk clone <origin> --sandbox docker`, large repo, image present".into(),
        baseline: "`git clone` + `docker run -d` + `docker cp` of the checkout".into(),
        target: 0.5,
        samples,
    });
    // Left cloned for B4.
    lab.ok(&mut lab.sk(&["--sandbox", "docker", "clone", &url(large)]))?;
    Ok(())
}

/// B4: a second docker workspace of the large repository against a host `git worktree
/// add -b` of it.
fn docker_create(lab: &Lab, results: &mut Results, runs: Runs) -> anyhow::Result<()> {
    let docker = |branch: &str| -> Vec<String> {
        [
            "workspace",
            "create",
            "--sandbox",
            "docker",
            "-r",
            "large",
            "-b",
            branch,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    lab.ok(&mut lab.sk(&docker("b4-first")
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()))?;
    let plain = lab.path("plain-large");
    lab.ok(lab
        .command("git")
        .args(["clone", "-q"])
        .arg(lab.path("large.git"))
        .arg(&plain))?;
    // The first create removed its snapshot builder's 20,000 files, and B3 its clones.
    lab.settle()?;
    // Nothing is removed until the row is measured (see [`docker_clone`]): a worktree's
    // removal deletes 20,000 files, and the next run would pay for it.
    let samples = alternate(
        runs.costly,
        0,
        |run| {
            let args = docker(&format!("b4-{run}"));
            time(&mut lab.sk(&args.iter().map(String::as_str).collect::<Vec<_>>()))
        },
        |run| {
            time(
                lab.command("git")
                    .arg("-C")
                    .arg(&plain)
                    .args(["worktree", "add", "-q", "-b", &format!("b4-{run}")])
                    .arg(lab.path(&format!("wt-b4-{run}")))
                    .arg("origin/main"),
            )
        },
    )?;
    for run in 0..runs.costly {
        let branch = format!("b4-{run}");
        lab.ok(&mut lab.sk(&[
            "workspace",
            "remove",
            "--sandbox",
            "docker",
            "-r",
            "large",
            "-b",
            &branch,
            "--force",
        ]))?;
        lab.ok(lab
            .command("git")
            .arg("-C")
            .arg(&plain)
            .args(["worktree", "remove", "--force"])
            .arg(lab.path(&format!("wt-b4-{run}"))))?;
    }
    results.row(Row {
        id: "B4",
        sk: "2nd `sk workspace create --sandbox docker` of the large repo".into(),
        baseline: "host `git worktree add -b` of the same repo".into(),
        target: 0.5,
        samples,
    });
    Ok(())
}

/// M1: the peak memory of `sk` itself while cloning and creating, small and large.
fn memory(lab: &Lab, results: &mut Results, large: &Path, tiny: &Path) -> anyhow::Result<()> {
    lab.ok(&mut lab.sk(&["repo", "remove", "-r", "large", "--force"]))?;
    for (name, origin) in [("large", large), ("tiny", tiny)] {
        let (_, clone) = peak_rss(&mut lab.sk(&["--sandbox", "docker", "clone", &url(origin)]))?;
        results.memory(format!("`sk clone --sandbox docker`, {name} repo"), clone);
        lab.ok(&mut lab.sk(&[
            "workspace",
            "create",
            "--sandbox",
            "docker",
            "-r",
            name,
            "-b",
            "m1-first",
        ]))?;
        let (_, create) = peak_rss(&mut lab.sk(&[
            "workspace",
            "create",
            "--sandbox",
            "docker",
            "-r",
            name,
            "-b",
            "m1-second",
        ]))?;
        results.memory(
            format!("2nd `sk workspace create --sandbox docker`, {name} repo"),
            create,
        );
    }
    Ok(())
}

/// The phases of a docker create, as `sk -v` times them (`phase: ... took N ms`).
fn phases(lab: &Lab, results: &mut Results) -> anyhow::Result<()> {
    let mut command = lab.sk(&[
        "-v",
        "workspace",
        "create",
        "--sandbox",
        "docker",
        "-r",
        "large",
        "-b",
        "phases",
    ]);
    command.stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn()?;
    let stderr = child.stderr.take().context("no stderr")?;
    let mut described = Vec::new();
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line?;
        if let Some((_, phase)) = line.split_once("phase: ") {
            described.push(phase.trim().to_owned());
        }
    }
    child.wait()?;
    results.extra(
        format!(
            "phases of a 2nd docker create of the large repo ({} in all, as `sk -v` times them)",
            seconds(started.elapsed())
        ),
        described.join("; "),
    );
    Ok(())
}

/// The image build with a warm layer cache: the tag removed (`--no-prune` keeps its
/// layers), then a create that must build it again, against a create with it present.
fn image_build(lab: &Lab, results: &mut Results) -> anyhow::Result<()> {
    let image = workspace_image(lab)?;
    let create = |branch: &str| {
        lab.sk(&[
            "workspace",
            "create",
            "--sandbox",
            "docker",
            "-r",
            "tiny",
            "-b",
            branch,
        ])
    };
    let present = time(&mut create("build-present"))?;
    // Only the tag goes (`--force`: the lab's main containers run the image itself).
    lab.ok(lab
        .command("docker")
        .args(["rmi", "--force", "--no-prune", &image]))?;
    let rebuilt = time(&mut create("build-again"))?;
    results.extra(
        "image build with a warm layer cache (a create that rebuilds the image, against one that finds it)",
        format!("{} against {}", seconds(rebuilt), seconds(present)),
    );
    Ok(())
}

/// B5 (50 docker workspaces), then the listing of 200 without a target.
fn docker_list(lab: &Lab, results: &mut Results, runs: Runs, quick: bool) -> anyhow::Result<()> {
    let (_, path) = container_of(lab, "small", "b1")?;
    let label = format!("label=dev.skipper.repository=local/{}/small", lab.label());
    let by_hand = format!(
        "for c in $(docker ps --filter {label} --format '{{{{.Names}}}}'); do docker exec -w {path} \"$c\" git status --porcelain >/dev/null || exit 1; done"
    );
    let mut creates = Vec::new();
    // The main container and b1 are there: 48 more make 50.
    let mut make = |from: usize, to: usize| -> anyhow::Result<()> {
        for n in from..to {
            let branch = format!("b5-{n:03}");
            creates.push(time(&mut lab.sk(&[
                "workspace",
                "create",
                "--sandbox",
                "docker",
                "-r",
                "small",
                "-b",
                &branch,
            ]))?);
        }
        Ok(())
    };
    make(0, 48)?;
    let samples = alternate(
        runs.costly.max(5),
        1,
        |_| time(&mut lab.sk(&["workspace", "list", "--json", "-r", "small"])),
        |_| time(&mut lab.sh(&by_hand)),
    )?;
    results.row(Row {
        id: "B5",
        sk: "`sk workspace list --json` with 50 docker workspaces".into(),
        baseline:
            "`docker ps` + `docker exec <c> git status --porcelain` for each, as a script would"
                .into(),
        target: 0.2,
        samples,
    });
    if quick {
        return Ok(());
    }
    make(48, 198)?;
    let samples = alternate(
        3,
        0,
        |_| time(&mut lab.sk(&["workspace", "list", "--json", "-r", "small"])),
        |_| time(&mut lab.sh(&by_hand)),
    )?;
    results.extra(
        "`sk workspace list --json` with 200 docker workspaces (the script by hand in brackets)",
        format!(
            "{} ({})",
            seconds(median(&samples.sk)),
            seconds(median(&samples.baseline))
        ),
    );
    results.extra(
        "a docker create of the small repo, median of the 198 made for B5",
        seconds(median(&creates)),
    );
    Ok(())
}
