/// What to run in a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandLine {
    /// Shell text the user asked to be run by `sh -c`.
    Shell(String),
    /// An argument vector, run as given: never through a shell.
    Argv(Vec<String>),
}

impl CommandLine {
    /// The program that will be started: `sh` for shell text, else the first argument.
    #[must_use]
    pub fn program(&self) -> &str {
        match self {
            Self::Shell(_) => "sh",
            Self::Argv(argv) => argv.first().map_or("", String::as_str),
        }
    }

    /// The full argument vector, with shell text wrapped as `sh -c <text>`.
    #[must_use]
    pub fn to_argv(&self) -> Vec<String> {
        match self {
            Self::Shell(text) => vec!["sh".into(), "-c".into(), text.clone()],
            Self::Argv(argv) => argv.clone(),
        }
    }
}

/// The exit status of a command run in a workspace, as a shell reports it: the exit code, or
/// 128 plus the signal number when a signal ended it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandStatus(pub i32);

impl CommandStatus {
    /// Exit status 0.
    pub const SUCCESS: Self = Self(0);

    /// Whether the command succeeded.
    #[must_use]
    pub fn success(self) -> bool {
        self.0 == 0
    }
}
