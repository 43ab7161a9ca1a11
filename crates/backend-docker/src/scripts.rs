//! The steps skipper runs inside containers, as fixed POSIX shell scripts whose inputs
//! arrive as positional parameters (never spliced into shell text). The scripts themselves
//! are `assets/scripts/*.sh`, each saying its arguments, environment and output, embedded
//! here. The dirty gate, the save and the restore are `skipper_git::scripts`, shared with
//! the worktree sandbox.

use skipper_core::BranchStart;

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
/// Checks out the default branch in a snapshot's builder: `$1` the repository directory.
pub const PRIME_SNAPSHOT: &str = script!("prime-snapshot.sh");

/// The data root's egress proxy: `egress-proxy.sh`, its main process (`serve`) and the
/// commands `sk` runs in it (`put`, `drop`, `rules`).
pub const EGRESS_PROXY: &str = script!("egress-proxy.sh");

/// `true` when `$1` names a program the shell can run: `program-exists.sh`.
pub const PROGRAM_EXISTS: &str = script!("program-exists.sh");

/// The script of a user's command or shell: `exec-guard.sh`, then `$name`.
macro_rules! guarded {
    ($name:literal) => {
        concat!(
            include_str!("../../../assets/scripts/exec-guard.sh"),
            include_str!(concat!("../../../assets/scripts/", $name))
        )
    };
}

/// The exit status with which [`EXEC_RECORDING_PID`], [`EXEC_PROGRAM`] and
/// [`INTERACTIVE_SHELL`] refuse to start the command, when `SKIPPER_GUARD` names the file
/// that then holds a [`GuardRefusal`] (`exec-guard.sh`).
pub const GUARD_REFUSED: i32 = 121;

/// Why `exec-guard.sh` refused to start a command, as it writes it to `$SKIPPER_GUARD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardRefusal {
    /// The container holds no [`READY_MARKER`].
    Unready,
    /// `HEAD:.skipper.toml` is not the object `SKIPPER_GUARD_PROJECT` names.
    ProjectChanged,
}

impl GuardRefusal {
    /// The reason in the guard's file, if it holds one.
    #[must_use]
    pub fn parse(written: &[u8]) -> Option<Self> {
        match written.trim_ascii() {
            b"unready" => Some(Self::Unready),
            b"project" => Some(Self::ProjectChanged),
            _ => None,
        }
    }
}

/// Prints the project file at `HEAD` (`$1`) as [`crate::records::ProjectRecord::parse`]
/// reads it: `read-project.sh`.
pub const READ_PROJECT: &str = script!("read-project.sh");

/// Prints the file `$0` and deletes it; nothing when it is not there.
pub const TAKE_FILE: &str = r#"cat -- "$0" 2>/dev/null && rm -f -- "$0""#;

/// Records its pid in the file `$0`, then execs `$1...`, or exits 127 silently when the
/// program is missing: `exec-recording-pid.sh`, after `exec-guard.sh`.
pub const EXEC_RECORDING_PID: &str = guarded!("exec-recording-pid.sh");

/// Sends signal `$1` to the process group whose leader's pid the file `$0` holds:
/// `signal-process-group.sh`.
pub const SIGNAL_PROCESS_GROUP: &str = script!("signal-process-group.sh");

/// Execs `$1...`, or exits 127 silently when the program is missing: `exec-program.sh`,
/// after `exec-guard.sh`.
pub const EXEC_PROGRAM: &str = guarded!("exec-program.sh");

/// Where files carried from the host checkout may be written in the repository directory:
/// `carry-check.sh`. Its arguments are the paths; it prints `ok N`, `there` or `through N`
/// for each, a line apiece.
pub const CARRY_CHECK: &str = script!("carry-check.sh");

/// PID 1 of a workspace container with an exec directory, `$0` its path inside:
/// `spawner.sh` (see [`crate::spawner`]).
pub const SPAWNER: &str = script!("spawner.sh");

/// A request with a terminal: `terminal.sh`, written into the request's directory (see
/// [`crate::spawner::start_terminal`]).
pub const TERMINAL: &str = script!("terminal.sh");

/// `bash` when the image has it, else `sh`: `interactive-shell.sh`, after `exec-guard.sh`.
pub const INTERACTIVE_SHELL: &str = guarded!("interactive-shell.sh");

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

#[cfg(test)]
mod run_on_host;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_marks_the_workspace_ready_last() {
        assert!(SETUP.ends_with(&format!("done\n: > {READY_MARKER}\n")));
        assert!(SETUP.contains("refs/tags > .git/skipper/host-tags\n"));
        let marker = READY_MARKER.strip_prefix(".git/").unwrap();
        // The copy never brings a host's marker in.
        assert!(crate::archive::is_host_only(marker));
    }

    #[test]
    fn the_guard_checks_the_marker_and_the_project_file_before_every_user_command() {
        let guard = format!("{READY_MARKER} ]");
        for script in [EXEC_RECORDING_PID, EXEC_PROGRAM, INTERACTIVE_SHELL] {
            assert!(script.starts_with("# shellcheck shell=sh\n# exec-guard.sh"));
            assert!(script.contains(&guard), "{script}");
            assert!(script.contains(&format!("HEAD:{}", skipper_core::PROJECT_FILE)));
            assert!(script.contains(&format!("exit {GUARD_REFUSED}\n")));
        }
        assert_eq!(
            GuardRefusal::parse(b"unready\n"),
            Some(GuardRefusal::Unready)
        );
        assert_eq!(
            GuardRefusal::parse(b"project\n"),
            Some(GuardRefusal::ProjectChanged)
        );
        assert_eq!(GuardRefusal::parse(b""), None);
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
