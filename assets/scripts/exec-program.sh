# shellcheck shell=sh
# exec-program.sh: runs the user's command on a terminal, in place of the shell.
#
# Arguments: $0 a name for messages; $1... the command's argument vector (words, never
#   shell text).
# Output: the command's. Exit status the command's, or 127 without a word when its program
#   is missing, so that the caller can tell the user in its own words.

command -v "$1" >/dev/null 2>&1 || exit 127; exec "$@"
