//! The restore, shared by both sandboxes: runs [`crate::scripts::RESTORE`] in a workspace
//! just made on the saved branch, then in a new repository at each nested repository's
//! place, from its own bundle. Works with a save made by either sandbox: the format is
//! one.

use std::path::Path;

use skipper_core::{SavedContents, SavedWork};

use crate::scripts::RESTORE;
use crate::work::{ScriptHost, WorkError, fields, join};

/// Puts `saved` back into the workspace, whose branch is `branch` (`None` for the main
/// workspace): refs, the branch's tip and `HEAD`, the working tree and index, the stash
/// entries and the nested repositories.
///
/// # Errors
/// [`WorkError::Conflict`] naming the refs that point elsewhere now with commits the save
/// lacks (nothing is changed then), or the failure of the step that failed.
pub fn restore(
    host: &dyn ScriptHost,
    branch: Option<&str>,
    saved: &SavedWork,
) -> Result<(), WorkError> {
    put_back(
        host,
        ".",
        false,
        branch.unwrap_or_default(),
        saved.bundle.as_deref(),
        &saved.contents,
        &saved.dir,
    )
}

fn put_back(
    host: &dyn ScriptHost,
    dir: &str,
    init: bool,
    branch: &str,
    bundle: Option<&Path>,
    contents: &SavedContents,
    save_dir: &Path,
) -> Result<(), WorkError> {
    let inside = bundle.map(|bundle| host.incoming(bundle)).transpose()?;
    let args = arguments(dir, init, branch, inside.as_deref(), contents);
    let output = host.run(RESTORE, &args);
    if let Some(inside) = &inside {
        host.forget(inside);
    }
    let output = output?;
    match output.status {
        0 => {}
        4 => {
            return Err(WorkError::Conflict {
                refs: named(&output.stdout, b"conflict")
                    .into_iter()
                    .map(|name| {
                        if dir == "." {
                            name
                        } else {
                            format!("{name} (in {dir})")
                        }
                    })
                    .collect(),
            });
        }
        5 => {
            return Err(WorkError::Output(format!(
                "the save's objects {} are in neither its bundle nor the repository{}",
                named(&output.stdout, b"missing").join(", "),
                if dir == "." {
                    String::new()
                } else {
                    format!(" {dir}")
                }
            )));
        }
        _ => return Err(WorkError::script("restoring the work", dir, &output)),
    }
    for nested in &contents.nested {
        let bundle = (!nested.bundle.is_empty()).then(|| save_dir.join(&nested.bundle));
        let inner = join(dir, &nested.path);
        put_back(
            host,
            &inner,
            true,
            "",
            bundle.as_deref(),
            &nested.contents,
            save_dir,
        )?;
        for remote in &nested.remotes {
            let output = host.run(
                ADD_REMOTE,
                &[inner.clone(), remote.name.clone(), remote.url.clone()],
            )?;
            if output.status != 0 {
                return Err(WorkError::script("putting back a remote", &inner, &output));
            }
        }
    }
    Ok(())
}

/// Adds the remote `$2` with the URL `$3` to the repository `$1` (or sets its URL).
const ADD_REMOTE: &str = "cd \"$1\" && { git remote add -- \"$2\" \"$3\" 2>/dev/null || git remote set-url -- \"$2\" \"$3\"; }";

/// `restore.sh`'s arguments for one repository.
fn arguments(
    dir: &str,
    init: bool,
    branch: &str,
    bundle: Option<&str>,
    contents: &SavedContents,
) -> Vec<String> {
    let head = contents.head.as_ref();
    let mut args = vec![
        dir.to_owned(),
        if init { "init" } else { "existing" }.to_owned(),
        branch.to_owned(),
        bundle.unwrap_or_default().to_owned(),
        head.map(|h| h.oid.clone()).unwrap_or_default(),
        head.and_then(|h| h.branch.clone()).unwrap_or_default(),
        contents.index.clone().unwrap_or_default(),
        contents.worktree.clone().unwrap_or_default(),
        contents.stash.len().to_string(),
    ];
    args.extend(contents.stash.iter().cloned());
    for saved in &contents.refs {
        args.push(saved.name.clone());
        args.push(saved.oid.clone());
    }
    args
}

/// The fields following each `kind` record of the restore's output.
fn named(output: &[u8], kind: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut fields = fields(output);
    while let Some(field) = fields.next() {
        if field == kind
            && let Some(value) = fields.next()
        {
            found.push(String::from_utf8_lossy(value).into_owned());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use skipper_core::{SavedHead, SavedRef};

    use super::*;

    #[test]
    fn the_arguments_carry_every_part_of_the_save_in_order() {
        let contents = SavedContents {
            head: Some(SavedHead {
                branch: None,
                oid: "h".into(),
            }),
            worktree: Some("w".into()),
            stash: vec!["s0".into(), "s1".into()],
            refs: vec![SavedRef {
                name: "refs/heads/a\u{a0}b".into(),
                oid: "r".into(),
            }],
            ..SavedContents::default()
        };
        assert_eq!(
            arguments("sub", true, "", Some("/tmp/b"), &contents),
            [
                "sub",
                "init",
                "",
                "/tmp/b",
                "h",
                "",
                "",
                "w",
                "2",
                "s0",
                "s1",
                "refs/heads/a\u{a0}b",
                "r"
            ]
        );
    }

    #[test]
    fn conflicts_are_read_by_name() {
        assert_eq!(
            named(
                b"conflict\0refs/heads/x\0conflict\0refs/tags/v\0",
                b"conflict"
            ),
            ["refs/heads/x", "refs/tags/v"]
        );
    }
}
