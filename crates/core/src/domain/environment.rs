//! The environment variables skipper gives what it runs in a workspace: hooks, `run`,
//! `attach` and `prompt`.

use super::{BranchName, Secret, Workspace, WorkspaceLocation};

/// Environment variables, in order: names are unique, a later [`Environment::set`] of a
/// name replaces its value in place. Sandboxes add them to the command's own environment.
///
/// Secrets ([`Environment::set_secret`]) are kept apart: [`Environment::iter`] and
/// [`Environment::to_assignments`] leave them out, so that only a sandbox that asks for
/// them with [`Environment::secrets`] hands them on, and only to the command's own
/// environment (never a file, a container's configuration or a log). A secret wins over a
/// plain variable of its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    vars: Vec<(String, String)>,
    secrets: Vec<(String, Secret)>,
}

/// The prefix of skipper's own variables: the project's `[env]` cannot set these.
pub const RESERVED_PREFIX: &str = "SK_";

impl Environment {
    /// No variables.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`, replacing an earlier value of `name`.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        match self.vars.iter_mut().find(|(have, _)| *have == name) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((name, value)),
        }
    }

    /// Sets secret `name` to `secret`, replacing an earlier secret of that name.
    pub fn set_secret(&mut self, name: impl Into<String>, secret: Secret) {
        let name = name.into();
        match self.secrets.iter_mut().find(|(have, _)| *have == name) {
            Some(slot) => slot.1 = secret,
            None => self.secrets.push((name, secret)),
        }
    }

    /// Sets each secret of `other` here.
    pub fn add_secrets_of(&mut self, other: &Self) {
        for (name, secret) in &other.secrets {
            self.set_secret(name.clone(), secret.clone());
        }
    }

    /// The secrets, as name and value, for a sandbox to put in the command's environment
    /// after [`Environment::iter`]'s variables.
    pub fn secrets(&self) -> impl Iterator<Item = (&str, &str)> {
        self.secrets
            .iter()
            .map(|(name, secret)| (name.as_str(), secret.expose()))
    }

    /// The secrets as `NAME=value` texts.
    #[must_use]
    pub fn secret_assignments(&self) -> Vec<String> {
        self.secrets()
            .map(|(name, value)| format!("{name}={value}"))
            .collect()
    }

    /// Every variable, plain ones first, then the secrets.
    pub fn iter_with_secrets(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().chain(self.secrets())
    }

    /// The value of `name`, when set.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(have, _)| have == name)
            .map(|(_, value)| value.as_str())
    }

    /// The variables in order, as name and value; secrets left out.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// Whether no variable is set, secrets included.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty() && self.secrets.is_empty()
    }

    /// The variables as `NAME=value` texts; secrets left out.
    #[must_use]
    pub fn to_assignments(&self) -> Vec<String> {
        self.iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect()
    }

    /// What `workspace` gives every command run in it: the project's variables (`project`,
    /// those named `SK_*` left out), then skipper's own, which therefore always win:
    /// `SK_REPOSITORY` (`owner/name`, as `--repository` takes it), `SK_BRANCH` (the main workspace's is
    /// `default_branch`), `SK_SANDBOX`, `SK_WORKSPACE` (the directory, inside the
    /// container for Docker), and, when the workspace has ports, `SK_PORT` (the first) and
    /// `SK_PORTS` (all, space-separated).
    #[must_use]
    pub fn for_workspace(
        workspace: &Workspace,
        default_branch: &BranchName,
        project: &Environment,
    ) -> Self {
        let mut env = Self::new();
        for (name, value) in project.iter() {
            if !name.starts_with(RESERVED_PREFIX) {
                env.set(name, value);
            }
        }
        let branch = workspace
            .reference
            .target
            .branch()
            .unwrap_or(default_branch);
        let path = match &workspace.location {
            WorkspaceLocation::Host(path) => path.display().to_string(),
            WorkspaceLocation::Container { path, .. } => path.clone(),
        };
        env.set("SK_REPOSITORY", workspace.reference.repository.to_string());
        env.set("SK_BRANCH", branch.as_str());
        env.set("SK_SANDBOX", workspace.sandbox.as_str());
        env.set("SK_WORKSPACE", path);
        if let Some(first) = workspace.ports.first() {
            env.set("SK_PORT", first.to_string());
            let all: Vec<String> = workspace.ports.iter().map(u16::to_string).collect();
            env.set("SK_PORTS", all.join(" "));
        }
        env
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Environment {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut env = Self::new();
        for (name, value) in iter {
            env.set(name, value);
        }
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{RepositoryId, SandboxKind, WorkspaceRef, WorkspaceTarget};

    fn workspace(target: WorkspaceTarget, ports: Vec<u16>) -> Workspace {
        Workspace {
            reference: WorkspaceRef {
                repository: RepositoryId::new("local", "tmp", "api").unwrap(),
                target,
            },
            sandbox: SandboxKind::Docker,
            location: WorkspaceLocation::Container {
                name: "c".into(),
                path: "/workspace/api".into(),
                state: crate::domain::ContainerState::Running,
            },
            risk: None,
            ports,
            half_made: false,
            broken: None,
            agent: None,
            runtime: None,
            network: None,
        }
    }

    #[test]
    fn skipper_s_variables_win_over_the_project_s_and_keep_their_order() {
        let project: Environment = [("SK_BRANCH", "evil"), ("A", "1"), ("SK_OTHER", "x")]
            .into_iter()
            .collect();
        let ws = workspace(
            WorkspaceTarget::Branch(BranchName::new("feat/x").unwrap()),
            vec![4000, 4001],
        );

        let env = Environment::for_workspace(&ws, &BranchName::new("main").unwrap(), &project);

        assert_eq!(
            env.to_assignments(),
            [
                "A=1",
                "SK_REPOSITORY=tmp/api",
                "SK_BRANCH=feat/x",
                "SK_SANDBOX=docker",
                "SK_WORKSPACE=/workspace/api",
                "SK_PORT=4000",
                "SK_PORTS=4000 4001",
            ]
        );
    }

    #[test]
    fn the_main_workspace_s_branch_is_the_default_branch_and_no_ports_set_no_port_variables() {
        let ws = workspace(WorkspaceTarget::Main, Vec::new());

        let env = Environment::for_workspace(
            &ws,
            &BranchName::new("trunk").unwrap(),
            &Environment::new(),
        );

        assert_eq!(env.get("SK_BRANCH"), Some("trunk"));
        assert_eq!(env.get("SK_PORT"), None);
        assert_eq!(env.get("SK_PORTS"), None);
    }

    #[test]
    fn secrets_are_apart_from_the_variables_and_never_shown() {
        let mut env = Environment::new();
        env.set("A", "1");
        env.set_secret("TOKEN", Secret::new("s3cr3t"));
        env.set_secret("TOKEN", Secret::new("s3cr3t-2"));

        assert_eq!(env.to_assignments(), ["A=1"]);
        assert_eq!(env.secret_assignments(), ["TOKEN=s3cr3t-2"]);
        assert_eq!(
            env.iter_with_secrets().collect::<Vec<_>>(),
            [("A", "1"), ("TOKEN", "s3cr3t-2")]
        );
        assert!(!format!("{env:?}").contains("s3cr3t"));
    }

    #[test]
    fn a_name_set_again_keeps_its_place() {
        let mut env = Environment::new();
        env.set("A", "1");
        env.set("B", "2");
        env.set("A", "3");
        assert_eq!(env.to_assignments(), ["A=3", "B=2"]);
    }
}
