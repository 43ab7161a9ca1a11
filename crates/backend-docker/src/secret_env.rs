//! The secrets of one command, `NAME=value`, kept apart from its environment: they reach
//! the command's own environment and nothing else (see `spawner::secrets`), and `Debug`
//! shows their names alone.

use std::fmt;

use skipper_core::Environment;

/// Secret environment entries, `NAME=value`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretEnv(Vec<String>);

impl SecretEnv {
    /// The secrets of `env`.
    #[must_use]
    pub fn of(env: &Environment) -> Self {
        Self(env.secret_assignments())
    }

    /// Whether there is none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries, values and all: for the command's environment only.
    #[must_use]
    pub fn expose(&self) -> &[String] {
        &self.0
    }

    /// Whether the entry `NAME=value` of a plain environment is one a secret replaces.
    #[must_use]
    pub fn shadows(&self, entry: &str) -> bool {
        let name = entry.split_once('=').map_or(entry, |(name, _)| name);
        self.names().any(|secret| secret == name)
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|entry| {
            entry
                .split_once('=')
                .map_or(entry.as_str(), |(name, _)| name)
        })
    }
}

impl fmt::Debug for SecretEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.names().map(|name| format!("{name}=***")))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use skipper_core::Secret;

    use super::*;

    #[test]
    fn debug_names_the_secrets_without_their_values() {
        let mut env = Environment::new();
        env.set("A", "plain");
        env.set_secret("TOKEN", Secret::new("s3cr3t"));
        let secrets = SecretEnv::of(&env);

        assert_eq!(format!("{secrets:?}"), r#"["TOKEN=***"]"#);
        assert_eq!(secrets.expose(), ["TOKEN=s3cr3t"]);
        assert!(secrets.shadows("TOKEN=other"));
        assert!(!secrets.shadows("A=plain"));
    }
}
