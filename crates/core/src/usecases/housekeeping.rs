use crate::domain::{Checkout, Finding};
use crate::ports::{Housekeeping, SandboxError};

/// What `doctor` found in one area, or why it could not look.
#[derive(Debug)]
pub struct Inspection {
    /// The area ("the data root", "Docker").
    pub area: &'static str,
    /// Its findings, or the failure to look.
    pub findings: Result<Vec<Finding>, SandboxError>,
}

/// Every inconsistency each housekeeper finds. An area that cannot be looked at is
/// reported as such; the others are still looked at.
#[must_use]
pub fn doctor(keepers: &[&dyn Housekeeping], checkouts: &[Checkout]) -> Vec<Inspection> {
    keepers
        .iter()
        .map(|keeper| Inspection {
            area: keeper.area(),
            findings: keeper.inspect(checkouts),
        })
        .collect()
}

/// What `gc` did with one finding.
#[derive(Debug)]
pub struct Collected {
    /// The finding.
    pub finding: Finding,
    /// The bytes freed, or why it was left (in a dry run: `Ok(0)` for each that would go).
    pub outcome: Result<u64, SandboxError>,
}

/// Removes what is safe to remove: the collectable findings of each area that could be
/// looked at. With `dry_run`, says what would go and removes nothing.
#[must_use]
pub fn gc(
    keepers: &[&dyn Housekeeping],
    checkouts: &[Checkout],
    dry_run: bool,
) -> (Vec<Inspection>, Vec<Collected>) {
    let inspections = doctor(keepers, checkouts);
    let mut collected = Vec::new();
    for (keeper, inspection) in keepers.iter().zip(&inspections) {
        let Ok(findings) = &inspection.findings else {
            continue;
        };
        for finding in findings.iter().filter(|finding| finding.collectable) {
            let outcome = if dry_run {
                Ok(finding.bytes.unwrap_or(0))
            } else {
                keeper.collect(finding)
            };
            collected.push(Collected {
                finding: finding.clone(),
                outcome,
            });
        }
    }
    (inspections, collected)
}
