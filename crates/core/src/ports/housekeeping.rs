//! Finding and cleaning what crashes and old versions leave behind.

use std::fmt::Debug;

use crate::domain::{Checkout, Finding};

use super::error::SandboxError;

/// One place that can hold leftovers (the data root, the worktrees, the Docker engine):
/// it finds them and cleans the ones that are safe to clean.
pub trait Housekeeping: Send + Sync + Debug {
    /// What this housekeeper looks at, for messages ("the data root", "Docker").
    fn area(&self) -> &'static str;

    /// Every inconsistency found, given the cloned checkouts. Changes nothing.
    ///
    /// # Errors
    /// The failure to look ([`crate::ports::ErrorKind::Unavailable`] for an engine that
    /// cannot be reached).
    fn inspect(&self, checkouts: &[Checkout]) -> Result<Vec<Finding>, SandboxError>;

    /// Removes what `finding` (one of this housekeeper's, marked collectable) names, and
    /// returns the bytes freed (0 when unknown). Re-checks first: what became unsafe to
    /// remove since `inspect` (a container started, a lock taken) is left alone with
    /// [`crate::ports::ErrorKind::Refused`].
    ///
    /// # Errors
    /// [`crate::ports::ErrorKind::Refused`], or the failure to remove it.
    fn collect(&self, finding: &Finding) -> Result<u64, SandboxError>;
}
