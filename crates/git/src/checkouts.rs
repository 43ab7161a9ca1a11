//! The host checkouts: one `git clone` of each repository under `<data root>/repos`.

use std::path::Path;
use std::sync::Arc;

use fs_err as fs;
use skipper_core::{
    AtRisk, BranchImport, BranchName, BranchPresence, CarrySelection, Checkout, CheckoutError,
    CheckoutWork, CloneOutcome, CommandStatus, HostBranch, HostCheckouts, Imported, IncludeList,
    Progress, PullRequestFetched, PushStanding, Refreshed, RemoteUrl, RepositoryId, SaveSlot,
    SavedContents,
};

use crate::host_scripts::HostScripts;
use crate::layout::Layout;
use crate::publish;
use crate::runner::Git;
use crate::work::{Policy, WorkError};
use crate::{carry, objects, pull_request};

const ORIGIN_PREFIX: &str = "refs/remotes/origin/";

/// The host checkouts, cloned with `git` under `<data root>/repos`.
#[derive(Debug, Clone)]
pub struct GitCheckouts {
    layout: Layout,
    progress: Arc<dyn Progress>,
}

impl GitCheckouts {
    /// Host checkouts under `layout`.
    #[must_use]
    pub fn new(layout: Layout, progress: Arc<dyn Progress>) -> Self {
        Self { layout, progress }
    }

    fn checkout(&self, repository: &RepositoryId) -> Checkout {
        Checkout {
            repository: repository.clone(),
            path: self.layout.checkout(repository),
        }
    }

    /// Clones `remote` (see [`HostCheckouts::clone_remote`]). With `beside`, the clone is
    /// made without its working tree, which is then written on another thread while
    /// `beside` runs with the clone at its staging path.
    fn clone_new(
        &self,
        remote: &RemoteUrl,
        beside: Option<&mut dyn FnMut(&Checkout)>,
    ) -> Result<CloneOutcome, CheckoutError> {
        let checkout = self.checkout(remote.repository());
        let target = &checkout.path;
        if target.join(".git").exists() {
            let existing = Git::in_dir(target)
                .run(["config", "--get", "remote.origin.url"])
                .unwrap_or_default()
                .trim()
                .to_owned();
            let same_repository = existing == remote.as_str()
                || (remote.repository().host() != "local"
                    && RemoteUrl::parse(&existing)
                        .is_ok_and(|e| e.repository() == remote.repository()));
            if same_repository {
                return Ok(CloneOutcome::AlreadyCloned(checkout));
            }
            return Err(CheckoutError::Occupied {
                path: target.clone(),
                existing,
                requested: remote.to_string(),
            });
        }
        // Clone into the staging area and rename, so a failed or interrupted clone never
        // leaves a half-made checkout where a real one is expected.
        let staging_root = self.layout.staging();
        fs::create_dir_all(&staging_root)?;
        reap_stale_clones(&staging_root);
        let staging = staging_root.join(format!(
            "{}-{}.cloning",
            skipper_core::short_hash(&remote.repository().key(), 12),
            std::process::id()
        ));
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        let mut args: Vec<std::ffi::OsString> = vec!["clone".into()];
        if beside.is_some() {
            args.push("--no-checkout".into());
        }
        args.extend([
            "--origin".into(),
            "origin".into(),
            "--".into(),
            remote.as_str().into(),
            staging.clone().into(),
        ]);
        let (success, stderr) = clone_with_progress(
            &Git::in_dir(&staging_root),
            &args,
            &*self.progress,
            (&staging, target),
        )?;
        let checked_out = if !success {
            Err(CheckoutError::CloneFailed {
                remote: remote.to_string(),
                stderr,
            })
        } else if let Some(beside) = beside {
            let staged = Checkout {
                repository: checkout.repository.clone(),
                path: staging.clone(),
            };
            std::thread::scope(|scope| {
                let writing = scope.spawn(|| write_working_tree(&staging));
                beside(&staged);
                writing.join().unwrap_or_else(|_| {
                    Err(CheckoutError::Io(std::io::Error::other(
                        "writing the working tree panicked",
                    )))
                })
            })
            .map_err(|err| match err {
                CheckoutError::Git { stderr, .. } => CheckoutError::CloneFailed {
                    remote: remote.to_string(),
                    stderr: format!("writing the working tree: {stderr}"),
                },
                other => other,
            })
        } else {
            Ok(())
        };
        if let Err(err) = checked_out {
            let _ = fs::remove_dir_all(&staging);
            return Err(err);
        }
        // The checkout's parent directories are made only for a clone that succeeded: a
        // failed one leaves no empty directory behind.
        let parent = target.parent().ok_or_else(|| {
            CheckoutError::Io(std::io::Error::other("checkout path has no parent"))
        })?;
        fs::create_dir_all(parent)?;
        if let Err(err) = fs::rename(&staging, target) {
            let _ = fs::remove_dir_all(&staging);
            // Another `sk clone` of the same repository finished first.
            if target.join(".git").exists() {
                return self.clone_remote(remote);
            }
            return Err(CheckoutError::Io(std::io::Error::new(
                err.kind(),
                format!("moving the clone into place: {err}"),
            )));
        }
        Ok(CloneOutcome::Cloned(checkout))
    }
}

/// Writes the working tree and index of the clone at `dir`, made with `--no-checkout`, as
/// `git clone` would have: `HEAD`'s tree, filters and attributes applied. An unborn `HEAD`
/// (the clone of an empty repository) has nothing to write.
fn write_working_tree(dir: &Path) -> Result<(), CheckoutError> {
    let git = Git::in_dir(dir);
    let workers = format!("checkout.workers={}", checkout_workers());
    match git.run(["-c", &workers, "read-tree", "--reset", "-u", "HEAD"]) {
        Ok(_) => Ok(()),
        Err(_) if git.run(["rev-parse", "-q", "--verify", "HEAD"]).is_err() => Ok(()),
        Err(err) => Err(err),
    }
}

/// The workers a checkout of many files writes with: at least eight, more than a small
/// machine's cores, as the containers' checkouts do (`setup-workspace.sh`).
fn checkout_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .max(8)
}

impl HostCheckouts for GitCheckouts {
    fn clone_remote(&self, remote: &RemoteUrl) -> Result<CloneOutcome, CheckoutError> {
        self.clone_new(remote, None)
    }

    fn clone_remote_beside(
        &self,
        remote: &RemoteUrl,
        beside: &mut dyn FnMut(&Checkout),
    ) -> Result<CloneOutcome, CheckoutError> {
        self.clone_new(remote, Some(beside))
    }

    fn list(&self) -> Result<Vec<Checkout>, CheckoutError> {
        let mut checkouts = Vec::new();
        let repos = self.layout.repos();
        for host in subdirectories(&repos)? {
            for owner in subdirectories(&repos.join(&host))? {
                for name in subdirectories(&repos.join(&host).join(&owner))? {
                    let path = repos.join(&host).join(&owner).join(&name);
                    if !path.join(".git").exists() {
                        continue;
                    }
                    match RepositoryId::from_storage(&host, &owner, &name) {
                        Ok(repository) => checkouts.push(Checkout { repository, path }),
                        Err(err) => tracing::warn!("skipping {}: {err}", path.display()),
                    }
                }
            }
        }
        checkouts.sort_by(|a, b| a.repository.cmp(&b.repository));
        Ok(checkouts)
    }

    fn refresh(&self, checkout: &Checkout) -> Result<Refreshed, CheckoutError> {
        let git = Git::in_dir(&checkout.path);
        // `fetch` writes remote-tracking refs and FETCH_HEAD only: the working tree, index,
        // HEAD, stash and local branches stay as they are. No automatic gc: it would race a
        // copy of the repository and expire old stash entries.
        // Git 2.48 and later also follow a change of the remote's default branch in the
        // same round trip (older ones ignore the setting; see below).
        let fetched = git.run([
            "-c",
            "gc.auto=0",
            "-c",
            "maintenance.auto=false",
            "-c",
            "remote.origin.followRemoteHEAD=always",
            "fetch",
            "--prune",
            "--quiet",
            "origin",
        ]);
        let fetch_warning = match fetched {
            Ok(_) => {
                // origin/HEAD missing, or naming a branch the fetch pruned (the remote
                // renamed its default branch): ask the remote (one more round trip, only
                // then, as git itself never asks again after the clone).
                if !follows_a_branch(&checkout.path)
                    && let Err(err) = git.run(["remote", "set-head", "origin", "--auto"])
                {
                    tracing::warn!("could not update origin/HEAD: {err}");
                }
                None
            }
            Err(err) => Some(err.to_string()),
        };
        let default_branch = self.default_branch(checkout)?;
        Ok(Refreshed {
            default_branch,
            fetch_warning,
        })
    }

    fn default_branch(&self, checkout: &Checkout) -> Result<BranchName, CheckoutError> {
        let no_default = |reason: String| CheckoutError::NoDefaultBranch {
            repository: checkout.repository.clone(),
            reason,
        };
        // Git's own file says it without a git process, when the refs are files: a
        // symbolic ref is never packed.
        if let Some(name) = origin_head_file(&checkout.path) {
            return BranchName::from_git(&name).map_err(|err| no_default(err.to_string()));
        }
        let git = Git::in_dir(&checkout.path);
        let head = ["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"];
        let mut target = git.run(head);
        if target.is_err() {
            // origin/HEAD is missing (a clone of an empty remote, or removed by hand): ask
            // the remote once.
            let _ = git.run(["remote", "set-head", "origin", "--auto"]);
            target = git.run(head);
        }
        let target = target.map_err(|err| no_default(err.to_string()))?;
        let name = target
            .trim()
            .strip_prefix(ORIGIN_PREFIX)
            .ok_or_else(|| no_default(format!("origin/HEAD points at {}", target.trim())))?;
        BranchName::from_git(name).map_err(|err| no_default(err.to_string()))
    }

    fn remote_url(&self, checkout: &Checkout) -> Result<String, CheckoutError> {
        let url = Git::in_dir(&checkout.path).run(["config", "--get", "remote.origin.url"])?;
        Ok(url.trim().to_owned())
    }

    fn file_at(
        &self,
        checkout: &Checkout,
        rev: &str,
        path: &str,
    ) -> Result<Option<Vec<u8>>, CheckoutError> {
        if let Some(read) = objects::file_in(&checkout.path, rev, path).known() {
            return Ok(read);
        }
        let git = Git::in_dir(&checkout.path);
        let commit = format!("{rev}^{{commit}}");
        // `<mode> SP <type> SP <object> TAB <path> NUL`, or nothing when it is absent.
        let listed = git.run(["ls-tree", "-z", &commit, "--", path])?;
        let Some(object) = listed
            .split('\t')
            .next()
            .and_then(|head| head.split(' ').nth(2))
            .filter(|object| !object.is_empty())
        else {
            return Ok(None);
        };
        let args = ["cat-file", "blob", object];
        let output = git
            .command(args)
            .output()
            .map_err(|err| CheckoutError::GitUnavailable(err.to_string()))?;
        if !output.status.success() {
            return Err(CheckoutError::Git {
                command: args.join(" "),
                path: checkout.path.clone(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        Ok(Some(output.stdout))
    }

    fn branches(&self, checkout: &Checkout) -> Result<Vec<BranchName>, CheckoutError> {
        let git = Git::in_dir(&checkout.path);
        let refs = git.run([
            "for-each-ref",
            "--format=%(refname)",
            "refs/heads",
            ORIGIN_PREFIX,
        ])?;
        let mut branches: Vec<BranchName> = refs
            .lines()
            .filter_map(|name| {
                name.strip_prefix("refs/heads/")
                    .or_else(|| name.strip_prefix(ORIGIN_PREFIX))
            })
            // `origin/HEAD` points at a branch; it is none itself.
            .filter(|name| *name != "HEAD")
            .filter_map(|name| BranchName::from_git(name).ok())
            .collect();
        branches.sort();
        branches.dedup();
        Ok(branches)
    }

    fn branch_presence(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
    ) -> Result<BranchPresence, CheckoutError> {
        let git = Git::in_dir(&checkout.path);
        let repo = objects::open(&checkout.path);
        let exists = |reference: String| match repo
            .as_ref()
            .and_then(|repo| objects::ref_exists(repo, &reference))
        {
            Some(known) => Ok(known),
            None => git.succeeds(["show-ref", "--verify", "--quiet", reference.as_str()]),
        };
        if exists(format!("refs/heads/{branch}"))? {
            Ok(BranchPresence::Local)
        } else if exists(format!("{ORIGIN_PREFIX}{branch}"))? {
            Ok(BranchPresence::Remote)
        } else {
            Ok(BranchPresence::Absent)
        }
    }

    fn host_branch(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
    ) -> Result<HostBranch, CheckoutError> {
        publish::host_branch(checkout, branch)
    }

    fn import_branch(
        &self,
        checkout: &Checkout,
        import: &BranchImport,
    ) -> Result<Imported, CheckoutError> {
        publish::import_branch(checkout, import)
    }

    fn push_standing(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
        remote: &str,
    ) -> Result<PushStanding, CheckoutError> {
        publish::push_standing(checkout, branch, remote)
    }

    fn push_branch(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
        remote: &str,
        set_upstream: bool,
    ) -> Result<CommandStatus, CheckoutError> {
        publish::push_branch(&checkout.path, branch, remote, set_upstream)
    }

    fn worktree_include(
        &self,
        checkout: &Checkout,
        revision: &str,
    ) -> Result<Option<IncludeList>, CheckoutError> {
        carry::worktree_include(&checkout.path, revision)
    }

    fn select_carried(
        &self,
        checkout: &Checkout,
        patterns: &[Vec<String>],
    ) -> Result<CarrySelection, CheckoutError> {
        carry::select_carried(&checkout.path, patterns)
    }

    fn fetch_pull_request(
        &self,
        checkout: &Checkout,
        number: u64,
        branch: &BranchName,
    ) -> Result<PullRequestFetched, CheckoutError> {
        pull_request::fetch_pull_request(checkout, number, branch)
    }

    fn at_risk(&self, checkout: &Checkout) -> Result<AtRisk, CheckoutError> {
        crate::gate::at_risk(&HostScripts::in_dir(&checkout.path), &CHECKOUT_POLICY)
            .map_err(|err| work_failed(CheckoutWork::Checking, checkout, err))
    }

    fn preserve(
        &self,
        checkout: &Checkout,
        slot: &SaveSlot,
    ) -> Result<SavedContents, CheckoutError> {
        let message = format!(
            "skipper: work of the host checkout of {}, saved as {}",
            checkout.repository, slot.id
        );
        crate::preserve::preserve(
            &HostScripts::in_dir(&checkout.path),
            &CHECKOUT_POLICY,
            slot,
            &message,
        )
        .map_err(|err| work_failed(CheckoutWork::Saving, checkout, err))
    }

    fn remove(&self, checkout: &Checkout) -> Result<(), CheckoutError> {
        if fs::symlink_metadata(&checkout.path).is_err() {
            return Ok(());
        }
        let trash = self.layout.trash();
        fs::create_dir_all(&trash)?;
        let moved = trash.join(format!(
            "checkout-{}-{}",
            skipper_core::short_hash(&checkout.repository.key(), 12),
            std::process::id()
        ));
        // One rename on the data root's filesystem: the checkout is whole where it was, or
        // trash that anyone (`sk gc`) may delete.
        fs::rename(&checkout.path, &moved)?;
        skipper_core::fault_point("checkout.remove.after-move");
        if let Err(err) = fs::remove_dir_all(&moved) {
            // The checkout is gone all the same; what is left is trash.
            self.progress.step(&format!(
                "Could not delete {} ({err}); it is in skipper's trash directory, which may be deleted at any time",
                moved.display()
            ));
        }
        // The owner's and host's directories go when they held only this checkout.
        let repos = self.layout.repos();
        let mut parent = checkout.path.parent();
        while let Some(dir) = parent.filter(|dir| dir.starts_with(&repos) && *dir != repos) {
            if fs::remove_dir(dir).is_err() {
                break;
            }
            parent = dir.parent();
        }
        Ok(())
    }
}

/// The gate's and the save's policy for a host checkout. Everything in it that the remote
/// lacks is at risk: its own branches, the stash, notes and other refs, a detached `HEAD`,
/// and tags on commits no remote branch holds. That is [`Policy::Nested`]: it counts every
/// ref against the remote-tracking branches only. [`Policy::Container`] would count against
/// the host's view a container records when it is made, which a checkout has not: every
/// tag fetched from the remote would look new. The nested policy's save bundles every
/// object (it leaves nothing out for a remote the save may outlive), so a checkout's save
/// is a whole copy of it, restorable from the bundle alone.
const CHECKOUT_POLICY: Policy = Policy::Nested;

fn work_failed(operation: CheckoutWork, checkout: &Checkout, err: WorkError) -> CheckoutError {
    CheckoutError::Work {
        operation,
        path: checkout.path.clone(),
        kind: err.kind(),
        source: err.into(),
    }
}

/// Removes what interrupted clones left in the staging area (older than a day, so a clone
/// still running elsewhere is never touched). Best effort.
fn reap_stale_clones(staging_root: &Path) {
    #[allow(
        clippy::duration_suboptimal_units,
        reason = "`Duration::from_hours` needs Rust 1.91"
    )]
    const STALE: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
    let Ok(entries) = fs::read_dir(staging_root) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if stale && entry.file_name().to_string_lossy().ends_with(".cloning") {
            tracing::debug!("removing an interrupted clone: {}", entry.path().display());
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Runs `git clone`, showing git's own progress when stderr is a terminal, and returns
/// whether it succeeded with what it said on stderr (for the error message). `paths` is
/// the staging directory git clones into and the checkout it becomes: git names the first,
/// the user is shown the second.
fn clone_with_progress(
    git: &Git<'_>,
    args: &[std::ffi::OsString],
    progress: &dyn Progress,
    paths: (&Path, &Path),
) -> Result<(bool, String), CheckoutError> {
    use std::io::Read;
    let show = progress.live();
    let mut args = args.to_vec();
    // Right after `clone`, before the `--` that ends the options.
    args.insert(1, if show { "--progress" } else { "--quiet" }.into());
    let mut child = git
        .command(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|err| CheckoutError::GitUnavailable(err.to_string()))?;
    let (staging, target) = (
        paths.0.to_string_lossy().into_owned(),
        paths.1.to_string_lossy().into_owned(),
    );
    let mut said = Vec::new();
    if let Some(mut pipe) = child.stderr.take() {
        let mut buffer = [0_u8; 4096];
        // Shown a line (or a `\r`-ended progress update) at a time, the staging path in it
        // replaced by the checkout's.
        let mut pending = Vec::new();
        loop {
            let read = pipe.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            said.extend_from_slice(&buffer[..read]);
            if show {
                pending.extend_from_slice(&buffer[..read]);
                while let Some(end) = pending.iter().position(|&b| b == b'\n' || b == b'\r') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let line = String::from_utf8_lossy(&line).replace(&staging, &target);
                    progress.passthrough(line.as_bytes());
                }
            }
        }
        if show && !pending.is_empty() {
            let line = String::from_utf8_lossy(&pending).replace(&staging, &target);
            progress.passthrough(line.as_bytes());
        }
    }
    let status = child.wait()?;
    let said = String::from_utf8_lossy(&said).replace(&staging, &target);
    // Progress lines end in `\r`; keep only the final line of each for the message.
    let message: Vec<&str> = said
        .lines()
        .filter_map(|line| line.rsplit('\r').find(|part| !part.trim().is_empty()))
        .collect();
    Ok((status.success(), message.join("\n").trim().to_owned()))
}

fn subdirectories(dir: &Path) -> Result<Vec<String>, CheckoutError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(CheckoutError::Io(err)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir()
            && let Some(name) = entry.file_name().to_str()
        {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// The branch `refs/remotes/origin/HEAD` names, read from its file in the checkout's `.git`
/// directory; `None` when there is no such file or it is not a symbolic ref to a branch of
/// origin (git is asked then).
/// Whether `origin/HEAD` of the checkout at `checkout` names a remote-tracking branch that
/// exists (read in process; `false` when that cannot be told).
fn follows_a_branch(checkout: &std::path::Path) -> bool {
    origin_head_file(checkout).is_some_and(|name| {
        objects::open(checkout)
            .and_then(|repo| objects::ref_exists(&repo, &format!("{ORIGIN_PREFIX}{name}")))
            .unwrap_or(false)
    })
}

/// The default branch a new branch `branch` of the host checkout at `checkout` would start
/// from, read without a git process: `Some` only when `origin/HEAD` names it in its own file
/// and the refs, read in process, hold neither `branch` nor `origin/<branch>`. `None` says
/// nothing: git may know more.
#[must_use]
pub fn new_branch_base(checkout: &Path, branch: &BranchName) -> Option<BranchName> {
    let repo = objects::open(checkout)?;
    let absent = objects::ref_exists(&repo, &format!("refs/heads/{branch}")) == Some(false);
    absent.then(|| base_on_origin(checkout, branch)).flatten()
}

/// The default branch `origin/HEAD` names in its own file, when the remote-tracking refs,
/// read in process, hold no `origin/<branch>`: where a new branch `branch` starts whatever
/// the local branches hold. `None` says nothing: git may know more.
#[must_use]
pub fn base_on_origin(checkout: &Path, branch: &BranchName) -> Option<BranchName> {
    let default = BranchName::from_git(&origin_head_file(checkout)?).ok()?;
    let repo = objects::open(checkout)?;
    let absent = objects::ref_exists(&repo, &format!("{ORIGIN_PREFIX}{branch}")) == Some(false);
    absent.then_some(default)
}

fn origin_head_file(checkout: &std::path::Path) -> Option<String> {
    let text = fs_err::read_to_string(checkout.join(".git/refs/remotes/origin/HEAD")).ok()?;
    let target = text.strip_prefix("ref: ")?.strip_suffix('\n')?;
    let name = target.strip_prefix(ORIGIN_PREFIX)?;
    (!name.is_empty() && !name.contains(['\n', '\r'])).then(|| name.to_owned())
}

#[cfg(test)]
mod origin_head_tests {
    use super::origin_head_file;

    #[test]
    fn origin_head_is_read_from_its_file_only_when_it_names_a_branch_of_origin() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(origin_head_file(dir.path()), None, "no file: git is asked");
        let file = dir.path().join(".git/refs/remotes/origin/HEAD");
        fs_err::create_dir_all(file.parent().unwrap()).unwrap();
        for (text, read) in [
            ("ref: refs/remotes/origin/trunk\n", Some("trunk")),
            ("ref: refs/remotes/origin/release/v1\n", Some("release/v1")),
            ("ref: refs/heads/main\n", None),
            ("ref: refs/remotes/origin/\n", None),
            ("0123456789abcdef0123456789abcdef01234567\n", None),
            ("ref: refs/remotes/origin/main", None),
        ] {
            fs_err::write(&file, text).unwrap();
            assert_eq!(origin_head_file(dir.path()).as_deref(), read, "{text:?}");
        }
    }
}
