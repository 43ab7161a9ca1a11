# shellcheck shell=sh
# interactive-shell.sh: the shell of `sk attach`: bash when the image has it, else sh.
#
# Arguments: none.
# Output: the shell's, on the terminal.

if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh
