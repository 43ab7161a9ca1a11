//! Saved work in words: the one-line summary of a save, sizes and times.

use skipper_core::SavedContents;

/// What a save holds, in one line: "2 commits, 3 modified, 1 untracked, 1 stash entry".
pub fn summary(contents: &SavedContents) -> String {
    let parts = parts(contents);
    if parts.is_empty() {
        "refs only".to_owned()
    } else {
        parts.join(", ")
    }
}

/// What a save holds beyond the refs every save names, one count each ("2 commits").
pub fn parts(contents: &SavedContents) -> Vec<String> {
    let mut parts = Vec::new();
    let mut count = |n: usize, one: &str, many: &str| {
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    };
    count(contents.commits, "commit", "commits");
    count(contents.modified, "modified", "modified");
    count(contents.untracked, "untracked", "untracked");
    count(contents.stash.len(), "stash entry", "stash entries");
    let other = contents
        .refs
        .iter()
        .filter(|r| !r.name.starts_with("refs/heads/"))
        .count();
    count(other, "other ref", "other refs");
    count(
        contents.nested.len(),
        "nested repository",
        "nested repositories",
    );
    match contents.conversations.as_slice() {
        [] => {}
        [one] => parts.push(format!("the conversation with {}", one.agent)),
        many => parts.push(format!(
            "the conversations with {}",
            many.iter()
                .map(|c| c.agent.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    parts
}

/// `bytes` as people read sizes: "512 B", "3.4 KiB", "41.0 MiB".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    #[allow(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

/// Seconds since the Unix epoch as a UTC date and time: "2026-12-01 09:49:03 UTC".
pub fn utc(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Howard Hinnant's `civil_from_days`, for days since 1970-01-01 (never negative here).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use skipper_core::SavedRef;

    use super::*;

    #[test]
    fn a_summary_counts_what_is_there() {
        let contents = SavedContents {
            commits: 2,
            modified: 1,
            stash: vec!["a".into()],
            refs: vec![
                SavedRef {
                    name: "refs/heads/x".into(),
                    oid: "1".into(),
                },
                SavedRef {
                    name: "refs/notes/commits".into(),
                    oid: "2".into(),
                },
            ],
            ..SavedContents::default()
        };
        assert_eq!(
            summary(&contents),
            "2 commits, 1 modified, 1 stash entry, 1 other ref"
        );
        assert_eq!(summary(&SavedContents::default()), "refs only");
    }

    #[test]
    fn sizes_and_times_read_as_people_write_them() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(3 * 1024 + 512), "3.5 KiB");
        assert_eq!(human_size(41 * 1024 * 1024), "41.0 MiB");
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_796_118_543), "2026-12-01 09:49:03 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
