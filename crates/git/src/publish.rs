//! The host checkout's side of bringing a workspace's branch home and publishing it: its
//! view of a branch, a fast-forward from a bundle, whether a remote lacks anything, and
//! `git push` with the user's own configuration and credentials. [`crate::GitCheckouts`]
//! delegates its [`HostCheckouts`](skipper_core::HostCheckouts) methods of that kind here.

use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;

use skipper_core::{
    BranchImport, BranchName, Checkout, CheckoutError, CommandStatus, HostBranch, Imported,
    PushStanding,
};

use crate::runner::Git;
use crate::worktree_list;

/// Settings for the git runs that write the host checkout: no automatic gc (it would race
/// a copy of the repository and expire old stash entries).
const NO_GC: [&str; 4] = ["-c", "gc.auto=0", "-c", "maintenance.auto=false"];

/// The commit `rev` names in the checkout, if any.
fn commit_of(git: &Git<'_>, rev: &str) -> Result<Option<String>, CheckoutError> {
    let output = git
        .command(["rev-parse", "-q", "--verify", &format!("{rev}^{{commit}}")])
        .output()
        .map_err(|err| CheckoutError::GitUnavailable(err.to_string()))?;
    Ok(output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned()))
}

/// Whether `ancestor` is in `descendant`'s history; `false` when either is unknown here.
fn contains(git: &Git<'_>, descendant: &str, ancestor: &str) -> Result<bool, CheckoutError> {
    if commit_of(git, ancestor)?.is_none() || commit_of(git, descendant)?.is_none() {
        return Ok(false);
    }
    git.succeeds(["merge-base", "--is-ancestor", ancestor, descendant])
}

/// [`HostCheckouts::host_branch`](skipper_core::HostCheckouts::host_branch).
pub(crate) fn host_branch(
    checkout: &Checkout,
    branch: &BranchName,
) -> Result<HostBranch, CheckoutError> {
    let git = Git::in_dir(&checkout.path);
    let tip = commit_of(&git, &format!("refs/heads/{branch}"))?;
    // origin's copy of the branch and its default branch first: they spare the most.
    let mut remote_tips = Vec::new();
    for name in [
        format!("refs/remotes/origin/{branch}"),
        "refs/remotes/origin/HEAD".to_owned(),
    ] {
        if let Some(oid) = commit_of(&git, &name)? {
            remote_tips.push(oid);
        }
    }
    for oid in git
        .run([
            "for-each-ref",
            "--format=%(objectname)",
            "refs/remotes/origin/",
        ])?
        .lines()
    {
        if !remote_tips.iter().any(|known| known == oid) {
            remote_tips.push(oid.to_owned());
        }
    }
    let checked_out = worktree_list::list(&checkout.path)?
        .into_iter()
        .find(|entry| !entry.prunable && entry.branch.as_deref() == Some(branch.as_str()))
        .map(|entry| entry.path);
    Ok(HostBranch {
        tip,
        remote_tips,
        checked_out,
    })
}

/// [`HostCheckouts::import_branch`](skipper_core::HostCheckouts::import_branch).
pub(crate) fn import_branch(
    checkout: &Checkout,
    import: &BranchImport,
) -> Result<Imported, CheckoutError> {
    let git = Git::in_dir(&checkout.path);
    let name = format!("refs/heads/{}", import.branch);
    if let Some(bundle) = &import.bundle {
        // No `+`: git itself refuses anything but a fast-forward, and a branch checked out
        // in any worktree.
        let mut args: Vec<OsString> = NO_GC.iter().map(OsString::from).collect();
        args.extend(
            [
                "fetch",
                "--quiet",
                "--no-write-fetch-head",
                "--no-tags",
                "--no-prune",
                "--no-recurse-submodules",
                "--",
            ]
            .map(OsString::from),
        );
        args.push(bundle.clone().into_os_string());
        args.push(format!("{name}:{name}").into());
        git.run(args)?;
    } else {
        // The host has every commit: the ref alone moves, from where it was only.
        if let Some(old) = &import.old
            && !contains(&git, &import.tip, old)?
        {
            return Err(CheckoutError::Git {
                command: format!("merge-base --is-ancestor {old} {}", import.tip),
                path: checkout.path.clone(),
                stderr: format!("{name} is not an ancestor of {}", import.tip),
            });
        }
        let zero = "0".repeat(import.tip.len());
        git.run([
            "update-ref",
            "-m",
            "sk workspace fetch",
            &name,
            &import.tip,
            import.old.as_deref().unwrap_or(&zero),
        ])?;
    }
    let new = commit_of(&git, &name)?.ok_or_else(|| CheckoutError::NoSuchBranch {
        path: checkout.path.clone(),
        branch: import.branch.clone(),
    })?;
    let count = match &import.old {
        Some(old) => git.run(["rev-list", "--count", &new, "--not", old])?,
        None => git.run(["rev-list", "--count", &new, "--not", "--remotes"])?,
    };
    Ok(Imported {
        old: import.old.clone(),
        new,
        commits: count.trim().parse().unwrap_or_default(),
    })
}

/// The checkout's remotes.
fn remotes(git: &Git<'_>) -> Result<Vec<String>, CheckoutError> {
    Ok(git.run(["remote"])?.lines().map(str::to_owned).collect())
}

/// [`HostCheckouts::push_standing`](skipper_core::HostCheckouts::push_standing).
pub(crate) fn push_standing(
    checkout: &Checkout,
    branch: &BranchName,
    remote: &str,
) -> Result<PushStanding, CheckoutError> {
    let git = Git::in_dir(&checkout.path);
    let configured = remotes(&git)?;
    if !configured.iter().any(|name| name == remote) {
        return Err(CheckoutError::NoSuchRemote {
            path: checkout.path.clone(),
            remote: remote.to_owned(),
            configured,
        });
    }
    let name = format!("refs/heads/{branch}");
    let tip = commit_of(&git, &name)?.ok_or_else(|| CheckoutError::NoSuchBranch {
        path: checkout.path.clone(),
        branch: branch.clone(),
    })?;
    let listed = git.run(["ls-remote", "--symref", "--", remote, "HEAD", &name])?;
    let advertised = parse_ls_remote(&listed);
    if let Some(remote_tip) = advertised.get(&name) {
        if *remote_tip == tip || contains(&git, remote_tip, &tip)? {
            return Ok(PushStanding::AlreadyThere {
                remote_tip: remote_tip.clone(),
            });
        }
        return Ok(PushStanding::Ahead);
    }
    let default = advertised
        .head_target
        .as_deref()
        .and_then(|target| target.strip_prefix("refs/heads/"));
    if let (Some(default), Some(default_tip)) = (default, advertised.get("HEAD"))
        && contains(&git, default_tip, &tip)?
    {
        return Ok(PushStanding::NothingBeyondDefault {
            default_branch: default.to_owned(),
        });
    }
    Ok(PushStanding::Ahead)
}

/// What `git ls-remote --symref` printed: each ref's object, and the ref `HEAD` names.
#[derive(Debug, Default, PartialEq, Eq)]
struct Advertised {
    refs: Vec<(String, String)>,
    head_target: Option<String>,
}

impl Advertised {
    fn get(&self, name: &str) -> Option<&String> {
        self.refs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, oid)| oid)
    }
}

/// Reads `git ls-remote --symref`: `<object> TAB <ref>` lines, and `ref: <target> TAB HEAD`
/// for the symbolic `HEAD`. Its patterns match a ref's tail, so only exact names are kept
/// by the caller's lookups.
fn parse_ls_remote(text: &str) -> Advertised {
    let mut advertised = Advertised::default();
    for line in text.lines() {
        let Some((left, name)) = line.split_once('\t') else {
            continue;
        };
        if let Some(target) = left.strip_prefix("ref: ") {
            if name == "HEAD" {
                advertised.head_target = Some(target.to_owned());
            }
        } else {
            advertised.refs.push((name.to_owned(), left.to_owned()));
        }
    }
    advertised
}

/// [`HostCheckouts::push_branch`](skipper_core::HostCheckouts::push_branch).
pub(crate) fn push_branch(
    dir: &Path,
    branch: &BranchName,
    remote: &str,
    set_upstream: bool,
) -> Result<CommandStatus, CheckoutError> {
    let name = format!("refs/heads/{branch}");
    let mut args = vec!["push"];
    if set_upstream {
        args.push("--set-upstream");
    }
    let refspec = format!("{name}:{name}");
    args.extend(["--", remote, &refspec]);
    tracing::debug!(dir = %dir.display(), ?args, "git");
    // git's own words (the refusal, the remote's hook) reach the user as they are, all on
    // stderr: stdout is `sk`'s result.
    let status = Git::in_dir(dir)
        .command(&args)
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::inherit())
        .status()
        .map_err(|err| CheckoutError::GitUnavailable(err.to_string()))?;
    Ok(CommandStatus(status.code().unwrap_or_else(|| {
        use std::os::unix::process::ExitStatusExt as _;
        128 + status.signal().unwrap_or(0)
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_remote_says_each_ref_and_where_head_points() {
        let advertised = parse_ls_remote(
            "ref: refs/heads/release/v1\tHEAD\naaa\tHEAD\nbbb\trefs/heads/feat/x\nccc\trefs/heads/x/HEAD\n",
        );
        assert_eq!(
            advertised.head_target.as_deref(),
            Some("refs/heads/release/v1")
        );
        assert_eq!(advertised.get("HEAD").map(String::as_str), Some("aaa"));
        assert_eq!(
            advertised.get("refs/heads/feat/x").map(String::as_str),
            Some("bbb")
        );
        assert_eq!(advertised.get("refs/heads/x"), None);
    }
}
