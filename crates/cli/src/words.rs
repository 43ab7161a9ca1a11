//! Counts in words: "1 commit", "2 commits", never "commit(s)".

/// `n` and the noun for it: `count(1, "entry", "entries")` is "1 entry".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
}
