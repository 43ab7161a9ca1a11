//! What an agent is doing in a workspace, as `list` shows it: found from facts, never a
//! cache. `prompt` marks the agent's process with [`MARKER_VARIABLE`] (the agent and when it
//! started) and, once it ends, records the end in the workspace's git directory
//! ([`LAST_RUN_RECORD`]); a sandbox's registry reads the marks of the processes running in
//! the workspace and that record, and [`AgentActivity::from_facts`] makes them one answer.
//! An agent killed behind `sk`'s back has no process left: it is not working, whatever was
//! recorded.

/// The environment variable marking an agent's process (and everything it starts):
/// `<agent>:<start, seconds since the epoch>`.
pub const MARKER_VARIABLE: &str = "SKIPPER_AGENT";

/// The record of the last agent run's end, under the workspace's git directory:
/// `<agent> <exit status> <start> <end>` (seconds since the epoch).
pub const LAST_RUN_RECORD: &str = "skipper/agents/last-run";

/// Whether an agent works in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentState {
    /// A prompt runs in it now.
    Working,
    /// None runs; the last one ended.
    Idle,
}

/// The agent of a workspace and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentActivity {
    /// The agent's name.
    pub name: String,
    /// Working or idle.
    pub state: AgentState,
    /// When it started working, or when its last run ended (seconds since the epoch).
    pub since: u64,
    /// The exit status of the last run that ended, when one is recorded.
    pub last_exit: Option<i32>,
}

/// An agent's mark, read from a process's environment value of [`MARKER_VARIABLE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentMark {
    /// The agent.
    pub name: String,
    /// When it started.
    pub started: u64,
}

impl AgentMark {
    /// The value of [`MARKER_VARIABLE`] for `name` started at `started`.
    #[must_use]
    pub fn value(name: &str, started: u64) -> String {
        format!("{name}:{started}")
    }

    /// Reads a value of [`MARKER_VARIABLE`]; `None` for anything else.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        let (name, started) = value.rsplit_once(':')?;
        let started = started.parse().ok()?;
        (!name.is_empty()).then(|| Self {
            name: name.to_owned(),
            started,
        })
    }
}

/// The recorded end of an agent's last run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRun {
    /// The agent.
    pub name: String,
    /// Its exit status.
    pub exit: i32,
    /// When it started.
    pub started: u64,
    /// When it ended.
    pub ended: u64,
}

impl LastRun {
    /// The record's text.
    #[must_use]
    pub fn to_record(&self) -> String {
        format!(
            "{} {} {} {}\n",
            self.name, self.exit, self.started, self.ended
        )
    }

    /// Reads a record; `None` when it is not one.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let mut words = text.split_whitespace();
        let run = Self {
            name: words.next()?.to_owned(),
            exit: words.next()?.parse().ok()?,
            started: words.next()?.parse().ok()?,
            ended: words.next()?.parse().ok()?,
        };
        words.next().is_none().then_some(run)
    }
}

impl AgentState {
    /// How `list` says it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Working => "working",
            Self::Idle => "idle",
        }
    }
}

impl AgentActivity {
    /// What the marks of the processes running in a workspace and its recorded last run
    /// say: working when a marked process runs (the earliest started, for an agent that
    /// started others), else idle since the recorded end, else nothing.
    #[must_use]
    pub fn from_facts(marks: &[AgentMark], last: Option<&LastRun>) -> Option<Self> {
        let last_exit = last.map(|run| run.exit);
        if let Some(mark) = marks.iter().min_by_key(|mark| mark.started) {
            return Some(Self {
                name: mark.name.clone(),
                state: AgentState::Working,
                since: mark.started,
                // The run recorded is one before this one only if it started earlier.
                last_exit: last
                    .filter(|run| run.started < mark.started)
                    .map(|run| run.exit),
            });
        }
        let run = last?;
        Some(Self {
            name: run.name.clone(),
            state: AgentState::Idle,
            since: run.ended,
            last_exit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(name: &str, started: u64) -> AgentMark {
        AgentMark {
            name: name.into(),
            started,
        }
    }

    fn run(started: u64, ended: u64, exit: i32) -> LastRun {
        LastRun {
            name: "opencode".into(),
            exit,
            started,
            ended,
        }
    }

    #[test]
    fn marks_and_records_read_back_as_written() {
        assert_eq!(
            AgentMark::parse(&AgentMark::value("my-agent", 1_700_000_000)),
            Some(mark("my-agent", 1_700_000_000))
        );
        for bad in ["", "x", "x:", ":1", "x:-1", "x:1.5"] {
            assert_eq!(AgentMark::parse(bad), None, "{bad}");
        }
        let last = run(10, 20, 137);
        assert_eq!(LastRun::parse(&last.to_record()), Some(last));
        for bad in ["", "opencode 0 1", "opencode x 1 2", "opencode 0 1 2 3"] {
            assert_eq!(LastRun::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_running_mark_is_working_and_the_record_alone_is_idle() {
        let working = AgentActivity::from_facts(&[mark("claude", 30), mark("claude", 31)], None);
        assert_eq!(
            working,
            Some(AgentActivity {
                name: "claude".into(),
                state: AgentState::Working,
                since: 30,
                last_exit: None,
            })
        );
        // The record of the run before this one gives its exit; a record of this one
        // (written by a run that started later: another's) is not this one's.
        let again = AgentActivity::from_facts(&[mark("opencode", 30)], Some(&run(10, 20, 1)));
        assert_eq!(again.unwrap().last_exit, Some(1));
        let idle = AgentActivity::from_facts(&[], Some(&run(10, 20, 0))).unwrap();
        assert_eq!(
            (idle.state, idle.since, idle.last_exit),
            (AgentState::Idle, 20, Some(0))
        );
        assert_eq!(AgentActivity::from_facts(&[], None), None);
    }
}
