//! The dirty gate, shared by both sandboxes: runs [`crate::scripts::GATE`] in a repository
//! and in every repository nested in its working tree, and reads what it printed into an
//! [`AtRisk`]. Ref names and paths are read as bytes; anything that cannot be read (a name
//! that is not UTF-8, a record of an unknown shape) becomes [`UnpushedRef::Unreadable`],
//! never a line dropped, so the gate refuses rather than guess.

use skipper_core::{
    AgentActivity, AgentMark, AtRisk, LastRun, MARKER_VARIABLE, NestedWork, UnpushedBranch,
    UnpushedRef,
};

use crate::scripts::{GATE, GATE_IF_READY, LIST_IF_READY};
use crate::work::{Policy, ScriptHost, WorkError, fields, join};

/// What the gate script reported for one repository, before its nested repositories are
/// looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The repository's own work (its `nested` is empty: see [`Report::nested`]).
    pub risk: AtRisk,
    /// The repositories inside its working tree: untracked ones (status says `dir/`) and
    /// initialised submodules, relative to it, in the order found.
    pub nested: Vec<NestedRepository>,
}

/// A repository inside another's working tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedRepository {
    /// Its directory, relative to the repository it is in.
    pub path: String,
    /// Whether that repository knows it as a submodule.
    pub submodule: bool,
}

/// Lists the work at risk in the workspace (its top directory under `policy`, nested
/// repositories under [`Policy::Nested`]). Changes nothing.
///
/// # Errors
/// The failure to run the gate anywhere: never "nothing at risk" when it could not look.
pub fn at_risk(host: &dyn ScriptHost, policy: &Policy) -> Result<AtRisk, WorkError> {
    look(host, ".", policy, Ignored::Measured)
}

/// [`at_risk`] without looking at ignored files ([`AtRisk::ignored`] stays empty): the
/// gate's answer as `list` shows it, at less cost.
///
/// # Errors
/// As [`at_risk`].
pub fn at_risk_unmeasured(host: &dyn ScriptHost, policy: &Policy) -> Result<AtRisk, WorkError> {
    look(host, ".", policy, Ignored::Skipped)
}

/// [`at_risk_unmeasured`] of a workspace that may be half made, in one run of the gate
/// (for `list`, where each run is an exec): `None` when its top directory lacks `marker`,
/// the file its making writes last (a path relative to that directory), and nothing was
/// looked at.
///
/// # Errors
/// As [`at_risk`]; a directory that is not there (a workspace made even less) is one.
pub fn at_risk_unmeasured_if_ready(
    host: &dyn ScriptHost,
    policy: &Policy,
    marker: &str,
) -> Result<Option<AtRisk>, WorkError> {
    let output = host.run(GATE_IF_READY, &if_ready_args(policy, marker))?;
    if output.status != 0 {
        return Err(WorkError::script("looking for work at risk", ".", &output));
    }
    read_if_ready(host, &output.stdout)
}

/// What `list` learns of a workspace that may be half made, in one run: its agent (see
/// [`AgentActivity`]) and [`at_risk_unmeasured_if_ready`]'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The work at risk; `None` when the workspace is half made.
    pub risk: Option<AtRisk>,
    /// Its agent, working or the last one; `None` when none ran.
    pub agent: Option<AgentActivity>,
}

/// [`at_risk_unmeasured_if_ready`] with the workspace's agent, in the same run: for a
/// container's repository, whose processes the script can see (`agent-activity.sh`).
///
/// # Errors
/// As [`at_risk_unmeasured_if_ready`].
pub fn listed_if_ready(
    host: &dyn ScriptHost,
    policy: &Policy,
    marker: &str,
) -> Result<Listed, WorkError> {
    let output = host.run(LIST_IF_READY, &if_ready_args(policy, marker))?;
    if output.status != 0 {
        return Err(WorkError::script("looking for work at risk", ".", &output));
    }
    let (agent, rest) = split_activity(&output.stdout);
    Ok(Listed {
        risk: read_if_ready(host, rest)?,
        agent,
    })
}

/// The arguments of [`GATE_IF_READY`] and [`LIST_IF_READY`]: the top directory under
/// `policy`, ignored files unmeasured, `marker` the file whose absence says half made.
fn if_ready_args(policy: &Policy, marker: &str) -> [String; 5] {
    let [name, branch] = policy.args();
    [
        ".".to_owned(),
        name,
        branch,
        "skip-ignored".to_owned(),
        marker.to_owned(),
    ]
}

/// The agent record `agent-activity.sh` prints first, read, and what follows it. Output
/// without the record is all the gate's, with no agent.
fn split_activity(stdout: &[u8]) -> (Option<AgentActivity>, &[u8]) {
    let Some(mut rest) = stdout.strip_prefix(b"agent\0") else {
        return (None, stdout);
    };
    let prefix = format!("{MARKER_VARIABLE}=");
    let mut marks = Vec::new();
    loop {
        let Some(end) = rest.iter().position(|&byte| byte == 0) else {
            return (None, stdout);
        };
        let (field, after) = (&rest[..end], &rest[end + 1..]);
        rest = after;
        if field == b"last" {
            break;
        }
        if let Some(mark) = std::str::from_utf8(field)
            .ok()
            .and_then(|field| field.strip_prefix(&prefix))
            .and_then(AgentMark::parse)
        {
            marks.push(mark);
        }
    }
    let Some(end) = rest.iter().position(|&byte| byte == 0) else {
        return (None, stdout);
    };
    let last = std::str::from_utf8(&rest[..end])
        .ok()
        .and_then(LastRun::parse);
    (
        AgentActivity::from_facts(&marks, last.as_ref()),
        &rest[end + 1..],
    )
}

/// The gate's answer in `stdout` (after `gate-if-ready.sh`), nested repositories looked
/// into.
fn read_if_ready(host: &dyn ScriptHost, stdout: &[u8]) -> Result<Option<AtRisk>, WorkError> {
    if stdout == NOT_READY {
        return Ok(None);
    }
    if stdout == PROVEN_CLEAN {
        return Ok(Some(AtRisk::default()));
    }
    let Report { risk, nested } = parse(stdout);
    look_into(host, ".", risk, nested, Ignored::Skipped).map(Some)
}

/// What `gate-if-ready.sh` prints, alone, for a repository without its marker.
const NOT_READY: &[u8] = b"not-ready\0";

/// What `clean-proof.sh` prints, alone, for a repository it proved the gate would find
/// nothing in (nor in any repository nested in it: it has none).
const PROVEN_CLEAN: &[u8] = b"clean\0";

/// Whether the gate measures ignored files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ignored {
    /// Listed with their sizes, as `remove` reports them.
    Measured,
    /// Not looked at.
    Skipped,
}

/// The work at risk in the repository at `dir`, its nested repositories' included.
pub(crate) fn look(
    host: &dyn ScriptHost,
    dir: &str,
    policy: &Policy,
    ignored: Ignored,
) -> Result<AtRisk, WorkError> {
    let Report { risk, nested } = report(host, dir, policy, ignored)?;
    look_into(host, dir, risk, nested, ignored)
}

/// `risk`, the work of the repository at `dir`, with that of its `nested` repositories.
fn look_into(
    host: &dyn ScriptHost,
    dir: &str,
    mut risk: AtRisk,
    nested: Vec<NestedRepository>,
    ignored: Ignored,
) -> Result<AtRisk, WorkError> {
    for repository in nested {
        let inner = look(host, &join(dir, &repository.path), &Policy::Nested, ignored)?;
        if !inner.is_empty() {
            risk.nested.push(NestedWork {
                path: repository.path,
                submodule: repository.submodule,
                risk: inner,
            });
        }
    }
    Ok(risk)
}

/// Runs the gate script in the repository at `dir` and reads its report.
///
/// # Errors
/// The failure to run it, or its non-zero exit status.
pub(crate) fn report(
    host: &dyn ScriptHost,
    dir: &str,
    policy: &Policy,
    ignored: Ignored,
) -> Result<Report, WorkError> {
    let [name, branch] = policy.args();
    let skip = match ignored {
        Ignored::Measured => String::new(),
        Ignored::Skipped => "skip-ignored".to_owned(),
    };
    let output = host.run(GATE, &[dir.to_owned(), name, branch, skip])?;
    if output.status != 0 {
        return Err(WorkError::script("looking for work at risk", dir, &output));
    }
    Ok(parse(&output.stdout))
}

/// Reads the gate script's output.
#[must_use]
pub fn parse(output: &[u8]) -> Report {
    let mut report = Report::default();
    let mut fields = fields(output).peekable();
    if fields.peek() == Some(&&b"status"[..]) {
        fields.next();
        read_status(&mut fields, &mut report);
    } else {
        unreadable(&mut report, "the gate printed no status".to_owned());
    }
    while let Some(kind) = fields.next() {
        let record = match kind {
            b"submodule" => take::<1>(&mut fields).map(|[path]| match std::str::from_utf8(path) {
                Ok(path) => report.nested.push(NestedRepository {
                    path: path.to_owned(),
                    submodule: true,
                }),
                Err(_) => unreadable(
                    &mut report,
                    format!("a submodule whose path is not UTF-8: {}", lossy(path)),
                ),
            }),
            b"ignored" => take::<2>(&mut fields).and_then(|[path, bytes]| {
                let bytes = number(bytes)?;
                report.risk.ignored.paths.push(lossy(path));
                report.risk.ignored.bytes += bytes;
                Some(())
            }),
            b"branch" => take::<2>(&mut fields).and_then(|[reference, commits]| {
                let commits = usize::try_from(number(commits)?).ok()?;
                if let Some(branch) = name(&mut report, reference) {
                    let branch = branch.strip_prefix("refs/heads/").unwrap_or(&branch);
                    report.risk.unpushed.push(UnpushedBranch {
                        branch: branch.to_owned(),
                        commits,
                    });
                }
                Some(())
            }),
            b"stash" => take::<1>(&mut fields).and_then(|[entries]| {
                let entries = usize::try_from(number(entries)?).ok()?;
                report.risk.other_refs.push(UnpushedRef::Stash { entries });
                Some(())
            }),
            b"detached" => take::<1>(&mut fields).and_then(|[commits]| {
                let commits = usize::try_from(number(commits)?).ok()?;
                report
                    .risk
                    .other_refs
                    .push(UnpushedRef::DetachedHead { commits });
                Some(())
            }),
            b"tag" => take::<1>(&mut fields).map(|[reference]| {
                if let Some(reference) = name(&mut report, reference) {
                    let tag = reference.strip_prefix("refs/tags/").unwrap_or(&reference);
                    report.risk.other_refs.push(UnpushedRef::Tag {
                        name: tag.to_owned(),
                    });
                }
            }),
            b"notes" | b"other" => take::<2>(&mut fields).and_then(|[reference, commits]| {
                number(commits)?;
                if let Some(reference) = name(&mut report, reference) {
                    report.risk.other_refs.push(if kind == b"notes" {
                        UnpushedRef::Notes { reference }
                    } else {
                        UnpushedRef::Other { reference }
                    });
                }
                Some(())
            }),
            b"unreadable" => take::<1>(&mut fields).map(|[what]| {
                report.risk.other_refs.push(UnpushedRef::Unreadable {
                    detail: lossy(what),
                });
            }),
            _ => None,
        };
        if record.is_none() {
            unreadable(
                &mut report,
                format!("a record of the gate that cannot be read: {}", lossy(kind)),
            );
        }
    }
    report.risk.other_refs.sort_by_key(rank);
    report
}

/// `git status --porcelain=v1 -z --untracked-files=all` up to the empty field that ends it:
/// a two-letter code, a space and a path each, a rename's or copy's original path in a
/// field of its own. An untracked entry ending in `/` is a repository (with
/// `--untracked-files=all` git names every other untracked file).
fn read_status<'a>(fields: &mut impl Iterator<Item = &'a [u8]>, report: &mut Report) {
    let mut ended = false;
    while let Some(field) = fields.next() {
        if field.is_empty() {
            ended = true;
            break;
        }
        let (Some(code), Some(path)) = (field.get(..2), field.get(3..)) else {
            unreadable(report, format!("a status entry: {}", lossy(field)));
            continue;
        };
        match code {
            b"??" => match path.strip_suffix(b"/") {
                Some(dir) => match std::str::from_utf8(dir) {
                    Ok(dir) => report.nested.push(NestedRepository {
                        path: dir.to_owned(),
                        submodule: false,
                    }),
                    Err(_) => unreadable(
                        report,
                        format!(
                            "a nested repository whose path is not UTF-8: {}",
                            lossy(dir)
                        ),
                    ),
                },
                None => report.risk.untracked.push(lossy(path)),
            },
            b"!!" => {}
            _ => {
                report.risk.modified.push(lossy(path));
                if code.contains(&b'R') || code.contains(&b'C') {
                    fields.next();
                }
            }
        }
    }
    if !ended {
        unreadable(report, "the status the gate printed was cut off".to_owned());
    }
}

/// The next `N` fields, or `None` when the output ends first.
fn take<'a, const N: usize>(fields: &mut impl Iterator<Item = &'a [u8]>) -> Option<[&'a [u8]; N]> {
    let mut taken = [&b""[..]; N];
    for slot in &mut taken {
        *slot = fields.next()?;
    }
    Some(taken)
}

fn number(field: &[u8]) -> Option<u64> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// A ref name, or `None` (recorded as unreadable) when it is not UTF-8.
fn name(report: &mut Report, reference: &[u8]) -> Option<String> {
    if let Ok(reference) = std::str::from_utf8(reference) {
        Some(reference.to_owned())
    } else {
        unreadable(
            report,
            format!("a ref whose name is not UTF-8: {}", lossy(reference)),
        );
        None
    }
}

fn unreadable(report: &mut Report, detail: String) {
    report
        .risk
        .other_refs
        .push(UnpushedRef::Unreadable { detail });
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The order other refs are listed in: the stash, a detached `HEAD`, then tags, notes,
/// other refs and what could not be read, each kind in the order found.
fn rank(reference: &UnpushedRef) -> u8 {
    match reference {
        UnpushedRef::Stash { .. } => 0,
        UnpushedRef::DetachedHead { .. } => 1,
        UnpushedRef::Tag { .. } => 2,
        UnpushedRef::Notes { .. } => 3,
        UnpushedRef::Other { .. } => 4,
        UnpushedRef::Unreadable { .. } => 5,
    }
}

#[cfg(test)]
mod tests {
    use skipper_core::Ignored;

    use super::*;

    fn risk_of(output: &[u8]) -> AtRisk {
        parse(output).risk
    }

    #[test]
    fn the_agent_record_comes_off_before_the_gates_output() {
        let (agent, rest) = split_activity(
            b"agent\0SKIPPER_AGENT=opencode:20\0SKIPPER_AGENT=opencode:21\0last\0opencode 0 5 9\0clean\0",
        );
        let agent = agent.unwrap();
        assert_eq!(
            (
                agent.name.as_str(),
                agent.state,
                agent.since,
                agent.last_exit
            ),
            ("opencode", skipper_core::AgentState::Working, 20, Some(0))
        );
        assert_eq!(rest, PROVEN_CLEAN);

        let (agent, rest) = split_activity(b"agent\0last\0claude 137 5 9\0not-ready\0");
        let agent = agent.unwrap();
        assert_eq!(
            (agent.state, agent.since, agent.last_exit),
            (skipper_core::AgentState::Idle, 9, Some(137))
        );
        assert_eq!(rest, NOT_READY);

        assert_eq!(
            split_activity(b"agent\0last\0\0clean\0"),
            (None, PROVEN_CLEAN)
        );
        // Cut short, or no record at all: all of it is the gate's.
        assert_eq!(split_activity(b"agent\0last\0x").1, b"agent\0last\0x");
        assert_eq!(split_activity(b"clean\0"), (None, PROVEN_CLEAN));
    }

    #[test]
    fn the_status_splits_modified_untracked_and_nested_repositories() {
        let report = parse(
            b"status\0 M a.txt\0R  new\0old\0?? x y.txt\0?? nested/\0 M sub\0\0submodule\0sub\0",
        );
        assert_eq!(report.risk.modified, ["a.txt", "new", "sub"]);
        assert_eq!(report.risk.untracked, ["x y.txt"]);
        assert_eq!(
            report.nested,
            [
                NestedRepository {
                    path: "nested".into(),
                    submodule: false
                },
                NestedRepository {
                    path: "sub".into(),
                    submodule: true
                }
            ]
        );
        assert!(report.risk.other_refs.is_empty());
    }

    #[test]
    fn refs_are_opaque_names_whatever_they_hold() {
        let risk = risk_of(
            "status\0\0branch\0refs/heads/wip\u{2003}x\x002\0branch\0refs/heads/nb\u{a0}sp\x001\0\
             tag\0refs/tags/v\u{2003}1\0notes\0refs/notes/commits\x001\0\
             other\0refs/worktree/a b\x003\0detached\x004\0stash\x002\0"
                .as_bytes(),
        );
        assert_eq!(
            risk.unpushed,
            [
                UnpushedBranch {
                    branch: "wip\u{2003}x".into(),
                    commits: 2
                },
                UnpushedBranch {
                    branch: "nb\u{a0}sp".into(),
                    commits: 1
                }
            ]
        );
        assert_eq!(
            risk.other_refs,
            [
                UnpushedRef::Stash { entries: 2 },
                UnpushedRef::DetachedHead { commits: 4 },
                UnpushedRef::Tag {
                    name: "v\u{2003}1".into()
                },
                UnpushedRef::Notes {
                    reference: "refs/notes/commits".into()
                },
                UnpushedRef::Other {
                    reference: "refs/worktree/a b".into()
                },
            ]
        );
    }

    #[test]
    fn what_cannot_be_read_is_unreadable_never_dropped() {
        let risk = risk_of(
            b"status\0\0branch\0refs/heads/\xff\x001\0branch\0refs/heads/x\0many\0\
              garbage\0unreadable\0a quoted path\0stash",
        );
        let details: Vec<&str> = risk
            .other_refs
            .iter()
            .map(|r| match r {
                UnpushedRef::Unreadable { detail } => detail.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(details.len(), 5, "{details:?}");
        assert!(details[0].contains("not UTF-8"), "{details:?}");
        assert!(risk.unpushed.is_empty());
        assert!(!risk.is_empty());
        assert!(!risk_of(b"").is_empty(), "no status is no answer");
        assert!(!risk_of(b"status\0 M a").is_empty(), "a cut-off status");
    }

    #[test]
    fn ignored_paths_are_listed_with_their_total_size_and_gate_nothing() {
        let risk =
            risk_of(b"status\0!! target/\0\0ignored\0target/\x004096\0ignored\0x.log\x002\0");
        assert_eq!(
            risk.ignored,
            Ignored {
                paths: vec!["target/".into(), "x.log".into()],
                bytes: 4098
            }
        );
        assert!(risk.is_empty());
    }
}
