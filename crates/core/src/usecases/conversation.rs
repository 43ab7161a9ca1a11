//! The workspace's conversation with its agent: which one `prompt` continues, recorded in
//! the workspace's own git directory (`skipper/agents/<agent>`, inside the container for
//! Docker, so it lives and goes with the workspace and survives a restart of its
//! container). The record holds the conversation's id for an agent whose conversations
//! `sk` finds by title ([`Conversation`]), and is empty for one that continues the last
//! conversation of its directory: it then says only that there is one.

use crate::domain::{
    Agents, CommandLine, Conversation, LAST_RUN_RECORD, LastRun, SaveSlot, SavedConversation,
    SavedWork, Workspace,
};
use crate::ports::{ExecIo, PipedIo, Sandbox, SaveStore};

use super::hooks::CommandEnvironment;

/// Whether `agent` is a name a record may be kept under: a file name of its own.
fn is_record_name(agent: &str) -> bool {
    !agent.is_empty()
        && !agent.starts_with('.')
        && agent
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Whether `session` can be an agent's conversation id: printable, one word.
fn is_session_id(session: &str) -> bool {
    session.len() <= 200
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// What `sh` prints or exits with, run in the workspace with `args`; `None` when it failed.
fn sh(
    sandbox: &dyn Sandbox,
    workspace: &Workspace,
    script: &str,
    args: &[&str],
) -> Option<Vec<u8>> {
    sh_with(sandbox, workspace, script, args, None).ok()
}

/// What `sh` prints, run in the workspace with `args` and `stdin`; its stderr (or why it
/// could not run) when it failed.
fn sh_with(
    sandbox: &dyn Sandbox,
    workspace: &Workspace,
    script: &str,
    args: &[&str],
    stdin: Option<Vec<u8>>,
) -> Result<Vec<u8>, String> {
    let mut argv = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        script.to_owned(),
        "sh".to_owned(),
    ];
    argv.extend(args.iter().map(|&arg| arg.to_owned()));
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = sandbox
        .execute(
            workspace,
            &CommandLine::Argv(argv),
            &crate::domain::Environment::new(),
            ExecIo::Piped(PipedIo {
                stdin: stdin.map(|bytes| {
                    Box::new(std::io::Cursor::new(bytes)) as Box<dyn std::io::Read + Send>
                }),
                stdout: &mut stdout,
                stderr: &mut stderr,
                interrupts: None,
            }),
        )
        .map_err(|err| err.to_string())?;
    if status.success() {
        Ok(stdout)
    } else {
        let said = String::from_utf8_lossy(&stderr);
        let said = said.trim();
        Err(match said.lines().last() {
            Some(line) if !line.trim().is_empty() => {
                format!("exit status {}: {}", status.0, line.trim())
            }
            _ => format!("exit status {}", status.0),
        })
    }
}

/// Runs `argv` in the workspace, each `{file}` in it standing for a temporary file that
/// holds `stdin` (deleted after).
const WITH_FILE: &str = r#"f=$(mktemp "${TMPDIR:-/tmp}/sk-transcript.XXXXXX") || exit 1
trap 'rm -f "$f"' EXIT
cat > "$f" || exit 1
for a do
    shift
    case $a in *"{file}"*) a="${a%%"{file}"*}$f${a#*"{file}"}" ;; esac
    set -- "$@" "$a"
done
"$@""#;

/// Whether a save can keep `agent`'s conversation: the agent's files outlive the
/// workspace, or it exports its conversations.
pub(super) fn can_keep(sandbox: &dyn Sandbox, agents: &Agents, agent: &str) -> bool {
    sandbox.agent_files_outlive_workspaces()
        || agents.get(agent).is_ok_and(|preset| {
            preset
                .conversation
                .as_ref()
                .is_some_and(|c| c.transcript.is_some())
        })
}

/// Keeps the conversations recorded in `workspace` (`agents`, each with its record) with
/// the save being made in `slot`, as far as each agent's files allow: an agent that
/// exports a conversation leaves its transcript in the save, and one whose files outlive
/// the workspace (on the host) needs only its record. Returns what was kept, and a line
/// for people for each conversation that could not be.
pub(super) fn keep(
    sandbox: &dyn Sandbox,
    saves: &dyn SaveStore,
    workspace: &Workspace,
    slot: &SaveSlot,
    agents: &Agents,
    recorded_agents: &[String],
) -> (Vec<SavedConversation>, Vec<String>) {
    let outlive = sandbox.agent_files_outlive_workspaces();
    let mut kept = Vec::new();
    let mut lost = Vec::new();
    for agent in recorded_agents {
        let Some(session) = recorded(sandbox, workspace, agent) else {
            continue;
        };
        let exported = agents
            .get(agent)
            .ok()
            .and_then(|preset| preset.conversation.as_ref()?.transcript.as_ref())
            .filter(|_| !session.is_empty())
            .map(|transcript| {
                let argv = transcript.export(&session);
                let args: Vec<&str> = argv.iter().map(String::as_str).collect();
                sh_with(sandbox, workspace, r#""$@""#, &args, None)
                    .and_then(|printed| {
                        if printed.iter().all(u8::is_ascii_whitespace) {
                            Err("it printed nothing".to_owned())
                        } else {
                            Ok(printed)
                        }
                    })
                    .and_then(|printed| {
                        saves
                            .keep_transcript(slot, agent, &printed)
                            .map_err(|err| err.to_string())
                    })
            });
        match exported {
            Some(Ok(())) => kept.push(SavedConversation {
                agent: agent.clone(),
                session,
                transcript: true,
            }),
            _ if outlive => kept.push(SavedConversation {
                agent: agent.clone(),
                session,
                transcript: false,
            }),
            Some(Err(why)) => lost.push(format!(
                "the conversation with {agent}: exporting it failed ({why})"
            )),
            None => lost.push(format!(
                "the conversation with {agent}: {agent} keeps it in its own files in the {} sandbox, which go with the workspace",
                workspace.sandbox
            )),
        }
    }
    (kept, lost)
}

/// Puts back in `workspace`, just made from `saved`, the conversations kept with it, so
/// that the next `prompt` continues them: the record of each whose agent kept its files
/// where this sandbox finds them again, else its transcript imported by the agent. Returns
/// the agents whose conversations are back, and a line for people for each that is not.
pub(super) fn bring_back(
    sandbox: &dyn Sandbox,
    saves: &dyn SaveStore,
    workspace: &Workspace,
    saved: &SavedWork,
    agents: &Agents,
) -> (Vec<String>, Vec<String>) {
    // The agent's own files hold the conversation still: importing the transcript again
    // could only take back what was said since.
    let files_there = sandbox.agent_files_outlive_workspaces() && saved.sandbox == sandbox.kind();
    let mut back = Vec::new();
    let mut not_back = Vec::new();
    for conversation in &saved.contents.conversations {
        let agent = &conversation.agent;
        if !files_there {
            let import = agents
                .get(agent)
                .ok()
                .and_then(|preset| preset.conversation.as_ref()?.transcript.as_ref())
                .filter(|_| conversation.transcript);
            let Some(import) = import else {
                not_back.push(format!(
                    "the conversation with {agent}: it stayed in the files {agent} keeps in the {} sandbox",
                    saved.sandbox
                ));
                continue;
            };
            let imported = saves
                .transcript(saved, agent)
                .map_err(|err| err.to_string())
                .and_then(|transcript| {
                    let argv = import.import(crate::domain::FILE_PLACEHOLDER);
                    let args: Vec<&str> = argv.iter().map(String::as_str).collect();
                    sh_with(sandbox, workspace, WITH_FILE, &args, Some(transcript))
                });
            if let Err(why) = imported {
                not_back.push(format!(
                    "the conversation with {agent}: importing it failed ({why})"
                ));
                continue;
            }
        }
        record(sandbox, workspace, agent, &conversation.session);
        back.push(agent.clone());
    }
    (back, not_back)
}

/// The conversation of `agent` recorded in `workspace`: `Some("")` when it continues by
/// directory, `None` when there is none (or it cannot be read: a new one starts).
pub(super) fn recorded(
    sandbox: &dyn Sandbox,
    workspace: &Workspace,
    agent: &str,
) -> Option<String> {
    if !is_record_name(agent) {
        return None;
    }
    let read = sh(
        sandbox,
        workspace,
        r#"f="$(git rev-parse --git-dir)/skipper/agents/$1" && [ -f "$f" ] && cat -- "$f""#,
        &[agent],
    )?;
    let session = String::from_utf8(read).ok()?.trim().to_owned();
    is_session_id(&session).then_some(session)
}

/// The agents with a conversation recorded in `workspace`, by name. Best effort: none
/// when they cannot be read.
pub(super) fn recorded_agents(sandbox: &dyn Sandbox, workspace: &Workspace) -> Vec<String> {
    let Some(listed) = sh(
        sandbox,
        workspace,
        r#"d="$(git rev-parse --git-dir)/skipper/agents" && if [ -d "$d" ]; then ls -1 -- "$d"; fi"#,
        &[],
    ) else {
        return Vec::new();
    };
    let last_run = LAST_RUN_RECORD.rsplit('/').next().unwrap_or_default();
    String::from_utf8_lossy(&listed)
        .lines()
        .filter(|name| {
            is_record_name(name) && *name != last_run && name.strip_suffix(".new").is_none()
        })
        .map(str::to_owned)
        .collect()
}

/// Records `session` (empty: continued by directory) as `agent`'s conversation in
/// `workspace`. Best effort: without it, the next prompt starts a new conversation.
pub(super) fn record(sandbox: &dyn Sandbox, workspace: &Workspace, agent: &str, session: &str) {
    if !is_record_name(agent) || !is_session_id(session) {
        return;
    }
    let _ = sh(
        sandbox,
        workspace,
        r#"d="$(git rev-parse --git-dir)/skipper/agents" && mkdir -p "$d" && printf '%s\n' "$2" > "$d/$1""#,
        &[agent, session],
    );
}

/// Records `run` as the last agent run of `workspace` ([`LAST_RUN_RECORD`]), replacing
/// the one before at once (a `list` reading it never sees half of it). Best effort:
/// without it, `list` shows the run before, or none.
pub(super) fn record_run(sandbox: &dyn Sandbox, workspace: &Workspace, run: &LastRun) {
    let _ = sh(
        sandbox,
        workspace,
        r#"f="$(git rev-parse --git-dir)/$1" && mkdir -p "${f%/*}" && printf '%s' "$2" > "$f.new" && mv -f "$f.new" "$f""#,
        &[LAST_RUN_RECORD, &run.to_record()],
    );
}

/// A title no other conversation has: the workspace and the time.
pub(super) fn title(workspace: &Workspace) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "sk {} {} {nanos:x}",
        workspace.reference.repository, workspace.reference.target
    )
}

/// The id of the conversation titled `title`, from the agent's list run in `workspace`
/// with the command's environment.
pub(super) fn find(
    sandbox: &dyn Sandbox,
    workspace: &Workspace,
    conversation: &Conversation,
    title: &str,
    env: &CommandEnvironment<'_>,
) -> Option<String> {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = sandbox
        .execute_in_project(
            workspace,
            &CommandLine::Argv(conversation.list.clone()),
            &|file| env.of_quietly(file),
            ExecIo::Piped(PipedIo {
                stdin: None,
                stdout: &mut stdout,
                stderr: &mut stderr,
                interrupts: None,
            }),
        )
        .ok()?;
    if !status.success() {
        return None;
    }
    Conversation::find(&stdout, title).filter(|session| is_session_id(session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_kept_only_under_plain_names_and_ids() {
        assert!(is_record_name("opencode") && is_record_name("my_agent-2"));
        for bad in ["", ".hidden", "a/b", "../x", "a b"] {
            assert!(!is_record_name(bad), "{bad}");
        }
        assert!(is_session_id("ses_dcc7d4853ffeyZrnyeKglQwSQi") && is_session_id(""));
        for bad in ["a b", "x\ny", "$(rm)", &"x".repeat(201)] {
            assert!(!is_session_id(bad), "{bad}");
        }
    }
}
