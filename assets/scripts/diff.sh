# shellcheck shell=sh
# diff.sh: everything a workspace changed since it started, as one git diff: the commits
# since the merge base of HEAD with a start ref, and the staged, unstaged and untracked (not
# ignored) files, written to a file. Runs in the workspace's top directory.
#
# The working tree is added to a temporary index of this run alone (a copy of the real one,
# which is only read), and that index is diffed against the merge base: one diff, whatever
# was committed, staged or left in the working tree. The diff is pinned to what `git apply`
# takes on any git: full object names (`--full-index`: abbreviations depend on how many
# objects a repository holds), binary patches, `a/` and `b/` prefixes, no external diff or
# textconv, short submodule lines, and the C locale; everything else is the user's git
# configuration. Nothing in the repository changes but the objects of the files added.
#
# Arguments: $1 the start ref (a name or an object the workspace's git knows); $2 the
#   format: patch, stat or name-only; $3 colour: always or never; $4 the terminal's width
#   for --stat (empty: none, git's 80 columns); $5 the file to write the diff to.
# Environment: TMPDIR (default /tmp) holds the temporary index.
# Output: NUL-ended fields, read by skipper_git::diff, once the diff is written:
#   base <commit>   the merge base the diff starts from; empty for the empty tree (no common
#                   ancestor, or no commit on HEAD yet).
# Exit status: 3 when $1 names no commit (nothing is written); 2 for an unknown format;
#   git's own failure else.

set -euf
export LC_ALL=C
start=$1 format=$2 color=$3 columns=$4 out=$5
nul() { printf '%s\0' "$@"; }

case "$format" in
    patch) set -- --binary --full-index ;;
    stat) set -- --stat ;;
    name-only) set -- --name-only ;;
    *) echo "unknown format $format" >&2; exit 2 ;;
esac
case "$color" in
    always|never) ;;
    *) echo "unknown colour $color" >&2; exit 2 ;;
esac

if ! start_commit=$(git rev-parse -q --verify --end-of-options "$start^{commit}"); then
    echo "$start names no commit" >&2
    exit 3
fi
base=
if head=$(git rev-parse -q --verify 'HEAD^{commit}'); then
    # 1: no common ancestor; anything else is a failure.
    status=0
    base=$(git merge-base "$start_commit" "$head") || status=$?
    case "$status" in
        0) ;;
        1) base= ;;
        *) exit "$status" ;;
    esac
fi
from=${base:-$(git hash-object -t tree /dev/null)}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/skipper-diff.XXXXXX")
trap 'rm -rf -- "$scratch"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
index=$scratch/index
real_index=$(git rev-parse --git-path index)
if [ -f "$real_index" ]; then cp -- "$real_index" "$index"; fi
GIT_INDEX_FILE=$index git -c advice.addEmbeddedRepo=false add -A -- .

if [ -n "$columns" ]; then
    COLUMNS=$columns
    export COLUMNS
else
    unset COLUMNS
fi
GIT_INDEX_FILE=$index git --no-pager diff --cached --no-ext-diff --no-textconv \
    --src-prefix=a/ --dst-prefix=b/ --submodule=short --color="$color" "$@" "$from" -- > "$out"
nul base "$base"
