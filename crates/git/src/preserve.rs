//! The save, shared by both sandboxes: runs [`crate::scripts::SAVE`] in the workspace and in
//! each nested repository holding work, and reads what it printed into the
//! [`SavedContents`] the store records. The workspace's bundle goes to
//! [`SaveSlot::bundle`], each nested repository's to `nested-<n>.bundle` beside it; the
//! refs the scripts write live under [`SaveSlot::ref_prefix`] only while they run.

use std::path::Path;

use skipper_core::{
    SaveSlot, SavedContents, SavedHead, SavedNested, SavedRef, SavedRemote, UnpushedRef,
};

use crate::gate;
use crate::scripts::SAVE;
use crate::work::{Policy, ScriptHost, WorkError, fields, join};

/// Saves the work at risk of the workspace into `slot`; `message` heads the commits the save
/// makes. Changes nothing in the workspace.
///
/// # Errors
/// [`WorkError::Unsaveable`] when the gate finds something it cannot read (a save would
/// miss it), else the failure of the step that failed; the caller discards the slot.
pub fn preserve(
    host: &dyn ScriptHost,
    policy: &Policy,
    slot: &SaveSlot,
    message: &str,
) -> Result<SavedContents, WorkError> {
    let mut saver = Saver {
        host,
        slot,
        message,
        bundles: 0,
    };
    Ok(saver
        .save(".", policy, &slot.bundle(), true)?
        .map(|saved| saved.contents)
        .unwrap_or_default())
}

/// What one repository's save made.
#[derive(Debug)]
struct Saved {
    contents: SavedContents,
    /// Whether its bundle was written.
    bundle: bool,
}

struct Saver<'a> {
    host: &'a dyn ScriptHost,
    slot: &'a SaveSlot,
    message: &'a str,
    /// Nested bundles named so far.
    bundles: usize,
}

impl Saver<'_> {
    /// Saves the repository at `dir` and the nested repositories holding work in it, its
    /// bundle to `dest`. A nested repository (`top` false) with nothing at risk is not
    /// saved: `None`.
    fn save(
        &mut self,
        dir: &str,
        policy: &Policy,
        dest: &Path,
        top: bool,
    ) -> Result<Option<Saved>, WorkError> {
        let report = gate::report(self.host, dir, policy, gate::Ignored::Measured)?;
        if let Some(UnpushedRef::Unreadable { detail }) = report
            .risk
            .other_refs
            .iter()
            .find(|r| matches!(r, UnpushedRef::Unreadable { .. }))
        {
            let place = if dir == "." {
                String::new()
            } else {
                format!(" in {dir}")
            };
            return Err(WorkError::Unsaveable {
                what: format!("{detail}{place}"),
            });
        }
        let mut nested = Vec::new();
        let mut unsaved = Vec::new();
        for repository in &report.nested {
            self.bundles += 1;
            let file = format!("nested-{}.bundle", self.bundles);
            let inner_dir = join(dir, &repository.path);
            let inner = self.save(
                &inner_dir,
                &Policy::Nested,
                &self.slot.dir.join(&file),
                false,
            )?;
            if let Some(saved) = inner {
                unsaved.extend(
                    saved
                        .contents
                        .unsaved
                        .iter()
                        .map(|line| format!("{}: {line}", repository.path)),
                );
                // A submodule's remote comes back from the superproject's `.gitmodules`.
                let remotes = if repository.submodule {
                    Vec::new()
                } else {
                    remotes_of(self.host, &inner_dir)?
                };
                nested.push(SavedNested {
                    path: repository.path.clone(),
                    submodule: repository.submodule,
                    bundle: if saved.bundle { file } else { String::new() },
                    contents: saved.contents,
                    remotes,
                });
            }
        }
        if !top && report.risk.is_empty() && nested.is_empty() {
            return Ok(None);
        }

        let written = self.host.outgoing(dest)?;
        let [name, branch] = policy.args();
        let mut args = vec![
            dir.to_owned(),
            name,
            branch,
            self.slot.ref_prefix(),
            written.clone(),
            self.message.to_owned(),
        ];
        // Untracked nested repositories are saved on their own, not in the working tree.
        args.extend(
            report
                .nested
                .iter()
                .filter(|r| !r.submodule)
                .map(|r| r.path.clone()),
        );
        let output = match self.host.run(SAVE, &args) {
            Ok(output) if output.status == 0 => output,
            Ok(output) => {
                self.host.forget(&written);
                return Err(WorkError::script("saving the work", dir, &output));
            }
            Err(err) => {
                self.host.forget(&written);
                return Err(err);
            }
        };
        let (mut contents, bundle) = parse(&output.stdout)?;
        if bundle {
            self.host.bring_back(&written, dest)?;
        }
        contents.modified = report.risk.modified.len();
        contents.untracked = report.risk.untracked.len();
        contents.nested = nested;
        contents.unsaved.extend(unsaved);
        Ok(Some(Saved { contents, bundle }))
    }
}

/// Reads what [`SAVE`] printed: the contents (counts of files aside) and whether it wrote
/// the bundle.
///
/// # Errors
/// [`WorkError::Output`] for output that cannot be read.
pub fn parse(output: &[u8]) -> Result<(SavedContents, bool), WorkError> {
    let mut contents = SavedContents::default();
    let mut bundle = false;
    let mut fields = fields(output);
    let bad = |what: &str| WorkError::Output(format!("the save printed {what}"));
    let text = |field: Option<&[u8]>| -> Result<String, WorkError> {
        let field = field.ok_or_else(|| bad("a cut-off record"))?;
        String::from_utf8(field.to_vec()).map_err(|_| bad("an object id that is not text"))
    };
    while let Some(kind) = fields.next() {
        match kind {
            b"head" => {
                let oid = text(fields.next())?;
                let branch = fields.next().ok_or_else(|| bad("a cut-off record"))?;
                let branch = match std::str::from_utf8(branch) {
                    Ok("") => None,
                    Ok(branch) => Some(branch.to_owned()),
                    Err(_) => {
                        contents.unsaved.push(format!(
                            "the name of the branch HEAD was on ({}), which is not UTF-8: HEAD is saved detached",
                            String::from_utf8_lossy(branch)
                        ));
                        None
                    }
                };
                contents.head = Some(SavedHead { branch, oid });
            }
            b"index" => contents.index = Some(text(fields.next())?),
            b"worktree" => contents.worktree = Some(text(fields.next())?),
            b"stash" => contents.stash.push(text(fields.next())?),
            b"ref" => {
                let name = fields.next().ok_or_else(|| bad("a cut-off record"))?;
                let oid = text(fields.next())?;
                match String::from_utf8(name.to_vec()) {
                    Ok(name) => contents.refs.push(SavedRef { name, oid }),
                    Err(_) => contents.unsaved.push(format!(
                        "the ref {} (at {oid}), whose name is not UTF-8",
                        String::from_utf8_lossy(name)
                    )),
                }
            }
            b"commits" => {
                contents.commits = text(fields.next())?
                    .parse()
                    .map_err(|_| bad("a count that is not a number"))?;
            }
            b"bundle" => {
                text(fields.next())?;
                bundle = true;
            }
            b"unsaved" => contents.unsaved.push(
                String::from_utf8_lossy(fields.next().ok_or_else(|| bad("a cut-off record"))?)
                    .into_owned(),
            ),
            other => {
                return Err(bad(&format!(
                    "a record it should not: {}",
                    String::from_utf8_lossy(other)
                )));
            }
        }
    }
    Ok((contents, bundle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_save_is_read_from_its_records() {
        let (contents, bundle) = parse(
            "head\0aaa\0feat/x\0index\0iii\0worktree\0www\0stash\0s0\0stash\0s1\0\
             ref\0refs/heads/wip\u{2003}x\0bbb\0commits\x003\0bundle\0/tmp/b\0unsaved\0why\0"
                .as_bytes(),
        )
        .unwrap();
        assert!(bundle);
        assert_eq!(
            contents,
            SavedContents {
                head: Some(SavedHead {
                    branch: Some("feat/x".into()),
                    oid: "aaa".into()
                }),
                index: Some("iii".into()),
                worktree: Some("www".into()),
                stash: vec!["s0".into(), "s1".into()],
                refs: vec![SavedRef {
                    name: "refs/heads/wip\u{2003}x".into(),
                    oid: "bbb".into()
                }],
                commits: 3,
                unsaved: vec!["why".into()],
                ..SavedContents::default()
            }
        );
    }

    #[test]
    fn a_detached_head_has_no_branch_and_odd_output_is_refused() {
        let (contents, bundle) = parse(b"head\0aaa\0\0commits\x000\0").unwrap();
        assert!(!bundle);
        assert_eq!(contents.head.unwrap().branch, None);
        assert!(parse(b"head\0aaa").is_err());
        assert!(parse(b"what\0").is_err());
        let (contents, _) = parse(b"ref\0refs/heads/\xff\0bbb\0").unwrap();
        assert!(contents.refs.is_empty());
        assert_eq!(contents.unsaved.len(), 1);
    }
}

/// Lists a repository's remotes: `git config -z` prints `remote.<name>.url` NEWLINE
/// `<url>` NUL for each.
const REMOTES: &str = "cd \"$1\" && { git config -z --get-regexp '^remote\\..*\\.url$' || true; }";

/// The remotes of the repository at `dir`.
fn remotes_of(host: &dyn ScriptHost, dir: &str) -> Result<Vec<SavedRemote>, WorkError> {
    let output = host.run(REMOTES, &[dir.to_owned()])?;
    if output.status != 0 {
        return Err(WorkError::script("listing the remotes", dir, &output));
    }
    Ok(parse_remotes(&output.stdout))
}

/// Reads `git config -z --get-regexp '^remote\..*\.url$'`; entries that are not UTF-8
/// are left out (a remote is configuration, not work).
fn parse_remotes(bytes: &[u8]) -> Vec<SavedRemote> {
    bytes
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let entry = std::str::from_utf8(entry).ok()?;
            let (key, url) = entry.split_once('\n')?;
            let name = key.strip_prefix("remote.")?.strip_suffix(".url")?;
            Some(SavedRemote {
                name: name.to_owned(),
                url: url.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod remote_tests {
    use super::*;

    #[test]
    fn remotes_are_read_with_dots_in_their_names() {
        let remotes = parse_remotes(
            b"remote.origin.url\nhttps://h/o/r.git\0remote.my.fork.url\n../fork.git\0",
        );
        assert_eq!(
            remotes,
            [
                SavedRemote {
                    name: "origin".into(),
                    url: "https://h/o/r.git".into()
                },
                SavedRemote {
                    name: "my.fork".into(),
                    url: "../fork.git".into()
                }
            ]
        );
    }
}
