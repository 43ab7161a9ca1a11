use std::fmt::Write as _;

use serde::Serialize;
use skipper_core::usecases;
use skipper_core::{
    AgentActivity, AgentState, AtRisk, Checkout, HostCheckouts, NetworkMode, NetworkPolicy,
    RepositoryQuery, UnpushedRef, Workspace, WorkspaceLocation,
};

use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::printer::untrusted;
use crate::words;

/// List workspaces.
///
/// Shows each workspace's repository, branch (the default branch for the main workspace:
/// the host checkout, or the main container), sandbox, state, changes, unpushed work and
/// path. CHANGES says `clean` exactly when `remove` would find nothing to lose (for the
/// host checkout: when `sk repo remove` would not); else the changed files, and UNPUSHED
/// the commits no remote branch holds and other work only this workspace keeps (a stash,
/// a new tag). `-` is a workspace not looked into: a stopped container is not started for
/// it. A workspace an interrupted `create` left is shown `half-made` (create it again, or
/// remove it); one broken from outside (a worktree whose `.git` file is gone), `broken`.
///
/// AGENT (shown when one ran) is the coding agent of `sk workspace prompt`: `working` while
/// a prompt runs in the workspace (found from its processes, so one killed is not
/// working), else `idle` since its last prompt ended, with that prompt's exit status.
///
/// `--json` gives the main workspace `"branch": null` and every row its repository's
/// `default_branch`, `dirty` (changes in the working tree or index), `unpushed` (commits
/// on no remote branch), `clean` (nothing `remove` would refuse for) and `ports`; the
/// last three are `null` when the workspace was not looked into. `agent` is `null` or
/// `{name, state, since, last_exit}`: `state` `working` or `idle`, `since` when it started
/// working or went idle (seconds since the epoch), `last_exit` the last prompt's exit
/// status (`null` when none is recorded). A Docker workspace made under a chosen runtime
/// (`create --runtime`, `docker.runtime`) has `runtime` (e.g. `"runsc"`); others have none.
///
/// NETWORK (shown when a workspace is not on Docker's bridge) is a Docker workspace's
/// network policy, fixed when it was made: `bridge`, `none`, or `allow(HOST,...)`. `--json`
/// gives Docker rows `network: {mode, allow}` and worktree rows `network: null`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this repository's workspaces.
    #[arg(short, long)]
    pub repository: Option<String>,

    /// Print a JSON array for scripts.
    #[arg(long)]
    pub json: bool,
}

/// One workspace as `--json` prints it (and `sk mcp`'s `workspace_list` gives it).
#[derive(Debug, Serialize)]
pub struct Row {
    repository: String,
    /// `null` for the main workspace.
    branch: Option<String>,
    /// The repository's default branch: the main workspace's.
    default_branch: Option<String>,
    sandbox: &'static str,
    path: String,
    container: Option<String>,
    state: Option<&'static str>,
    /// Changes in the working tree or index (untracked files included).
    dirty: Option<bool>,
    /// Commits on no remote branch: the unpushed branches' and a detached `HEAD`'s.
    unpushed: Option<usize>,
    /// Nothing at risk: what `remove` checks finds nothing.
    clean: Option<bool>,
    ports: Vec<u16>,
    /// The agent working in it, or the last one that did.
    agent: Option<AgentRow>,
    /// The container runtime it was made under; absent for the daemon's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime: Option<String>,
    /// Its network policy; `null` for a sandbox without one (a worktree).
    network: Option<NetworkRow>,
    /// What the table shows in CHANGES and UNPUSHED.
    #[serde(skip)]
    changes: String,
    #[serde(skip)]
    unpushed_work: String,
}

impl Row {
    /// Whether this is the row of `workspace`.
    pub fn is_of(&self, workspace: &Workspace) -> bool {
        self.repository == workspace.reference.repository.to_string()
            && self.branch == workspace.reference.target.branch().map(ToString::to_string)
            && self.sandbox == workspace.sandbox.as_str()
    }

    fn new(workspace: &Workspace, default_branch: Option<String>) -> Self {
        let (path, container, mut state) = match &workspace.location {
            WorkspaceLocation::Host(path) => (path.display().to_string(), None, None),
            WorkspaceLocation::Container { name, path, state } => {
                (path.clone(), Some(name.clone()), Some(state.as_str()))
            }
        };
        // Left by an interrupted create, or broken from outside: say so before anything.
        if workspace.half_made {
            state = Some("half-made");
        } else if workspace.broken.is_some() {
            state = Some("broken");
        }
        let risk = workspace.risk.as_ref();
        Self {
            repository: workspace.reference.repository.to_string(),
            branch: workspace.reference.target.branch().map(ToString::to_string),
            default_branch,
            sandbox: workspace.sandbox.as_str(),
            path,
            container,
            state,
            dirty: risk.map(|risk| !risk.modified.is_empty() || !risk.untracked.is_empty()),
            unpushed: risk.map(unpushed_commits),
            clean: risk.map(AtRisk::is_empty),
            ports: workspace.ports.clone(),
            agent: workspace.agent.as_ref().map(AgentRow::from),
            runtime: workspace.runtime.clone(),
            network: workspace.network.as_ref().map(NetworkRow::from),
            changes: risk.map_or_else(|| "-".to_owned(), changes),
            unpushed_work: risk.map_or_else(|| "-".to_owned(), unpushed_work),
        }
    }
}

/// A workspace's network policy as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct NetworkRow {
    /// `bridge`, `none` or `allow`.
    mode: &'static str,
    /// What an `allow` workspace may reach: `host` or `host:port` entries.
    allow: Vec<String>,
}

impl From<&NetworkPolicy> for NetworkRow {
    fn from(policy: &NetworkPolicy) -> Self {
        Self {
            mode: policy.mode.as_str(),
            allow: policy.allow.iter().map(ToString::to_string).collect(),
        }
    }
}

impl NetworkRow {
    /// The NETWORK cell: `bridge`, `none`, `allow(a.example,b.example:443)`.
    fn cell(&self) -> String {
        if self.mode == NetworkMode::Allow.as_str() {
            format!("allow({})", self.allow.join(","))
        } else {
            self.mode.to_owned()
        }
    }
}

/// A workspace's agent as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct AgentRow {
    name: String,
    /// `working` or `idle`.
    state: &'static str,
    /// Seconds since the epoch.
    since: u64,
    last_exit: Option<i32>,
}

impl From<&AgentActivity> for AgentRow {
    fn from(agent: &AgentActivity) -> Self {
        Self {
            name: agent.name.clone(),
            state: agent.state.as_str(),
            since: agent.since,
            last_exit: agent.last_exit,
        }
    }
}

impl AgentRow {
    /// The AGENT cell: `opencode working 3m`, `opencode idle 2h (exit 1)`.
    fn cell(&self, now: u64) -> String {
        let elapsed = words::elapsed(now.saturating_sub(self.since));
        let mut cell = format!("{} {} {elapsed}", self.name, self.state);
        if self.state == AgentState::Idle.as_str()
            && let Some(code) = self.last_exit
        {
            // Writing to a `String` cannot fail.
            let _ = write!(cell, " (exit {code})");
        }
        cell
    }
}

/// Commits on no remote branch: the unpushed branches' and a detached `HEAD`'s.
fn unpushed_commits(risk: &AtRisk) -> usize {
    let detached: usize = risk
        .other_refs
        .iter()
        .map(|other| match other {
            UnpushedRef::DetachedHead { commits } => *commits,
            _ => 0,
        })
        .sum();
    risk.unpushed
        .iter()
        .map(|branch| branch.commits)
        .sum::<usize>()
        + detached
}

/// The CHANGES cell: `clean` only when nothing at all is at risk.
fn changes(risk: &AtRisk) -> String {
    if risk.is_empty() {
        return "clean".to_owned();
    }
    let files = risk.modified.len() + risk.untracked.len();
    let nested = risk
        .nested
        .iter()
        .filter(|nested| !nested.risk.is_empty())
        .count();
    let mut parts = Vec::new();
    if files > 0 {
        parts.push(words::count(files, "file", "files"));
    }
    if nested > 0 {
        parts.push(words::count(nested, "nested repo", "nested repos"));
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The UNPUSHED cell: commits on no remote branch, then other work only this workspace
/// keeps.
fn unpushed_work(risk: &AtRisk) -> String {
    let mut parts = Vec::new();
    let commits = unpushed_commits(risk);
    if commits > 0 {
        parts.push(words::count(commits, "commit", "commits"));
    }
    let mut tags = 0;
    let mut others = 0;
    for other in &risk.other_refs {
        match other {
            UnpushedRef::Stash { entries } => {
                parts.push(words::count(*entries, "stash entry", "stash entries"));
            }
            UnpushedRef::DetachedHead { .. } => {}
            UnpushedRef::Tag { .. } => tags += 1,
            UnpushedRef::Notes { .. } | UnpushedRef::Other { .. } => others += 1,
            UnpushedRef::Unreadable { .. } => parts.push("unreadable refs".to_owned()),
        }
    }
    if tags > 0 {
        parts.push(words::count(tags, "tag", "tags"));
    }
    if others > 0 {
        parts.push(words::count(others, "other ref", "other refs"));
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

pub fn run(context: &Context<'_>, args: &ListArgs) -> Result<ExitStatus, CliError> {
    let rows = rows(context, args.repository.as_deref())?;
    if args.json {
        context.printer.json(&rows)?;
        return Ok(ExitStatus::Success);
    }
    if rows.is_empty() {
        context
            .printer
            .status("No workspaces yet: clone a repository with `sk clone <remote>`.");
        return Ok(ExitStatus::Success);
    }
    print_table(context, &rows);
    Ok(ExitStatus::Success)
}

/// Every workspace of the repository `repository` names, else of every cloned one; a
/// sandbox that does not answer is warned of (an error when `--sandbox` named it).
pub fn rows(context: &Context<'_>, repository: Option<&str>) -> Result<Vec<Row>, CliError> {
    let checkouts = match repository {
        Some(query) => {
            let query = RepositoryQuery::parse(query)?;
            vec![usecases::resolve_checkout(context.checkouts(), &query)?]
        }
        None => context.checkouts().list()?,
    };
    let registries = context.registries()?;
    let mut listing = usecases::list(&registries, &checkouts)?;
    // A sandbox named with `--sandbox` that does not answer fails the listing.
    if context.choice.explicit.is_some() && !listing.unreachable.is_empty() {
        let (_, err) = listing.unreachable.swap_remove(0);
        return Err(err.into());
    }
    context.warn_unlisted(&listing);
    // One look at each repository's default branch (refs only).
    let defaults: Vec<(&Checkout, Option<String>)> = checkouts
        .iter()
        .map(|checkout| {
            let default = context.checkouts().default_branch(checkout).ok();
            (checkout, default.map(|branch| branch.to_string()))
        })
        .collect();
    let rows = listing
        .workspaces
        .iter()
        .map(|workspace| {
            let default = defaults
                .iter()
                .find(|(checkout, _)| checkout.repository == workspace.reference.repository)
                .and_then(|(_, default)| default.clone());
            Row::new(workspace, default)
        })
        .collect();
    Ok(rows)
}

fn print_table(context: &Context<'_>, rows: &[Row]) {
    let with_ports = rows.iter().any(|row| !row.ports.is_empty());
    let with_agents = rows.iter().any(|row| row.agent.is_some());
    let with_network = rows.iter().any(|row| {
        row.network
            .as_ref()
            .is_some_and(|network| network.mode != NetworkMode::Bridge.as_str())
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                row.repository.clone(),
                row.branch
                    .clone()
                    .or_else(|| row.default_branch.clone())
                    .unwrap_or_else(|| "main".to_owned()),
                row.sandbox.to_owned(),
                row.state.unwrap_or("-").to_owned(),
                row.changes.clone(),
                row.unpushed_work.clone(),
            ];
            if with_ports {
                cells.push(if row.ports.is_empty() {
                    "-".to_owned()
                } else {
                    let ports: Vec<String> = row.ports.iter().map(u16::to_string).collect();
                    ports.join(",")
                });
            }
            if with_network {
                cells.push(
                    row.network
                        .as_ref()
                        .map_or_else(|| "-".to_owned(), NetworkRow::cell),
                );
            }
            if with_agents {
                cells.push(
                    row.agent
                        .as_ref()
                        .map_or_else(|| "-".to_owned(), |agent| agent.cell(now)),
                );
            }
            cells.push(match &row.container {
                Some(container) => format!("{container}:{}", row.path),
                None => row.path.clone(),
            });
            // One cell, one line: a path or name holding a line break or an escape is
            // escaped.
            cells
                .into_iter()
                .map(|cell| untrusted(&cell).into_owned())
                .collect()
        })
        .collect();
    let mut header = vec![
        "REPOSITORY",
        "BRANCH",
        "SANDBOX",
        "STATE",
        "CHANGES",
        "UNPUSHED",
    ];
    if with_ports {
        header.push("PORTS");
    }
    if with_network {
        header.push("NETWORK");
    }
    if with_agents {
        header.push("AGENT");
    }
    header.push("PATH");
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                // Writing to a `String` cannot fail.
                let _ = write!(out, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out
    };
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    context.printer.result(&line(&header));
    for row in &cells {
        context.printer.result(&line(row));
    }
}
