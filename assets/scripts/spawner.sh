# shellcheck shell=sh
# spawner.sh: PID 1 of a workspace container (behind the daemon's init, which reaps
# orphans). It starts the processes sk asks for with fork and exec, so that a command costs
# no `docker exec`, whose start alone (runc exec) takes most of an exec's time.
#
# sk asks through the directory $0 (/run/skipper/exec), a host directory mounted read-write. A line written to
# the FIFO `requests` there is either an id, or `signal <id> <INT|TERM|KILL>`; an id is made
# of [A-Za-z0-9._-] and does not start with a dot, anything else is ignored. For an id,
# `<id>/` holds `run` (the script sk wrote: working directory, environment, argument
# vector) and the FIFOs `status`, `out`, `err` and `in`, which sk made and holds open. The
# process starts in a session of its own, detached from this shell by `setsid setsid` (the
# second one forks, so the process is orphaned for init to reap, and it does not ignore
# SIGINT as a process started with `&` would). It opens `status`, then runs `run` with
# stdout on `out`, stderr on `err` and stdin from `in` (opened in that order, `in` last:
# sk opening `in` proves the request was taken), in a session of its own, and writes the
# exit status to `status` once it ends. `<id>/pid` holds the process's pid once `run`
# records it there (first thing); `signal` signals its process group, as
# signal-process-group.sh does.
#
# Without the directory, a writable one, or `setsid`, this is `tail -f /dev/null`, as PID 1
# was before (leaving `unserved` in a writable directory): sk then finds nobody reading
# `requests` and uses `docker exec`.
#
# Arguments: $0 the directory. Output: nothing of its own (a request that cannot start says so on
#   stderr, the container's log). Runs until SIGTERM (docker stop), which ends it at once.

dir=$0
if [ ! -d "$dir" ] || [ ! -w "$dir" ] || ! command -v setsid >/dev/null 2>&1; then
    # sk, waiting for a new container's spawner to read its requests, stops at once.
    if [ -d "$dir" ] && [ -w "$dir" ]; then
        : >"$dir/unserved" || true
    fi
    exec tail -f /dev/null
fi
if [ ! -p "$dir/requests" ]; then
    { rm -f "$dir/requests" && mkfifo -m 666 "$dir/requests"; } || exec tail -f /dev/null
fi
# Read and write: the FIFO never reaches its end while this shell holds it open.
exec 3<>"$dir/requests" || exec tail -f /dev/null

# The process of one request, $1 its directory.
# Its own stderr goes nowhere: a shell says `Killed` there of a child killed by a signal.
# The redirections are the subshell's alone, so no message of this shell reaches `err`.
# shellcheck disable=SC2016
start='exec 9>"$1/status" 2>/dev/null || exit
(exec setsid sh "$1/run" 9>&- >"$1/out" 2>"$1/err" <"$1/in")
echo "$?" >&9'

while read -r word id sig <&3; do
    if [ "$word" = signal ]; then
        case $sig in
            INT | TERM | KILL) ;;
            *) continue ;;
        esac
    else
        id=$word
        sig=
    fi
    case $id in
        '' | .* | *[!A-Za-z0-9._-]*) continue ;;
    esac
    if [ -z "$sig" ]; then
        setsid setsid sh -c "$start" sh "$dir/$id" 3<&- </dev/null
        continue
    fi
    pid=
    if [ -f "$dir/$id/pid" ]; then
        read -r pid <"$dir/$id/pid"
    fi
    case $pid in
        '' | *[!0-9]*) continue ;;
    esac
    kill -s "$sig" -- "-$pid" 2>/dev/null || kill -s "$sig" "$pid" 2>/dev/null
done
exec tail -f /dev/null 3<&-
