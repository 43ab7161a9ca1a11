# shellcheck shell=sh
# setup-workspace.sh: turns the git directory copied into a container into a working
# repository, once, right after the copy.
#
# It swaps in the host's refs that the copy left in .git/skipper/incoming (so refs deleted
# on the host since the snapshot are gone) without the host's stash, records the host's
# branch tips under refs/skipper/host/ (their commits are safe on the host), its tags as
# "<object> <ref>" lines in .git/skipper/host-tags (a tag missing there was made in the
# workspace) and all its refs so in .git/skipper/host-refs (notes and other refs too), checks out the workspace's branch, links the read-only host configuration
# into $HOME, and writes .git/skipper/ready last: a container without it was left half-made.
#
# Arguments: $1 the repository directory; $2 the mode: main (the default branch, reset to
#   origin's), existing (a local branch), track (a new branch tracking origin's), new (a
#   new branch from origin's default branch); $3 the default branch; $4 the branch (empty
#   for main); then triples (kind, mounted path, path relative to $HOME), kind being link
#   (link the mounted path itself) or entries (a directory of links to its entries).
# Environment: HOME, the container user's home.
# Output: nothing on stdout; a "skipper: could not link ..." line on stderr for each link
#   it could not make (not an error). Exit status 2 for an unknown mode.

set -eu
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
# The snapshot's working tree and index (prime-snapshot.sh) are compared by size and mtime:
# the image layer keeps neither inode numbers nor ctimes, and the copy brought the host's
# config over the snapshot's.
git config core.checkStat minimal
git config core.trustctime false
git for-each-ref --format='update refs/skipper/host/%(refname:lstrip=2) %(objectname)' refs/heads | git update-ref --stdin
mkdir -p .git/skipper
git for-each-ref --format='%(objectname) %(refname)' refs/tags > .git/skipper/host-tags
git for-each-ref --format='%(objectname) %(refname)' > .git/skipper/host-refs
# A checkout that writes many files (the main container's, made without a snapshot) writes
# them with parallel workers; one that writes a few (git's threshold is 100) does not. At
# least eight, more than a small machine's cores: a worker mostly waits for the file system
# to take each new file, and more workers overlap those waits.
workers=$(nproc 2>/dev/null || echo 1)
if [ "$workers" -lt 8 ]; then workers=8; fi
checkout() { git -c checkout.workers="$workers" checkout "$@"; }
case "$mode" in
    main) checkout --quiet --force -B "$default" "refs/remotes/origin/$default" ;;
    existing) checkout --quiet --force "$branch" -- ;;
    track) checkout --quiet --force --track -b "$branch" "refs/remotes/origin/$branch" ;;
    new) checkout --quiet --force --no-track -b "$branch" "refs/remotes/origin/$default" ;;
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
