# shellcheck shell=sh
# gate.sh: the dirty gate of one repository: what destroying it would lose, and the ignored
# files that go with it. Runs after repository-refs.sh, which defines the policies,
# candidate_refs and nul. Changes nothing.
#
# Arguments: $1 the repository's directory, relative to the working directory; $2 the
#   policy (worktree, container or nested, see repository-refs.sh); $3 the workspace's
#   branch (worktree policy; empty otherwise); $4 `skip-ignored` to leave ignored files
#   unmeasured (for `list`, which shows no sizes), else empty.
# Output: NUL-ended fields, read by skipper_git::gate:
#   status, then `git status --porcelain=v1 -z --untracked-files=all` as git prints it, then
#     an empty field (git never prints one);
#   submodule <path>                an initialised submodule (its directory holds .git);
#   ignored <path> <bytes>          a top-level ignored path (a directory once) and its size;
#   branch <ref> <commits>          a branch with commits kept nowhere else;
#   stash <entries>                 the repository's own stash (not for worktrees: shared);
#   detached <commits>              a detached HEAD's commits on no branch, tag or remote;
#   tag <ref>                       a tag the host lacks (container) or on unpushed commits;
#   notes <ref> <commits>           notes with commits kept nowhere else;
#   other <ref> <commits>           any other ref with commits kept nowhere else;
#   unreadable <what>               something the gate could not read: it refuses.
#   Refs are full names, as git spells them, never parsed further.
#
# $policy and $safe come from repository-refs.sh; $safe is a list of fixed words, split on
# purpose (globbing is off).
# shellcheck disable=SC2154,SC2086

set -euf
export LC_ALL=C
dir=$1
cd -- "$dir"
policy_setup "$2" "$3"
tab=$(printf '\t')
scratch=$(mktemp "${TMPDIR:-/tmp}/skipper-gate.XXXXXX")
trap 'rm -f -- "$scratch"' EXIT

nul status
git status --porcelain=v1 -z --untracked-files=all
nul ''

# Gitlinks of the index whose directory holds a repository. ls-files quotes a path holding
# a control character, a double quote or a backslash, even with core.quotePath off: such a
# path cannot be read back here, so it is reported as unreadable rather than guessed.
git -c core.quotePath=false ls-files --stage > "$scratch"
while IFS= read -r line; do
    case "$line" in 160000\ *) ;; *) continue ;; esac
    path=${line#*"$tab"}
    case "$path" in
    \"*) nul unreadable "a submodule whose path git quotes: $path" ;;
    *) if [ -e "$path/.git" ]; then nul submodule "$path"; fi ;;
    esac
done < "$scratch"

# du -sb (GNU) counts bytes; elsewhere du -sk counts kibibytes in use. The inner script's
# words are its own, expanded by the inner shell.
# shellcheck disable=SC2016
if [ "${4:-}" != skip-ignored ]; then
    git ls-files -z --others --ignored --exclude-standard --directory |
        xargs -0 sh -c '
            for path do
                if size=$(du -sb -- "$path" 2>/dev/null); then unit=1; else size=$(du -sk -- "$path"); unit=1024; fi
                size=${size%%[!0-9]*}
                printf "ignored\000%s\000%s\000" "$path" "$((size * unit))"
            done' sh
fi

candidate_refs > "$scratch"
while read -r kind _ ref; do
    case "$kind" in
    branch | notes | other)
        if n=$(git rev-list --count "$ref" --not $safe --); then
            if [ "$n" -gt 0 ]; then nul "$kind" "$ref" "$n"; fi
        else
            nul unreadable "could not count the commits of $ref"
        fi ;;
    tag)
        if [ "$policy" = container ]; then
            nul tag "$ref"
        elif new=$(git rev-list -n 1 "$ref" --not $safe --); then
            if [ -n "$new" ]; then nul tag "$ref"; fi
        else
            nul unreadable "could not read the tag $ref"
        fi ;;
    esac
done < "$scratch"

if [ "$policy" != worktree ] && git rev-parse -q --verify refs/stash >/dev/null; then
    n=$(git rev-list --walk-reflogs --count refs/stash 2>/dev/null || echo 0)
    if [ "$n" -eq 0 ]; then n=1; fi
    nul stash "$n"
fi

if ! git symbolic-ref -q HEAD >/dev/null && git rev-parse -q --verify HEAD >/dev/null; then
    n=$(git rev-list --count HEAD --not --branches --tags $safe --)
    if [ "$n" -gt 0 ]; then nul detached "$n"; fi
fi
