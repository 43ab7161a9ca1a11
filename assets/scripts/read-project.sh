# shellcheck shell=sh
# read-project.sh: the project file at HEAD, of which a command's environment is made.
#
# Arguments: $1 the file's path in the repository (`.skipper.toml`).
# Output: the object id of HEAD:$1 on the first line (empty when HEAD has no such path),
#   `blob` or `none` on the second, then the blob's bytes as they are.
# Exit status: 0, unless the blob cannot be read.

object=$(git rev-parse -q --verify "HEAD:$1" 2>/dev/null) || object=
printf '%s\n' "$object"
if [ -n "$object" ] && [ "$(git cat-file -t "$object" 2>/dev/null)" = blob ]; then
    printf 'blob\n'
    exec git cat-file blob "$object"
fi
printf 'none\n'
