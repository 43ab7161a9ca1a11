# shellcheck shell=sh
# egress-proxy.sh: the egress proxy of a data root's `allow` workspaces, one container shared
# by all of them, holding one tinyproxy per workspace: each on a port of its own, with its
# own credentials and its own filter (the workspace's allow list), so that no workspace
# reaches another's hosts.
#
# The rules live in the volume mounted at $root, which outlives the container: a
# restarted or replaced container serves the same workspaces on the same ports.
#   $root/rules/<workspace>/port            the port it listens on
#   $root/rules/<workspace>/tinyproxy.conf  its configuration, Port and Filter included
#   $root/rules/<workspace>/filter          its filter
#   $root/rules/<workspace>/pid             its tinyproxy, while this container runs
#   $root/rules/<workspace>/made            when the rule was first put (seconds since 1970)
#   $root/ports/<port>                      the port claimed (mkdir is atomic)
# Every change is made under the lock $root/lock.
#
# Commands (every value comes from `sk` as an argument, never spliced into this text):
#   serve          the main process (behind an init): starts every rule's tinyproxy and
#                  waits until each listens, under the lock (so that whoever takes it next
#                  finds them serving); then, every few seconds, starts again any that
#                  ended (killed, crashed). A rule whose tinyproxy cannot start is left for
#                  the next round, never the end of this container.
#   put W P C F    the rule of the workspace container W on port P (0: the lowest free one
#                  from 3129 up), with the configuration C (without Port and Filter, which
#                  this script adds) and the filter F; its tinyproxy is (re)started unless
#                  it runs with exactly these, and waited for until it listens. Prints the
#                  port.
#   drop W         stops W's tinyproxy and forgets its rule (nothing when it has none).
#   rules          the workspaces that have a rule, one per line, each followed by the
#                  rule's age in seconds.
# Exit status: 0, else 1 with the reason on stderr.
set -eu
root=/srv/sk-proxy
umask 077

fail() {
    echo "$*" >&2
    exit 1
}

# Whether the process in the rule directory $1's `pid` is its own tinyproxy, running now
# (a pid left from before a restart may be another process's, even another rule's).
running() {
    [ -s "$1/pid" ] || return 1
    pid=$(cat "$1/pid")
    case $(tr "\\0" " " 2>/dev/null <"/proc/$pid/cmdline") in
        "tinyproxy -d -c $1/tinyproxy.conf ") return 0 ;;
    esac
    return 1
}

# Starts the tinyproxy of the rule directory $1, its log on the container's, without the
# lock (which it would otherwise hold as long as it runs).
start() {
    if [ -w /proc/1/fd/2 ]; then
        tinyproxy -d -c "$1/tinyproxy.conf" </dev/null >/proc/1/fd/2 2>&1 9>&- &
    else
        tinyproxy -d -c "$1/tinyproxy.conf" </dev/null >/dev/null 2>&1 9>&- &
    fi
    echo "$!" >"$1/pid"
}

# Whether the process in the file $1 has not ended (a zombie has), whatever it runs: one
# just started may not have become tinyproxy yet.
alive() {
    pid=$(cat "$1")
    case $(cut -d' ' -f3 2>/dev/null <"/proc/$pid/stat") in
        '' | Z | X) return 1 ;;
    esac
    return 0
}

# Waits until the tinyproxy of the rule directory $1 listens on port $2, for at most
# about five seconds; returns 1, saying why on stderr, when it ended or did not listen by
# then.
await_listening() {
    hex=$(printf ':%04X ' "$2")
    tries=0
    while [ "$tries" -lt 100 ]; do
        if ! alive "$1/pid"; then
            echo "its tinyproxy ended at once (its log: docker logs of this container)" >&2
            return 1
        fi
        if grep -q "^ *[0-9]*: [0-9A-F]*${hex}[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
            return 0
        fi
        sleep 0.05
        tries=$((tries + 1))
    done
    echo "its tinyproxy did not listen on port $2" >&2
    return 1
}

# Stops the tinyproxy of the rule directory $1 and waits for it to end, so that its port
# is free again: SIGTERM, and SIGKILL after about five seconds.
stop() {
    if running "$1"; then
        pid=$(cat "$1/pid")
        kill "$pid" 2>/dev/null || true
        tries=0
        while running "$1" && [ "$tries" -lt 100 ]; do
            sleep 0.05
            tries=$((tries + 1))
        done
        if running "$1"; then
            kill -9 "$pid" 2>/dev/null || true
            while running "$1"; do
                sleep 0.05
            done
        fi
    fi
    rm -f "$1/pid"
}

check_name() {
    case $1 in
        '' | *[!A-Za-z0-9_.-]* | .*) fail "no workspace container is called $1" ;;
    esac
}

mkdir -p "$root/rules" "$root/ports"
command=${1-}
[ "$#" -gt 0 ] && shift
case $command in
    serve)
        exec 9>"$root/lock"
        # No tinyproxy runs yet in this container: the pids recorded are another's.
        rm -f "$root"/rules/*/pid
        while :; do
            flock 9
            for dir in "$root"/rules/*/; do
                dir=${dir%/}
                if [ ! -f "$dir/tinyproxy.conf" ] || [ ! -s "$dir/port" ]; then
                    continue
                fi
                running "$dir" && continue
                start "$dir"
                await_listening "$dir" "$(cat "$dir/port")" || true
            done
            flock -u 9
            # Waiting for this sleep also reaps the tinyproxies of this shell that ended.
            sleep 5
        done
        ;;
    rules)
        now=$(date +%s)
        for dir in "$root"/rules/*/; do
            [ -d "$dir" ] || continue
            dir=${dir%/}
            made=$(cat "$dir/made" 2>/dev/null || echo 0)
            case $made in '' | *[!0-9]*) made=0 ;; esac
            echo "${dir##*/} $((now - made))"
        done
        exit 0
        ;;
    put | drop) ;;
    *) fail "usage: egress-proxy.sh serve | put W P C F | drop W | rules" ;;
esac

exec 9>"$root/lock"
flock -w 30 9 || fail "the proxy's lock was held for 30 seconds"
workspace=${1-}
check_name "$workspace"
dir=$root/rules/$workspace

if [ "$command" = drop ]; then
    [ -d "$dir" ] || exit 0
    stop "$dir"
    if [ -s "$dir/port" ]; then
        rm -rf "$root/ports/$(cat "$dir/port")"
    fi
    rm -rf "$dir"
    exit 0
fi

[ "$#" -eq 4 ] || fail "usage: egress-proxy.sh put W P C F"
port=$2 config=$3 filter=$4
case $port in
    '' | *[!0-9]*) fail "$port is not a port" ;;
esac
old=$(cat "$dir/port" 2>/dev/null || true)
if [ "$port" = 0 ] && [ -n "$old" ]; then
    port=$old
fi
if [ "$port" = 0 ]; then
    port=3129
    until mkdir "$root/ports/$port" 2>/dev/null; do
        port=$((port + 1))
        [ "$port" -le 65535 ] || fail "no port is left for $workspace"
    done
    echo "$workspace" >"$root/ports/$port/workspace"
elif [ ! -d "$root/ports/$port" ]; then
    mkdir "$root/ports/$port"
    echo "$workspace" >"$root/ports/$port/workspace"
elif [ "$(cat "$root/ports/$port/workspace" 2>/dev/null)" != "$workspace" ]; then
    fail "port $port of the proxy is another workspace's"
fi
# A claim the rule held on another port is given back.
if [ -n "$old" ] && [ "$old" != "$port" ] &&
    [ "$(cat "$root/ports/$old/workspace" 2>/dev/null)" = "$workspace" ]; then
    rm -rf "$root/ports/$old"
fi
mkdir -p "$dir"
[ -s "$dir/made" ] || date +%s >"$dir/made"
wanted=$(printf 'Port %s\n%s\nFilter "%s"\n' "$port" "$config" "$dir/filter")
if [ "$(cat "$dir/tinyproxy.conf" 2>/dev/null)" = "$wanted" ] &&
    [ "$(cat "$dir/filter" 2>/dev/null)" = "$filter" ] &&
    running "$dir"; then
    echo "$port"
    exit 0
fi
stop "$dir"
printf '%s\n' "$port" >"$dir/port"
printf '%s\n' "$wanted" >"$dir/tinyproxy.conf"
printf '%s\n' "$filter" >"$dir/filter"
start "$dir"
await_listening "$dir" "$port" || exit 1
echo "$port"
