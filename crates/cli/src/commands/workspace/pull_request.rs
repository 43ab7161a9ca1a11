//! `create --pr`: the branch a pull request's workspace is on, and its head fetched into
//! that branch of the host checkout.

use skipper_core::usecases::{self, Backend};
use skipper_core::{BranchName, Checkout, WorkspaceTarget};

use crate::context::Context;
use crate::error::CliError;

/// The workspace of pull request `number`: on `branch`, else on `pr/<number>`.
///
/// # Errors
/// A usage error when `branch` is no valid branch name.
pub fn branch_of(number: u64, branch: Option<&str>) -> Result<WorkspaceTarget, CliError> {
    let name = branch.map_or_else(|| format!("pr/{number}"), str::to_owned);
    Ok(WorkspaceTarget::Branch(BranchName::new(&name)?))
}

/// Fetches pull request `number`'s head into the local `branch` of `checkout`, saying so.
///
/// # Errors
/// The pull request is missing on `origin`, `branch` is elsewhere, or the fetch failed.
pub fn fetch(
    context: &Context<'_>,
    backend: Backend<'_>,
    checkout: &Checkout,
    number: u64,
    branch: &BranchName,
) -> Result<(), CliError> {
    let fetched = usecases::fetch_pull_request(backend, checkout, number, branch)?;
    if fetched.created {
        context.printer.status(&format!(
            "Fetched pull request {number} ({} at {}) into the branch {branch}",
            fetched.remote_ref,
            short(&fetched.tip)
        ));
    }
    Ok(())
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}
