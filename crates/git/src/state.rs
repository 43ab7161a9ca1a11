//! A repository's state now, shared by both sandboxes: runs [`crate::scripts::STATE`] in
//! the workspace and reads what it printed into a [`WorkState`].

use skipper_core::WorkState;

use crate::scripts::STATE;
use crate::work::{ScriptHost, WorkError};

/// What the workspace's repository looks like now. Changes nothing.
///
/// # Errors
/// The failure to run the script, its non-zero exit status, or output of the wrong shape.
pub fn work_state(host: &dyn ScriptHost) -> Result<WorkState, WorkError> {
    let output = host.run(STATE, &[])?;
    if output.status != 0 {
        return Err(WorkError::script("reading the state", ".", &output));
    }
    parse(&output.stdout)
}

/// Reads `state.sh`'s output: `HEAD`, the ref it is on, the stash entries up to an empty
/// field, then the status as git printed it.
fn parse(output: &[u8]) -> Result<WorkState, WorkError> {
    let text = |field: &[u8], what: &str| {
        String::from_utf8(field.to_vec())
            .map_err(|_| WorkError::Output(format!("the state's {what} is not UTF-8")))
    };
    let optional = |field: String| (!field.is_empty()).then_some(field);
    let mut rest = output;
    let mut next = || -> Result<&[u8], WorkError> {
        let end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| WorkError::Output("the state's output was cut off".to_owned()))?;
        let field = &rest[..end];
        rest = &rest[end + 1..];
        Ok(field)
    };
    let head = optional(text(next()?, "HEAD")?);
    let on = optional(text(next()?, "branch")?);
    let mut stash = Vec::new();
    loop {
        let entry = next()?;
        if entry.is_empty() {
            break;
        }
        stash.push(text(entry, "stash")?);
    }
    // The status is git's, kept byte for byte: each of its entries ends with NUL.
    let status = rest.to_vec();
    if !status.is_empty() && !status.ends_with(b"\0") {
        return Err(WorkError::Output("the status was cut off".to_owned()));
    }
    Ok(WorkState {
        head,
        on,
        stash,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_head_branch_stash_and_status() {
        let state = parse(b"abc\0refs/heads/feat/x\0s1\0s2\0\0 M a.txt\0?? b c\0").unwrap();

        assert_eq!(state.head.as_deref(), Some("abc"));
        assert_eq!(state.on.as_deref(), Some("refs/heads/feat/x"));
        assert_eq!(state.stash, ["s1", "s2"]);
        assert_eq!(state.status, b" M a.txt\0?? b c\0");
    }

    #[test]
    fn an_unborn_detached_clean_repository_has_nothing() {
        assert_eq!(parse(b"\0\0\0").unwrap(), WorkState::default());
    }

    #[test]
    fn cut_off_output_is_refused() {
        assert!(parse(b"abc\0refs/heads/x").is_err());
        assert!(parse(b"abc\0\0\0 M a.txt").is_err());
    }
}
