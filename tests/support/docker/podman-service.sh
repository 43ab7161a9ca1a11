#!/usr/bin/env bash
# A Podman API service of a test's own (`podman system service`, Podman's Docker-compatible
# API on a unix socket), for the tests that run sk against Podman as its engine.
#
#   podman-service.sh start NAME          start it; prints its socket path
#   podman-service.sh load NAME IMAGE...  copy images of the machine's Docker daemon into it
#   podman-service.sh podman NAME ARGS... run `podman ARGS` on its storage (ps, rm, inspect...)
#   podman-service.sh stop NAME           remove its containers, stop it, remove its files
#
# NAME (1 to 12 of [a-z0-9], e.g. skp4f2a1c) names the service, its bridge and its directory
# $SK_PODMAN_ROOT/NAME (default /tmp/skp/NAME, kept short: unix socket paths are limited to
# 107 bytes), which holds podman.sock, root/ (the storage), run/ (the run root), tmp/
# (libpod's state), net/ (its one network's CNI configuration, and that network's address
# allocations), pid and service.log.
#
# Everything of the service is its own: storage, run root, libpod state, events (a file
# under tmp/, as no systemd runs here), cgroups by cgroupfs, and the default network
# `podman`, defined in net/ on a bridge named NAME with its own /24 in 10.214.0.0/16 (one no
# interface or route of the machine uses), so it never shares the machine's `cni-podman0`.
# `stop` removes the service's containers (which frees their locks, kept in shared memory
# by every Podman of the machine), signals only the pid this script started, unmounts and
# removes what is left under the directory, and deletes the bridge. Needs root.
set -euo pipefail

usage() {
    sed -n '4,7p' "$0" | sed 's/^# //' >&2
    exit 2
}

[ $# -ge 2 ] || usage
command=$1
name=$2
shift 2
if ! [[ $name =~ ^[a-z0-9]{1,12}$ ]]; then
    echo "podman-service.sh: NAME must be 1 to 12 of [a-z0-9] (it names a network interface): $name" >&2
    exit 2
fi
root="${SK_PODMAN_ROOT:-/tmp/skp}"
dir="$root/$name"
socket="$dir/podman.sock"
log="$dir/service.log"

say() {
    echo "podman-service.sh: $name: $*" >&2
}

# `podman` on this service's storage and network configuration alone.
own_podman() {
    podman \
        --root "$dir/root" \
        --runroot "$dir/run" \
        --tmpdir "$dir/tmp" \
        --cgroup-manager=cgroupfs \
        --events-backend=file \
        --network-config-dir "$dir/net" \
        "$@"
}

# The default network `podman` of this service: a bridge named NAME on a /24 of
# 10.214.0.0/16 that no address or route of the machine is in, chosen under a lock so two
# services starting side by side never take the same one. CNI makes the bridge with the
# first container.
write_network() {
    mkdir -p "$root" "$dir/net"
    exec 9>"$root/.subnets.lock"
    flock 9
    local third taken
    taken=$( { ip -o -4 addr show; ip -4 route show; cat "$root"/*/subnet 2>/dev/null; } |
        grep -o '10\.214\.[0-9]*\.' | sort -u || true)
    for third in $(seq 1 254); do
        if ! grep -qxF "10.214.$third." <<<"$taken"; then
            echo "10.214.$third.0/24" >"$dir/subnet"
            flock -u 9
            cat >"$dir/net/podman.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "podman",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$name",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$dir/net/ipam",
        "routes": [{ "dst": "0.0.0.0/0" }],
        "ranges": [[{ "subnet": "10.214.$third.0/24", "gateway": "10.214.$third.1" }]]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "firewall" },
    { "type": "tuning" }
  ]
}
JSON
            return 0
        fi
    done
    flock -u 9
    say "no free /24 left in 10.214.0.0/16"
    return 1
}

# The mount points under the service's directory, deepest first.
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

service_pid() {
    local pid
    pid=$(cat "$dir/pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# The processes whose command line names this service's directory (its conmons, and the
# containers' processes they watch), never this script's.
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
    if [ -d "$dir/root" ]; then
        own_podman rm --all --force --time 0 >/dev/null 2>&1 || say "removing its containers failed"
    fi
    if pid=$(service_pid); then
        kill -TERM "$pid"
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "the service (pid $pid) did not stop within 10 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    # What outlives the service: the conmon of each exec session (it lingers 5 minutes
    # for the exit code) and the `podman container cleanup` a conmon runs as it ends,
    # which writes to the storage again. Each is found by its command line naming this
    # service's directory, signalled by pid, and waited for, so nothing writes there once
    # the files are removed.
    local leftovers round
    for round in $(seq 1 20); do
        leftovers=$(leftover_pids)
        [ -n "$leftovers" ] || break
        if [ "$round" = 1 ]; then
            say "ending what the service left running: $(tr '\n' ' ' <<<"$leftovers")"
        fi
        # shellcheck disable=SC2086 # one pid a word
        if [ "$round" -lt 10 ]; then
            kill -TERM $leftovers 2>/dev/null || true
        else
            kill -KILL $leftovers 2>/dev/null || true
        fi
        sleep 0.5
    done
    if ip link show "$name" >/dev/null 2>&1; then
        ip link del "$name"
    fi
    if [ -d "$dir" ]; then
        remove_files
    fi
}

start() {
    if [ -e "$dir" ]; then
        say "$dir exists: stopping what is left of an earlier service first"
        stop
    fi
    mkdir -p "$dir/root" "$dir/run" "$dir/tmp"
    write_network
    # setsid: the service must not die with the test's process group, nor get its signals.
    # --time=0: it never exits for want of requests.
    setsid podman \
        --root "$dir/root" \
        --runroot "$dir/run" \
        --tmpdir "$dir/tmp" \
        --cgroup-manager=cgroupfs \
        --events-backend=file \
        --network-config-dir "$dir/net" \
        system service --time=0 "unix://$socket" >"$log" 2>&1 </dev/null &
    local launched=$!
    echo "$launched" >"$dir/pid"
    for _ in $(seq 1 300); do
        if curl -sf --unix-socket "$socket" http://podman/_ping >/dev/null 2>&1; then
            echo "$socket"
            return 0
        fi
        if ! kill -0 "$launched" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    say "the service did not answer on $socket within 30 s; last lines of $log:"
    tail -n 30 "$log" >&2 || true
    cp "$log" "$root/$name.failed.log" 2>/dev/null || true
    stop || true
    return 1
}

load() {
    [ $# -ge 1 ] || usage
    [ -S "$socket" ] || {
        say "no service at $socket (start it first)"
        return 1
    }
    docker save "$@" | own_podman load -q >/dev/null
}

case "$command" in
start) start "$@" ;;
load) load "$@" ;;
podman) own_podman "$@" ;;
stop) stop ;;
*) usage ;;
esac
