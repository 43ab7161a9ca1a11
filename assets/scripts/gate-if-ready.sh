# shellcheck shell=sh
# gate-if-ready.sh: put in front of repository-refs.sh and gate.sh where the repository may
# be half made (a container whose setup did not finish), so that `list` learns both in one
# run. $5 is the file the setup writes last, relative to the working directory; without it
# the gate does not run and `not-ready` is all that is printed. $1 to $4 are gate.sh's.

if [ ! -f "$5" ]; then
    printf 'not-ready\000'
    exit 0
fi
