# shellcheck shell=sh
# exec-recording-pid.sh: runs the user's command after writing its pid to a file, so that
# Ctrl-C can signal its process group (see signal-process-group.sh). The command keeps the
# shell's pid; an unwritable pidfile only costs the interrupt.
#
# Arguments: $0 the pidfile; $1... the command's argument vector (words, never shell text).
# Output: the command's. Exit status the command's, or 127 without a word when its program
#   is missing, so that the caller can tell the user in its own words.

{ echo "$$" >"$0"; } 2>/dev/null; command -v "$1" >/dev/null 2>&1 || exit 127; exec "$@"
