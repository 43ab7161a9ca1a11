# shellcheck shell=sh
# agent-activity.sh: put in front of gate-if-ready.sh for `list`, so that one run says what
# the workspace's agent does as well as what is at risk. Prints one record before the
# gate's: `agent`, then each value of SKIPPER_AGENT that `sk workspace prompt` gave a
# process running in the container (as `SKIPPER_AGENT=<agent>:<start>`; the processes of
# this user, whose environment it may read), then `last` and the record of the last run
# (`$1/.git/skipper/agents/last-run`'s line, empty without one): each field ended by a NUL
# byte. A process gone as it is read, or an image whose grep cannot, is no mark: not
# working. $1 is the repository's directory, as for the gate.

printf 'agent\000'
grep -sazh '^SKIPPER_AGENT=' /proc/[0-9]*/environ || :
printf 'last\000'
last=
if [ -f "$1/.git/skipper/agents/last-run" ]; then
    IFS= read -r last <"$1/.git/skipper/agents/last-run" || :
fi
printf '%s\000' "$last"
