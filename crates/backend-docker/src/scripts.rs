//! The steps skipper runs inside containers, as fixed POSIX shell scripts whose inputs
//! arrive as positional parameters (never spliced into shell text), and pure parsers of
//! what they print (git's porcelain formats, not its English). The scripts themselves are
//! `assets/scripts/*.sh`, each saying its arguments, environment and output, embedded here.

use skipper_core::{AtRisk, BranchName, BranchStart, UnpushedBranch, UnpushedRef};

/// The file, relative to the repository directory, whose presence says that [`SETUP`] ran
/// to its end. Labels are fixed when a container is made, before the repository is copied
/// in; a container carrying them without this file was left half-made by an interrupted
/// creation. It lives under `.git/skipper/`, which the copy never takes from the host and
/// the snapshot never holds.
pub const READY_MARKER: &str = ".git/skipper/ready";

/// The text of a script in `assets/scripts/`, embedded in the binary.
macro_rules! script {
    ($name:literal) => {
        include_str!(concat!("../../../assets/scripts/", $name))
    };
}

/// Turns the copied git directory into a working repository and writes [`READY_MARKER`]
/// last: `setup-workspace.sh`.
///
/// `$1` repository dir, `$2` mode (`main`, `existing`, `track`, `new`), `$3` default
/// branch, `$4` branch, then triples of (`link` or `entries`, mounted path, path relative
/// to `$HOME`), as [`crate::spec::HomeLink`] describes.
pub const SETUP: &str = script!("setup-workspace.sh");

/// Prints the refs holding work at risk, one tab-separated line each:
/// `refs-at-risk-function.sh` (which defines `refs_at_risk`, shared with [`PRESERVE`] so
/// that what the gate counts and what is saved cannot drift apart), then `refs-at-risk.sh`.
/// [`parse_refs_at_risk`] reads them.
pub const REFS_AT_RISK: &str = concat!(
    script!("refs-at-risk-function.sh"),
    script!("refs-at-risk.sh")
);

/// Saves the work at risk into a bundle: `refs-at-risk-function.sh`, then `preserve.sh`.
/// [`parse_preserved`] reads what it prints.
///
/// `$1` timestamp, `$2` bundle path, `$3` commit message.
pub const PRESERVE: &str = concat!(script!("refs-at-risk-function.sh"), script!("preserve.sh"));

/// `true` when `$1` names a program the shell can run: `program-exists.sh`.
pub const PROGRAM_EXISTS: &str = script!("program-exists.sh");

/// Records its pid in the file `$0`, then execs `$1...`, or exits 127 silently when the
/// program is missing: `exec-recording-pid.sh`.
pub const EXEC_RECORDING_PID: &str = script!("exec-recording-pid.sh");

/// Sends signal `$1` to the process group whose leader's pid the file `$0` holds:
/// `signal-process-group.sh`.
pub const SIGNAL_PROCESS_GROUP: &str = script!("signal-process-group.sh");

/// Execs `$1...`, or exits 127 silently when the program is missing: `exec-program.sh`.
pub const EXEC_PROGRAM: &str = script!("exec-program.sh");

/// `bash` when the image has it, else `sh`: `interactive-shell.sh`.
pub const INTERACTIVE_SHELL: &str = script!("interactive-shell.sh");

/// The argument vector running `script` with `args` as its positional parameters.
#[must_use]
pub fn sh(script: &str, args: &[&str]) -> Vec<String> {
    let mut argv = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        script.to_owned(),
        "sh".to_owned(),
    ];
    argv.extend(args.iter().map(|arg| (*arg).to_owned()));
    argv
}

/// How [`SETUP`] checks out the workspace's branch (its `$2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupMode {
    /// The main workspace: the default branch.
    Main,
    /// The local branch as it is.
    Existing,
    /// A new local branch tracking `origin/<branch>`.
    Track,
    /// A new branch from `origin/<default>`.
    New,
}

impl SetupMode {
    /// The mode of a branch workspace whose branch comes to be as `start` says.
    #[must_use]
    pub fn for_branch(start: &BranchStart) -> Self {
        match start {
            BranchStart::Existing => Self::Existing,
            BranchStart::TrackRemote => Self::Track,
            BranchStart::NewFromDefault => Self::New,
        }
    }

    /// The word the script takes.
    #[must_use]
    pub fn as_arg(self) -> &'static str {
        match self {
            Self::Main => "main",
            Self::Existing => "existing",
            Self::Track => "track",
            Self::New => "new",
        }
    }
}

/// A ref holding work that no remote branch and no branch of the host has, as
/// [`REFS_AT_RISK`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefAtRisk {
    /// A local branch with commits on no remote branch.
    Branch(UnpushedBranch),
    /// The workspace's own stash, with its number of entries.
    Stash {
        /// How many entries it holds.
        entries: usize,
    },
    /// A detached `HEAD` with commits on no branch, tag or remote branch.
    DetachedHead {
        /// How many commits only it reaches.
        commits: usize,
    },
    /// A tag the host did not have when the workspace was made.
    Tag {
        /// The tag's name, without `refs/tags/`.
        name: String,
    },
}

impl RefAtRisk {
    /// Adds this to `risk`.
    pub fn add_to(self, risk: &mut AtRisk) {
        match self {
            Self::Branch(branch) => risk.unpushed.push(branch),
            Self::Stash { entries } => risk.other_refs.push(UnpushedRef::Stash { entries }),
            Self::DetachedHead { commits } => {
                risk.other_refs.push(UnpushedRef::DetachedHead { commits });
            }
            Self::Tag { name } => risk.other_refs.push(UnpushedRef::Tag { name }),
        }
    }
}

/// The refs [`REFS_AT_RISK`] printed.
#[must_use]
pub fn parse_refs_at_risk(text: &str) -> Vec<RefAtRisk> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let count = |field: Option<&str>| field?.trim().parse::<usize>().ok();
            match (fields.next()?, fields.next(), fields.next()) {
                ("branch", Some(branch), commits) => Some(RefAtRisk::Branch(UnpushedBranch {
                    branch: BranchName::from_git(branch).ok()?,
                    commits: count(commits)?,
                })),
                ("stash", entries, None) => Some(RefAtRisk::Stash {
                    entries: count(entries)?,
                }),
                ("detached", commits, None) => Some(RefAtRisk::DetachedHead {
                    commits: count(commits)?,
                }),
                ("tag", Some(name), None) if !name.is_empty() => Some(RefAtRisk::Tag {
                    name: name.to_owned(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// What [`PRESERVE`] saved, one line each for people.
#[must_use]
pub fn parse_preserved(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some("saved"), Some(reference), None, None) => Some(format!(
                    "uncommitted and untracked changes, as commit {reference}"
                )),
                (Some("branch"), Some(branch), Some(count), None) => {
                    Some(format!("branch {branch} ({count} unpushed commit(s))"))
                }
                (Some("stash"), Some(prefix), Some(entries), None) => Some(format!(
                    "the stash ({entries} entr(ies)), as refs/stash and {prefix}/<n>"
                )),
                (Some("detached"), Some(reference), Some(count), None) => Some(format!(
                    "detached HEAD ({count} commit(s) on no branch), as {reference}"
                )),
                (Some("tag"), Some(name), None, None) => Some(format!("tag {name}")),
                (Some("tag"), Some(name), Some(reference), None) => Some(format!(
                    "tag {name} (a lightweight tag on a pushed commit), as a tag object on {reference}"
                )),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod run_on_host;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_at_risk_are_parsed() {
        let parsed = parse_refs_at_risk(
            "branch\tfeat/x\t2\nbranch\tmain\t1\nstash\t3\ndetached\t4\ntag\tv2\n\
             garbage\nbranch\tbad..name\t1\nstash\tmany\ntag\t\n",
        );
        assert_eq!(
            parsed,
            [
                RefAtRisk::Branch(UnpushedBranch {
                    branch: BranchName::new("feat/x").unwrap(),
                    commits: 2
                }),
                RefAtRisk::Branch(UnpushedBranch {
                    branch: BranchName::new("main").unwrap(),
                    commits: 1
                }),
                RefAtRisk::Stash { entries: 3 },
                RefAtRisk::DetachedHead { commits: 4 },
                RefAtRisk::Tag { name: "v2".into() },
            ]
        );
    }

    #[test]
    fn refs_other_than_branches_go_to_other_refs() {
        let mut risk = AtRisk::default();
        for reference in parse_refs_at_risk("branch\tfeat/x\t2\nstash\t1\ndetached\t3\ntag\tv2\n") {
            reference.add_to(&mut risk);
        }
        assert_eq!(risk.unpushed.len(), 1);
        assert_eq!(
            risk.other_refs,
            [
                UnpushedRef::Stash { entries: 1 },
                UnpushedRef::DetachedHead { commits: 3 },
                UnpushedRef::Tag { name: "v2".into() }
            ]
        );
        assert!(risk.untracked.is_empty() && risk.modified.is_empty());
    }

    #[test]
    fn preserved_lines_are_described() {
        let lines = parse_preserved(
            "saved\trefs/skipper/saved/T\nbranch\tfeat/x\t3\n\
             stash\trefs/skipper/saved/stash-T\t2\ndetached\trefs/skipper/saved/detached-T\t1\n\
             tag\tv2\ntag\tv3\trefs/skipper/saved/tag-T/v3\n",
        );
        assert_eq!(
            lines,
            [
                "uncommitted and untracked changes, as commit refs/skipper/saved/T",
                "branch feat/x (3 unpushed commit(s))",
                "the stash (2 entr(ies)), as refs/stash and refs/skipper/saved/stash-T/<n>",
                "detached HEAD (1 commit(s) on no branch), as refs/skipper/saved/detached-T",
                "tag v2",
                "tag v3 (a lightweight tag on a pushed commit), as a tag object on refs/skipper/saved/tag-T/v3",
            ]
        );
    }

    #[test]
    fn setup_marks_the_workspace_ready_last() {
        assert!(SETUP.ends_with(&format!("done\n: > {READY_MARKER}\n")));
        assert!(SETUP.contains("refs/tags > .git/skipper/host-tags\n"));
        let marker = READY_MARKER.strip_prefix(".git/").unwrap();
        // The copy never brings a host's marker in.
        assert!(crate::archive::is_host_only(marker));
    }

    #[test]
    fn the_gate_and_the_save_share_one_definition_of_work_at_risk() {
        assert!(REFS_AT_RISK.contains("refs_at_risk() {"));
        assert!(PRESERVE.contains("refs_at_risk() {"));
        assert!(PRESERVE.contains("at_risk=$(refs_at_risk)"));
        assert!(REFS_AT_RISK.contains("host_tags=.git/skipper/host-tags\n"));
    }

    #[test]
    fn scripts_take_their_inputs_as_parameters() {
        let argv = sh(SETUP, &["/workspace/a", "new", "main", "x; rm -rf /"]);
        assert_eq!(argv[..2], ["sh", "-c"]);
        assert_eq!(argv[3], "sh");
        assert_eq!(argv[7], "x; rm -rf /");
        assert!(!argv[2].contains("rm -rf /"));
    }
}
