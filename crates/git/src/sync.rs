//! The remote's branches brought into a workspace that keeps refs of its own (a container):
//! [`crate::scripts::ORIGIN_REFS`] lists the workspace's `refs/remotes/origin/*`, the host
//! checkout bundles only the objects its own origin tips need beyond the workspace's
//! (no bundle when none are missing), [`ScriptHost::incoming`] carries it there, and
//! [`crate::scripts::SYNC_ORIGIN`] unbundles it and sets the refs in one transaction.
//! Ref names are read as bytes; one that is not UTF-8 cannot be passed to a script and is
//! reported as skipped.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;

use skipper_core::{ErrorKind, RefChange, SyncReport};

use crate::runner::Git;
use crate::scripts::{ORIGIN_REFS, SYNC_ORIGIN};
use crate::work::{ScriptHost, WorkError, fields};

const ORIGIN: &str = "refs/remotes/origin/";
const ORIGIN_HEAD: &[u8] = b"refs/remotes/origin/HEAD";
/// The format [`ORIGIN_REFS`] lists refs in, used on the host too.
const FORMAT: &str = "--format=%(objectname)%00%(refname)%00%(symref)%00";

/// A repository's `refs/remotes/origin/*`: each plain ref's object, and where
/// `origin/HEAD` points.
#[derive(Debug, Default, PartialEq, Eq)]
struct OriginRefs {
    refs: BTreeMap<Vec<u8>, String>,
    head: Option<Vec<u8>>,
}

/// Sets the workspace's `refs/remotes/origin/*` to those of the host checkout at `checkout`,
/// with the objects it lacks (through `scratch/origin.bundle`). Touches nothing else in the
/// workspace.
///
/// # Errors
/// The failure of a step; the workspace's refs are then as they were.
pub fn sync_origin(
    host: &dyn ScriptHost,
    checkout: &Path,
    scratch: &Path,
) -> Result<SyncReport, WorkError> {
    let listed = host.run(ORIGIN_REFS, &[])?;
    if listed.status != 0 {
        return Err(WorkError::script("listing origin's branches", ".", &listed));
    }
    let theirs = parse(&listed.stdout)?;
    let git = Git::in_dir(checkout);
    let ours = parse(&host_git(&git, &["for-each-ref", FORMAT, ORIGIN], None)?)?;

    let mut changes = Vec::new();
    let mut skipped = Vec::new();
    let mut args = Vec::new();
    let mut wanted = Vec::new();
    let mut change = |name: &[u8], new: Option<&String>, old: Option<&String>| {
        let Ok(text) = std::str::from_utf8(name) else {
            skipped.push(format!(
                "{}, whose name is not UTF-8",
                String::from_utf8_lossy(name)
            ));
            return;
        };
        args.extend([
            text.to_owned(),
            new.cloned().unwrap_or_default(),
            old.cloned().unwrap_or_default(),
        ]);
        if let Some(new) = new {
            wanted.push(new.clone());
        }
        changes.push(RefChange {
            name: text.trim_start_matches("refs/remotes/").to_owned(),
            old: old.cloned(),
            new: new.cloned(),
        });
    };
    for (name, oid) in &ours.refs {
        let old = theirs.refs.get(name);
        if old != Some(oid) {
            change(name, Some(oid), old);
        }
    }
    for (name, oid) in &theirs.refs {
        if !ours.refs.contains_key(name) {
            change(name, None, Some(oid));
        }
    }
    changes.sort_by(|a, b| a.name.cmp(&b.name));

    let head = ours
        .head
        .as_deref()
        .and_then(|head| std::str::from_utf8(head).ok())
        .unwrap_or_default()
        .to_owned();
    if args.is_empty() && theirs.head == ours.head {
        return Ok(SyncReport::Synced { changes, skipped });
    }

    // Only what the workspace's own origin tips lack crosses, and nothing when it lacks
    // nothing.
    let haves = present(&git, theirs.refs.values())?;
    let bundle = if missing_any(&git, &wanted, &haves)? {
        let path = scratch.join("origin.bundle");
        bundle_of(&git, &path, &args, &haves)?;
        Some(path)
    } else {
        None
    };
    let inside = bundle.as_deref().map(|b| host.incoming(b)).transpose()?;
    let mut script_args = vec![inside.clone().unwrap_or_default(), head];
    script_args.extend(args);
    let applied = host.run(SYNC_ORIGIN, &script_args);
    if let Some(inside) = &inside {
        host.forget(inside);
    }
    let applied = applied?;
    if applied.status != 0 {
        return Err(WorkError::script(
            "setting origin's branches",
            ".",
            &applied,
        ));
    }
    Ok(SyncReport::Synced { changes, skipped })
}

/// Reads the triples [`ORIGIN_REFS`] (and [`FORMAT`] on the host) prints.
fn parse(output: &[u8]) -> Result<OriginRefs, WorkError> {
    let bad = |what: &str| WorkError::Output(format!("origin's refs were listed with {what}"));
    let mut refs = OriginRefs::default();
    // for-each-ref ends each line with a newline after the format's last NUL.
    let cleaned: Vec<u8> = output
        .split(|b| *b == b'\n')
        .flat_map(|line| line.iter().copied())
        .collect();
    let mut fields = fields(&cleaned);
    while let Some(oid) = fields.next() {
        let name = fields.next().ok_or_else(|| bad("a cut-off record"))?;
        let symref = fields.next().ok_or_else(|| bad("a cut-off record"))?;
        let oid =
            String::from_utf8(oid.to_vec()).map_err(|_| bad("an object id that is not text"))?;
        if !symref.is_empty() {
            if name == ORIGIN_HEAD {
                refs.head = Some(symref.to_vec());
            }
            continue;
        }
        refs.refs.insert(name.to_vec(), oid);
    }
    Ok(refs)
}

/// Runs git in the host checkout with `input` on its stdin; its stdout, as bytes.
fn host_git(git: &Git<'_>, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, WorkError> {
    let failed = |source: Option<skipper_core::BoxError>| WorkError::Host {
        kind: ErrorKind::CommandFailed,
        what: format!("`git {}` in the host checkout failed", args.join(" ")),
        source,
    };
    let mut command = git.command(args);
    command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|err| failed(Some(err.into())))?;
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        // Written from a thread, so that git's output never waits for the input to end.
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    let output = child
        .wait_with_output()
        .map_err(|err| failed(Some(err.into())))?;
    if !output.status.success() {
        return Err(failed(Some(
            String::from_utf8_lossy(&output.stderr)
                .trim()
                .to_owned()
                .into(),
        )));
    }
    Ok(output.stdout)
}

/// Those of `oids` the host checkout has.
fn present<'a>(
    git: &Git<'_>,
    oids: impl Iterator<Item = &'a String>,
) -> Result<Vec<String>, WorkError> {
    let input = oids.fold(String::new(), |mut input, oid| {
        input.push_str(oid);
        input.push('\n');
        input
    });
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let output = host_git(
        git,
        &["cat-file", "--batch-check=%(objectname) %(objecttype)"],
        Some(input.as_bytes()),
    )?;
    Ok(String::from_utf8_lossy(&output)
        .lines()
        .filter_map(|line| line.strip_suffix(" commit"))
        .map(str::to_owned)
        .collect())
}

/// Whether some commit of `wanted` is in none of `haves`' histories.
fn missing_any(git: &Git<'_>, wanted: &[String], haves: &[String]) -> Result<bool, WorkError> {
    if wanted.is_empty() {
        return Ok(false);
    }
    let input = rev_input(wanted, haves);
    let output = host_git(
        git,
        &["rev-list", "-n", "1", "--stdin"],
        Some(input.as_bytes()),
    )?;
    Ok(!output.is_empty())
}

/// Writes to `path` a bundle of the refs among `triples` that get a new object, without
/// what `haves` hold.
fn bundle_of(
    git: &Git<'_>,
    path: &Path,
    triples: &[String],
    haves: &[String],
) -> Result<(), WorkError> {
    let refs: Vec<String> = triples
        .chunks(3)
        .filter(|triple| triple.get(1).is_some_and(|new| !new.is_empty()))
        .map(|triple| triple[0].clone())
        .collect();
    let input = rev_input(&refs, haves);
    let dest = path.to_str().ok_or_else(|| WorkError::Host {
        kind: ErrorKind::InvalidInput,
        what: format!("the path {} is not UTF-8", path.display()),
        source: None,
    })?;
    host_git(
        git,
        &["bundle", "create", "--quiet", dest, "--stdin"],
        Some(input.as_bytes()),
    )?;
    Ok(())
}

/// rev-list's standard input: each of `include`, then each of `exclude` negated.
fn rev_input(include: &[String], exclude: &[String]) -> String {
    let mut input = String::new();
    for rev in include {
        input.push_str(rev);
        input.push('\n');
    }
    for rev in exclude {
        input.push('^');
        input.push_str(rev);
        input.push('\n');
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_refs_are_read_with_origin_head_apart() {
        let refs = parse(
            b"aaa\0refs/remotes/origin/HEAD\0refs/remotes/origin/main\0\n\
              aaa\0refs/remotes/origin/main\0\0\n\
              bbb\0refs/remotes/origin/feat/\xff\0\0\n",
        )
        .unwrap();
        assert_eq!(refs.head.as_deref(), Some(&b"refs/remotes/origin/main"[..]));
        assert_eq!(
            refs.refs.into_iter().collect::<Vec<_>>(),
            [
                (b"refs/remotes/origin/feat/\xff".to_vec(), "bbb".to_owned()),
                (b"refs/remotes/origin/main".to_vec(), "aaa".to_owned()),
            ]
        );
        assert!(parse(b"aaa\0refs/remotes/origin/main\0").is_err());
        assert_eq!(parse(b"").unwrap(), OriginRefs::default());
    }

    #[test]
    fn rev_list_input_negates_the_exclusions() {
        assert_eq!(
            rev_input(
                &["refs/remotes/origin/a".into()],
                &["h1".into(), "h2".into()]
            ),
            "refs/remotes/origin/a\n^h1\n^h2\n"
        );
    }
}
