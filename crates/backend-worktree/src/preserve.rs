//! The dirty gate, the save and the restore of a worktree: the shared scripts of
//! `skipper-git`, run on the host in the worktree under the worktree policy (the branches,
//! tags, notes and stash it shares with the host checkout survive it, so only its own are
//! its work).

use skipper_core::{
    AtRisk, Operation, SandboxError, SaveSlot, SavedContents, SavedWork, WorkState, Workspace,
    WorkspaceTarget,
};
use skipper_git::{HostScripts, Policy, WorkError};

use crate::operation::{failed, path_of};

fn policy(workspace: &Workspace) -> Policy {
    Policy::Worktree {
        branch: workspace
            .reference
            .target
            .branch()
            .map(|branch| branch.as_str().to_owned()),
    }
}

/// What `list` shows of the workspace's work at risk: the gate `remove` runs, ignored
/// files unmeasured. The host checkout (the main workspace) is looked at as `sk repo
/// remove` looks at it: every ref of it is its own. A workspace proven clean in process
/// ([`skipper_git::clean_proof`]) is not handed to the gate script: the proof says clean
/// only where the gate would. `None` when the gate could not look.
pub(crate) fn listed_risk(workspace: &Workspace) -> Option<AtRisk> {
    let dir = path_of(workspace).ok()?;
    let policy = if matches!(workspace.reference.target, WorkspaceTarget::Main) {
        Policy::Nested
    } else {
        policy(workspace)
    };
    if skipper_git::clean_proof::proven_clean(dir, &policy) {
        return Some(AtRisk::default());
    }
    skipper_git::gate::at_risk_unmeasured(&HostScripts::in_dir(dir), &policy).ok()
}

fn fail(operation: Operation, workspace: &Workspace) -> impl Fn(WorkError) -> SandboxError {
    move |err| failed(operation, &workspace.reference).error(err.kind(), err)
}

/// The work removing the worktree would lose.
pub(crate) fn at_risk(workspace: &Workspace) -> Result<AtRisk, SandboxError> {
    let dir = path_of(workspace)?;
    skipper_git::gate::at_risk(&HostScripts::in_dir(dir), &policy(workspace))
        .map_err(fail(Operation::Checking, workspace))
}

/// Saves the work at risk into `slot`.
pub(crate) fn preserve(
    workspace: &Workspace,
    slot: &SaveSlot,
) -> Result<SavedContents, SandboxError> {
    let dir = path_of(workspace)?;
    let message = format!(
        "skipper: work of {}, saved as {}",
        workspace.reference, slot.id
    );
    skipper_git::preserve::preserve(
        &HostScripts::in_dir(dir),
        &policy(workspace),
        slot,
        &message,
    )
    .map_err(fail(Operation::Saving, workspace))
}

/// Puts saved work back into a worktree just made on its branch.
pub(crate) fn restore(workspace: &Workspace, saved: &SavedWork) -> Result<(), SandboxError> {
    let dir = path_of(workspace)?;
    let branch = workspace
        .reference
        .target
        .branch()
        .map(skipper_core::BranchName::as_str);
    skipper_git::restore::restore(&HostScripts::in_dir(dir), branch, saved)
        .map_err(fail(Operation::Restoring, workspace))
}

/// What the worktree's repository looks like now.
pub(crate) fn work_state(workspace: &Workspace) -> Result<WorkState, SandboxError> {
    let dir = path_of(workspace)?;
    skipper_git::state::work_state(&HostScripts::in_dir(dir))
        .map_err(fail(Operation::Checking, workspace))
}
