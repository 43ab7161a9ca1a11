//! The shell scripts both sandboxes run to gate, save and restore a repository's work: one
//! set of POSIX `sh` scripts (`assets/scripts/*.sh`, each saying its arguments and output),
//! run on the host in a worktree and inside the container for Docker, with their inputs as
//! positional parameters (never spliced into shell text). What they print is read by
//! [`crate::gate`], [`crate::preserve`], [`crate::restore`] and [`crate::diff`]; the scripts
//! that carry a branch out of a workspace and the remote's branches into one, by
//! [`crate::export`] and [`crate::sync`].

/// The text of a script in `assets/scripts/`, embedded in the binary.
macro_rules! script {
    ($name:literal) => {
        include_str!(concat!("../../../assets/scripts/", $name))
    };
}

/// The dirty gate of one repository: `repository-refs.sh` (the policies and the refs they
/// count, shared with [`SAVE`] so that what the gate counts and what is saved cannot drift
/// apart), then `gate.sh`.
///
/// `$1` the repository's directory, `$2` the policy, `$3` the workspace's branch.
pub const GATE: &str = concat!(script!("repository-refs.sh"), script!("gate.sh"));

/// [`GATE`] after a check that the repository is finished and, for a container's
/// repository with ignored files unmeasured, a cheaper proof that it is clean:
/// `gate-if-ready.sh`, `repository-refs.sh`, `clean-proof.sh`, then `gate.sh`.
///
/// `$1` to `$4` as [`GATE`]'s, `$5` the file whose absence says the repository is half
/// made (then `not-ready` is all it prints). A repository proven clean prints `clean`
/// alone.
pub const GATE_IF_READY: &str = concat!(
    script!("gate-if-ready.sh"),
    script!("repository-refs.sh"),
    script!("clean-proof.sh"),
    script!("gate.sh")
);

/// [`GATE_IF_READY`] after `agent-activity.sh`, for `list`: one record of what the
/// workspace's agent does comes first (see [`crate::gate::listed_if_ready`]).
///
/// The arguments are [`GATE_IF_READY`]'s.
pub const LIST_IF_READY: &str = concat!(
    script!("agent-activity.sh"),
    script!("gate-if-ready.sh"),
    script!("repository-refs.sh"),
    script!("clean-proof.sh"),
    script!("gate.sh")
);

/// Saves one repository's work into a bundle: `repository-refs.sh`, then `save.sh`.
///
/// `$1` the directory, `$2` the policy, `$3` the workspace's branch, `$4` the save's ref
/// prefix, `$5` the bundle's path, `$6` the commits' message, then the nested repositories
/// to leave out of the working-tree commit.
pub const SAVE: &str = concat!(script!("repository-refs.sh"), script!("save.sh"));

/// Puts one repository's saved work back: `restore.sh`.
pub const RESTORE: &str = script!("restore.sh");

/// Where a workspace's branch stands next to the host checkout's, and a bundle of the
/// commits the host lacks: `export-branch.sh`, read by [`crate::export`].
///
/// `$1` the branch, `$2` the bundle's path (empty: report only), `$3` the host's tip of the
/// branch (empty: none), then the other commits the host has.
pub const EXPORT_BRANCH: &str = script!("export-branch.sh");

/// Lists a repository's `refs/remotes/origin/*`: `origin-refs.sh`, read by [`crate::sync`].
pub const ORIGIN_REFS: &str = script!("origin-refs.sh");

/// Sets a repository's `refs/remotes/origin/*` in one transaction: `sync-origin.sh`.
///
/// `$1` a bundle of the objects it lacks (empty: none), `$2` where `origin/HEAD` is to
/// point, then triples of a ref, its new object (empty: delete) and its old one (empty:
/// create).
pub const SYNC_ORIGIN: &str = script!("sync-origin.sh");

/// What a repository looks like now (its `HEAD`, stash and status): `state.sh`.
pub const STATE: &str = script!("state.sh");

/// Writes everything a workspace changed since it started as one git diff: `diff.sh`.
///
/// `$1` the start ref, `$2` the format (`patch`, `stat`, `name-only`), `$3` the colour
/// (`always`, `never`), `$4` the terminal's width (or empty), `$5` the file to write.
pub const DIFF: &str = script!("diff.sh");

/// The argument vector running `script` with `args` as its positional parameters (`$0` is
/// `sk-script`, for the shell's messages).
#[must_use]
pub fn sh_argv(script: &str, args: &[String]) -> Vec<String> {
    let mut argv = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        script.to_owned(),
        "sk-script".to_owned(),
    ];
    argv.extend(args.iter().cloned());
    argv
}

/// The identity of the commits a save makes (the index and the working tree), so a save
/// never depends on the user's git configuration.
pub const SAVE_IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "skipper"),
    ("GIT_AUTHOR_EMAIL", "skipper@localhost"),
    ("GIT_COMMITTER_NAME", "skipper"),
    ("GIT_COMMITTER_EMAIL", "skipper@localhost"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_and_the_save_share_one_definition_of_the_refs() {
        assert!(GATE.contains("candidate_refs() {"));
        assert!(SAVE.contains("candidate_refs() {"));
        assert!(GATE.contains("\ncandidate_refs > \"$scratch\"\n"));
        assert!(SAVE.contains("\ncandidate_refs > \"$scratch/refs\"\n"));
    }

    #[test]
    fn scripts_take_their_inputs_as_parameters() {
        let argv = sh_argv(GATE, &[".".into(), "x; rm -rf /".into()]);
        assert_eq!(argv[..2], ["sh", "-c"]);
        assert_eq!(argv[3], "sk-script");
        assert_eq!(argv[5], "x; rm -rf /");
        assert!(!argv[2].contains("rm -rf /"));
    }
}
