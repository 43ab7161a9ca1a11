# shellcheck shell=sh
# terminal.sh: a request of sk's that needs a terminal (`sk attach`, a command run on the
# user's terminal), run by the spawner (see spawner.sh) as the request's `run` does: a
# pseudo-terminal made by util-linux script(1), in place of the one `docker exec -it` makes.
#
# The request directory holds, besides what every request has, this script as `terminal`,
# the command's own script as `session` (working directory, environment, argument vector)
# and the FIFO `size`, on which sk writes a `<rows> <cols>` line at each resize.
#
# Outside the terminal, in this order: what is needed is checked, and the request refused
# when it is missing, before anything is read or shown; `pty` on stderr (the request's
# `err`, closed after it) tells sk the terminal is starting. Then script(1) runs with stdin
# from `in` and its output relayed to `out`. Two things keep the command running when sk
# leaves it (its detach keys) as the daemon's exec does:
# - stdin is `in` opened again for reading and writing: this process then counts as one of
#   its writers, so sk closing its end never becomes an end of file (on which script(1)
#   ends the session, and the shell with it);
# - the output reaches `out` through a relay that, once nobody reads `out` (a write fails:
#   SIGPIPE is ignored by the relay alone), reads on and throws it away, so that script(1)
#   never writes where nobody reads. util-linux 2.38 goes on when its output fails, but its
#   manual promises nothing of the kind, and a script(1) that ended of it would hang up the
#   terminal, and the shell with it.
# Resizes after sk left are lost, as there is no terminal to follow. All of this is in the
# request, not in the spawner, so that every container with a spawner has terminals, those
# made before them included.
#
# Inside the terminal (`inside`): the terminal's modes and size (before the command starts,
# so that its first look at the size is right), the loop that applies each resize from
# `size` in a session of its own (outside this terminal's: no key typed reaches it, and it
# ends when sk closes `size`), then `session` in place of this shell.
#
# Arguments: $1 the request directory (inside the container); $2 and $3 the terminal's
#   rows and columns (0 0: unknown, left as they are); $4 `inside` for the part that runs
#   inside the terminal.
# Output: on stderr, `pty` or why there is no terminal (then exit status 125, having read
#   nothing); on stdout, everything the terminal shows. Exit status: the command's, 128 +
#   the signal's number when a signal ended it (as script -e reports it).

dir=$1 rows=$2 cols=$3
case $rows$cols in
    '' | *[!0-9]*) rows=0 cols=0 ;;
esac

if [ "${4-}" = inside ]; then
    # The modes as the kernel makes a terminal, as docker exec's is: util-linux before
    # 2.38 turns echo off when its own stdin is not a terminal.
    if [ "$rows" = 0 ] || [ "$cols" = 0 ]; then
        stty echo
    else
        stty echo rows "$rows" cols "$cols"
    fi
    # shellcheck disable=SC2016
    setsid -f sh -c 'while read -r rows cols; do
    case $rows$cols in "" | *[!0-9]*) continue ;; esac
    stty -F "$0" rows "$rows" cols "$cols"
done' "$(tty)" <"$dir/size" >/dev/null 2>&1
    # script(1) was given SHELL=/bin/sh (see below); the command gets the container's.
    if [ -n "${SKIPPER_SHELL+set}" ]; then
        SHELL=$SKIPPER_SHELL
        export SHELL
        unset SKIPPER_SHELL
    else
        unset SHELL
    fi
    exec sh "$dir/session"
fi

case $dir in
    '' | *[!A-Za-z0-9/._-]*)
        echo "the request directory $dir is not one this script can name" >&2
        exit 125
        ;;
esac
case $(script -V 2>/dev/null) in
    *util-linux*) ;;
    *)
        echo "no util-linux script(1)" >&2
        exit 125
        ;;
esac
for tool in stty tty setsid; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "no $tool" >&2
        exit 125
    fi
done
# A failure here ends this shell before `pty` is said, which sk takes as a refusal.
exec 0<>/proc/self/fd/0
echo pty >&2
exec 2>/dev/null 3>&1

# script(1) runs `$SHELL -c` on its command: /bin/sh, whatever the container's SHELL is,
# which is handed to the command as SKIPPER_SHELL.
if [ -n "${SHELL+set}" ]; then
    SKIPPER_SHELL=$SHELL
    export SKIPPER_SHELL
fi
# The exit status of script(1) comes out on fd 4, the relay's on nobody's.
status=$(
    {
        {
            SHELL=/bin/sh script -q -e -c "exec sh $dir/terminal $dir $rows $cols inside" \
                /dev/null 2>&1 3>&- 4>&-
            echo "$?" >&4
        } | {
            trap '' PIPE
            cat
            exec cat >/dev/null
        } >&3 3>&- 4>&-
    } 4>&1
)
exit "${status:-1}"
