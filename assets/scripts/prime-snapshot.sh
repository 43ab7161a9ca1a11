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
    # At least eight workers, as setup-workspace.sh checks out.
    workers=$(nproc 2>/dev/null || echo 1)
    if [ "$workers" -lt 8 ]; then workers=8; fi
    git -c checkout.workers="$workers" checkout --quiet --force --detach "$target"
    # The files written in the same second as the index are racily clean to git (it
    # compares whole seconds here): every workspace's checkout would read each of them
    # again to tell it unchanged (600 ms for a repository of 20,000 files). Once the clock
    # is past that second, a refresh records them as they are and writes the index anew,
    # newer than every file.
    index=$(git rev-parse --git-path index)
    while [ "$(date +%s)" -le "$(stat -c %Y "$index")" ]; do
        sleep 0.1
    done
    git update-index -q --refresh >/dev/null 2>&1 || true
fi
