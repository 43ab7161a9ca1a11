//! Parsing `git status --porcelain=v1 -z`.

/// Modified (staged or not) and untracked paths from `git status --porcelain=v1 -z`.
pub(crate) fn parse(porcelain: &str) -> (Vec<String>, Vec<String>) {
    let mut modified = Vec::new();
    let mut untracked = Vec::new();
    let mut fields = porcelain.split('\0').filter(|f| !f.is_empty());
    while let Some(field) = fields.next() {
        let Some((code, path)) = field.split_at_checked(3) else {
            continue;
        };
        match code {
            "?? " => untracked.push(path.to_owned()),
            "!! " => {}
            _ => {
                modified.push(path.to_owned());
                // A rename or copy (in the index or the worktree column) is followed by its
                // original path.
                if code[..2].contains(['R', 'C']) {
                    fields.next();
                }
            }
        }
    }
    (modified, untracked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_modified_from_untracked_and_skips_rename_sources() {
        let (modified, untracked) =
            parse(" M a.txt\0R  new\0old\0?? x y.txt\0A  b\0 R moved\0was\0");
        assert_eq!(modified, ["a.txt", "new", "b", "moved"]);
        assert_eq!(untracked, ["x y.txt"]);
    }
}
