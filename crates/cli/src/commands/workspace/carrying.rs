//! The files `create` (and `attach --create`) carry from the host checkout into a new
//! workspace, and the summary said of them on stderr.

use skipper_core::usecases::{self, Backend};
use skipper_core::{Carried, Checkout, Workspace};

use crate::context::Context;
use crate::error::CliError;
use crate::printer::untrusted;

/// At most this many paths are named in the summary; the rest are counted.
const NAMED: usize = 8;

/// Copies into the new `workspace` the host checkout's files that `.worktreeinclude` and
/// the repository's `copy` list select, read at `start_point`, and says what was copied and
/// what was left behind.
///
/// # Errors
/// A failure to read the patterns, to list the files or to write them, said as such: the
/// workspace itself is made.
pub fn carry_into_new(
    context: &Context<'_>,
    backend: Backend<'_>,
    checkout: &Checkout,
    workspace: &Workspace,
    start_point: &str,
) -> Result<Carried, CliError> {
    // The repository's `copy` list, from its `.skipper.toml` at the start commit; a file
    // that cannot be read is said by the post-create step.
    let project = usecases::project_at(context.checkouts(), checkout, start_point);
    let copy: &[String] = project.as_ref().map_or(&[], |project| &project.copy);
    let failed = |err: usecases::WorkspaceError| {
        CliError::from(err).hint(format!(
            "the workspace was made at {}; copy the files it lacks by hand",
            workspace.location.display()
        ))
    };
    let patterns =
        usecases::carry_patterns(backend, checkout, start_point, copy).map_err(failed)?;
    let carried = usecases::carry_files(backend, checkout, workspace, &patterns).map_err(failed)?;
    report(context, &carried);
    Ok(carried)
}

/// Says on stderr what was copied (`copied 2 files from the host checkout: .env,
/// config/dev.key`) and, as warnings, what was left behind and why.
fn report(context: &Context<'_>, carried: &Carried) {
    if !carried.copied.is_empty() {
        let count = carried.copied.len();
        let mut names: Vec<String> = carried
            .copied
            .iter()
            .take(NAMED)
            .map(|path| untrusted(path.as_str()).into_owned())
            .collect();
        if count > NAMED {
            names.push(format!("and {} more", count - NAMED));
        }
        context.printer.status(&format!(
            "copied {count} {} from the host checkout: {}",
            if count == 1 { "file" } else { "files" },
            names.join(", ")
        ));
    }
    for skipped in &carried.skipped {
        context.printer.warning(&format!(
            "not copied from the host checkout: {}: {}",
            untrusted(&skipped.path),
            skipped.reason
        ));
    }
}
