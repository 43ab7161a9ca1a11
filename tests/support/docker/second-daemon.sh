#!/usr/bin/env bash
# A second Docker daemon of a test's own, beside the machine's, for a test that needs a
# daemon configured differently (another runtime, TLS, a remote endpoint...).
#
#   second-daemon.sh start NAME [DOCKERD ARGS...]   start it; prints its socket path
#   second-daemon.sh load NAME IMAGE...             copy images of the main daemon into it
#   second-daemon.sh stop NAME                      stop it, remove its bridge and files
#
# NAME (1 to 12 of [a-z0-9], e.g. sk4f2a1c) names the daemon, its bridge and its directory
# $SK_SECOND_DAEMON_ROOT/NAME (default /tmp/skd/NAME, kept short: unix socket paths are
# limited to 107 bytes), which holds docker.sock, data/, x/ (the exec root), pid, bridge
# (the bridge's address) and dockerd.log. Extra DOCKERD ARGS come after the script's own,
# e.g. `--config-file DIR/daemon.json` or `--tlsverify ... -H tcp://127.0.0.1:PORT`.
#
# The daemon gets its own socket, data root, exec root and pidfile, no iptables rules, and
# a bridge this script makes first (its own /24 in 10.213.0.0/16, one no interface or route
# of the machine uses): never `--bridge=none`, with which a second daemon deletes the main
# daemon's docker0. `stop` signals only the pid this script's daemon wrote, waits for it,
# and never touches the main daemon. Needs root (bridges, dockerd).
set -euo pipefail

usage() {
    sed -n '4,6p' "$0" | sed 's/^# //' >&2
    exit 2
}

[ $# -ge 2 ] || usage
command=$1
name=$2
shift 2
if ! [[ $name =~ ^[a-z0-9]{1,12}$ ]]; then
    echo "second-daemon.sh: NAME must be 1 to 12 of [a-z0-9] (it names a network interface): $name" >&2
    exit 2
fi
root="${SK_SECOND_DAEMON_ROOT:-/tmp/skd}"
dir="$root/$name"
socket="$dir/docker.sock"
log="$dir/dockerd.log"

say() {
    echo "second-daemon.sh: $name: $*" >&2
}

# A /24 of 10.213.0.0/16 that no address or route of the machine is in, under a lock so two
# daemons starting side by side never take the same one; the bridge is made and addressed
# while the lock is held.
make_bridge() {
    mkdir -p "$root"
    exec 9>"$root/.bridges.lock"
    flock 9
    local third taken
    taken=$( { ip -o -4 addr show; ip -4 route show; } | grep -o '10\.213\.[0-9]*\.' | sort -u || true)
    for third in $(seq 1 254); do
        if ! grep -qxF "10.213.$third." <<<"$taken"; then
            ip link add "$name" type bridge
            ip addr add "10.213.$third.1/24" dev "$name"
            ip link set "$name" up
            echo "10.213.$third.1/24" >"$dir/bridge"
            flock -u 9
            return 0
        fi
    done
    flock -u 9
    say "no free /24 left in 10.213.0.0/16"
    return 1
}

remove_bridge() {
    if ip link show "$name" >/dev/null 2>&1; then
        ip link del "$name"
    fi
}

# The mount points under the daemon's directory, deepest first.
mounts_under() {
    awk -v dir="$dir/" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

remove_files() {
    local mount
    for mount in $(mounts_under); do
        umount -l "$mount" 2>/dev/null || true
    done
    if [ -n "$(mounts_under)" ]; then
        say "left $dir in place: something is still mounted under it"
        return 1
    fi
    # --one-file-system: never into a mount that appeared meanwhile.
    rm -rf --one-file-system "$dir"
}

daemon_pid() {
    local pid
    pid=$(cat "$dir/pid" 2>/dev/null || cat "$dir/launched" 2>/dev/null || true)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# The processes whose command line names this daemon's directory (never this script's).
leftover_pids() {
    local proc pid
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        [ "$pid" != "$$" ] || continue
        if { tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null | grep -qF -- "$dir/"; then
            echo "$pid"
        fi
    done
}

stop() {
    local pid
    if pid=$(daemon_pid); then
        kill -TERM "$pid"
        # dockerd stops its containers first (up to its shutdown timeout, 15 s).
        for _ in $(seq 1 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "dockerd (pid $pid) did not stop within 30 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
        fi
    fi
    # What this daemon started and left running: its containerd, or a runtime's processes
    # (Debian's runsc leaves its sandbox and shim behind when a container fails to start).
    # Each is found by its command line naming this daemon's directory, and signalled by pid.
    local leftovers
    leftovers=$(leftover_pids)
    if [ -n "$leftovers" ]; then
        say "ending what the daemon left running: $(tr '\n' ' ' <<<"$leftovers")"
        # shellcheck disable=SC2086 # one pid a word
        kill -TERM $leftovers 2>/dev/null || true
        sleep 1
        leftovers=$(leftover_pids)
        # shellcheck disable=SC2086
        [ -z "$leftovers" ] || kill -KILL $leftovers 2>/dev/null || true
    fi
    remove_bridge
    if [ -d "$dir" ]; then
        remove_files
    fi
}

start() {
    if [ -e "$dir" ]; then
        say "$dir exists: stopping what is left of an earlier daemon first"
        stop
    fi
    mkdir -p "$dir/data" "$dir/x"
    make_bridge
    # setsid: the daemon must not die with the test's process group, nor get its signals.
    setsid dockerd \
        --host "unix://$socket" \
        --data-root "$dir/data" \
        --exec-root "$dir/x" \
        --pidfile "$dir/pid" \
        --iptables=false \
        --bridge="$name" \
        "$@" >"$log" 2>&1 </dev/null &
    echo $! >"$dir/launched"
    local launched=$!
    for _ in $(seq 1 600); do
        if docker -H "unix://$socket" info >/dev/null 2>&1; then
            echo "$socket"
            return 0
        fi
        if ! kill -0 "$launched" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    say "dockerd did not answer on $socket within 60 s; last lines of $log:"
    tail -n 30 "$log" >&2 || true
    # The log goes with the directory: keep a copy for whoever reads the failure.
    cp "$log" "$root/$name.failed.log" 2>/dev/null || true
    stop || true
    return 1
}

load() {
    [ $# -ge 1 ] || usage
    [ -S "$socket" ] || {
        say "no daemon at $socket (start it first)"
        return 1
    }
    docker save "$@" | docker -H "unix://$socket" load -q >/dev/null
}

case "$command" in
start) start "$@" ;;
load) load "$@" ;;
stop) stop ;;
*) usage ;;
esac
