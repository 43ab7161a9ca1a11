use std::fmt::Write as _;

use serde::Serialize;
use skipper_core::HostCheckouts;

use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::printer::untrusted;

/// List the cloned repositories.
///
/// Shows each repository, the remote it was cloned from, its default branch (the remote's
/// `HEAD`, as last fetched) and its host checkout.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print a JSON array for scripts.
    #[arg(long)]
    pub json: bool,
}

/// One repository as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    repository: String,
    remote: String,
    /// `null` when it cannot be told (`origin/HEAD` missing and the remote unreachable).
    default_branch: Option<String>,
    path: String,
}

pub fn run(context: &Context<'_>, args: &ListArgs) -> Result<ExitStatus, CliError> {
    let checkouts = context.checkouts();
    let mut rows = Vec::new();
    for checkout in checkouts.list()? {
        let default_branch = match checkouts.default_branch(&checkout) {
            Ok(branch) => Some(branch.to_string()),
            Err(err) => {
                context.printer.warning(&crate::error::with_causes(&err));
                None
            }
        };
        rows.push(Row {
            repository: checkout.repository.to_string(),
            remote: checkouts.remote_url(&checkout)?,
            default_branch,
            path: checkout.path.display().to_string(),
        });
    }
    if args.json {
        context.printer.json(&rows)?;
        return Ok(ExitStatus::Success);
    }
    if rows.is_empty() {
        context
            .printer
            .status("No repositories yet: clone one with `sk clone <remote>`.");
        return Ok(ExitStatus::Success);
    }
    let header = ["REPOSITORY", "REMOTE", "DEFAULT", "PATH"].map(str::to_owned);
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|row| {
            [
                row.repository.clone(),
                row.remote.clone(),
                row.default_branch.clone().unwrap_or_else(|| "-".to_owned()),
                row.path.clone(),
            ]
            // One cell, one line: a name holding a line break or an escape is escaped.
            .map(|cell| untrusted(&cell).into_owned())
        })
        .collect();
    let mut widths = header.clone().map(|h| h.len());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&cells) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                // Writing to a `String` cannot fail.
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            }
        }
        context.printer.result(&line);
    }
    Ok(ExitStatus::Success)
}
