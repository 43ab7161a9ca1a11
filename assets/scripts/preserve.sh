# shellcheck shell=sh
# preserve.sh: saves the work at risk into a bundle. Runs after refs-at-risk-function.sh,
# which defines refs_at_risk, in the repository directory.
#
# Saves a commit of the uncommitted and untracked changes (made with a temporary index, so
# the real one is untouched) on refs/skipper/saved/<ts>, every branch with unpushed
# commits, every stash entry (on refs/skipper/saved/stash-<ts>/<n>, refs/stash too), a
# detached HEAD's commits (on refs/skipper/saved/detached-<ts>) and every new tag. The
# bundle leaves out what the remote branches hold (the host fetched it). Git drops a ref
# whose commit is left out that way, so a lightweight tag on such a commit is saved as a
# tag object pointing at it, on refs/skipper/saved/tag-<ts>/<name>.
#
# Arguments: $1 a timestamp for ref names; $2 the bundle's path; $3 the commit message.
# Environment: GIT_AUTHOR_* and GIT_COMMITTER_* name the saving commit's and tags'
#   identity; TMPDIR (default /tmp) holds the temporary index.
# Output: tab-separated lines, read by parse_preserved: saved<TAB><ref>,
#   branch<TAB><name><TAB><count>, stash<TAB><ref prefix><TAB><entries>,
#   detached<TAB><ref><TAB><count>, tag<TAB><name>[<TAB><ref>].
#   Exit status 3, with "nothing to save" on stderr, when nothing is at risk.

set -eu
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
    # $parent is empty or "-p <commit>": two words, or none.
    # shellcheck disable=SC2086
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
# $refs is a space-separated list of ref names, one word each: git refuses a ref name
# holding a space or a glob character.
# shellcheck disable=SC2086
git bundle create "$out" $refs --not --remotes
