use serde::Serialize;
use skipper_core::usecases::{self, Inspection};
use skipper_core::{Finding, HostCheckouts};

use crate::context::Context;
use crate::error::{CliError, ExitStatus, with_causes};
use crate::saved::human_size;

/// Find what crashes and old versions left behind.
///
/// Looks at the data root (saves and removals that never finished, interrupted clones,
/// held locks), the worktrees (half-made, locked, orphaned, or forgotten by git) and
/// Docker (half-made workspaces, orphan snapshot builders, untagged and stale images,
/// containers of repositories no longer cloned). Each finding comes with the command that
/// fixes it; `sk gc` removes the ones that are safe to remove. Changes nothing. Exits 1
/// when it finds something.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Print a JSON array for scripts.
    #[arg(long)]
    pub json: bool,
}

/// One finding as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct Row {
    area: &'static str,
    kind: &'static str,
    subject: String,
    detail: String,
    fix: String,
    pub collectable: bool,
    bytes: Option<u64>,
}

impl Row {
    pub fn new(area: &'static str, finding: &Finding) -> Self {
        Self {
            area,
            kind: finding.kind.as_str(),
            subject: finding.subject.clone(),
            detail: finding.detail.clone(),
            fix: finding.fix.clone(),
            collectable: finding.collectable,
            bytes: finding.bytes,
        }
    }
}

pub fn run(context: &Context<'_>, args: &DoctorArgs) -> Result<ExitStatus, CliError> {
    let checkouts = context.checkouts().list()?;
    let keepers = context.housekeepers();
    let inspections = usecases::doctor(&keepers, &checkouts);
    let rows = rows(context, &inspections);
    let found = !rows.is_empty();
    if args.json {
        let json = serde_json::to_string_pretty(&rows)
            .map_err(|err| CliError::failure(format!("cannot write JSON: {err}")))?;
        context.printer.result(&json);
    } else if found {
        for row in &rows {
            let size = row
                .bytes
                .map(|b| format!(" ({})", human_size(b)))
                .unwrap_or_default();
            context
                .printer
                .result(&format!("{}: {}{size}", row.kind, row.subject));
            context.printer.result(&format!("  {}", row.detail));
            context.printer.result(&format!("  fix: {}", row.fix));
        }
    } else {
        context.printer.status("Nothing to fix.");
    }
    Ok(if found {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// The findings of every area that could be looked at; the others are warnings.
pub fn rows(context: &Context<'_>, inspections: &[Inspection]) -> Vec<Row> {
    let mut rows = Vec::new();
    for inspection in inspections {
        match &inspection.findings {
            Ok(findings) => rows.extend(findings.iter().map(|f| Row::new(inspection.area, f))),
            Err(err) => context.printer.warning(&format!(
                "could not look at {}: {}",
                inspection.area,
                with_causes(err)
            )),
        }
    }
    rows
}
