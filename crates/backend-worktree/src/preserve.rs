//! Saving a workspace's work at risk before a forced removal.

use std::ffi::OsStr;
use std::path::PathBuf;

use fs_err as fs;
use skipper_core::{ErrorKind, Operation, Preserved, SandboxError, Workspace, WorkspaceTarget};
use skipper_git::{Git, Layout, SaveStamp};

use crate::operation::{During, failed, path_of};

const SAVER: &str = "skipper";
const SAVER_EMAIL: &str = "skipper@localhost";

/// Records the working tree (modified and untracked files, ignored ones excluded) as a
/// commit on [`SaveStamp::saved_ref`] of the host repository, and writes a bundle of that
/// commit and the branch, named [`SaveStamp::bundle_file_name`], under [`Layout::saved`].
/// The branch and the user's index are not touched.
pub(crate) fn preserve(layout: &Layout, workspace: &Workspace) -> Result<Preserved, SandboxError> {
    let dir = path_of(workspace)?;
    let reference = &workspace.reference;
    let fail = failed(Operation::Saving, reference);
    let WorkspaceTarget::Branch(branch) = &reference.target else {
        return Err(fail.error(
            ErrorKind::InvalidInput,
            "the main workspace is never removed",
        ));
    };
    let git = Git::in_dir(dir);
    let stamp = SaveStamp::now();
    let saved_dir = layout.saved(&reference.repository);
    fs::create_dir_all(&saved_dir).during(&fail)?;

    // A copy of the index, so `add -A` below never changes what the user staged.
    let index = PathBuf::from(
        git.run(["rev-parse", "--path-format=absolute", "--git-path", "index"])
            .during(&fail)?
            .trim(),
    );
    let scratch_index = saved_dir.join(format!(".{}.index", stamp.file_stem(branch)));
    if index.exists() {
        fs::copy(&index, &scratch_index).during(&fail)?;
    }
    let scratch_env = [("GIT_INDEX_FILE", scratch_index.as_os_str())];
    let tree = git
        .run_with_env(["add", "-A", "--", "."], &scratch_env)
        .and_then(|_| git.run_with_env(["write-tree"], &scratch_env));
    let _ = fs::remove_file(&scratch_index);
    let tree = tree.during(&fail)?;

    let message = format!("skipper: work saved from `{branch}` before a forced removal");
    let saver = [
        ("GIT_AUTHOR_NAME", OsStr::new(SAVER)),
        ("GIT_AUTHOR_EMAIL", OsStr::new(SAVER_EMAIL)),
        ("GIT_COMMITTER_NAME", OsStr::new(SAVER)),
        ("GIT_COMMITTER_EMAIL", OsStr::new(SAVER_EMAIL)),
    ];
    let commit = git
        .run_with_env(
            [
                "commit-tree",
                tree.as_str(),
                "-p",
                "HEAD",
                "-m",
                message.as_str(),
            ],
            &saver,
        )
        .during(&fail)?;
    let saved_ref = stamp.saved_ref(branch);
    git.run(["update-ref", saved_ref.as_str(), commit.as_str()])
        .during(&fail)?;

    let bundle = saved_dir.join(stamp.bundle_file_name(branch));
    let bundle_arg = bundle.to_string_lossy().into_owned();
    let branch_ref = format!("refs/heads/{branch}");
    git.run([
        "bundle",
        "create",
        "--quiet",
        bundle_arg.as_str(),
        branch_ref.as_str(),
        saved_ref.as_str(),
    ])
    .during(&fail)?;

    let short = &commit[..commit.len().min(12)];
    Ok(Preserved {
        saved_to: bundle,
        contents: vec![
            format!("uncommitted and untracked files as commit {short} on {saved_ref}"),
            format!("branch `{branch}` with its commits (the branch itself is kept)"),
        ],
        restore_hint: format!(
            "recreate the workspace, then run `git restore --source={saved_ref} -- .` in it"
        ),
    })
}
