# shellcheck shell=sh
# repository-refs.sh: shell functions put in front of gate.sh and save.sh, so that what the
# gate counts and what is saved cannot drift apart. Runs under `set -euf` (no globbing) and
# LC_ALL=C (bytes, not characters), in the repository's directory.
#
# A policy says which refs of a repository hold work only it keeps:
#   worktree   a git worktree of the host checkout: branches, tags, notes and the stash live
#              in the repository all worktrees share and survive the worktree. Its own are the
#              workspace's branch, the branch HEAD is on, and the per-worktree refs
#              (refs/worktree/*, refs/bisect/*, refs/rewritten/*).
#   container  a copy of the host checkout in a container: every ref the host did not have
#              when the workspace was made (refs/skipper/host/* holds the host's branch tips,
#              .git/skipper/host-tags and .git/skipper/host-refs "<object> <ref>" lines of
#              its tags and other refs), the stash and HEAD.
#   nested     a repository inside a workspace's working tree (a submodule, a `git init`):
#              every ref, its remote-tracking branches included (saved, never gated).
#
# policy_setup POLICY BRANCH: checks the policy and sets $safe, the rev-list arguments naming
#   the commits kept outside the repository (on a remote branch, on the host), and
#   $bundle_not, the ones a save's bundle leaves out (none for nested repositories: they are
#   restored from their bundle alone).
# candidate_refs: prints one line per ref the policy counts as the repository's own,
#   "<kind> <object> <ref>", kind being branch, tag, notes, other or remote, in ref order. Ref
#   names hold no newline (git refuses them), and the name is the rest of the line.
# nul FIELD...: prints each field ended by a NUL byte: the scripts' output format.

nul() {
    for field do printf '%s\000' "$field"; done
}

# $bundle_not is read by save.sh.
# shellcheck disable=SC2034
policy_setup() {
    policy=$1 branch=$2
    case "$policy" in
    worktree) safe='--remotes' bundle_not='--remotes' ;;
    container) safe='--remotes --glob=refs/skipper/host/*' bundle_not=$safe ;;
    nested) safe='--remotes' bundle_not= ;;
    *) echo "unknown policy $policy" >&2; exit 2 ;;
    esac
}

# The host's refs as "<object> <ref>" lines, for the container policy.
host_view() {
    git for-each-ref --format='%(objectname) refs/heads/%(refname:lstrip=3)' refs/skipper/host
    skipper_dir=$(git rev-parse --git-dir)/skipper
    for file in "$skipper_dir/host-tags" "$skipper_dir/host-refs"; do
        if [ -f "$file" ]; then cat -- "$file"; fi
    done
}

# "<object> <ref>" lines in, "<kind> <object> <ref>" lines out, the stash and skipper's own
# refs left out; remote-tracking branches only for nested repositories.
classify_refs() {
    while read -r oid ref; do
        case "$ref" in
        refs/heads/*) kind=branch ;;
        refs/tags/*) kind=tag ;;
        refs/notes/*) kind=notes ;;
        refs/stash | refs/skipper/*) continue ;;
        refs/remotes/*) if [ "$policy" = nested ]; then kind=remote; else continue; fi ;;
        *) kind=other ;;
        esac
        printf '%s %s %s\n' "$kind" "$oid" "$ref"
    done
}

candidate_refs() {
    case "$policy" in
    worktree)
        head_ref=$(git symbolic-ref -q HEAD || true)
        git for-each-ref --format='%(objectname) %(refname)' refs/heads |
            while read -r oid ref; do
                if [ "$ref" = "refs/heads/$branch" ] || [ "$ref" = "$head_ref" ]; then
                    printf 'branch %s %s\n' "$oid" "$ref"
                fi
            done
        git for-each-ref --format='%(objectname) %(refname)' refs/worktree refs/bisect refs/rewritten |
            classify_refs ;;
    container)
        view=$(mktemp "${TMPDIR:-/tmp}/skipper-host-view.XXXXXX")
        host_view > "$view"
        git for-each-ref --format='%(objectname) %(refname)' | { grep -vxF -f "$view" || true; } |
            classify_refs
        rm -f -- "$view" ;;
    nested)
        git for-each-ref --format='%(objectname) %(refname)' | classify_refs ;;
    esac
}
