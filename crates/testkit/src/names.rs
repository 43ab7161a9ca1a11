//! Names unique to one test, so tests running in parallel never share a container.

/// `prefix`, this process and the current nanoseconds: unique among the tests of a run.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos:x}", std::process::id())
}
