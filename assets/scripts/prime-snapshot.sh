# shellcheck shell=sh
# prime-snapshot.sh: checks out the remote's default branch in a repository snapshot's
# builder, so that a workspace made from the snapshot finds that working tree and its index
# in place, and the checkout of its own branch (setup-workspace.sh) writes only the files
# that differ instead of every file. Git compares files by size and whole-second mtime only
# (core.checkStat minimal, core.trustctime false): the image layer keeps neither inode
# numbers nor ctimes.
#
# Arguments: $1 the repository directory.
# Output: nothing. Without refs/remotes/origin/HEAD nothing is checked out, and workspaces
#   check out every file, as before.

set -eu
cd "$1"
git config core.bare false
git config --unset-all core.worktree >/dev/null 2>&1 || true
git config core.checkStat minimal
git config core.trustctime false
if target=$(git rev-parse -q --verify 'refs/remotes/origin/HEAD^{commit}'); then
    git -c checkout.workers=0 checkout --quiet --force --detach "$target"
fi
