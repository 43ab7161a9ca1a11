use std::fmt::Write as _;

use serde::Serialize;
use skipper_core::usecases;
use skipper_core::{
    Checkout, ContainerState, HostCheckouts, RepositoryQuery, Workspace, WorkspaceLocation,
};

use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::printer::untrusted;

/// List workspaces.
///
/// Shows each workspace's repository, branch (the default branch for the main workspace:
/// the host checkout, or the main container), sandbox, path and whether it has uncommitted
/// changes; `--json` gives the main workspace `"branch": null` and every row its
/// repository's `default_branch`. A workspace an interrupted `create` left is
/// shown `half-made` (create it again, or remove it); one broken from outside (a worktree
/// whose `.git` file is gone) is shown `broken`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this repository's workspaces.
    #[arg(short, long)]
    pub repository: Option<String>,

    /// Print a JSON array for scripts.
    #[arg(long)]
    pub json: bool,
}

/// One workspace as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    repository: String,
    /// `null` for the main workspace.
    branch: Option<String>,
    /// The repository's default branch: the main workspace's.
    default_branch: Option<String>,
    sandbox: &'static str,
    path: String,
    container: Option<String>,
    state: Option<&'static str>,
    dirty: Option<bool>,
}

impl Row {
    fn new(workspace: &Workspace, default_branch: Option<String>) -> Self {
        let (path, container, mut state) = match &workspace.location {
            WorkspaceLocation::Host(path) => (path.display().to_string(), None, None),
            WorkspaceLocation::Container { name, path, state } => {
                (path.clone(), Some(name.clone()), Some(state.as_str()))
            }
        };
        // Left by an interrupted create, or broken from outside: say so before anything.
        if workspace.half_made {
            state = Some("half-made");
        } else if workspace.broken.is_some() {
            state = Some("broken");
        }
        Self {
            repository: workspace.reference.repository.to_string(),
            branch: workspace.reference.target.branch().map(ToString::to_string),
            default_branch,
            sandbox: workspace.sandbox.as_str(),
            path,
            container,
            state,
            dirty: workspace.dirty,
        }
    }
}

pub fn run(context: &Context<'_>, args: &ListArgs) -> Result<ExitStatus, CliError> {
    let checkouts = match &args.repository {
        Some(query) => {
            let query = RepositoryQuery::parse(query)?;
            vec![usecases::resolve_checkout(context.checkouts(), &query)?]
        }
        None => context.checkouts().list()?,
    };
    let registries = context.registries()?;
    let mut listing = usecases::list(&registries, &checkouts)?;
    // A sandbox named with `--sandbox` that does not answer fails the listing.
    if context.choice.explicit.is_some() && !listing.unreachable.is_empty() {
        let (_, err) = listing.unreachable.swap_remove(0);
        return Err(err.into());
    }
    context.warn_unlisted(&listing);
    // One look at each repository's default branch (refs only).
    let defaults: Vec<(&Checkout, Option<String>)> = checkouts
        .iter()
        .map(|checkout| {
            let default = context.checkouts().default_branch(checkout).ok();
            (checkout, default.map(|branch| branch.to_string()))
        })
        .collect();
    let rows: Vec<Row> = listing
        .workspaces
        .iter()
        .map(|workspace| {
            let default = defaults
                .iter()
                .find(|(checkout, _)| checkout.repository == workspace.reference.repository)
                .and_then(|(_, default)| default.clone());
            Row::new(workspace, default)
        })
        .collect();
    if args.json {
        context.printer.json(&rows)?;
        return Ok(ExitStatus::Success);
    }
    if rows.is_empty() {
        context
            .printer
            .status("No workspaces yet: clone a repository with `sk clone <remote>`.");
        return Ok(ExitStatus::Success);
    }
    print_table(context, &rows);
    Ok(ExitStatus::Success)
}

fn print_table(context: &Context<'_>, rows: &[Row]) {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            [
                row.repository.clone(),
                row.branch
                    .clone()
                    .or_else(|| row.default_branch.clone())
                    .unwrap_or_else(|| "main".to_owned()),
                row.sandbox.to_owned(),
                {
                    let changes = match row.dirty {
                        Some(true) => "dirty",
                        Some(false) => "clean",
                        None => "-",
                    };
                    match &row.state {
                        Some(state) if *state != ContainerState::Running.as_str() => {
                            format!("{changes} ({state})")
                        }
                        _ => changes.to_owned(),
                    }
                },
                match &row.container {
                    Some(container) => format!("{container}:{}", row.path),
                    None => row.path.clone(),
                },
            ]
        })
        .collect();
    // One cell, one line: a path or name holding a line break or an escape is escaped.
    let cells: Vec<[String; 5]> = cells
        .into_iter()
        .map(|row| row.map(|cell| untrusted(&cell).into_owned()))
        .collect();
    let header = ["REPOSITORY", "BRANCH", "SANDBOX", "STATE", "PATH"];
    let mut widths = header.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                // Writing to a `String` cannot fail.
                let _ = write!(out, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out
    };
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    context.printer.result(&line(&header));
    for row in &cells {
        context.printer.result(&line(row));
    }
}
