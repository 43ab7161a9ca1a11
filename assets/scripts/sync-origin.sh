# shellcheck shell=sh
# sync-origin.sh: sets the repository's remote-tracking branches of origin to the host
# checkout's, for `sk workspace sync`. Runs in the repository's directory. Touches
# refs/remotes/origin/* and the object store only: never a branch, the index, the working
# tree or the stash.
#
# Arguments: $1 a bundle holding the objects the repository lacks (empty: it lacks none);
#   $2 the ref origin/HEAD is to point at (empty: leave it, unless what it points at is
#   gone, then delete it); then triples: a ref (refs/remotes/origin/...), its new object
#   (empty: delete it) and its old object (empty: it does not exist yet). Every change is
#   made in one transaction, each only from the old object given: should a ref have moved
#   since it was listed, nothing changes.
# Output: nothing on stdout. Exit status 4 when an object the refs need is missing after
#   the bundle, 5 when a ref moved since it was listed (git's words on stderr).

set -euf
export LC_ALL=C
bundle=$1 head=$2
shift 2
if [ -n "$bundle" ]; then
    git bundle unbundle "$bundle" >/dev/null
fi
# The null object id of this repository's hash.
zero=$(git hash-object -t blob /dev/null | tr 0-9a-f 0)
transaction=$(mktemp "${TMPDIR:-/tmp}/skipper-sync.XXXXXX")
trap 'rm -f -- "$transaction"' EXIT
while [ "$#" -ge 3 ]; do
    ref=$1 new=$2 old=$3
    shift 3
    if [ -n "$new" ]; then
        if ! git cat-file -e "$new^{commit}" 2>/dev/null; then
            echo "the object $new of $ref is missing" >&2
            exit 4
        fi
        printf 'update %s\000%s\000%s\000' "$ref" "$new" "${old:-$zero}" >> "$transaction"
    else
        printf 'delete %s\000%s\000' "$ref" "$old" >> "$transaction"
    fi
done
if [ -s "$transaction" ]; then
    git update-ref -m 'sk workspace sync' --stdin -z < "$transaction" || exit 5
fi
if [ -n "$head" ] && git rev-parse -q --verify "$head" >/dev/null; then
    git symbolic-ref -m 'sk workspace sync' refs/remotes/origin/HEAD "$head"
elif target=$(git symbolic-ref -q refs/remotes/origin/HEAD) && ! git rev-parse -q --verify "$target" >/dev/null; then
    git symbolic-ref --delete refs/remotes/origin/HEAD
fi
