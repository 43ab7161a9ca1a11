//! A pull request's head into a local branch of the host checkout: GitHub's
//! `refs/pull/<n>/head`, else GitLab's `refs/merge-requests/<n>/head`, asked of `origin`
//! with `ls-remote` and fetched straight into the new branch (a fetch writes refs and
//! objects only: the working tree, index and `HEAD` stay as they are).

use skipper_core::{BranchName, Checkout, CheckoutError, PullRequestFetched};

use crate::runner::Git;

/// The refs a remote may keep pull request `number`'s head under, in the order asked.
fn pull_refs(number: u64) -> [String; 2] {
    [
        format!("refs/pull/{number}/head"),
        format!("refs/merge-requests/{number}/head"),
    ]
}

/// [`HostCheckouts::fetch_pull_request`](skipper_core::HostCheckouts::fetch_pull_request).
pub(crate) fn fetch_pull_request(
    checkout: &Checkout,
    number: u64,
    branch: &BranchName,
) -> Result<PullRequestFetched, CheckoutError> {
    let git = Git::in_dir(&checkout.path);
    let candidates = pull_refs(number);
    let listed = git.run([
        "ls-remote",
        "--refs",
        "origin",
        candidates[0].as_str(),
        candidates[1].as_str(),
    ])?;
    let advertised: Vec<(&str, &str)> = listed
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .collect();
    let Some((remote_ref, remote_tip)) = candidates.iter().find_map(|wanted| {
        advertised
            .iter()
            .find(|(_, name)| name == wanted)
            .map(|(tip, _)| (wanted.clone(), (*tip).to_owned()))
    }) else {
        return Err(CheckoutError::NoSuchPullRequest {
            number,
            remote: git
                .run(["config", "--get", "remote.origin.url"])
                .map_or_else(|_| "origin".to_owned(), |url| url.trim().to_owned()),
        });
    };
    let local = format!("refs/heads/{branch}");
    if let Some(tip) = tip_of(&git, &local)? {
        if tip == remote_tip {
            return Ok(PullRequestFetched {
                remote_ref,
                tip,
                created: false,
            });
        }
        return Err(CheckoutError::BranchElsewhere {
            path: checkout.path.clone(),
            branch: branch.clone(),
            tip,
            wanted: remote_tip,
        });
    }
    // Without `+`, git creates the branch and would only fast-forward one made meanwhile.
    // A fetch sets no upstream: the pull request's ref is no branch to pull or push.
    git.run([
        "-c",
        "gc.auto=0",
        "-c",
        "maintenance.auto=false",
        "fetch",
        "--quiet",
        "--no-tags",
        "origin",
        format!("{remote_ref}:{local}").as_str(),
    ])?;
    let tip = tip_of(&git, &local)?.ok_or_else(|| CheckoutError::Git {
        command: format!("fetch origin {remote_ref}:{local}"),
        path: checkout.path.clone(),
        stderr: format!("{local} is missing after the fetch"),
    })?;
    Ok(PullRequestFetched {
        remote_ref,
        tip,
        created: true,
    })
}

/// The commit `reference` names, `None` when it does not exist.
fn tip_of(git: &Git<'_>, reference: &str) -> Result<Option<String>, CheckoutError> {
    let commit = format!("{reference}^{{commit}}");
    if !git.succeeds(["rev-parse", "--verify", "--quiet", commit.as_str()])? {
        return Ok(None);
    }
    Ok(Some(
        git.run(["rev-parse", "--verify", commit.as_str()])?
            .trim()
            .to_owned(),
    ))
}
