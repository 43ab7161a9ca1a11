//! The steps skipper runs inside containers, as fixed shell scripts whose inputs arrive as
//! positional parameters (never spliced into shell text), and pure parsers of what they
//! print (git's porcelain formats, not its English).

use skipper_core::{AtRisk, BranchName, BranchStart, UnpushedBranch, UnpushedRef};

/// The file, relative to the repository directory, whose presence says that [`SETUP`] ran
/// to its end. Labels are fixed when a container is made, before the repository is copied
/// in; a container carrying them without this file was left half-made by an interrupted
/// creation. It lives under `.git/skipper/`, which the copy never takes from the host and
/// the snapshot never holds.
pub const READY_MARKER: &str = ".git/skipper/ready";

/// Turns the copied git directory into a working repository: swaps in the host's refs
/// (so refs deleted on the host since the snapshot are gone) without the host's stash,
/// records the host's branch tips under `refs/skipper/host/` (their commits are safe on the
/// host) and its tags as `<object> <ref>` lines in `.git/skipper/host-tags` (a tag missing
/// there was made in the workspace), checks out the workspace's branch, links the
/// read-only host configuration into `$HOME`, and writes [`READY_MARKER`] last.
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
# The host's stash (packed, or from an older snapshot) is the host's: the workspace's stash
# holds the workspace's own work only.
git update-ref -d refs/stash >/dev/null 2>&1 || true
rm -f .git/logs/refs/stash
git config core.bare false
git config --unset-all core.worktree >/dev/null 2>&1 || true
git for-each-ref --format='update refs/skipper/host/%(refname:lstrip=2) %(objectname)' refs/heads | git update-ref --stdin
mkdir -p .git/skipper
git for-each-ref --format='%(objectname) %(refname)' refs/tags > .git/skipper/host-tags
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
: > .git/skipper/ready
"#;

/// The shell function `refs_at_risk`, shared by [`REFS_AT_RISK`] and [`PRESERVE`] so that
/// what the gate counts and what is saved cannot drift apart. It prints one tab-separated
/// line per ref holding work that no remote branch and no branch of the host has:
///
/// - `branch\t<name>\t<commits>`: a local branch with commits on no remote branch and not
///   on the host either (the host's branch tips at creation, `refs/skipper/host/*`);
/// - `stash\t<entries>`: the workspace's own stash (the host's is never copied in);
/// - `detached\t<commits>`: a detached `HEAD` with commits on no branch, tag, remote branch
///   or host branch;
/// - `tag\t<name>`: a tag that was not among the host's (`.git/skipper/host-tags`), or that
///   points elsewhere now.
///
/// Ref names hold no tab, space or newline (git refuses them), so the lines split safely.
macro_rules! refs_at_risk_function {
    () => {
        r#"refs_at_risk() {
    git for-each-ref --format='%(refname)' refs/heads | while IFS= read -r ref; do
        n=$(git rev-list --count "$ref" --not --remotes --glob='refs/skipper/host/*')
        if [ "$n" -gt 0 ]; then printf 'branch\t%s\t%s\n' "${ref#refs/heads/}" "$n"; fi
    done
    if git rev-parse -q --verify refs/stash >/dev/null; then
        n=$(git rev-list --walk-reflogs --count refs/stash 2>/dev/null || echo 0)
        if [ "$n" -eq 0 ]; then n=1; fi
        printf 'stash\t%s\n' "$n"
    fi
    if ! git symbolic-ref -q HEAD >/dev/null && git rev-parse -q --verify HEAD >/dev/null; then
        n=$(git rev-list --count HEAD --not --branches --tags --remotes --glob='refs/skipper/host/*')
        if [ "$n" -gt 0 ]; then printf 'detached\t%s\n' "$n"; fi
    fi
    host_tags=.git/skipper/host-tags
    if [ ! -f "$host_tags" ]; then host_tags=/dev/null; fi
    git for-each-ref --format='%(objectname) %(refname)' refs/tags |
        { grep -vxF -f "$host_tags" || true; } |
        while read -r _ ref; do printf 'tag\t%s\n' "${ref#refs/tags/}"; done
}
"#
    };
}

/// Prints the refs holding work at risk, as `refs_at_risk` (see [`refs_at_risk_function`])
/// describes; [`parse_refs_at_risk`] reads them.
pub const REFS_AT_RISK: &str = concat!("set -eu\n", refs_at_risk_function!(), "refs_at_risk\n");

/// Saves the work at risk into a bundle: a commit of the uncommitted and untracked changes
/// (made with a temporary index, so the real one is untouched) on
/// `refs/skipper/saved/<ts>`, every branch with unpushed commits, every stash entry (on
/// `refs/skipper/saved/stash-<ts>/<n>`, `refs/stash` too), a detached `HEAD`'s commits (on
/// `refs/skipper/saved/detached-<ts>`) and every new tag. Prints `saved\t<ref>`,
/// `branch\t<name>\t<count>`, `stash\t<ref prefix>\t<entries>`,
/// `detached\t<ref>\t<count>` and `tag\t<name>[\t<ref>]` lines.
///
/// The bundle leaves out what the remote branches hold (the host fetched it). Git drops a
/// ref whose commit is left out that way, so a lightweight tag on such a commit is saved as
/// a tag object pointing at it, on `refs/skipper/saved/tag-<ts>/<name>`.
///
/// `$1` timestamp, `$2` bundle path, `$3` commit message.
pub const PRESERVE: &str = concat!(
    "set -eu\n",
    refs_at_risk_function!(),
    r#"ts=$1 out=$2 message=$3
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
at_risk=$(refs_at_risk)
tab=$(printf '\t')
while IFS=$tab read -r kind first second; do
    case "$kind" in
    branch)
        printf 'branch\t%s\t%s\n' "$first" "$second"
        refs="$refs refs/heads/$first" ;;
    stash)
        i=0
        for entry in $(git rev-list --walk-reflogs refs/stash 2>/dev/null || git rev-parse refs/stash); do
            git update-ref "refs/skipper/saved/stash-$ts/$i" "$entry"
            refs="$refs refs/skipper/saved/stash-$ts/$i"
            i=$((i + 1))
        done
        printf 'stash\trefs/skipper/saved/stash-%s\t%s\n' "$ts" "$i"
        refs="$refs refs/stash" ;;
    detached)
        git update-ref "refs/skipper/saved/detached-$ts" HEAD
        printf 'detached\trefs/skipper/saved/detached-%s\t%s\n' "$ts" "$first"
        refs="$refs refs/skipper/saved/detached-$ts" ;;
    tag)
        name=$first ref="refs/tags/$first"
        type=$(git cat-file -t "$ref")
        if [ "$type" = tag ] || { [ "$type" = commit ] && [ -n "$(git rev-list -n 1 "$ref" --not --remotes)" ]; }; then
            printf 'tag\t%s\n' "$name"
        else
            object=$(git rev-parse "$ref")
            wrapped=$(printf 'object %s\ntype %s\ntag %s\ntagger %s\n\nskipper: the lightweight tag %s\n' \
                "$object" "$type" "$name" "$(git var GIT_COMMITTER_IDENT)" "$name" | git mktag)
            ref="refs/skipper/saved/tag-$ts/$name"
            git update-ref "$ref" "$wrapped"
            printf 'tag\t%s\t%s\n' "$name" "$ref"
        fi
        refs="$refs $ref" ;;
    esac
done <<EOF
$at_risk
EOF
if [ -z "$refs" ]; then echo "nothing to save" >&2; exit 3; fi
git bundle create "$out" $refs --not --remotes
"#
);

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

/// A ref holding work that no remote branch and no branch of the host has, as
/// [`REFS_AT_RISK`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefAtRisk {
    /// A local branch with commits on no remote branch.
    Branch(UnpushedBranch),
    /// The workspace's own stash, with its number of entries.
    Stash {
        /// How many entries it holds.
        entries: usize,
    },
    /// A detached `HEAD` with commits on no branch, tag or remote branch.
    DetachedHead {
        /// How many commits only it reaches.
        commits: usize,
    },
    /// A tag the host did not have when the workspace was made.
    Tag {
        /// The tag's name, without `refs/tags/`.
        name: String,
    },
}

impl RefAtRisk {
    /// Adds this to `risk`.
    pub fn add_to(self, risk: &mut AtRisk) {
        match self {
            Self::Branch(branch) => risk.unpushed.push(branch),
            Self::Stash { entries } => risk.other_refs.push(UnpushedRef::Stash { entries }),
            Self::DetachedHead { commits } => {
                risk.other_refs.push(UnpushedRef::DetachedHead { commits });
            }
            Self::Tag { name } => risk.other_refs.push(UnpushedRef::Tag { name }),
        }
    }
}

/// The refs [`REFS_AT_RISK`] printed.
#[must_use]
pub fn parse_refs_at_risk(text: &str) -> Vec<RefAtRisk> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let count = |field: Option<&str>| field?.trim().parse::<usize>().ok();
            match (fields.next()?, fields.next(), fields.next()) {
                ("branch", Some(branch), commits) => Some(RefAtRisk::Branch(UnpushedBranch {
                    branch: BranchName::new(branch).ok()?,
                    commits: count(commits)?,
                })),
                ("stash", entries, None) => Some(RefAtRisk::Stash {
                    entries: count(entries)?,
                }),
                ("detached", commits, None) => Some(RefAtRisk::DetachedHead {
                    commits: count(commits)?,
                }),
                ("tag", Some(name), None) if !name.is_empty() => Some(RefAtRisk::Tag {
                    name: name.to_owned(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// What [`PRESERVE`] saved, one line each for people.
#[must_use]
pub fn parse_preserved(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some("saved"), Some(reference), None, None) => Some(format!(
                    "uncommitted and untracked changes, as commit {reference}"
                )),
                (Some("branch"), Some(branch), Some(count), None) => {
                    Some(format!("branch {branch} ({count} unpushed commit(s))"))
                }
                (Some("stash"), Some(prefix), Some(entries), None) => Some(format!(
                    "the stash ({entries} entr(ies)), as refs/stash and {prefix}/<n>"
                )),
                (Some("detached"), Some(reference), Some(count), None) => Some(format!(
                    "detached HEAD ({count} commit(s) on no branch), as {reference}"
                )),
                (Some("tag"), Some(name), None, None) => Some(format!("tag {name}")),
                (Some("tag"), Some(name), Some(reference), None) => Some(format!(
                    "tag {name} (a lightweight tag on a pushed commit), as a tag object on {reference}"
                )),
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
    fn refs_at_risk_are_parsed() {
        let parsed = parse_refs_at_risk(
            "branch\tfeat/x\t2\nbranch\tmain\t1\nstash\t3\ndetached\t4\ntag\tv2\n\
             garbage\nbranch\tbad..name\t1\nstash\tmany\ntag\t\n",
        );
        assert_eq!(
            parsed,
            [
                RefAtRisk::Branch(UnpushedBranch {
                    branch: BranchName::new("feat/x").unwrap(),
                    commits: 2
                }),
                RefAtRisk::Branch(UnpushedBranch {
                    branch: BranchName::new("main").unwrap(),
                    commits: 1
                }),
                RefAtRisk::Stash { entries: 3 },
                RefAtRisk::DetachedHead { commits: 4 },
                RefAtRisk::Tag { name: "v2".into() },
            ]
        );
    }

    #[test]
    fn refs_other_than_branches_go_to_other_refs() {
        let mut risk = AtRisk::default();
        for reference in parse_refs_at_risk("branch\tfeat/x\t2\nstash\t1\ndetached\t3\ntag\tv2\n") {
            reference.add_to(&mut risk);
        }
        assert_eq!(risk.unpushed.len(), 1);
        assert_eq!(
            risk.other_refs,
            [
                UnpushedRef::Stash { entries: 1 },
                UnpushedRef::DetachedHead { commits: 3 },
                UnpushedRef::Tag { name: "v2".into() }
            ]
        );
        assert!(risk.untracked.is_empty() && risk.modified.is_empty());
    }

    #[test]
    fn preserved_lines_are_described() {
        let lines = parse_preserved(
            "saved\trefs/skipper/saved/T\nbranch\tfeat/x\t3\n\
             stash\trefs/skipper/saved/stash-T\t2\ndetached\trefs/skipper/saved/detached-T\t1\n\
             tag\tv2\ntag\tv3\trefs/skipper/saved/tag-T/v3\n",
        );
        assert_eq!(
            lines,
            [
                "uncommitted and untracked changes, as commit refs/skipper/saved/T",
                "branch feat/x (3 unpushed commit(s))",
                "the stash (2 entr(ies)), as refs/stash and refs/skipper/saved/stash-T/<n>",
                "detached HEAD (1 commit(s) on no branch), as refs/skipper/saved/detached-T",
                "tag v2",
                "tag v3 (a lightweight tag on a pushed commit), as a tag object on refs/skipper/saved/tag-T/v3",
            ]
        );
    }

    #[test]
    fn setup_marks_the_workspace_ready_last() {
        assert!(SETUP.ends_with(&format!("done\n: > {READY_MARKER}\n")));
        assert!(SETUP.contains("refs/tags > .git/skipper/host-tags\n"));
        let marker = READY_MARKER.strip_prefix(".git/").unwrap();
        // The copy never brings a host's marker in.
        assert!(crate::archive::is_host_only(marker));
    }

    #[test]
    fn the_gate_and_the_save_share_one_definition_of_work_at_risk() {
        assert!(REFS_AT_RISK.contains("refs_at_risk() {"));
        assert!(PRESERVE.contains("refs_at_risk() {"));
        assert!(PRESERVE.contains("at_risk=$(refs_at_risk)"));
        assert!(REFS_AT_RISK.contains("host_tags=.git/skipper/host-tags\n"));
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
