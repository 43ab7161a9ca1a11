//! A workspace's branch carried to the host, shared by both sandboxes: runs
//! [`crate::scripts::EXPORT_BRANCH`] where the workspace is and reads where its branch
//! stands next to the host's; the bundle it writes (only the commits the host lacks) is
//! brought to the host by [`ScriptHost::bring_back`], streamed.

use std::path::Path;

use skipper_core::{BranchExport, BranchStanding, ExportRequest};

use crate::scripts::EXPORT_BRANCH;
use crate::status;
use crate::work::{ScriptHost, WorkError, fields};

/// At most this many of the host's commits are named to the script: each one only makes the
/// bundle smaller, and a repository with very many remote branches must not overflow an
/// argument list.
const MAX_KNOWN: usize = 1000;

/// Reports where the workspace's `request.branch` stands next to the host's and, with
/// `dest`, writes there a bundle of the commits the host lacks when a fast-forward (or a new
/// branch) needs them. Changes nothing in the workspace.
///
/// # Errors
/// [`WorkError::Missing`] when the workspace has no such branch, else the failure of the
/// step that failed (no bundle is left at `dest` then).
pub fn export_branch(
    host: &dyn ScriptHost,
    request: &ExportRequest,
    dest: Option<&Path>,
) -> Result<BranchExport, WorkError> {
    let written = dest.map(|dest| host.outgoing(dest)).transpose()?;
    let output = host.run(EXPORT_BRANCH, &arguments(request, written.as_deref()));
    let forget = || {
        if let Some(written) = &written {
            host.forget(written);
        }
    };
    let output = match output {
        Ok(output) if output.status == 0 => output,
        Ok(output) if output.status == 3 => {
            forget();
            return Err(WorkError::Missing(format!(
                "the workspace has no branch `{}`",
                request.branch
            )));
        }
        Ok(output) => {
            forget();
            return Err(WorkError::script("exporting the branch", ".", &output));
        }
        Err(err) => {
            forget();
            return Err(err);
        }
    };
    let export = match parse(&output.stdout) {
        Ok(export) => export,
        Err(err) => {
            forget();
            return Err(err);
        }
    };
    if export.bundle
        && let (Some(written), Some(dest)) = (&written, dest)
    {
        host.bring_back(written, dest)?;
    }
    Ok(export)
}

/// The script's arguments: the branch, the bundle's path, the host's tip, then the host's
/// other commits, each once and at most [`MAX_KNOWN`] of them.
fn arguments(request: &ExportRequest, bundle: Option<&str>) -> Vec<String> {
    let mut args = vec![
        request.branch.as_str().to_owned(),
        bundle.unwrap_or_default().to_owned(),
        request.host_tip.clone().unwrap_or_default(),
    ];
    let mut known: Vec<&String> = Vec::new();
    for oid in &request.known {
        if known.len() == MAX_KNOWN {
            break;
        }
        if Some(oid) != request.host_tip.as_ref() && !known.contains(&oid) {
            known.push(oid);
        }
    }
    args.extend(known.into_iter().cloned());
    args
}

/// Reads what [`EXPORT_BRANCH`] printed.
///
/// # Errors
/// [`WorkError::Output`] for output that cannot be read.
pub fn parse(output: &[u8]) -> Result<BranchExport, WorkError> {
    let bad = |what: &str| WorkError::Output(format!("the branch export printed {what}"));
    let text = |field: Option<&[u8]>| -> Result<String, WorkError> {
        let field = field.ok_or_else(|| bad("a cut-off record"))?;
        String::from_utf8(field.to_vec()).map_err(|_| bad("an object id that is not text"))
    };
    let mut tip = None;
    let mut standing = None;
    let mut bundle = false;
    let mut uncommitted = Vec::new();
    let mut fields = fields(output);
    while let Some(kind) = fields.next() {
        match kind {
            b"tip" => tip = Some(text(fields.next())?),
            b"host" => {
                standing = Some(match text(fields.next())?.as_str() {
                    "absent" => BranchStanding::Absent,
                    "same" => BranchStanding::Same,
                    "ahead" => BranchStanding::Ahead,
                    "diverged" => BranchStanding::Diverged,
                    other => return Err(bad(&format!("the standing {other}"))),
                });
            }
            b"bundle" => {
                text(fields.next())?;
                bundle = true;
            }
            b"status" => {
                // `git status -z` entries up to the empty field that ends them; a rename's
                // original path is a field of its own.
                let mut porcelain = Vec::new();
                let mut ended = false;
                for field in fields.by_ref() {
                    if field.is_empty() {
                        ended = true;
                        break;
                    }
                    porcelain.extend_from_slice(field);
                    porcelain.push(0);
                }
                if !ended {
                    return Err(bad("a cut-off status"));
                }
                let changes = status::parse(&String::from_utf8_lossy(&porcelain));
                uncommitted.extend(changes.modified);
                uncommitted.extend(changes.untracked);
            }
            other => {
                return Err(bad(&format!(
                    "a record it should not: {}",
                    String::from_utf8_lossy(other)
                )));
            }
        }
    }
    Ok(BranchExport {
        tip: tip.ok_or_else(|| bad("no tip"))?,
        standing: standing.ok_or_else(|| bad("no standing"))?,
        bundle,
        uncommitted,
    })
}

#[cfg(test)]
mod tests {
    use skipper_core::BranchName;

    use super::*;

    #[test]
    fn the_export_is_read_from_its_records() {
        let export = parse(
            b"tip\0bbb\0host\0ahead\0bundle\0/tmp/b\0status\0 M a b.txt\0R  new\0old\0?? dir/\0\0",
        )
        .unwrap();
        assert_eq!(
            export,
            BranchExport {
                tip: "bbb".into(),
                standing: BranchStanding::Ahead,
                bundle: true,
                uncommitted: vec!["a b.txt".into(), "new".into(), "dir/".into()],
            }
        );
        let clean = parse(b"tip\0bbb\0host\0absent\0status\0\0").unwrap();
        assert!(!clean.bundle && clean.uncommitted.is_empty());
    }

    #[test]
    fn odd_or_cut_off_output_is_refused() {
        assert!(parse(b"tip\0bbb\0host\0sideways\0status\0\0").is_err());
        assert!(parse(b"tip\0bbb\0host\0same\0status\0 M a\0").is_err());
        assert!(parse(b"host\0same\0").is_err());
        assert!(parse(b"what\0").is_err());
    }

    #[test]
    fn the_host_s_commits_are_named_once_after_its_tip() {
        let request = ExportRequest {
            branch: BranchName::new("feat/x").unwrap(),
            host_tip: Some("a".into()),
            known: vec!["a".into(), "b".into(), "b".into(), "c".into()],
        };
        assert_eq!(
            arguments(&request, Some("/tmp/x.bundle")),
            ["feat/x", "/tmp/x.bundle", "a", "b", "c"]
        );
    }
}
