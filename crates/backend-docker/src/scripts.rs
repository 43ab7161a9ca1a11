//! The steps skipper runs inside containers, as fixed shell scripts whose inputs arrive as
//! positional parameters (never spliced into shell text), and pure parsers of what they
//! print (git's porcelain formats, not its English).

use skipper_core::{BranchName, BranchStart, UnpushedBranch};

/// Turns the copied git directory into a working repository: swaps in the host's refs
/// (so refs deleted on the host since the snapshot are gone), records the host's branch
/// tips under `refs/skipper/host/` (their commits are safe on the host), checks out the
/// workspace's branch, and links the read-only host configuration into `$HOME`.
///
/// `$1` repository dir, `$2` mode (`main`, `existing`, `track`, `new`), `$3` default
/// branch, `$4` branch, then triples of (`link` or `entries`, mounted path, path relative
/// to `$HOME`), as [`crate::spec::HomeLink`] describes.
pub const SETUP: &str = r#"set -eu
repo=$1 mode=$2 default=$3 branch=$4
shift 4
cd "$repo"
incoming=.git/skipper/incoming
if [ -d "$incoming" ]; then
    rm -rf .git/refs .git/packed-refs
    if [ -d "$incoming/refs" ]; then mv "$incoming/refs" .git/refs; else mkdir -p .git/refs/heads .git/refs/tags; fi
    if [ -f "$incoming/packed-refs" ]; then mv "$incoming/packed-refs" .git/packed-refs; fi
    rm -rf "$incoming"
fi
git config core.bare false
git config --unset-all core.worktree >/dev/null 2>&1 || true
git for-each-ref --format='update refs/skipper/host/%(refname:lstrip=2) %(objectname)' refs/heads | git update-ref --stdin
case "$mode" in
    main) git checkout --quiet --force -B "$default" "refs/remotes/origin/$default" ;;
    existing) git checkout --quiet --force "$branch" -- ;;
    track) git checkout --quiet --force --track -b "$branch" "refs/remotes/origin/$branch" ;;
    new) git checkout --quiet --force --no-track -b "$branch" "refs/remotes/origin/$default" ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
warn() { echo "skipper: could not link $1 to $2" >&2; }
while [ "$#" -ge 3 ]; do
    kind=$1 source=$2 relative=$3
    shift 3
    target="$HOME/$relative"
    case "$kind" in
    link)
        if [ -e "$target" ] || [ -L "$target" ]; then continue; fi
        { mkdir -p "$(dirname "$target")" && ln -s "$source" "$target"; } || warn "$target" "$source" ;;
    entries)
        # OpenCode writes these itself next to the user's configuration.
        mkdir -p "$target" || { warn "$target" "$source"; continue; }
        for entry in "$source"/* "$source"/.[!.]* "$source"/..?*; do
            if [ ! -e "$entry" ] && [ ! -L "$entry" ]; then continue; fi
            name=${entry##*/}
            case "$name" in node_modules|package.json|package-lock.json|bun.lock|bun.lockb|.gitignore) continue ;; esac
            if [ -e "$target/$name" ] || [ -L "$target/$name" ]; then continue; fi
            ln -s "$entry" "$target/$name" || warn "$target/$name" "$entry"
        done ;;
    esac
done
"#;

/// Prints `<count>\t<branch>` for each local branch with commits on no remote branch and
/// not on the host either (the host's branch tips at creation, `refs/skipper/host/*`).
pub const UNPUSHED: &str = r#"set -eu
git for-each-ref --format='%(refname)' refs/heads | while IFS= read -r ref; do
    n=$(git rev-list --count "$ref" --not --remotes --glob='refs/skipper/host/*')
    if [ "$n" -gt 0 ]; then printf '%s\t%s\n' "$n" "${ref#refs/heads/}"; fi
done
"#;

/// Saves the work at risk into a bundle: a commit of the uncommitted and untracked changes
/// (made with a temporary index, so the real one is untouched) on
/// `refs/skipper/saved/<ts>`, and every branch with unpushed commits. Prints
/// `saved\t<ref>` and `branch\t<name>\t<count>` lines.
///
/// `$1` timestamp, `$2` bundle path, `$3` commit message.
pub const PRESERVE: &str = r#"set -eu
ts=$1 out=$2 message=$3
refs=
if [ -n "$(git status --porcelain --untracked-files=normal)" ]; then
    index="${TMPDIR:-/tmp}/skipper-index.$$"
    rm -f "$index"
    parent=
    if head=$(git rev-parse -q --verify HEAD); then
        GIT_INDEX_FILE=$index git read-tree "$head"
        parent="-p $head"
    fi
    GIT_INDEX_FILE=$index git add -A
    tree=$(GIT_INDEX_FILE=$index git write-tree)
    rm -f "$index"
    commit=$(git commit-tree "$tree" $parent -m "$message")
    git update-ref "refs/skipper/saved/$ts" "$commit"
    printf 'saved\trefs/skipper/saved/%s\n' "$ts"
    refs="refs/skipper/saved/$ts"
fi
for ref in $(git for-each-ref --format='%(refname)' refs/heads); do
    n=$(git rev-list --count "$ref" --not --remotes --glob='refs/skipper/host/*')
    if [ "$n" -gt 0 ]; then
        printf 'branch\t%s\t%s\n' "${ref#refs/heads/}" "$n"
        refs="$refs $ref"
    fi
done
if [ -z "$refs" ]; then echo "nothing to save" >&2; exit 3; fi
git bundle create "$out" $refs --not --remotes
"#;

/// `true` when `$1` names a program the shell can run.
pub const PROGRAM_EXISTS: &str = r#"command -v "$1" >/dev/null 2>&1"#;

/// The argument vector running `script` with `args` as its positional parameters.
#[must_use]
pub fn sh(script: &str, args: &[&str]) -> Vec<String> {
    let mut argv = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        script.to_owned(),
        "sh".to_owned(),
    ];
    argv.extend(args.iter().map(|arg| (*arg).to_owned()));
    argv
}

/// The setup mode for a branch workspace.
#[must_use]
pub fn setup_mode(start: &BranchStart) -> &'static str {
    match start {
        BranchStart::Existing => "existing",
        BranchStart::TrackRemote => "track",
        BranchStart::NewFromDefault => "new",
    }
}

/// Modified and untracked paths from `git status --porcelain=v1 -z`.
#[must_use]
pub fn parse_status(porcelain: &[u8]) -> (Vec<String>, Vec<String>) {
    let mut modified = Vec::new();
    let mut untracked = Vec::new();
    let mut fields = porcelain.split(|b| *b == 0).filter(|f| !f.is_empty());
    while let Some(field) = fields.next() {
        if field.len() < 4 {
            continue;
        }
        let (code, path) = (
            &field[..2],
            String::from_utf8_lossy(&field[3..]).into_owned(),
        );
        match code {
            b"??" => untracked.push(path),
            b"!!" => {}
            _ => {
                if code.contains(&b'R') || code.contains(&b'C') {
                    // The original path follows as its own field.
                    fields.next();
                }
                modified.push(path);
            }
        }
    }
    (modified, untracked)
}

/// The branches [`UNPUSHED`] printed.
#[must_use]
pub fn parse_unpushed(text: &str) -> Vec<UnpushedBranch> {
    text.lines()
        .filter_map(|line| {
            let (count, branch) = line.split_once('\t')?;
            Some(UnpushedBranch {
                branch: BranchName::new(branch).ok()?,
                commits: count.trim().parse().ok()?,
            })
        })
        .collect()
}

/// What [`PRESERVE`] saved, one line each for people.
#[must_use]
pub fn parse_preserved(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("saved"), Some(reference), None) => Some(format!(
                    "uncommitted and untracked changes, as commit {reference}"
                )),
                (Some("branch"), Some(branch), Some(count)) => {
                    Some(format!("branch {branch} ({count} unpushed commit(s))"))
                }
                _ => None,
            }
        })
        .collect()
}

/// A UTC timestamp usable in file and ref names: `20250102T030405Z`.
#[must_use]
pub fn timestamp(now: std::time::SystemTime) -> String {
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn porcelain_status_is_split_into_modified_and_untracked() {
        let raw = b" M src/a.rs\0R  new name.rs\0old name.rs\0?? notes/\0A  b.txt\0";
        let (modified, untracked) = parse_status(raw);
        assert_eq!(modified, ["src/a.rs", "new name.rs", "b.txt"]);
        assert_eq!(untracked, ["notes/"]);
        assert_eq!(parse_status(b""), (vec![], vec![]));
    }

    #[test]
    fn unpushed_lines_are_parsed() {
        let parsed = parse_unpushed("2\tfeat/x\n1\tmain\ngarbage\n");
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].branch.as_str(), "feat/x");
        assert_eq!(parsed[0].commits, 2);
    }

    #[test]
    fn preserved_lines_are_described() {
        let lines = parse_preserved("saved\trefs/skipper/saved/T\nbranch\tfeat/x\t3\n");
        assert_eq!(
            lines,
            [
                "uncommitted and untracked changes, as commit refs/skipper/saved/T",
                "branch feat/x (3 unpushed commit(s))"
            ]
        );
    }

    #[test]
    fn timestamps_are_utc_and_sortable() {
        assert_eq!(timestamp(UNIX_EPOCH), "19700101T000000Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_735_787_045); // 2025-01-02 03:04:05
        assert_eq!(timestamp(t), "20250102T030405Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(timestamp(leap), "20000229T000000Z");
    }

    #[test]
    fn scripts_take_their_inputs_as_parameters() {
        let argv = sh(SETUP, &["/workspace/a", "new", "main", "x; rm -rf /"]);
        assert_eq!(argv[..2], ["sh", "-c"]);
        assert_eq!(argv[3], "sh");
        assert_eq!(argv[7], "x; rm -rf /");
        assert!(!argv[2].contains("rm -rf /"));
    }
}
