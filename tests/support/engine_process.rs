//! What the test engines of our own (a second dockerd, a Podman service) share: running a
//! client against them, stopping them through their script, and unique names.

use std::path::Path;
use std::process::Command;

/// Runs `command`: whether it succeeded, and its trimmed stdout then stderr.
pub fn outcome(command: &mut Command) -> (bool, String) {
    let output = command.output().unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    )
}

/// `bash script stop name`, saying on stderr why it failed (from a `Drop`: never panics).
pub fn stop(script: &Path, name: &str, what: &str) {
    let stopped = Command::new("bash")
        .arg(script)
        .args(["stop", name])
        .output();
    match stopped {
        Ok(output) if output.status.success() => {}
        Ok(output) => eprintln!(
            "stopping the {what} {name}: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(err) => eprintln!("stopping the {what} {name}: {err}"),
    }
}

/// A name no other test of any process holds: `prefix`, then 8 hex digits of this
/// process's id, a counter and the time (it names a network interface: at most 12 in all).
pub fn unique_name(prefix: &str) -> String {
    static MADE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let made = MADE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let identity = format!("{}-{made}-{now}", std::process::id());
    format!("{prefix}{}", &skipper_core::short_hash(&identity, 8))
}
