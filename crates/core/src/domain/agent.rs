//! Coding agents: the built-in presets (OpenCode, Claude Code, Codex CLI, Gemini CLI,
//! Aider) and the user's own, each an argument vector for a one-shot prompt, one that
//! continues the workspace's last conversation, one for its interactive interface, and the
//! host configuration it needs in a Docker workspace.

use std::collections::BTreeMap;

use super::CommandLine;

/// The placeholder standing for the user's message in an argument vector.
pub const PROMPT_PLACEHOLDER: &str = "{prompt}";

/// The agent `prompt` runs when nothing chooses one.
pub const DEFAULT_AGENT: &str = "opencode";

/// One coding agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentPreset {
    /// What `--agent` and `agent = "..."` call it.
    pub name: String,
    /// A one-shot prompt: every `{prompt}` is the message (one argument, never through a
    /// shell); without one, the message is the last argument.
    pub prompt: Vec<String>,
    /// A prompt continuing the workspace's last conversation, as [`AgentPreset::prompt`];
    /// `None` when the agent cannot.
    pub resume: Option<Vec<String>>,
    /// The agent's interactive interface.
    pub interactive: Vec<String>,
    /// What it needs of the host user's configuration in a Docker workspace, relative to
    /// the home (`~/.config/...` and `~/.local/share/...` are looked for under the XDG
    /// directories), shared read-only: only its own files, never the whole home.
    pub config: Vec<String>,
    /// How its program is installed, for the error saying it is missing.
    pub install: Option<String>,
    /// How a conversation is found again by its title, when the agent can (else a
    /// continued prompt is [`AgentPreset::resume`] in the same directory).
    pub conversation: Option<Conversation>,
    /// The secrets (names in `[secrets]`, each the environment variable it is given as)
    /// its commands get when the user configured them: its API keys.
    pub secrets: Vec<String>,
}

/// An agent's conversations by id: started under a title `sk` chooses, found again by it
/// in the agent's list, continued by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Starts a conversation: `{title}` is its title, `{prompt}` the message.
    pub start: Vec<String>,
    /// Continues conversation `{session}` with `{prompt}`.
    pub resume: Vec<String>,
    /// Prints the conversations as a JSON array of objects with `id` and `title`.
    pub list: Vec<String>,
    /// How a conversation leaves the agent's files and comes back into them elsewhere,
    /// when the agent can: so that saved work keeps it.
    pub transcript: Option<Transcript>,
}

/// An agent's export and import of one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// Prints conversation `{session}` on stdout.
    pub export: Vec<String>,
    /// Takes back a conversation that [`Transcript::export`] printed, from file `{file}`.
    pub import: Vec<String>,
}

/// The placeholder for a file's path in [`Transcript::import`].
pub const FILE_PLACEHOLDER: &str = "{file}";

impl Transcript {
    /// The command printing conversation `session`.
    #[must_use]
    pub fn export(&self, session: &str) -> Vec<String> {
        fill(&self.export, SESSION_PLACEHOLDER, session)
    }

    /// The command importing the conversation in file `file`.
    #[must_use]
    pub fn import(&self, file: &str) -> Vec<String> {
        fill(&self.import, FILE_PLACEHOLDER, file)
    }
}

/// The placeholder for a conversation's title in [`Conversation::start`].
pub const TITLE_PLACEHOLDER: &str = "{title}";
/// The placeholder for a conversation's id in [`Conversation::resume`].
pub const SESSION_PLACEHOLDER: &str = "{session}";

impl Conversation {
    /// The command starting a conversation titled `title` with `message`.
    #[must_use]
    pub fn start(&self, title: &str, message: &str) -> CommandLine {
        render(&fill(&self.start, TITLE_PLACEHOLDER, title), message)
    }

    /// The command continuing conversation `session` with `message`.
    #[must_use]
    pub fn resume(&self, session: &str, message: &str) -> CommandLine {
        render(&fill(&self.resume, SESSION_PLACEHOLDER, session), message)
    }

    /// The id of the conversation titled `title` in what [`Conversation::list`] printed.
    #[must_use]
    pub fn find(listed: &[u8], title: &str) -> Option<String> {
        let sessions: Vec<serde_json::Value> = serde_json::from_slice(listed).ok()?;
        sessions.iter().find_map(|session| {
            (session.get("title")?.as_str()? == title)
                .then(|| session.get("id")?.as_str().map(ToOwned::to_owned))
                .flatten()
        })
    }
}

/// `template` with every `placeholder` replaced by `value` (before the message goes in, so
/// that a message holding the placeholder stays as it is).
fn fill(template: &[String], placeholder: &str, value: &str) -> Vec<String> {
    template
        .iter()
        .map(|arg| arg.replace(placeholder, value))
        .collect()
}

/// How a preset's interface is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentMode {
    /// One message, then the agent exits.
    Prompt,
    /// One message in the workspace's last conversation.
    Resume,
    /// The agent's own interface, on a terminal.
    Interactive,
}

impl AgentPreset {
    /// The program the preset runs (the first word of its prompt's argument vector).
    #[must_use]
    pub fn program(&self) -> &str {
        self.prompt.first().map_or("", String::as_str)
    }

    /// The command line for `mode` with `message` (ignored for
    /// [`AgentMode::Interactive`]); [`AgentMode::Resume`] of an agent that cannot continue
    /// a conversation is its plain prompt.
    #[must_use]
    pub fn command(&self, mode: AgentMode, message: &str) -> CommandLine {
        let template = match mode {
            AgentMode::Prompt => &self.prompt,
            AgentMode::Resume => self.resume.as_ref().unwrap_or(&self.prompt),
            AgentMode::Interactive => return CommandLine::Argv(self.interactive.clone()),
        };
        render(template, message)
    }
}

/// `template` with every `{prompt}` replaced by `message`, or `message` appended when it
/// has none.
#[must_use]
pub fn render(template: &[String], message: &str) -> CommandLine {
    let mut argv: Vec<String> = template
        .iter()
        .map(|arg| arg.replace(PROMPT_PLACEHOLDER, message))
        .collect();
    if !template.iter().any(|arg| arg.contains(PROMPT_PLACEHOLDER)) {
        argv.push(message.to_owned());
    }
    CommandLine::Argv(argv)
}

/// The API keys of the model providers an agent of many providers reads.
const PROVIDER_KEYS: &[&str] = &[
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "OPENROUTER_API_KEY",
];

fn words(words: &[&str]) -> Vec<String> {
    words.iter().map(|&word| word.to_owned()).collect()
}

/// OpenCode, the default: its conversations found again by title.
fn opencode() -> AgentPreset {
    AgentPreset {
        name: "opencode".into(),
        prompt: words(&["opencode", "run", PROMPT_PLACEHOLDER]),
        resume: Some(words(&[
            "opencode",
            "run",
            "--continue",
            PROMPT_PLACEHOLDER,
        ])),
        interactive: words(&["opencode"]),
        config: words(&[".config/opencode", ".local/share/opencode/auth.json"]),
        install: Some("npm install -g opencode-ai".into()),
        conversation: Some(Conversation {
            start: words(&[
                "opencode",
                "run",
                "--title",
                TITLE_PLACEHOLDER,
                PROMPT_PLACEHOLDER,
            ]),
            resume: words(&[
                "opencode",
                "run",
                "--session",
                SESSION_PLACEHOLDER,
                PROMPT_PLACEHOLDER,
            ]),
            list: words(&["opencode", "session", "list", "--format", "json"]),
            transcript: Some(Transcript {
                export: words(&["opencode", "export", SESSION_PLACEHOLDER]),
                import: words(&["opencode", "import", FILE_PLACEHOLDER]),
            }),
        }),
        secrets: words(PROVIDER_KEYS),
    }
}

/// The built-in presets, by name.
#[must_use]
pub fn builtin_agents() -> Vec<AgentPreset> {
    vec![
        opencode(),
        AgentPreset {
            name: "claude".into(),
            prompt: words(&["claude", "-p", PROMPT_PLACEHOLDER]),
            resume: Some(words(&["claude", "-p", "--continue", PROMPT_PLACEHOLDER])),
            interactive: words(&["claude"]),
            // Claude Code writes its sessions next to these: the files alone.
            config: words(&[
                ".claude/.credentials.json",
                ".claude/settings.json",
                ".claude/CLAUDE.md",
            ]),
            install: Some("npm install -g @anthropic-ai/claude-code".into()),
            conversation: None,
            secrets: words(&["ANTHROPIC_API_KEY"]),
        },
        AgentPreset {
            name: "codex".into(),
            prompt: words(&["codex", "exec", PROMPT_PLACEHOLDER]),
            resume: Some(words(&[
                "codex",
                "exec",
                "resume",
                "--last",
                PROMPT_PLACEHOLDER,
            ])),
            interactive: words(&["codex"]),
            config: words(&[".codex/auth.json", ".codex/config.toml", ".codex/AGENTS.md"]),
            install: Some("npm install -g @openai/codex".into()),
            conversation: None,
            secrets: words(&["OPENAI_API_KEY"]),
        },
        AgentPreset {
            name: "gemini".into(),
            prompt: words(&["gemini", "-p", PROMPT_PLACEHOLDER]),
            resume: None,
            interactive: words(&["gemini"]),
            config: words(&[
                ".gemini/settings.json",
                ".gemini/oauth_creds.json",
                ".gemini/google_accounts.json",
                ".gemini/GEMINI.md",
            ]),
            install: Some("npm install -g @google/gemini-cli".into()),
            conversation: None,
            secrets: words(&["GEMINI_API_KEY"]),
        },
        AgentPreset {
            name: "aider".into(),
            prompt: words(&["aider", "--yes-always", "--message", PROMPT_PLACEHOLDER]),
            resume: Some(words(&[
                "aider",
                "--yes-always",
                "--restore-chat-history",
                "--message",
                PROMPT_PLACEHOLDER,
            ])),
            interactive: words(&["aider"]),
            config: words(&[".aider.conf.yml"]),
            install: Some("python3 -m pip install aider-chat".into()),
            conversation: None,
            secrets: words(PROVIDER_KEYS),
        },
    ]
}

/// A user's `[agents.NAME]` table: each part given replaces the preset's of that name (or
/// defines a new agent, which needs `prompt`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentOverride {
    /// The one-shot prompt's argument vector, `{prompt}` standing for the message.
    pub prompt: Option<Vec<String>>,
    /// The argument vector continuing the last conversation (`[]`: the agent cannot).
    #[serde(rename = "continue")]
    pub resume: Option<Vec<String>>,
    /// The interactive interface's argument vector.
    pub interactive: Option<Vec<String>>,
    /// The host configuration it needs in a Docker workspace, relative to the home.
    pub config: Option<Vec<String>>,
    /// The secrets of `[secrets]` its commands get.
    pub secrets: Option<Vec<String>>,
}

/// Why an agent cannot be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    /// No preset and no `[agents.NAME]` table has that name.
    #[error("there is no agent `{name}` (known: {})", known.join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: Vec<String>,
    },
    /// A table defining a new agent, or replacing an argument vector, left it empty.
    #[error("agents.{name}.{key} needs at least a program")]
    Empty {
        /// The agent.
        name: String,
        /// The key (`prompt`, `interactive`).
        key: &'static str,
    },
}

/// The agents there are: the built-in presets with the user's tables over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agents {
    presets: Vec<AgentPreset>,
}

impl Agents {
    /// The built-in presets, each changed as `overrides` says, and the new agents it
    /// defines.
    ///
    /// # Errors
    /// [`AgentError::Empty`] for a new agent without `prompt`, or an empty argument vector.
    pub fn new(overrides: &BTreeMap<String, AgentOverride>) -> Result<Self, AgentError> {
        let mut presets = builtin_agents();
        for (name, table) in overrides {
            let index = if let Some(index) = presets.iter().position(|preset| &preset.name == name)
            {
                index
            } else {
                let prompt = table.prompt.clone().ok_or_else(|| AgentError::Empty {
                    name: name.clone(),
                    key: "prompt",
                })?;
                presets.push(AgentPreset {
                    name: name.clone(),
                    interactive: prompt.first().cloned().into_iter().collect(),
                    prompt,
                    resume: None,
                    config: Vec::new(),
                    install: None,
                    conversation: None,
                    secrets: Vec::new(),
                });
                presets.len() - 1
            };
            let preset = &mut presets[index];
            // A changed prompt is the user's: conversations found by title would not use it.
            if let Some(prompt) = &table.prompt {
                preset.prompt.clone_from(prompt);
                preset.conversation = None;
            }
            if let Some(resume) = &table.resume {
                preset.resume = (!resume.is_empty()).then(|| resume.clone());
                preset.conversation = None;
            }
            if let Some(interactive) = &table.interactive {
                preset.interactive.clone_from(interactive);
            }
            if let Some(config) = &table.config {
                preset.config.clone_from(config);
            }
            if let Some(secrets) = &table.secrets {
                preset.secrets.clone_from(secrets);
            }
            for (key, argv) in [
                ("prompt", &preset.prompt),
                ("interactive", &preset.interactive),
            ] {
                if argv.first().is_none_or(String::is_empty) {
                    return Err(AgentError::Empty {
                        name: name.clone(),
                        key,
                    });
                }
            }
        }
        Ok(Self { presets })
    }

    /// The agent called `name`.
    ///
    /// # Errors
    /// [`AgentError::Unknown`], naming the agents there are.
    pub fn get(&self, name: &str) -> Result<&AgentPreset, AgentError> {
        self.presets
            .iter()
            .find(|preset| preset.name == name)
            .ok_or_else(|| AgentError::Unknown {
                name: name.to_owned(),
                known: self
                    .presets
                    .iter()
                    .map(|preset| preset.name.clone())
                    .collect(),
            })
    }

    /// Every agent's host configuration, each path once, in the agents' order: what a
    /// Docker workspace shares of the host's, whichever agent runs in it later.
    #[must_use]
    pub fn config_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = Vec::new();
        for path in self.presets.iter().flat_map(|preset| &preset.config) {
            if !paths.contains(path) {
                paths.push(path.clone());
            }
        }
        paths
    }
}

impl Default for Agents {
    fn default() -> Self {
        Self {
            presets: builtin_agents(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(command: CommandLine) -> Vec<String> {
        match command {
            CommandLine::Argv(argv) => argv,
            CommandLine::Shell(text) => panic!("a shell line: {text}"),
        }
    }

    /// A preset's name, then its prompt's, continuing prompt's and interface's words.
    type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], &'a [&'a str]);

    #[test]
    fn opencode_exports_a_conversation_by_id_and_imports_it_from_a_file() {
        let agents = Agents::default();
        let transcript = agents
            .get("opencode")
            .unwrap()
            .conversation
            .as_ref()
            .and_then(|c| c.transcript.clone())
            .unwrap();
        assert_eq!(transcript.export("ses_1"), ["opencode", "export", "ses_1"]);
        assert_eq!(
            transcript.import("/tmp/t.json"),
            ["opencode", "import", "/tmp/t.json"]
        );
        // The others continue by directory: nothing of theirs leaves with a save.
        for name in ["claude", "codex", "gemini", "aider"] {
            assert!(agents.get(name).unwrap().conversation.is_none(), "{name}");
        }
    }

    #[test]
    fn each_preset_gives_its_argument_vectors() {
        let agents = Agents::default();
        let cases: [Case<'_>; 5] = [
            (
                "opencode",
                &["opencode", "run", "fix it"],
                &["opencode", "run", "--continue", "fix it"],
                &["opencode"],
            ),
            (
                "claude",
                &["claude", "-p", "fix it"],
                &["claude", "-p", "--continue", "fix it"],
                &["claude"],
            ),
            (
                "codex",
                &["codex", "exec", "fix it"],
                &["codex", "exec", "resume", "--last", "fix it"],
                &["codex"],
            ),
            (
                "gemini",
                &["gemini", "-p", "fix it"],
                &["gemini", "-p", "fix it"],
                &["gemini"],
            ),
            (
                "aider",
                &["aider", "--yes-always", "--message", "fix it"],
                &[
                    "aider",
                    "--yes-always",
                    "--restore-chat-history",
                    "--message",
                    "fix it",
                ],
                &["aider"],
            ),
        ];
        for (name, prompt, resume, interactive) in cases {
            let preset = agents.get(name).unwrap();
            assert_eq!(argv(preset.command(AgentMode::Prompt, "fix it")), prompt);
            assert_eq!(argv(preset.command(AgentMode::Resume, "fix it")), resume);
            assert_eq!(
                argv(preset.command(AgentMode::Interactive, "ignored")),
                interactive
            );
            assert_eq!(preset.program(), name);
        }
    }

    #[test]
    fn each_preset_shares_only_its_own_files() {
        let agents = Agents::default();
        let config = |name: &str| agents.get(name).unwrap().config.clone();
        assert_eq!(
            config("opencode"),
            [".config/opencode", ".local/share/opencode/auth.json"]
        );
        assert_eq!(
            config("claude"),
            [
                ".claude/.credentials.json",
                ".claude/settings.json",
                ".claude/CLAUDE.md"
            ]
        );
        assert_eq!(
            config("codex"),
            [".codex/auth.json", ".codex/config.toml", ".codex/AGENTS.md"]
        );
        assert_eq!(config("aider"), [".aider.conf.yml"]);
        for path in agents.config_paths() {
            // Never a whole home, nor a directory other agents' files are in.
            assert!(
                !path.is_empty() && path != "." && !path.contains(".."),
                "{path}"
            );
            assert!(![".config", ".local/share", ".local"].contains(&path.as_str()));
        }
    }

    #[test]
    fn the_message_is_one_argument_wherever_the_placeholder_stands() {
        let template = words(&["a", "--msg={prompt}"]);
        assert_eq!(
            argv(render(&template, "x; rm -rf /")),
            ["a", "--msg=x; rm -rf /"]
        );
        assert_eq!(argv(render(&words(&["a"]), "m e")), ["a", "m e"]);
    }

    #[test]
    fn tables_change_presets_and_define_agents() {
        let mut overrides = BTreeMap::new();
        overrides.insert(
            "claude".to_owned(),
            AgentOverride {
                prompt: Some(words(&["claude", "--model", "opus", "-p", "{prompt}"])),
                resume: Some(Vec::new()),
                ..AgentOverride::default()
            },
        );
        overrides.insert(
            "mine".to_owned(),
            AgentOverride {
                prompt: Some(words(&["my-agent", "{prompt}"])),
                config: Some(words(&[".my-agent.json"])),
                ..AgentOverride::default()
            },
        );
        let agents = Agents::new(&overrides).unwrap();
        let claude = agents.get("claude").unwrap();
        assert_eq!(
            argv(claude.command(AgentMode::Resume, "m")),
            ["claude", "--model", "opus", "-p", "m"]
        );
        assert_eq!(claude.interactive, ["claude"]);
        let mine = agents.get("mine").unwrap();
        assert_eq!(
            argv(mine.command(AgentMode::Prompt, "m")),
            ["my-agent", "m"]
        );
        assert_eq!(mine.interactive, ["my-agent"]);
        assert!(agents.config_paths().contains(&".my-agent.json".to_owned()));
        let err = agents.get("nosuch").unwrap_err();
        assert_eq!(
            err.to_string(),
            "there is no agent `nosuch` (known: opencode, claude, codex, gemini, aider, mine)"
        );
    }

    #[test]
    fn an_agent_without_a_program_is_refused() {
        let mut overrides = BTreeMap::new();
        overrides.insert("new".to_owned(), AgentOverride::default());
        assert_eq!(
            Agents::new(&overrides),
            Err(AgentError::Empty {
                name: "new".into(),
                key: "prompt"
            })
        );
        overrides.clear();
        overrides.insert(
            "codex".to_owned(),
            AgentOverride {
                interactive: Some(Vec::new()),
                ..AgentOverride::default()
            },
        );
        assert!(Agents::new(&overrides).is_err());
    }

    #[test]
    fn opencodes_conversations_are_started_titled_and_continued_by_id() {
        let agents = Agents::default();
        let conversation = agents
            .get("opencode")
            .unwrap()
            .conversation
            .clone()
            .unwrap();
        assert_eq!(
            argv(conversation.start("sk t", "go {session}")),
            ["opencode", "run", "--title", "sk t", "go {session}"]
        );
        assert_eq!(
            argv(conversation.resume("ses_1", "more")),
            ["opencode", "run", "--session", "ses_1", "more"]
        );
        let listed =
            br#"[{"id":"ses_2","title":"other"},{"id":"ses_1","title":"sk t","directory":"/w"}]"#;
        assert_eq!(Conversation::find(listed, "sk t").as_deref(), Some("ses_1"));
        assert_eq!(Conversation::find(listed, "sk"), None);
        assert_eq!(Conversation::find(b"not json", "sk t"), None);
        // The user's own prompt for it is used as it is, without titles.
        let mut overrides = BTreeMap::new();
        overrides.insert(
            "opencode".to_owned(),
            AgentOverride {
                prompt: Some(words(&["opencode", "run", "-m", "x/y", "{prompt}"])),
                ..AgentOverride::default()
            },
        );
        assert_eq!(
            Agents::new(&overrides)
                .unwrap()
                .get("opencode")
                .unwrap()
                .conversation,
            None
        );
    }
}
