# shellcheck shell=sh
# exec-recording-pid.sh: runs the user's command after writing its pid to a file, so that
# Ctrl-C can signal its process group (see signal-process-group.sh). The command keeps the
# shell's pid; an unwritable pidfile only costs the interrupt. The pidfiles of commands
# that have ended (their pid is gone) are deleted first: no exec is spent after a command on
# deleting its own.
#
# Arguments: $0 the pidfile; $1... the command's argument vector (words, never shell text).
# Output: the command's. Exit status the command's, or 127 without a word when its program
#   is missing, so that the caller can tell the user in its own words.

# A file still being written (read finds no whole line yet) is left alone.
for recorded in "${0%/*}"/.skipper-exec-*; do
    if { read -r pid <"$recorded"; } 2>/dev/null && [ -n "$pid" ] && [ ! -d "/proc/$pid" ]; then
        rm -f -- "$recorded" 2>/dev/null
    fi
done
{ echo "$$" >"$0"; } 2>/dev/null; command -v "$1" >/dev/null 2>&1 || exit 127; exec "$@"
