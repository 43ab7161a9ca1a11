use crate::domain::{BranchName, Checkout};
use crate::ports::PullRequestFetched;

use super::{Backend, WorkspaceError};

/// Fetches pull request `number` of the checkout's `origin` into its local branch
/// `branch`, so that [`create`](super::create) makes the workspace of that branch as it
/// is. A branch already at the pull request's head is left as it is; one elsewhere is
/// refused, never moved. The repository's lock is held meanwhile.
///
/// # Errors
/// [`WorkspaceError::Checkout`] with [`CheckoutError::NoSuchPullRequest`] or
/// [`CheckoutError::BranchElsewhere`], or a failure to fetch; [`WorkspaceError::Lock`].
///
/// [`CheckoutError::NoSuchPullRequest`]: crate::ports::CheckoutError::NoSuchPullRequest
/// [`CheckoutError::BranchElsewhere`]: crate::ports::CheckoutError::BranchElsewhere
pub fn fetch_pull_request(
    backend: Backend<'_>,
    checkout: &Checkout,
    number: u64,
    branch: &BranchName,
) -> Result<PullRequestFetched, WorkspaceError> {
    let _repository = backend.locks.repository(&checkout.repository)?;
    Ok(backend
        .checkouts
        .fetch_pull_request(checkout, number, branch)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SandboxKind;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};
    use crate::ports::CheckoutError;

    #[test]
    fn a_pull_request_is_fetched_into_its_branch() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_pull_request(7, "abc");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let fetched =
            fetch_pull_request(backend(&checkouts, &sandbox), &api, 7, &branch("pr/7")).unwrap();

        assert_eq!(fetched.tip, "abc");
        assert_eq!(checkouts.calls(), ["fetch_pull_request acme/api 7 pr/7"]);
    }

    #[test]
    fn a_missing_pull_request_is_not_found() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let err = fetch_pull_request(backend(&checkouts, &sandbox), &api, 7, &branch("pr/7"))
            .unwrap_err();

        assert!(
            matches!(
                err,
                WorkspaceError::Checkout(CheckoutError::NoSuchPullRequest { number: 7, .. })
            ),
            "{err:?}"
        );
    }
}
