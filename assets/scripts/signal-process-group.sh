# shellcheck shell=sh
# signal-process-group.sh: signals the process group of a command started by
# exec-recording-pid.sh (or the process alone, if it is not a group leader). Best effort:
# the command may already have ended.
#
# Arguments: $0 the pidfile; $1 the signal's name (INT, TERM, KILL).
# Output: nothing. Exit status 0 always.

pid=$(cat "$0" 2>/dev/null) || exit 0; kill -s "$1" -- "-$pid" 2>/dev/null || kill -s "$1" "$pid" 2>/dev/null; exit 0
