# shellcheck shell=sh
# state.sh: what a repository looks like now, for `move` to compare the old workspace with
# the new one. Changes nothing (no index refresh is written: GIT_OPTIONAL_LOCKS=0).
#
# Arguments: none; runs in the repository's top directory.
# Output: NUL-ended fields, read by skipper_git::state:
#   HEAD's commit (empty while the branch is unborn);
#   the ref HEAD is on, in full (empty when detached);
#   the stash entries' commits, newest first, one field each, then an empty field;
#   `git status --porcelain=v1 -z --untracked-files=all` as git prints it.

set -euf
export LC_ALL=C GIT_OPTIONAL_LOCKS=0
head=$(git rev-parse -q --verify HEAD) || head=
on=$(git symbolic-ref -q HEAD) || on=
printf '%s\0%s\0' "$head" "$on"
if git rev-parse -q --verify refs/stash >/dev/null; then
    git rev-list --walk-reflogs refs/stash | tr '\n' '\0'
fi
printf '\0'
git status --porcelain=v1 -z --untracked-files=all
