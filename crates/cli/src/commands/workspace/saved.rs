use serde::Serialize;
use skipper_core::usecases;
use skipper_core::{RepositoryQuery, SaveId, SavedWork};

use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::saved::{human_size, summary, utc};

/// List the work `remove --force` saved, or drop some of it.
///
/// Each save has an id, the repository, branch and sandbox it came from, when it was made,
/// what it holds (commits, modified and untracked files, stash entries, other refs) and
/// its size. Saved work stays until `sk workspace saved drop` deletes it; nothing else
/// ever does. `sk workspace restore` brings a save back.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SavedArgs {
    #[command(subcommand)]
    pub command: Option<SavedCommand>,

    /// Only this repository's saves: `name` or `owner/name`.
    #[arg(short, long, value_name = "REPOSITORY",
          add = clap_complete::ArgValueCompleter::new(crate::completion::repositories))]
    pub repository: Option<String>,

    /// Print a JSON array for scripts.
    #[arg(long)]
    pub json: bool,
}

/// What to do with saved work.
#[derive(Debug, clap::Subcommand)]
pub enum SavedCommand {
    /// Delete saved work for good.
    Drop(DropArgs),
}

/// Delete saved work for good: each id is checked before any is deleted.
#[derive(Debug, clap::Args)]
pub struct DropArgs {
    /// The ids, as `sk workspace saved` lists them.
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
}

/// One save as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    id: String,
    repository: String,
    branch: String,
    sandbox: &'static str,
    saved_at: u64,
    commits: usize,
    modified: usize,
    untracked: usize,
    stash: usize,
    refs: Vec<String>,
    nested: Vec<String>,
    unsaved: Vec<String>,
    /// The agents whose conversations the save keeps.
    conversations: Vec<String>,
    size: u64,
    path: String,
}

impl From<&SavedWork> for Row {
    fn from(saved: &SavedWork) -> Self {
        Self {
            id: saved.id.to_string(),
            repository: saved.repository.to_string(),
            branch: saved.branch.to_string(),
            sandbox: saved.sandbox.as_str(),
            saved_at: saved.saved_at,
            commits: saved.contents.commits,
            modified: saved.contents.modified,
            untracked: saved.contents.untracked,
            stash: saved.contents.stash.len(),
            refs: saved.contents.refs.iter().map(|r| r.name.clone()).collect(),
            nested: saved
                .contents
                .nested
                .iter()
                .map(|n| n.path.clone())
                .collect(),
            unsaved: saved.contents.unsaved.clone(),
            conversations: saved
                .contents
                .conversations
                .iter()
                .map(|c| c.agent.clone())
                .collect(),
            size: saved.size,
            path: saved.dir.display().to_string(),
        }
    }
}

pub fn run(context: &Context<'_>, args: &SavedArgs) -> Result<ExitStatus, CliError> {
    if let Some(SavedCommand::Drop(drop)) = &args.command {
        return drop_saves(context, drop);
    }
    let query = args
        .repository
        .as_deref()
        .map(RepositoryQuery::parse)
        .transpose()?;
    let saves = usecases::list_saved(context.saves(), query.as_ref())?;
    if args.json {
        let rows: Vec<Row> = saves.iter().map(Row::from).collect();
        let json = serde_json::to_string_pretty(&rows)
            .map_err(|err| CliError::failure(format!("cannot write JSON: {err}")))?;
        context.printer.result(&json);
        return Ok(ExitStatus::Success);
    }
    if saves.is_empty() {
        context.printer.status("No saved work.");
        return Ok(ExitStatus::Success);
    }
    let header = [
        "ID",
        "REPOSITORY",
        "BRANCH",
        "SANDBOX",
        "SAVED",
        "SIZE",
        "WHAT",
    ];
    let rows: Vec<[String; 7]> = saves
        .iter()
        .map(|saved| {
            [
                saved.id.to_string(),
                saved.repository.to_string(),
                saved.branch.to_string(),
                saved.sandbox.to_string(),
                utc(saved.saved_at),
                human_size(saved.size),
                summary(&saved.contents),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    context.printer.result(&line(&header.map(str::to_owned)));
    for row in &rows {
        context.printer.result(&line(row));
    }
    Ok(ExitStatus::Success)
}

fn drop_saves(context: &Context<'_>, args: &DropArgs) -> Result<ExitStatus, CliError> {
    let ids = args
        .ids
        .iter()
        .map(|id| SaveId::new(id))
        .collect::<Result<Vec<_>, _>>()?;
    for saved in usecases::drop_saved(context.saves(), &ids)? {
        context.printer.result(&format!(
            "Dropped saved work {} of {} `{}` ({})",
            saved.id,
            saved.repository,
            saved.branch,
            summary(&saved.contents)
        ));
    }
    Ok(ExitStatus::Success)
}
