//! Counts and durations in words: "1 commit", "2 commits", never "commit(s)"; "3m".

/// `n` and the noun for it: `count(1, "entry", "entries")` is "1 entry".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A duration of `seconds` in its largest whole unit: `45s`, `3m`, `2h`, `5d`.
pub fn elapsed(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86_400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "entry", "entries"), "1 entry");
        assert_eq!(count(0, "entry", "entries"), "0 entries");
        assert_eq!(count(2, "commit", "commits"), "2 commits");
    }

    #[test]
    fn a_duration_is_said_in_its_largest_whole_unit() {
        assert_eq!(elapsed(59), "59s");
        assert_eq!(elapsed(60), "1m");
        assert_eq!(elapsed(7199), "1h");
        assert_eq!(elapsed(86_400 * 3), "3d");
    }
}
