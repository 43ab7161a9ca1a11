//! The diff of a workspace's work, shared by both sandboxes: runs [`crate::scripts::DIFF`]
//! where the workspace is, which writes the diff to the file [`ScriptHost::outgoing`] names,
//! then brings that file to the host. The diff only ever passes through files (and, for a
//! container, the daemon's archive stream): never through memory whole.

use std::path::Path;

use skipper_core::{DiffFormat, DiffMade, DiffRequest};

use crate::scripts::DIFF;
use crate::work::{ScriptHost, WorkError, fields};

/// The script's exit status when the start names no commit.
const NO_COMMIT: i32 = 3;

/// Writes the diff `request` asks for to `dest` on the host. Changes nothing in the
/// workspace (its index included); git may store the objects of the files it adds.
///
/// # Errors
/// [`WorkError::NoCommit`] when the start names no commit (`dest` is not written), else
/// the failure of the step that failed.
pub fn diff(
    host: &dyn ScriptHost,
    request: &DiffRequest,
    dest: &Path,
) -> Result<DiffMade, WorkError> {
    let written = host.outgoing(dest)?;
    let made = host
        .run(DIFF, &arguments(request, &written))
        .and_then(|output| match output.status {
            0 => parse(&output.stdout),
            NO_COMMIT => Err(WorkError::NoCommit {
                name: request.start_name(),
            }),
            _ => Err(WorkError::script("taking the diff", ".", &output)),
        });
    match made {
        Ok(made) => {
            host.bring_back(&written, dest)?;
            Ok(made)
        }
        Err(err) => {
            host.forget(&written);
            Err(err)
        }
    }
}

/// The script's positional parameters for `request`, the diff going to `written`.
#[must_use]
pub fn arguments(request: &DiffRequest, written: &str) -> Vec<String> {
    let format = match request.format {
        DiffFormat::Patch => "patch",
        DiffFormat::Stat => "stat",
        DiffFormat::NameOnly => "name-only",
    };
    let color = if request.color { "always" } else { "never" };
    // Only `--stat` lays its lines out to the terminal's width.
    let columns = match (request.format, request.columns) {
        (DiffFormat::Stat, Some(columns)) if columns > 0 => columns.to_string(),
        _ => String::new(),
    };
    vec![
        request.start_ref(),
        format.to_owned(),
        color.to_owned(),
        columns,
        written.to_owned(),
    ]
}

/// Reads what [`DIFF`] printed: `base`, then the merge base (empty for the empty tree).
///
/// # Errors
/// [`WorkError::Output`] for output that cannot be read.
pub fn parse(output: &[u8]) -> Result<DiffMade, WorkError> {
    let bad = |what: &str| WorkError::Output(format!("the diff printed {what}"));
    let mut fields = fields(output);
    if fields.next() != Some(b"base") {
        return Err(bad("no merge base"));
    }
    let base = fields.next().ok_or_else(|| bad("a cut-off record"))?;
    if fields.next().is_some() {
        return Err(bad("more than its merge base"));
    }
    if !output.ends_with(b"\0") {
        return Err(bad("a cut-off record"));
    }
    let base = std::str::from_utf8(base)
        .ok()
        .filter(|oid| oid.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| bad("a merge base that is not an object id"))?;
    Ok(DiffMade {
        base: (!base.is_empty()).then(|| base.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use skipper_core::BranchName;

    use super::*;

    fn request(format: DiffFormat, color: bool, columns: Option<u16>) -> DiffRequest {
        DiffRequest {
            base: None,
            default_branch: BranchName::new("release/v1").unwrap(),
            format,
            color,
            columns,
        }
    }

    #[test]
    fn the_script_is_told_the_start_the_format_the_colour_and_the_file() {
        assert_eq!(
            arguments(&request(DiffFormat::Patch, false, Some(120)), "/tmp/d"),
            [
                "refs/remotes/origin/release/v1",
                "patch",
                "never",
                "",
                "/tmp/d"
            ]
        );
        let stat = arguments(&request(DiffFormat::Stat, true, Some(120)), "/tmp/d");
        assert_eq!(stat[1..4], ["stat", "always", "120"]);
        let piped = arguments(&request(DiffFormat::Stat, false, None), "/tmp/d");
        assert_eq!(piped[3], "");
        let names = arguments(&request(DiffFormat::NameOnly, false, None), "/tmp/d");
        assert_eq!(names[1], "name-only");
    }

    #[test]
    fn a_base_given_is_passed_as_it_is() {
        let mut asked = request(DiffFormat::Patch, false, None);
        asked.base = Some("x; rm -rf /".into());
        assert_eq!(arguments(&asked, "/tmp/d")[0], "x; rm -rf /");
    }

    #[test]
    fn the_merge_base_is_read_and_odd_output_refused() {
        let oid = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            parse(format!("base\0{oid}\0").as_bytes()).unwrap(),
            DiffMade {
                base: Some(oid.to_owned())
            }
        );
        assert_eq!(parse(b"base\0\0").unwrap(), DiffMade { base: None });
        for odd in [
            &b""[..],
            b"base\0",
            b"base\0abc",
            b"base\0xyz\0",
            b"what\0\0",
            b"base\0\0x\0",
        ] {
            assert!(parse(odd).is_err(), "{odd:?}");
        }
    }
}
