#!/usr/bin/env bash
# Makes sure a Docker Engine answers on this machine, for skipper's Docker tests.
#
# Idempotent: when `docker info` already answers, it does nothing. Otherwise it installs
# Debian's engine (`docker.io`) if `dockerd` is missing, starts `dockerd` in the background
# with its log in $SK_DOCKERD_LOG (default /tmp/skipper-dockerd.log), and waits until
# `docker info` answers (at most 60 s). Needs root when it has to install or start.
set -euo pipefail

log_file="${SK_DOCKERD_LOG:-/tmp/skipper-dockerd.log}"

if docker info >/dev/null 2>&1; then
    echo "engine.sh: the Docker daemon already answers" >&2
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
    echo "engine.sh: installing docker.io" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || true
    apt-get install -y -qq docker.io >/dev/null
fi

# Refuse to start a second daemon over a live one that merely does not answer yet.
if [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    echo "engine.sh: dockerd (pid $(cat /var/run/docker.pid)) is starting; waiting" >&2
else
    rm -f /var/run/docker.pid
    echo "engine.sh: starting dockerd (log: $log_file)" >&2
    # setsid: the daemon must not die with this script's process group.
    setsid dockerd >"$log_file" 2>&1 </dev/null &
fi

for _ in $(seq 1 120); do
    if docker info >/dev/null 2>&1; then
        echo "engine.sh: the Docker daemon answers" >&2
        exit 0
    fi
    sleep 0.5
done

echo "engine.sh: dockerd did not answer within 60 s; last lines of $log_file:" >&2
tail -n 30 "$log_file" >&2 || true
exit 1
