# shellcheck shell=sh
# program-exists.sh: whether a program can be run, asked after a command exited 127 to tell
# a missing program from a program's own 127.
#
# Arguments: $1 the program's name or path.
# Output: nothing. Exit status 0 when the shell finds it, non-zero otherwise.

command -v "$1" >/dev/null 2>&1
