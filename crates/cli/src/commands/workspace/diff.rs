use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use skipper_core::usecases::{self, Backend, DiffOptions};
use skipper_core::{Checkout, DiffFormat, WorkspaceTarget};
use skipper_git::{Git, ScratchDir};

use super::{Selection, scratch, with_existing};
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::pager;
use crate::picker::Omitted;

/// Show everything a workspace changed since it started, as one git diff.
///
/// Its commits since the merge base with `origin/<default branch>` (or with `--base`),
/// and its staged, unstaged and untracked files (ignored ones aside), as one diff in git's
/// format, binary files included: `git apply` takes the whole output. The same work gives
/// the same bytes in a worktree and in a container. On a terminal it is coloured and paged
/// as `git diff` would be (git's `color.diff`, `GIT_PAGER`, `core.pager`, `PAGER`;
/// `NO_COLOR` turns colour off); piped, it is plain. Nothing in the workspace changes (its
/// index neither), nor in the host checkout; a stopped container is started. Exits 0
/// whenever the diff was made, empty or not.
///
/// Examples: `sk workspace diff -r api -b feat/x`, `sk workspace diff -r api -b feat/x
/// --stat`, `sk workspace diff -r api -b feat/x | git apply`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// A summary of each changed file and the lines changed (`git diff --stat`).
    #[arg(long, conflicts_with = "name_only")]
    pub stat: bool,

    /// Only the names of the changed files (`git diff --name-only`).
    #[arg(long)]
    pub name_only: bool,

    /// Start from the merge base with this ref of the workspace (a branch, a tag, a commit)
    /// instead of `origin/<default branch>`.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
}

pub fn run(context: &Context<'_>, args: &DiffArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::PickBranch)?;
    let terminal = std::io::stdout().is_terminal();
    let options = DiffOptions {
        base: args.base.clone(),
        format: format(args),
        color: terminal
            && colour_allowed(std::env::var_os("NO_COLOR"))
            && git_colours(&checkout.path),
        columns: terminal
            .then(|| terminal_width(std::env::var("COLUMNS").ok().as_deref(), stdout_width))
            .flatten(),
    };
    // A directory of this run alone under the data root, deleted when it ends.
    let scratch = scratch(context)?;
    let dest = write(context, &checkout, &target, backend, options, &scratch)?;
    let file = fs_err::File::open(&dest)
        .map_err(|err| CliError::failure(format!("cannot read the diff: {err}")))?;
    let pager = if terminal {
        pager_of(&checkout.path)
    } else {
        None
    };
    if let Some(pager) = pager {
        let input = file
            .file()
            .try_clone()
            .map_err(|err| CliError::failure(format!("cannot read the diff: {err}")))?;
        match pager::page(&pager, input) {
            Ok(_) => return Ok(ExitStatus::Success),
            Err(err) => context
                .printer
                .warning(&format!("cannot start the pager `{pager}`: {err}")),
        }
    }
    stream(file.into_file())?;
    Ok(ExitStatus::Success)
}

/// Writes the diff of `target` of `checkout` into `scratch` and returns the file; says so
/// when the workspace shares no commit with the base, so the diff starts from the empty
/// tree.
pub fn write(
    context: &Context<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    backend: Backend<'_>,
    options: DiffOptions,
    scratch: &ScratchDir,
) -> Result<PathBuf, CliError> {
    let dest = scratch.path().join("diff");
    let start = options.base.as_deref().map_or_else(
        || "origin's default branch".to_owned(),
        |base| format!("`{base}`"),
    );
    let made = usecases::diff(backend, checkout, target, options, &dest)
        .map_err(|err| with_existing(context, checkout, err))?;
    tracing::debug!(base = ?made.base, "diff made");
    if made.base.is_none() {
        context.printer.status(&format!(
            "{} shares no commit with {start}: the diff starts from the empty tree",
            skipper_core::WorkspaceRef {
                repository: checkout.repository.clone(),
                target: target.clone(),
            }
        ));
    }
    Ok(dest)
}

/// The format the flags ask for.
fn format(args: &DiffArgs) -> DiffFormat {
    if args.stat {
        DiffFormat::Stat
    } else if args.name_only {
        DiffFormat::NameOnly
    } else {
        DiffFormat::Patch
    }
}

/// Whether `NO_COLOR` (its value given) lets colour be: unset or empty.
fn colour_allowed(no_color: Option<std::ffi::OsString>) -> bool {
    no_color.is_none_or(|value| value.is_empty())
}

/// Whether the host checkout's git would colour a diff on a terminal (`color.diff`,
/// `color.ui`, `TERM`).
fn git_colours(checkout: &Path) -> bool {
    Git::in_dir(checkout)
        .run(["config", "--get-colorbool", "color.diff", "true"])
        .is_ok_and(|verdict| verdict.trim() == "true")
}

/// The pager git would use in the host checkout, if any.
fn pager_of(checkout: &Path) -> Option<String> {
    let answer = Git::in_dir(checkout).run(["var", "GIT_PAGER"]).ok()?;
    pager::chosen(&answer).map(str::to_owned)
}

/// The terminal's width as git reckons it: `COLUMNS` when it holds a positive number,
/// else what the terminal says (`measured`).
fn terminal_width(columns: Option<&str>, measured: impl FnOnce() -> Option<u16>) -> Option<u16> {
    columns
        .and_then(|columns| columns.trim().parse::<u16>().ok())
        .filter(|&columns| columns > 0)
        .or_else(measured)
}

/// The width of the terminal on stdout, if it says one.
fn stdout_width() -> Option<u16> {
    rustix::termios::tcgetwinsize(std::io::stdout())
        .ok()
        .map(|size| size.ws_col)
        .filter(|&columns| columns > 0)
}

/// Copies the diff to stdout. A reader that stops early (`| head`) is not an error.
fn stream(mut file: std::fs::File) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match std::io::copy(&mut file, &mut stdout).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(CliError::failure(format!("cannot write the diff: {err}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_width_is_columns_else_the_terminals() {
        assert_eq!(terminal_width(Some("132"), || Some(100)), Some(132));
        assert_eq!(terminal_width(None, || Some(100)), Some(100));
        assert_eq!(terminal_width(Some("0"), || Some(100)), Some(100));
        assert_eq!(terminal_width(Some("wide"), || None), None);
    }

    #[test]
    fn no_color_turns_colour_off_unless_empty() {
        assert!(colour_allowed(None));
        assert!(colour_allowed(Some("".into())));
        assert!(!colour_allowed(Some("1".into())));
    }
}
