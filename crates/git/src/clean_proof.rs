//! A quick proof, in process and without spawning git, that the dirty gate would find
//! nothing in a repository: what lets `list` skip the gate script for the common case of a
//! clean workspace. It only ever answers "proven clean" or "not proven"; a repository it
//! cannot prove clean (anything changed, any ref the gate would count, or anything unusual:
//! a submodule, a sparse checkout, a detached `HEAD`, a repository it cannot fully read) is
//! left to the gate script, so `clean` keeps meaning exactly what the gate says.
//!
//! What it proves, against `gate.sh` and `repository-refs.sh`:
//! - `git status --porcelain --untracked-files=all` would print nothing: the index matches
//!   `HEAD`'s tree, the working tree matches the index (stat data first, contents where the
//!   stat data cannot tell), and no file is untracked that no ignore rule covers (a nested
//!   repository among them);
//! - the index holds no gitlink (so the gate has no submodule to look into), no conflict,
//!   no sparse or intent-to-add entry;
//! - `HEAD` is on a branch that exists (no detached `HEAD` to count);
//! - every ref the policy counts as the repository's own points at a commit a
//!   remote-tracking branch points at too (so `git rev-list --count <ref> --not --remotes`
//!   is 0): under [`Policy::Worktree`] the workspace's branch and `HEAD`'s, with no
//!   per-worktree ref at all; under [`Policy::Nested`] every ref but the remote-tracking
//!   ones and skipper's own, with no stash.
//!
//! A commit reachable from a remote branch but not its tip is not proven: the gate counts
//! it as kept, this proof does not try, and the script answers.

use std::collections::HashSet;
use std::path::Path;

use std::sync::atomic::AtomicBool;

use gix::bstr::ByteSlice;
use gix::index::entry::Stat;
use gix::status::plumbing::index_as_worktree::EntryStatus;
use gix::status::plumbing::index_as_worktree::traits::SubmoduleStatus;
use gix::status::plumbing::index_as_worktree_with_renames::{Entry, VisitEntry};

use crate::work::Policy;

/// Whether the repository whose working tree is `dir` provably holds nothing the gate would
/// report under `policy` (ignored files aside: `list` does not measure them). `false` says
/// only that it is not proven: run the gate.
#[must_use]
pub fn proven_clean(dir: &Path, policy: &Policy) -> bool {
    prove(dir, policy).unwrap_or(false)
}

/// `None` when something could not be read: not proven.
fn prove(dir: &Path, policy: &Policy) -> Option<bool> {
    let started = crate::index_refresh::Started::now();
    // Stat data compared to the nanosecond, as git built with USE_NSEC does: a file is
    // then racily clean (its contents read and hashed) only when it was written at or after
    // the index, not whenever it was written in the same second, which is every file of a
    // worktree checked out moments before its index was written.
    let options = gix::open::Options::default().config_overrides(["gitoxide.core.useNsec=true"]);
    let mut repo = gix::open_opts(dir, options).ok()?;
    if repo.git_dir_trust() != gix::sec::Trust::Full {
        return Some(false);
    }
    // The refs' peeling and the status read the same few commits and trees again and
    // again: kept in memory, each is read from disk once.
    repo.object_cache_size_if_unset(1 << 20);
    // The gate runs git in `dir`: it must be the top of this repository's working tree
    // (the same path as given, else the same directory once links are resolved).
    let top = repo.workdir()?;
    if top != dir && fs_err::canonicalize(top).ok()? != fs_err::canonicalize(dir).ok()? {
        return Some(false);
    }
    // Refs kept in a reftable are not what the files backend reads.
    if repo
        .config_snapshot()
        .string("extensions.refStorage")
        .is_some()
    {
        return Some(false);
    }
    if !refs_are_kept(&repo, policy)? {
        return Some(false);
    }
    let index = repo.index_or_empty().ok()?;
    if !index_is_plain(&index) {
        return Some(false);
    }
    let Status::Clean { stale } = status(&repo, &index)? else {
        return Some(false);
    };
    crate::index_refresh::record(&repo, &index, &stale, started);
    Some(true)
}

/// Whether every ref `policy` counts points at a remote-tracking branch's commit.
fn refs_are_kept(repo: &gix::Repository, policy: &Policy) -> Option<bool> {
    let head = repo.head().ok()?;
    let gix::head::Kind::Symbolic(head_ref) = head.kind else {
        // Detached (commits the gate counts), or unborn: left to the gate.
        return Some(false);
    };
    let references = repo.references().ok()?;
    // What the remote-tracking refs point at directly (commits, as fetch writes them): no
    // object is read for them. A remote ref at a tag object is then only not proven kept.
    let mut kept = HashSet::new();
    for remote in references.prefixed("refs/remotes/").ok()? {
        if let Some(id) = remote.ok()?.try_id() {
            kept.insert(id.detach());
        }
    }
    let is_kept = |name: &str| -> Option<bool> {
        match repo.try_find_reference(name).ok()? {
            Some(mut reference) => points_into(&kept, &mut reference),
            None => Some(true),
        }
    };
    match policy {
        Policy::Worktree { branch } => {
            if let Some(branch) = branch
                && !is_kept(&format!("refs/heads/{branch}"))?
            {
                return Some(false);
            }
            let head_name = head_ref.name.as_bstr().to_str().ok()?;
            if head_name.starts_with("refs/heads/") && !is_kept(head_name)? {
                return Some(false);
            }
            // Per-worktree refs are the worktree's own whatever they point at: any is left
            // to the gate, whether git keeps it in the worktree's directory or elsewhere.
            for prefix in ["refs/worktree/", "refs/bisect/", "refs/rewritten/"] {
                if references.prefixed(prefix).ok()?.next().is_some()
                    || repo.git_dir().join(prefix).exists()
                {
                    return Some(false);
                }
            }
            Some(true)
        }
        Policy::Nested => {
            for reference in references.all().ok()? {
                let mut reference = reference.ok()?;
                let name = reference.name().as_bstr().to_str().ok()?;
                if name.starts_with("refs/remotes/") || name.starts_with("refs/skipper/") {
                    continue;
                }
                if name == "refs/stash" || !points_into(&kept, &mut reference)? {
                    return Some(false);
                }
            }
            Some(true)
        }
        Policy::Container => Some(false),
    }
}

/// Whether `reference` points at one of the commits in `kept`, directly (no object read) or
/// once peeled (an annotated tag: its object is read). `None` when it cannot be peeled.
fn points_into(kept: &HashSet<gix::ObjectId>, reference: &mut gix::Reference<'_>) -> Option<bool> {
    if reference
        .try_id()
        .is_some_and(|id| kept.contains(&id.detach()))
    {
        return Some(true);
    }
    Some(kept.contains(&reference.peel_to_id().ok()?.detach()))
}

/// Whether the index holds only ordinary entries: no gitlink (a submodule the gate would
/// look into), no conflict, nothing sparse or only intended to be added.
fn index_is_plain(index: &gix::index::File) -> bool {
    if index.is_sparse() || index.link().is_some() {
        return false;
    }
    let unusual = gix::index::entry::Flags::SKIP_WORKTREE | gix::index::entry::Flags::INTENT_TO_ADD;
    index.entries().iter().all(|entry| {
        entry.mode != gix::index::entry::Mode::COMMIT
            && entry.stage_raw() == 0
            && !entry.flags.intersects(unusual)
    })
}

/// What `git status --porcelain --untracked-files=all` would print.
enum Status {
    /// Nothing. `stale` holds the entries (their positions in the index) whose files are
    /// unchanged but whose stat data is not what the index records, with the stat data
    /// they have now: git's status would refresh them.
    Clean {
        stale: Vec<(usize, Stat)>,
    },
    Changed,
}

/// Whether `git status --porcelain --untracked-files=all` would print nothing: no change
/// between `HEAD` and `index`, none between `index` and the working tree, no untracked
/// file that is not ignored. The two comparisons run on `repo` itself, with its object
/// cache, and without gix's status platform, which would look for submodules (reading
/// `.gitmodules` through a fresh object store) that a plain index does not have.
fn status(repo: &gix::Repository, index: &gix::index::File) -> Option<Status> {
    let tree = repo.head_tree_id_or_empty().ok()?;
    if !holds_tree(index, &tree) && has_staged_changes(repo, index, &tree)? {
        return Some(Status::Changed);
    }
    worktree_status(repo, index)
}

/// Whether the index's own record of the tree it holds (its `TREE` extension, which git
/// invalidates for every path it changes) says it holds exactly `tree`: valid at the top,
/// for as many entries as the index has. git's status trusts it the same way, skipping the
/// trees it matches, so no tree object need be read for a fresh checkout's index.
fn holds_tree(index: &gix::index::File, tree: &gix::oid) -> bool {
    index.tree().is_some_and(|cached| {
        cached.id.as_ref() == tree
            && cached
                .num_entries
                .and_then(|entries| usize::try_from(entries).ok())
                == Some(index.entries().len())
    })
}

/// Whether `index` differs from `tree` (`git diff --cached` would print something).
fn has_staged_changes(
    repo: &gix::Repository,
    index: &gix::index::File,
    tree: &gix::oid,
) -> Option<bool> {
    let mut staged = false;
    repo.tree_index_status(
        tree,
        index,
        None,
        gix::status::tree_index::TrackRenames::Disabled,
        |_, _, _| {
            staged = true;
            Ok(std::ops::ControlFlow::Break(()))
        },
    )
    .ok()?;
    Some(staged)
}

/// The working tree against the index, as [`status`] asks it.
fn worktree_status(repo: &gix::Repository, index: &gix::index::File) -> Option<Status> {
    let options = gix::status::index_worktree::Options {
        sorting: None,
        dirwalk_options: Some(
            repo.dirwalk_options()
                .ok()?
                .emit_untracked(gix::dir::walk::EmissionMode::Matching),
        ),
        rewrites: None,
        thread_limit: None,
    };
    let mut changes = Changes::default();
    repo.index_worktree_status(
        index,
        None::<&gix::bstr::BStr>,
        &mut changes,
        gix::status::plumbing::index_as_worktree::traits::FastEq,
        NoSubmodules,
        &mut gix::progress::Discard,
        &AtomicBool::new(false),
        options,
    )
    .ok()?;
    Some(if changes.seen {
        Status::Changed
    } else {
        Status::Clean {
            stale: changes.stale,
        }
    })
}

/// Whether the index-worktree comparison saw a change `git status` would print, and the
/// entries it found unchanged but with other stat data.
#[derive(Debug, Default)]
struct Changes {
    seen: bool,
    stale: Vec<(usize, Stat)>,
}

impl<'index> VisitEntry<'index> for Changes {
    type ContentChange = ();
    type SubmoduleStatus = ();

    fn visit_entry(&mut self, entry: Entry<'index, (), ()>) {
        let change = match &entry {
            // Same contents, other stat data: git refreshes the index and says nothing.
            Entry::Modification {
                status: EntryStatus::NeedsUpdate(stat),
                entry_index,
                ..
            } => {
                self.stale.push((*entry_index, *stat));
                false
            }
            Entry::Modification { .. } | Entry::Rewrite { .. } => true,
            Entry::DirectoryContents { entry, .. } => {
                !matches!(entry.status, gix::dir::entry::Status::Ignored(_))
            }
        };
        self.seen |= change;
    }
}

/// The submodule status of an index without gitlinks ([`index_is_plain`]): never asked.
#[derive(Debug, Clone, Copy)]
struct NoSubmodules;

impl SubmoduleStatus for NoSubmodules {
    type Output = ();

    fn status(
        &mut self,
        _entry: &gix::index::Entry,
        _rela_path: &gix::bstr::BStr,
    ) -> gix::Result<Option<()>> {
        Ok(None)
    }
}
