# shellcheck shell=sh
# save.sh: saves one repository's work for a forced removal. Runs after repository-refs.sh,
# which defines the policies, candidate_refs and nul.
#
# It records HEAD, a commit of the index, a commit of the working tree (untracked files
# included, ignored ones and the nested repositories given not), the stash entries and every
# ref candidate_refs names, each under the save's own ref prefix, then bundles what the
# policy's $bundle_not lacks. The index and working-tree commits are built in a temporary
# index of this save alone: the real index is only read. The refs under the prefix are
# deleted when the script ends (the bundle and what it prints are the save); nothing else
# in the repository changes.
#
# Arguments: $1 the repository's directory, relative to the working directory; $2 the
#   policy; $3 the workspace's branch (worktree policy; empty otherwise); $4 the save's ref
#   prefix (refs/skipper/saved/<id>/); $5 where to write the bundle; $6 the commits'
#   message; then the untracked nested repositories to leave out of the working-tree commit
#   (each saved on its own), relative to $1.
# Environment: GIT_AUTHOR_* and GIT_COMMITTER_* name the commits' identity; TMPDIR (default
#   /tmp) holds the temporary index.
# Output: NUL-ended fields, read by skipper_git::preserve:
#   head <commit> <branch>   HEAD (the branch without refs/heads/, empty when detached);
#   index <commit>           the index, when it differs from HEAD;
#   worktree <commit>        the working tree, when it differs from HEAD;
#   stash <commit>           each stash entry, newest first;
#   ref <ref> <object>       each ref saved;
#   commits <count>          commits saved that $safe does not hold;
#   bundle <path>            the bundle, when some object was new ($5 is not written else);
#   unsaved <what>           what could not be saved, for people.
#
# $policy, $safe and $bundle_not come from repository-refs.sh; they and $parent are lists of
# fixed words, split on purpose (globbing is off).
# shellcheck disable=SC2154,SC2086

set -euf
export LC_ALL=C
dir=$1 prefix=$4 bundle=$5 message=$6
cd -- "$dir"
policy_setup "$2" "$3"
shift 6
scratch=$(mktemp -d "${TMPDIR:-/tmp}/skipper-save.XXXXXX")
cleanup() {
    git for-each-ref --format='delete %(refname)' "$prefix" | git update-ref --stdin || true
    rm -rf -- "$scratch"
}
trap cleanup EXIT

index=$scratch/index
real_index=$(git rev-parse --git-path index)
if [ -f "$real_index" ]; then cp -- "$real_index" "$index"; fi

empty_tree=$(git hash-object -t tree /dev/null)
head=$(git rev-parse -q --verify 'HEAD^{commit}' || true)
head_ref=$(git symbolic-ref -q HEAD || true)
case "$head_ref" in refs/heads/*) head_branch=${head_ref#refs/heads/} ;; *) head_branch= ;; esac
if [ -n "$head" ]; then
    git update-ref "${prefix}head" "$head"
    nul head "$head" "$head_branch"
    head_tree=$(git rev-parse "$head^{tree}")
    parent="-p $head"
else
    head_tree=$empty_tree
    parent=
fi

if index_tree=$(GIT_INDEX_FILE=$index git write-tree 2>/dev/null); then
    if [ "$index_tree" != "$head_tree" ]; then
        commit=$(git commit-tree --no-gpg-sign "$index_tree" $parent -m "$message (index)")
        git update-ref "${prefix}index" "$commit"
        nul index "$commit"
    fi
else
    nul unsaved "the index has unresolved conflicts: the files are saved as they are, the conflicts are not"
fi

# The nested repositories become pathspecs that leave them out.
count=$#
for path do set -- "$@" ":(exclude,literal)$path"; done
shift "$count"
GIT_INDEX_FILE=$index git add -A -- . "$@"
worktree_tree=$(GIT_INDEX_FILE=$index git write-tree)
if [ "$worktree_tree" != "$head_tree" ]; then
    commit=$(git commit-tree --no-gpg-sign "$worktree_tree" $parent -m "$message (working tree)")
    git update-ref "${prefix}worktree" "$commit"
    nul worktree "$commit"
fi

if [ "$policy" != worktree ] && git rev-parse -q --verify refs/stash >/dev/null; then
    entries=$(git rev-list --walk-reflogs refs/stash 2>/dev/null || git rev-parse refs/stash)
    i=0
    for entry in $entries; do
        git update-ref "${prefix}stash/$i" "$entry"
        nul stash "$entry"
        i=$((i + 1))
    done
fi

candidate_refs > "$scratch/refs"
i=0
while read -r _ oid ref; do
    git update-ref "${prefix}ref/$i" "$oid"
    nul ref "$ref" "$oid"
    i=$((i + 1))
done < "$scratch/refs"

set -- "--glob=${prefix}ref/*"
if [ -n "$head" ]; then set -- "$@" "${prefix}head"; fi
commits=$(git rev-list --count "$@" --not $safe --)
nul commits "$commits"

git rev-list --objects "--glob=$prefix*" --not $bundle_not -- > "$scratch/objects"
if [ -s "$scratch/objects" ]; then
    git bundle create --quiet "$bundle" "--glob=$prefix*" --not $bundle_not --
    nul bundle "$bundle"
fi
