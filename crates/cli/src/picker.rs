//! Choosing a repository or a workspace when the command line does not say: an inquire
//! picker on a terminal, else a usage error that lists the valid values.

use std::fmt::Write as _;
use std::io::IsTerminal;

use inquire::{InquireError, Select, Text};
use skipper_core::usecases::{self, resolve_checkout};
use skipper_core::{BranchName, Checkout, HostCheckouts, RepositoryQuery, WorkspaceTarget};

use crate::context::Context;
use crate::error::CliError;

/// Whether `sk` may ask: stdin and stderr are both terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn prompt_error(err: InquireError) -> CliError {
    match err {
        InquireError::OperationCanceled | InquireError::OperationInterrupted => {
            CliError::cancelled()
        }
        InquireError::NotTTY => CliError::usage("a choice is needed but there is no terminal"),
        other => CliError::failure(format!("the prompt failed: {other}")),
    }
}

/// The checkout `--repository` names, or the user's pick.
pub fn repository(
    checkouts: &dyn HostCheckouts,
    query: Option<&str>,
) -> Result<Checkout, CliError> {
    if let Some(query) = query {
        let query = RepositoryQuery::parse(query)?;
        return Ok(resolve_checkout(checkouts, &query)?);
    }
    let all = checkouts.list()?;
    let names: Vec<String> = all.iter().map(|c| c.repository.to_string()).collect();
    if all.is_empty() {
        return Err(CliError::usage("no repository is cloned yet")
            .hint("clone one with `sk clone <remote>`"));
    }
    if !interactive() {
        return Err(
            CliError::usage("--repository is required without a terminal")
                .hint(format!("cloned repositories: {}", names.join(", "))),
        );
    }
    let choice = Select::new("Repository:", names)
        .raw_prompt()
        .map_err(prompt_error)?;
    Ok(all[choice.index].clone())
}

/// How a command names its workspace when `--branch` is omitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Omitted {
    /// `main` (the host checkout) without a terminal; a picker with `main` first on one.
    MainOrPick,
    /// A picker over existing branch workspaces; required without a terminal.
    PickBranch,
    /// A new branch name is asked for; required without a terminal.
    AskNew,
}

/// The workspace `--branch` names, or the user's pick.
pub fn target(
    context: &Context<'_>,
    checkout: &Checkout,
    branch: Option<&str>,
    omitted: Omitted,
) -> Result<WorkspaceTarget, CliError> {
    if let Some(branch) = branch {
        return Ok(WorkspaceTarget::Branch(BranchName::new(branch)?));
    }
    if omitted == Omitted::AskNew {
        if !interactive() {
            return Err(CliError::usage("--branch is required without a terminal")
                .hint("name the new workspace's branch, e.g. `--branch feat/x`"));
        }
        let name = Text::new("New branch:")
            .with_validator(|input: &str| {
                Ok(match BranchName::new(input) {
                    Ok(_) => inquire::validator::Validation::Valid,
                    Err(err) => inquire::validator::Validation::Invalid(err.reason.into()),
                })
            })
            .prompt()
            .map_err(prompt_error)?;
        return Ok(WorkspaceTarget::Branch(BranchName::new(&name)?));
    }
    if omitted == Omitted::MainOrPick && !interactive() {
        return Ok(WorkspaceTarget::Main);
    }
    let mut choices: Vec<(String, WorkspaceTarget)> = Vec::new();
    if omitted == Omitted::MainOrPick {
        choices.push(("main".to_owned(), WorkspaceTarget::Main));
    }
    let registries = context.registries()?;
    let listing = usecases::list(&registries, std::slice::from_ref(checkout))?;
    context.warn_unlisted(&listing);
    for workspace in listing.workspaces {
        let WorkspaceTarget::Branch(branch) = &workspace.reference.target else {
            continue;
        };
        if choices
            .iter()
            .any(|(_, t)| *t == workspace.reference.target)
        {
            continue;
        }
        let mut label = branch.to_string();
        if branch.as_str() == "main" {
            label.push_str(" (branch)");
        }
        if registries.len() > 1 {
            // Writing to a `String` cannot fail.
            let _ = write!(label, " [{}]", workspace.sandbox);
        }
        choices.push((label, workspace.reference.target.clone()));
    }
    let labels: Vec<String> = choices.iter().map(|(label, _)| label.clone()).collect();
    if !interactive() {
        let listed = if labels.is_empty() {
            "there are none yet".to_owned()
        } else {
            format!(
                "workspaces of {}: {}",
                checkout.repository,
                labels.join(", ")
            )
        };
        return Err(CliError::usage("--branch is required without a terminal").hint(listed));
    }
    if labels.is_empty() {
        return Err(CliError::failure(format!(
            "{} has no branch workspace yet",
            checkout.repository
        ))
        .hint("create one with `sk workspace create`"));
    }
    let choice = Select::new("Workspace:", labels)
        .raw_prompt()
        .map_err(prompt_error)?;
    Ok(choices.swap_remove(choice.index).1)
}
