# shellcheck shell=sh
# export-branch.sh: where a workspace's branch stands next to the host checkout's, and a
# bundle of the commits the host lacks, for `sk workspace fetch`. Runs in the repository's
# directory. Changes nothing in the repository.
#
# Arguments: $1 the branch (without refs/heads/); $2 where to write the bundle (empty:
#   report only, write nothing); $3 the host's tip of the branch (empty when the host has
#   no such branch); then other commits the host has (its origin/* tips). Commits the
#   repository does not have are passed over: it cannot leave them out of a bundle.
# Output: NUL-ended fields, read by skipper_git::export:
#   tip <commit>          the branch's tip here;
#   host <standing>       absent (no host tip), same, ahead (the host's tip is in the
#                         branch: a fast-forward), or diverged (the host's tip is not in the
#                         branch, or not here at all: the host has commits this lacks);
#   bundle <path>         the bundle was written ($2, only when absent or ahead and some
#                         commit is new to the host);
#   status, then `git status --porcelain=v1 -z --untracked-files=normal` as git prints
#     it, then an empty field (git never prints one).
# Exit status 3 when the repository has no such branch.

set -euf
export LC_ALL=C
nul() {
    for field do printf '%s\000' "$field"; done
}
branch=$1 bundle=$2 host_tip=$3
shift 3
ref=refs/heads/$branch
if ! tip=$(git rev-parse -q --verify "$ref^{commit}"); then
    echo "the workspace has no branch $branch" >&2
    exit 3
fi
nul tip "$tip"

# The given commits this repository has, as a list of object ids (hex only: never an
# option), split on purpose below.
have=
for oid in "$host_tip" "$@"; do
    case "$oid" in '' | *[!0-9a-f]*) continue ;; esac
    if git cat-file -e "$oid^{commit}" 2>/dev/null; then have="$have $oid"; fi
done

if [ -z "$host_tip" ]; then
    standing=absent
elif [ "$host_tip" = "$tip" ]; then
    standing=same
elif git cat-file -e "$host_tip^{commit}" 2>/dev/null && git merge-base --is-ancestor "$host_tip" "$tip"; then
    standing=ahead
else
    standing=diverged
fi
nul host "$standing"

# shellcheck disable=SC2086
if [ -n "$bundle" ] && { [ "$standing" = absent ] || [ "$standing" = ahead ]; } &&
    [ -n "$(git rev-list -n 1 "$tip" --not $have --)" ]; then
    git bundle create "$bundle" "$ref" --not $have >/dev/null
    nul bundle "$bundle"
fi

nul status
git status --porcelain=v1 -z --untracked-files=normal
nul ''
