//! tmux sessions, one per workspace.

use std::path::Path;
use std::process::{Command, Stdio};

use skipper_core::{Environment, WorkspaceRef, short_hash};

/// How much of the readable part a session name keeps.
const READABLE_LEN: usize = 48;

/// The tmux session of a workspace: `sk_<repo>-<branch>-<hash>`, safe for tmux (only
/// `[a-z0-9_-]`, so no `.` or `:`) and unique per workspace (the hash is of its identity).
pub(crate) fn session_name(reference: &WorkspaceRef) -> String {
    let readable = format!("{}-{}", reference.repository.name(), reference.target);
    let mut clean: String = readable
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    clean.truncate(READABLE_LEN);
    format!("sk_{clean}-{}", short_hash(&reference.identity_key(), 8))
}

/// tmux, when installed.
#[derive(Debug, Clone)]
pub(crate) struct Tmux {
    program: std::path::PathBuf,
}

impl Tmux {
    pub(crate) fn find() -> Option<Self> {
        which::which("tmux").ok().map(|program| Self { program })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.program);
        skipper_git::clear_repository_env(&mut command).args(args);
        command
    }

    fn quiet(&self, args: &[&str]) -> std::io::Result<bool> {
        Ok(self
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?
            .success())
    }

    /// `=name` targets exactly that session, never a prefix match.
    fn target(name: &str) -> String {
        format!("={name}")
    }

    pub(crate) fn has_session(&self, name: &str) -> std::io::Result<bool> {
        self.quiet(&["has-session", "-t", &Self::target(name)])
    }

    /// Starts the detached session `name` in `dir`, `env` set in its environment
    /// (`new-session -e`, so the session's first shell has it too).
    pub(crate) fn new_session(
        &self,
        name: &str,
        dir: &Path,
        env: &Environment,
    ) -> std::io::Result<bool> {
        let dir = dir.to_string_lossy();
        let assignments = env.to_assignments();
        let mut args = vec!["new-session", "-d", "-s", name, "-c", &dir];
        for assignment in &assignments {
            args.extend(["-e", assignment.as_str()]);
        }
        self.quiet(&args)
    }

    pub(crate) fn kill_session(&self, name: &str) -> std::io::Result<bool> {
        self.quiet(&["kill-session", "-t", &Self::target(name)])
    }

    /// How many clients are attached to the session; `None` when tmux fails to say (no
    /// such session, no server).
    pub(crate) fn clients(&self, name: &str) -> std::io::Result<Option<usize>> {
        let output = self
            .command(&[
                "list-clients",
                "-t",
                &Self::target(name),
                "-F",
                "#{client_name}",
            ])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()?;
        Ok(output.status.success().then(|| {
            output
                .stdout
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .count()
        }))
    }

    /// Detaches every client attached to the session; the session goes on.
    pub(crate) fn detach_clients(&self, name: &str) -> std::io::Result<bool> {
        self.quiet(&["detach-client", "-s", &Self::target(name)])
    }

    /// Whether this process runs inside a tmux session.
    pub(crate) fn inside() -> bool {
        std::env::var_os("TMUX").is_some_and(|v| !v.is_empty())
    }

    /// Attaches (outside tmux) or switches the client (inside tmux) to the session, with
    /// the user's terminal. Returns tmux's own success.
    pub(crate) fn enter(&self, name: &str) -> std::io::Result<bool> {
        let target = Self::target(name);
        let args = if Self::inside() {
            ["switch-client", "-t", target.as_str()]
        } else {
            ["attach-session", "-t", target.as_str()]
        };
        Ok(crate::process::run_foreground(&mut self.command(&args))?.success())
    }
}

#[cfg(test)]
mod tests {
    use skipper_core::{BranchName, RepositoryId, WorkspaceTarget};

    use super::*;

    fn reference(branch: &str) -> WorkspaceRef {
        WorkspaceRef {
            repository: RepositoryId::new("h", "o", "Repo.x").unwrap(),
            target: WorkspaceTarget::Branch(BranchName::new(branch).unwrap()),
        }
    }

    #[test]
    fn session_names_are_safe_for_tmux_and_distinct() {
        let a = session_name(&reference("feat/x"));
        let b = session_name(&reference("feat-x"));
        assert_eq!(
            a,
            format!("sk_repo-x-feat-x-{}", short_hash("h/o/Repo.x\nfeat/x", 8))
        );
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}
