# shellcheck shell=sh
# restore.sh: puts one repository's saved work back (what save.sh recorded), in a workspace
# just made on its branch or, for a nested repository, in a directory made for it.
#
# First it checks, changing nothing: every saved object is in the bundle or the repository,
# and no ref would lose commits by moving (a ref that exists and points elsewhere moves only
# when every commit it has is saved or on a remote branch or the host; a tag never moves).
# Then it sets the refs, the workspace's branch and HEAD, the working tree (staged,
# modified, deleted and untracked files as they were) and the index, and stores the stash
# entries the stash lacks, oldest first, with their own messages. Restoring a save twice
# changes nothing the second time.
#
# Arguments: $1 the repository's directory, relative to the working directory; $2 `init` to
#   make the directory and a repository in it first (a nested repository), else `existing`;
#   $3 the workspace's branch (empty for a nested repository); $4 the bundle (empty when the
#   save has none); $5 HEAD's commit (empty when there was none); $6 HEAD's branch (empty
#   when detached); $7 the index commit; $8 the working-tree commit (each empty when not
#   saved); $9 the number of stash entries, then the entries newest first; then pairs of a
#   ref and its object.
# Output: NUL-ended fields: `conflict <ref>` for each ref that would lose commits (exit
#   status 4, nothing changed), `missing <object>` for an object found nowhere (exit status
#   5, nothing changed).

set -euf
export LC_ALL=C
dir=$1 init=$2 branch=$3 bundle=$4 head=$5 head_branch=$6 index=$7 worktree=$8 stash_count=$9
shift 9
nul() {
    for field do printf '%s\000' "$field"; done
}
if [ "$init" = init ]; then mkdir -p -- "$dir"; fi
cd -- "$dir"
if [ "$init" = init ] && [ ! -e .git ]; then git init -q; fi
if [ -n "$bundle" ]; then git bundle unbundle "$bundle" >/dev/null; fi

stash=
i=0
while [ "$i" -lt "$stash_count" ]; do
    stash="$1 $stash"
    shift
    i=$((i + 1))
done

missing=0
for oid in $head $index $worktree $stash; do
    if ! git cat-file -e "$oid"; then nul missing "$oid"; missing=1; fi
done
refs=$#
i=0
while [ "$i" -lt "$refs" ]; do
    if ! git cat-file -e "$2"; then nul missing "$2"; missing=1; fi
    set -- "$@" "$1" "$2"
    shift 2
    i=$((i + 2))
done
if [ "$missing" -ne 0 ]; then exit 5; fi

# Whether moving $1 from $2 to $3 would lose commits kept nowhere else (or cannot be told).
loses_commits() {
    case "$1" in refs/tags/*) return 0 ;; esac
    if lost=$(git rev-list -n 1 "$2" --not "$3" --remotes '--glob=refs/skipper/host/*' --); then
        [ -n "$lost" ]
    else
        return 0
    fi
}
conflicts=0
check() {
    current=$(git rev-parse -q --verify "$1" || true)
    if [ -n "$current" ] && [ "$current" != "$2" ] && loses_commits "$1" "$current" "$2"; then
        nul conflict "$1"
        conflicts=1
    fi
}

# The workspace's branch goes where HEAD was when HEAD was on it, else where it was saved.
branch_target=
if [ -n "$branch" ] && [ "$head_branch" = "$branch" ]; then branch_target=$head; fi
i=0
while [ "$i" -lt "$refs" ]; do
    if [ "$1" = "refs/heads/$branch" ] && [ -n "$branch" ]; then
        if [ -z "$branch_target" ]; then branch_target=$2; fi
    else
        check "$1" "$2"
    fi
    set -- "$@" "$1" "$2"
    shift 2
    i=$((i + 2))
done
if [ -n "$branch_target" ]; then check "refs/heads/$branch" "$branch_target"; fi
if [ -n "$head_branch" ] && [ "$head_branch" != "$branch" ] && [ -n "$head" ]; then
    check "refs/heads/$head_branch" "$head"
fi
if [ "$conflicts" -ne 0 ]; then exit 4; fi

while [ "$#" -ge 2 ]; do
    if [ "$1" != "refs/heads/$branch" ] || [ -z "$branch" ]; then git update-ref "$1" "$2"; fi
    shift 2
done
if [ -n "$branch_target" ]; then git update-ref "refs/heads/$branch" "$branch_target"; fi
if [ -n "$head" ]; then
    if [ -n "$head_branch" ]; then
        git update-ref "refs/heads/$head_branch" "$head"
        git symbolic-ref HEAD "refs/heads/$head_branch"
    else
        git update-ref --no-deref HEAD "$head"
    fi
fi

tree=${worktree:-$head}
if [ -n "$tree" ]; then git read-tree --reset -u "$tree"; fi
tree=${index:-$head}
if [ -n "$tree" ]; then git read-tree "$tree"; else git read-tree --empty; fi
git update-index -q --refresh >/dev/null 2>&1 || true

# An entry the stash already holds (a second restore of one save) is not stored again.
held=$(git rev-list --walk-reflogs refs/stash 2>/dev/null || true)
for entry in $stash; do
    case "$held" in *"$entry"*) continue ;; esac
    git stash store -m "$(git log -1 --format=%s "$entry")" "$entry"
done
