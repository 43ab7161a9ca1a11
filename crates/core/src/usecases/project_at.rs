use crate::domain::{Checkout, PROJECT_FILE, ProjectConfig};
use crate::ports::HostCheckouts;

/// The repository's `.skipper.toml` at `revision` of the host checkout (the commit a new
/// workspace starts from), for what is needed before the workspace exists or without
/// running anything in it: its ports count, its `copy` list. `None` without the file, or
/// with one that cannot be read or parsed: the post-create step, which reads it in the
/// workspace, says what is wrong with it.
pub fn project_at(
    checkouts: &dyn HostCheckouts,
    checkout: &Checkout,
    revision: &str,
) -> Option<ProjectConfig> {
    let text = checkouts.file_at(checkout, revision, PROJECT_FILE).ok()??;
    let text = String::from_utf8(text).ok()?;
    ProjectConfig::parse(&text, PROJECT_FILE).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeCheckouts, checkout};

    #[test]
    fn a_revision_without_the_file_has_no_project_setup() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        assert!(project_at(&checkouts, &api, "refs/heads/x").is_none());
    }
}
