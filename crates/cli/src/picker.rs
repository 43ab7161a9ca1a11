//! Choosing a repository or a workspace when the command line does not say: an inquire
//! picker on a terminal, else a usage error that lists the valid values.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use inquire::autocompletion::{Autocomplete, Replacement};
use inquire::{CustomUserError, InquireError, Select, Text};
use skipper_core::usecases::{self, resolve_checkout};
use skipper_core::{
    BranchName, Checkout, HostCheckouts, RepositoryQuery, SandboxKind, WorkspaceTarget,
};

use crate::context::Context;
use crate::error::CliError;

/// Set by `sk mcp`, whose stdin is the protocol and whose caller is a program: from then
/// on nothing is asked, as without a terminal.
static NEVER_ASK: AtomicBool = AtomicBool::new(false);

/// Makes [`interactive`] false for the rest of the process.
pub fn never_ask() {
    NEVER_ASK.store(true, Ordering::Relaxed);
}

/// Whether `sk` may ask: stdin and stderr are both terminals (and not `sk mcp`).
pub fn interactive() -> bool {
    !NEVER_ASK.load(Ordering::Relaxed)
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
}

/// How the prompts look: `sk`'s words ("cancelled", as its own message says it), and no
/// colour where `sk` prints none (`NO_COLOR`, not a terminal).
fn prepare() {
    use inquire::ui::{RenderConfig, Styled};
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let config = if crate::printer::colour_enabled() {
            RenderConfig::default()
        } else {
            RenderConfig::empty()
        };
        inquire::set_global_render_config(
            config.with_canceled_prompt_indicator(Styled::new("cancelled")),
        );
    });
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

/// The checkout `--repository` names, or the user's pick; on a terminal, the only one
/// without asking.
pub fn repository(
    checkouts: &dyn HostCheckouts,
    query: Option<&str>,
) -> Result<Checkout, CliError> {
    if let Some(query) = query {
        let query = RepositoryQuery::parse(query)?;
        return Ok(resolve_checkout(checkouts, &query)?);
    }
    let mut all = checkouts.list()?;
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
    if all.len() == 1 {
        return Ok(all.swap_remove(0));
    }
    prepare();
    let choice = Select::new("Repository:", names)
        .raw_prompt()
        .map_err(prompt_error)?;
    Ok(all.swap_remove(choice.index))
}

/// How a command names its workspace when `--branch` is omitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Omitted {
    /// The main workspace without a terminal; a picker with the main workspace first on
    /// one.
    MainOrPick,
    /// A picker over existing branch workspaces; required without a terminal.
    PickBranch,
    /// A new branch name is asked for; required without a terminal.
    AskNew,
}

/// The name the main workspace of `checkout` goes by: the remote's default branch (what
/// the host checkout and the main container were made on), or `main` when git cannot
/// tell it.
pub fn main_name(context: &Context<'_>, checkout: &Checkout) -> String {
    context
        .checkouts()
        .default_branch(checkout)
        .map_or_else(|_| "main".to_owned(), |branch| branch.to_string())
}

/// The workspace `--branch` names (the default branch names the main workspace), or the
/// user's pick, with the sandbox of the entry picked.
pub fn target(
    context: &Context<'_>,
    checkout: &Checkout,
    branch: Option<&str>,
    omitted: Omitted,
) -> Result<(WorkspaceTarget, Option<SandboxKind>), CliError> {
    if let Some(branch) = branch {
        let branch = BranchName::new(branch)?;
        return Ok((
            usecases::target_of(context.checkouts(), checkout, branch)?,
            None,
        ));
    }
    if omitted == Omitted::AskNew {
        return ask_new(context, checkout).map(|branch| (WorkspaceTarget::Branch(branch), None));
    }
    if omitted == Omitted::MainOrPick && !interactive() {
        return Ok((WorkspaceTarget::Main, None));
    }
    let main = main_name(context, checkout);
    let registries = context.registries()?;
    let listing = usecases::list(&registries, std::slice::from_ref(checkout))?;
    context.warn_unlisted(&listing);
    let mut workspaces: Vec<_> = listing
        .workspaces
        .into_iter()
        .filter(|workspace| {
            omitted == Omitted::MainOrPick || workspace.reference.target != WorkspaceTarget::Main
        })
        .collect();
    // The main workspace first, in the sandbox commands default to first; then the
    // branches, each (branch, sandbox) pair its own entry.
    workspaces.sort_by_key(|workspace| {
        (
            workspace.reference.target != WorkspaceTarget::Main,
            workspace.reference.target != WorkspaceTarget::Main
                || workspace.sandbox != context.preferred,
        )
    });
    let choices: Vec<(String, WorkspaceTarget, SandboxKind)> = workspaces
        .into_iter()
        .map(|workspace| {
            let mut label = match workspace.reference.target.branch() {
                Some(branch) => branch.to_string(),
                None => main.clone(),
            };
            if registries.len() - listing.unreachable.len() > 1 {
                // Writing to a `String` cannot fail.
                let _ = write!(label, " [{}]", workspace.sandbox);
            }
            (label, workspace.reference.target, workspace.sandbox)
        })
        .collect();
    let labels: Vec<String> = choices.iter().map(|(label, ..)| label.clone()).collect();
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
    prepare();
    let choice = Select::new("Workspace:", labels)
        .raw_prompt()
        .map_err(prompt_error)?;
    let (_, target, sandbox) = choices
        .into_iter()
        .nth(choice.index)
        .ok_or_else(|| CliError::failure("the picker chose no entry"))?;
    Ok((target, Some(sandbox)))
}

/// Asks for a new workspace's branch on a terminal, offering the branches (local and
/// `origin`'s) that have no workspace yet; any valid name is taken.
fn ask_new(context: &Context<'_>, checkout: &Checkout) -> Result<BranchName, CliError> {
    if !interactive() {
        return Err(CliError::usage("--branch is required without a terminal")
            .hint("name the new workspace's branch, e.g. `--branch feat/x`"));
    }
    let registries = context.registries()?;
    let listing = usecases::list(&registries, std::slice::from_ref(checkout))?;
    context.warn_unlisted(&listing);
    let default = context.checkouts().default_branch(checkout).ok();
    let offered: Vec<String> = context
        .checkouts()
        .branches(checkout)?
        .into_iter()
        .filter(|branch| Some(branch) != default.as_ref())
        .filter(|branch| {
            !listing
                .workspaces
                .iter()
                .any(|workspace| workspace.reference.target.branch() == Some(branch))
        })
        .map(|branch| branch.to_string())
        .collect();
    prepare();
    let name = Text::new("New branch:")
        .with_autocomplete(BranchSuggestions(offered))
        .with_validator(|input: &str| {
            Ok(match BranchName::new(input) {
                Ok(_) => inquire::validator::Validation::Valid,
                Err(err) => inquire::validator::Validation::Invalid(err.reason.into()),
            })
        })
        .prompt()
        .map_err(prompt_error)?;
    Ok(BranchName::new(&name)?)
}

/// The branches offered for a new workspace: those holding what is typed; Tab completes
/// the highlighted one, or the only one.
#[derive(Debug, Clone)]
struct BranchSuggestions(Vec<String>);

impl BranchSuggestions {
    fn matching(&self, input: &str) -> Vec<String> {
        let input = input.to_lowercase();
        self.0
            .iter()
            .filter(|branch| branch.to_lowercase().contains(&input))
            .cloned()
            .collect()
    }
}

impl Autocomplete for BranchSuggestions {
    fn get_suggestions(&mut self, input: &str) -> Result<Vec<String>, CustomUserError> {
        Ok(self.matching(input))
    }

    fn get_completion(
        &mut self,
        input: &str,
        highlighted: Option<String>,
    ) -> Result<Replacement, CustomUserError> {
        Ok(
            highlighted.or_else(|| match self.matching(input).as_slice() {
                [only] => Some(only.clone()),
                _ => None,
            }),
        )
    }
}

/// The user's yes or no to `question` (no unless they say yes). Only on a terminal: see
/// [`interactive`].
pub fn confirm(question: &str) -> Result<bool, CliError> {
    prepare();
    inquire::Confirm::new(question)
        .with_default(false)
        .prompt()
        .map_err(prompt_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_hold_what_is_typed_and_tab_completes_the_only_one() {
        let mut offered = BranchSuggestions(vec!["feature".into(), "local/Only".into()]);

        assert_eq!(
            offered.get_suggestions("").unwrap(),
            ["feature", "local/Only"]
        );
        assert_eq!(offered.get_suggestions("only").unwrap(), ["local/Only"]);
        assert_eq!(
            offered.get_completion("fea", None).unwrap(),
            Some("feature".to_owned())
        );
        assert_eq!(offered.get_completion("", None).unwrap(), None);
        assert_eq!(
            offered
                .get_completion("", Some("local/Only".to_owned()))
                .unwrap(),
            Some("local/Only".to_owned())
        );
    }
}
