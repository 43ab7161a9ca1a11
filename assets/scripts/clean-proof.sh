# shellcheck shell=sh
# clean-proof.sh: put between repository-refs.sh and gate.sh in `list`'s gate
# (gate-if-ready.sh first), for a container's repository with ignored files left unmeasured.
# It proves in four git processes that gate.sh would find nothing at risk, and then prints
# `clean` alone and exits, so that the gate's dozen processes run only in a repository that
# may hold work. It proves and never disproves: whatever it cannot rule out at that cost (a
# change, a gitlink, a tag or a stash the host lacks, a commit outside the remote-tracking
# and host branches, a command that failed) is left to gate.sh, whose report is then the
# one read, so `list` says `clean` exactly when `remove` would go ahead.
#
# What each step rules out of gate.sh's report for the container policy:
#   status      git status prints nothing: no `status` entries, no untracked repository;
#   gitlinks    the index has none: no `submodule` (and no quoted submodule path);
#   tags        every tag is one the host had (`tag`), and there is no stash (`stash`);
#   commits     no ref of the repository's own (branch, notes, other) nor HEAD holds a
#               commit outside $safe: no `branch`, `notes`, `other` nor `detached`, since
#               each of those counts commits outside $safe (or more).
#
# Arguments: gate.sh's. Output: `clean` and a NUL byte, then exit 0; or nothing.

# The steps run in a subshell of their own, so that its `cd` and its exits are its alone.
# shellcheck disable=SC2016
if [ "$2" = container ] && [ "${4-}" = skip-ignored ] && (
    cd -- "$1" 2>/dev/null && [ -d .git ] || exit 1
    [ -z "$(git status --porcelain=v1 -z --untracked-files=all 2>/dev/null || echo failed)" ] ||
        exit 1
    # `failed` is no line ls-files prints: each starts with a mode.
    links=$({ git ls-files --stage 2>/dev/null || echo failed; } | grep -m 1 -e '^160000 ' -e '^failed$')
    [ -z "$links" ] || exit 1
    held=$(git for-each-ref --format='%(objectname) %(refname)' refs/tags refs/stash 2>/dev/null) ||
        exit 1
    if [ -n "$held" ]; then
        # grep exits 1 when it selects no line: every one is a tag of the host's.
        printf '%s\n' "$held" | grep -vxF -f .git/skipper/host-tags >/dev/null 2>&1
        [ "$?" -eq 1 ] || exit 1
    fi
    own=$(git rev-list -n 1 --exclude='refs/tags/*' --exclude='refs/remotes/*' \
        --exclude='refs/skipper/*' --exclude=refs/stash --all \
        --not --remotes --glob='refs/skipper/host/*' -- 2>/dev/null) || exit 1
    [ -z "$own" ]
); then
    printf 'clean\000'
    exit 0
fi
