//! Parsing `git status --porcelain=v1 -z`.

/// The paths `git status --porcelain=v1 -z` reports, by what happened to them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Changed in the index or the working tree (added, modified, deleted, renamed...),
    /// under their new name.
    pub modified: Vec<String>,
    /// Not tracked and not ignored.
    pub untracked: Vec<String>,
}

/// Reads the output of `git status --porcelain=v1 -z`: each entry is a two-letter code, a
/// space and a path, ended by NUL; a rename or copy is followed by its original path as a
/// field of its own, which is skipped. Ignored entries (`!!`) are left out. Output captured
/// as bytes (from a container) can be passed through `String::from_utf8_lossy`: NUL and the
/// codes are ASCII, so only odd paths change.
#[must_use]
pub fn parse(porcelain: &str) -> Changes {
    let mut changes = Changes::default();
    let mut fields = porcelain.split('\0').filter(|f| !f.is_empty());
    while let Some(field) = fields.next() {
        let Some((code, path)) = field.split_at_checked(3) else {
            continue;
        };
        match code {
            "?? " => changes.untracked.push(path.to_owned()),
            "!! " => {}
            _ => {
                changes.modified.push(path.to_owned());
                // A rename or copy (in the index or the worktree column) is followed by its
                // original path.
                if code[..2].contains(['R', 'C']) {
                    fields.next();
                }
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_modified_from_untracked_and_skips_rename_sources() {
        let changes = parse(" M a.txt\0R  new\0old\0?? x y.txt\0A  b\0 R moved\0was\0");
        assert_eq!(changes.modified, ["a.txt", "new", "b", "moved"]);
        assert_eq!(changes.untracked, ["x y.txt"]);
    }

    #[test]
    fn skips_copy_sources_and_ignored_files() {
        let changes = parse("C  copy.rs\0orig.rs\0!! target/\0 D gone.txt\0?? notes/\0");
        assert_eq!(changes.modified, ["copy.rs", "gone.txt"]);
        assert_eq!(changes.untracked, ["notes/"]);
    }

    #[test]
    fn a_clean_tree_has_no_changes() {
        assert_eq!(parse(""), Changes::default());
    }
}
