use serde::Serialize;
use skipper_core::HostCheckouts;
use skipper_core::usecases;

use crate::commands::doctor;
use crate::context::Context;
use crate::error::{CliError, ExitStatus, with_causes};
use crate::saved::human_size;

/// Remove what crashes and old versions left behind, where it is safe.
///
/// Removes only what holds nothing of the user's and nothing running uses: unfinished
/// saves and clones whose process is gone, removed workspaces' leftover files, orphan
/// snapshot builders, untagged and stale images, half-made workspaces that hold no work.
/// Never a running container, never a workspace with work, never saved work (only `sk
/// workspace saved drop` deletes that). Says what it removed and the space freed; `sk
/// doctor` lists the rest with the commands that fix them.
#[derive(Debug, clap::Args)]
pub struct GcArgs {
    /// Say what would be removed, and remove nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Print a JSON object for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    dry_run: bool,
    removed: Vec<Removed>,
    freed_bytes: u64,
    left: Vec<doctor::Row>,
}

#[derive(Debug, Serialize)]
struct Removed {
    kind: &'static str,
    subject: String,
    bytes: u64,
    error: Option<String>,
}

pub fn run(context: &Context<'_>, args: &GcArgs) -> Result<ExitStatus, CliError> {
    let checkouts = context.checkouts().list()?;
    let keepers = context.housekeepers();
    let (inspections, collected) = usecases::gc(&keepers, &checkouts, args.dry_run);
    let left: Vec<doctor::Row> = doctor::rows(context, &inspections)
        .into_iter()
        .filter(|row| !row.collectable)
        .collect();
    let removed: Vec<Removed> = collected
        .iter()
        .map(|c| Removed {
            kind: c.finding.kind.as_str(),
            subject: c.finding.subject.clone(),
            bytes: *c.outcome.as_ref().unwrap_or(&0),
            error: c.outcome.as_ref().err().map(|err| with_causes(err)),
        })
        .collect();
    let freed: u64 = removed
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.bytes)
        .sum();
    let failed = removed.iter().any(|r| r.error.is_some());
    if args.json {
        let report = Report {
            dry_run: args.dry_run,
            removed,
            freed_bytes: freed,
            left,
        };
        let json = serde_json::to_string_pretty(&report)
            .map_err(|err| CliError::failure(format!("cannot write JSON: {err}")))?;
        context.printer.result(&json);
        return Ok(if failed {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        });
    }
    let verb = if args.dry_run {
        "Would remove"
    } else {
        "Removed"
    };
    for item in &removed {
        match &item.error {
            None => context.printer.result(&format!(
                "{verb} {}: {} ({})",
                item.kind,
                item.subject,
                human_size(item.bytes)
            )),
            Some(error) => context
                .printer
                .warning(&format!("left {} {}: {error}", item.kind, item.subject)),
        }
    }
    let freed_verb = if args.dry_run { "would free" } else { "freed" };
    context.printer.result(&format!(
        "{}, {freed_verb} {}",
        crate::words::count(
            removed.iter().filter(|r| r.error.is_none()).count(),
            "item",
            "items"
        ),
        human_size(freed)
    ));
    if !left.is_empty() {
        context.printer.status(&format!(
            "{} you: run `sk doctor` to see them and their fixes",
            if left.len() == 1 {
                "1 finding needs".to_owned()
            } else {
                format!("{} findings need", left.len())
            }
        ));
    }
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
