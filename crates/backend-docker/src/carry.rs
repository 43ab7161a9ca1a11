//! Files carried from the host checkout into a workspace container: a script in the
//! container says which may be written (nothing at their place, no link on their way),
//! then one tar of those, with the directories they need, goes in through the daemon's
//! archive API, owned by the container's user as the rest of the repository is.

use std::collections::BTreeSet;

use skipper_core::{
    CarriedContent, CarriedFile, Operation, SandboxError, SkipReason, SkippedFile, Workspace,
};

use crate::archive::CarriedEntry;
use crate::error::DockerError;
use crate::{DockerBackend, container_of, scripts};

/// What `carry-check.sh` said of one path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// It may be written; its first `existing` directories are there.
    Writable { existing: usize },
    /// Something is at its place.
    There,
    /// Its directory of `components` components is a link or not a directory.
    Through { components: usize },
}

/// Reads `carry-check.sh`'s answer for `count` paths.
fn verdicts(stdout: &str, count: usize) -> Option<Vec<Verdict>> {
    let parsed: Option<Vec<Verdict>> = stdout
        .lines()
        .map(|line| match line.split_once(' ') {
            Some(("ok", n)) => n
                .parse()
                .ok()
                .map(|existing| Verdict::Writable { existing }),
            Some(("through", n)) => n
                .parse()
                .ok()
                .map(|components| Verdict::Through { components }),
            None if line == "there" => Some(Verdict::There),
            _ => None,
        })
        .collect();
    parsed.filter(|verdicts| verdicts.len() == count)
}

/// The archive entries that write `files` (each with its verdict) under `repository`
/// (the repository directory, without its leading `/`), and the files skipped.
fn plan(
    repository: &str,
    files: &[CarriedFile],
    verdicts: &[Verdict],
) -> (Vec<CarriedEntry>, Vec<SkippedFile>) {
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    let mut dirs = BTreeSet::new();
    for (file, verdict) in files.iter().zip(verdicts) {
        let path = &file.path;
        let existing = match verdict {
            Verdict::Writable { existing } => *existing,
            Verdict::There => {
                skipped.push(SkippedFile {
                    path: path.to_string(),
                    reason: SkipReason::AlreadyThere,
                });
                continue;
            }
            Verdict::Through { components } => {
                let dir = path
                    .components()
                    .take(*components)
                    .collect::<Vec<_>>()
                    .join("/");
                skipped.push(SkippedFile {
                    path: path.to_string(),
                    reason: SkipReason::ThroughLink { dir },
                });
                continue;
            }
        };
        for dir in path.ancestors().skip(existing) {
            if dirs.insert(dir.to_owned()) {
                entries.push(CarriedEntry::Dir {
                    name: format!("{repository}/{dir}"),
                });
            }
        }
        let name = format!("{repository}/{path}");
        entries.push(match &file.content {
            CarriedContent::File { source, mode } => CarriedEntry::File {
                name,
                source: source.clone(),
                mode: *mode,
            },
            CarriedContent::Symlink { target } => CarriedEntry::Symlink {
                name,
                target: target.clone(),
            },
        });
    }
    (entries, skipped)
}

impl DockerBackend {
    /// [`Sandbox::put_files`](skipper_core::Sandbox::put_files) into the container,
    /// started on demand.
    pub(crate) fn put_files_into(
        &self,
        workspace: &Workspace,
        files: &[CarriedFile],
    ) -> Result<Vec<SkippedFile>, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        let fail = |err: DockerError| err.into_sandbox(Operation::Carrying, reference);
        if files.is_empty() {
            return Ok(Vec::new());
        }
        self.runtime.block_on(async {
            self.engine
                .ensure_running(name, reference)
                .await
                .map_err(fail)?;
            let paths: Vec<&str> = files.iter().map(|file| file.path.as_str()).collect();
            let checked = self
                .engine
                .step(
                    name,
                    path,
                    "checking where carried files may go",
                    scripts::sh(scripts::CARRY_CHECK, &paths),
                    Vec::new(),
                )
                .await
                .map_err(fail)?;
            let stdout = String::from_utf8_lossy(&checked.stdout);
            let verdicts = verdicts(&stdout, files.len()).ok_or_else(|| {
                fail(DockerError::Copy {
                    what: "files from the host checkout".to_owned(),
                    direction: "into",
                    container: name.to_owned(),
                    reason: format!("carry-check.sh answered what cannot be read: {stdout:?}"),
                })
            })?;
            let (entries, skipped) = plan(path.trim_start_matches('/'), files, &verdicts);
            if !entries.is_empty() {
                self.engine
                    .upload_carried(name, entries, "files from the host checkout")
                    .await
                    .map_err(fail)?;
            }
            Ok(skipped)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skipper_core::CarriedPath;

    fn file(path: &str) -> CarriedFile {
        CarriedFile {
            path: CarriedPath::new(path).unwrap(),
            content: CarriedContent::File {
                source: format!("/host/{path}").into(),
                mode: 0o600,
            },
        }
    }

    #[test]
    fn the_check_is_read_a_line_per_path() {
        assert_eq!(
            verdicts("ok 0\nthere\nthrough 2\n", 3),
            Some(vec![
                Verdict::Writable { existing: 0 },
                Verdict::There,
                Verdict::Through { components: 2 }
            ])
        );
        assert_eq!(verdicts("ok 0\n", 2), None);
        assert_eq!(verdicts("maybe\n", 1), None);
    }

    #[test]
    fn missing_directories_are_made_once_and_refused_files_are_said() {
        let files = [
            file("config/local/a.key"),
            file("config/local/b.key"),
            file("README.md"),
            file("linked/x"),
        ];
        let verdicts = [
            Verdict::Writable { existing: 1 },
            Verdict::Writable { existing: 1 },
            Verdict::There,
            Verdict::Through { components: 1 },
        ];

        let (entries, skipped) = plan("workspace/api", &files, &verdicts);

        let names: Vec<String> = entries
            .iter()
            .map(|entry| match entry {
                CarriedEntry::Dir { name } => format!("dir {name}"),
                CarriedEntry::File { name, .. } => format!("file {name}"),
                CarriedEntry::Symlink { name, .. } => format!("link {name}"),
            })
            .collect();
        assert_eq!(
            names,
            [
                "dir workspace/api/config/local",
                "file workspace/api/config/local/a.key",
                "file workspace/api/config/local/b.key",
            ]
        );
        assert_eq!(
            skipped,
            [
                SkippedFile {
                    path: "README.md".to_owned(),
                    reason: SkipReason::AlreadyThere
                },
                SkippedFile {
                    path: "linked/x".to_owned(),
                    reason: SkipReason::ThroughLink {
                        dir: "linked".to_owned()
                    }
                },
            ]
        );
    }
}
