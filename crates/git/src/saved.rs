//! The names of work saved before a forced removal: one ref and one bundle per save,
//! told apart by the time of the save.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use skipper_core::BranchName;

/// The namespace of saved work in a repository: kept by git like any ref, and outside
/// `refs/heads/` and `refs/tags/`, so no branch or tag listing shows it.
const SAVED_REFS: &str = "refs/skipper/saved";

/// When work was saved, in whole seconds since the Unix epoch (UTC). Written as that
/// number, it names the save's ref and bundle; later saves of a branch sort after earlier
/// ones as long as the numbers have as many digits (until the year 2286).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SaveStamp(u64);

impl SaveStamp {
    /// The stamp of a save made now (the epoch itself when the clock is before it).
    #[must_use]
    pub fn now() -> Self {
        Self::at(SystemTime::now())
    }

    /// The stamp of a save made at `time` (the epoch itself when `time` is before it).
    #[must_use]
    pub fn at(time: SystemTime) -> Self {
        Self(time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
    }

    /// The stamp `seconds` after the Unix epoch.
    #[must_use]
    pub fn from_unix_seconds(seconds: u64) -> Self {
        Self(seconds)
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub fn unix_seconds(self) -> u64 {
        self.0
    }

    /// The ref holding the work saved from `branch`:
    /// `refs/skipper/saved/<branch>/<seconds>`, the branch flattened into one component
    /// ([`BranchName::as_path_component`]) so no save's ref nests under another's.
    #[must_use]
    pub fn saved_ref(self, branch: &BranchName) -> String {
        format!("{SAVED_REFS}/{}/{self}", branch.as_path_component())
    }

    /// The file name, without extension, of what is saved from `branch`:
    /// `<branch>-<seconds>`, the branch flattened into one component.
    #[must_use]
    pub fn file_stem(self, branch: &BranchName) -> String {
        format!("{}-{self}", branch.as_path_component())
    }

    /// The file name of the bundle saved from `branch`: `<branch>-<seconds>.bundle`.
    #[must_use]
    pub fn bundle_file_name(self, branch: &BranchName) -> String {
        format!("{}.bundle", self.file_stem(branch))
    }
}

/// The seconds since the Unix epoch, in decimal.
impl fmt::Display for SaveStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn branch(name: &str) -> BranchName {
        BranchName::new(name).unwrap()
    }

    #[test]
    fn a_stamp_is_whole_seconds_since_the_epoch() {
        let time = UNIX_EPOCH + Duration::from_millis(1_735_787_045_999);
        assert_eq!(SaveStamp::at(time).unix_seconds(), 1_735_787_045);
        assert_eq!(SaveStamp::at(time).to_string(), "1735787045");
        assert_eq!(
            SaveStamp::at(UNIX_EPOCH - Duration::from_secs(1)).unix_seconds(),
            0
        );
        assert_eq!(
            SaveStamp::from_unix_seconds(7),
            SaveStamp::at(UNIX_EPOCH + Duration::from_secs(7))
        );
    }

    #[test]
    fn the_ref_names_the_branch_and_the_stamp() {
        let stamp = SaveStamp::from_unix_seconds(1_735_787_045);
        assert_eq!(
            stamp.saved_ref(&branch("main")),
            "refs/skipper/saved/main/1735787045"
        );
        assert_eq!(
            stamp.saved_ref(&branch("feat/x")),
            "refs/skipper/saved/feat%2Fx/1735787045"
        );
    }

    #[test]
    fn the_bundle_is_one_file_named_by_branch_and_stamp() {
        let stamp = SaveStamp::from_unix_seconds(1_735_787_045);
        assert_eq!(stamp.file_stem(&branch("feat/x")), "feat%2Fx-1735787045");
        assert_eq!(
            stamp.bundle_file_name(&branch("feat/x")),
            "feat%2Fx-1735787045.bundle"
        );
        assert!(!stamp.bundle_file_name(&branch("a/b/c")).contains('/'));
    }

    #[test]
    fn later_saves_sort_after_earlier_ones() {
        assert!(SaveStamp::from_unix_seconds(9) < SaveStamp::from_unix_seconds(10));
    }
}
