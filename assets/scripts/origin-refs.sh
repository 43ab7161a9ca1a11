# shellcheck shell=sh
# origin-refs.sh: the repository's remote-tracking branches of origin, for
# `sk workspace sync`. Runs in the repository's directory. Changes nothing.
#
# Arguments: none.
# Output: NUL-ended triples, read by skipper_git::sync: the object, the ref's full name
#   (refs/remotes/origin/...) and, for a symbolic ref (origin/HEAD), the ref it points at
#   (empty for the others).

set -euf
export LC_ALL=C
git for-each-ref --format='%(objectname)%00%(refname)%00%(symref)%00' refs/remotes/origin/
