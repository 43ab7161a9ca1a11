#!/usr/bin/env bash
# Makes the local base image skipper's Docker tests build FROM, since no registry can be
# reached: a minimal Debian bookworm made with debootstrap from the machine's own apt mirror,
# with git, bash, the CA bundle, and Debian's nodejs and npm (the bootstrap the shipped
# Dockerfile expects). Node is told to trust the machine's CA bundle, so npm can reach the
# registry from inside containers.
#
# Idempotent: when the image exists, it does nothing. Needs root and a running daemon
# (see engine.sh).
set -euo pipefail

image="${SK_TEST_BASE_IMAGE:-skipper-test-base:bookworm}"
suite=bookworm

if docker image inspect "$image" >/dev/null 2>&1; then
    echo "base-image.sh: $image already exists" >&2
    exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    echo "base-image.sh: installing debootstrap" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || true
    apt-get install -y -qq debootstrap >/dev/null
fi

# The first Debian mirror apt is configured with (deb822 `URIs:` or one-line `deb` form).
mirror=""
for file in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    mirror=$(awk '
        /^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }
        /^deb[ \t]/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:.*\/debian\/?$/) { print $i; exit } }
    ' "$file")
    [ -n "$mirror" ] && break
done
mirror="${mirror:-http://deb.debian.org/debian}"

root=$(mktemp -d /tmp/skipper-base.XXXXXX)
stage="${image%%:*}-stage0:${image##*:}"
trap 'rm -rf "$root" "$root.log" "$root.ctx"' EXIT

# debootstrap cannot resolve npm's virtual dependencies, so Node comes in a second stage
# through apt inside a container.
echo "base-image.sh: debootstrap $suite from $mirror" >&2
debootstrap --variant=minbase --include=git,ca-certificates,bash \
    "$suite" "$root" "$mirror" >"$root.log" 2>&1 || {
    tail -n 30 "$root.log" >&2
    exit 1
}

# The machine's CA bundle, for TLS through whatever the machine trusts.
mkdir -p "$root/usr/local/share/skipper"
cp /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/skipper/host-ca.crt"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

echo "base-image.sh: importing $stage" >&2
tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    - "$stage" >/dev/null

echo "base-image.sh: adding nodejs and npm" >&2
mkdir -p "$root.ctx"
cat >"$root.ctx/Dockerfile" <<DOCKERFILE
FROM $stage
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/skipper/host-ca.crt
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \\
 && rm -rf /var/lib/apt/lists/*
DOCKERFILE
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$root.ctx" >/dev/null
docker rmi "$stage" >/dev/null
echo "base-image.sh: $image ready" >&2
