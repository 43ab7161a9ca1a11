//! One value of a git config file, read in process (with `gix-config`) where running
//! `git config --file <file> --get <key>` for each of many files would cost a process each:
//! the same answer, the last value of the key, includes not followed (as `--file` does not).

use std::path::Path;

/// The last value of `key` (`section.name`, or `section.subsection.name`) in the config file
/// `file`: `None` when the file or the key is not there, or the file cannot be read as git
/// config (where git would fail too).
#[must_use]
pub fn value(file: &Path, key: &str) -> Option<String> {
    let config =
        gix::config::File::from_path_no_includes(file.to_path_buf(), gix::config::Source::Local)
            .ok()?;
    let value = config.string(key)?;
    Some(String::from_utf8_lossy(&value).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_value_of_a_key_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.worktree");
        assert_eq!(value(&file, "skipper.ports"), None);
        fs_err::write(
            &file,
            "[skipper]\n\tports = 3000 3001\n[skipper]\n\tports = \"4000 4001\"\n[other]\n\tx = 1\n",
        )
        .unwrap();
        assert_eq!(value(&file, "skipper.ports").as_deref(), Some("4000 4001"));
        assert_eq!(value(&file, "skipper.missing"), None);
        fs_err::write(&file, "[skipper\n").unwrap();
        assert_eq!(value(&file, "skipper.ports"), None);
    }
}
