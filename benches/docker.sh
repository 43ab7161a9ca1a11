#!/usr/bin/env bash
# Benchmarks the docker sandbox against the docker CLI doing the same by hand, measured in
# the same run, and prints the medians and the ratio sk/docker for each operation.
# Needs hyperfine, a running Docker daemon and the test base image
# (tests/support/docker/engine.sh and base-image.sh).
#
#   cargo build --release && benches/docker.sh [path/to/sk]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
sk="${1:-$root/target/release/sk}"
base="${SK_TEST_BASE_IMAGE:-skipper-test-base:bookworm}"
[ -x "$sk" ] || { echo "no sk binary at $sk: run 'cargo build --release' first" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 1; }
docker image inspect "$base" >/dev/null 2>&1 || { echo "missing $base: run tests/support/docker/base-image.sh" >&2; exit 1; }

work=$(mktemp -d /tmp/sk-bench.XXXXXX)
name="bench$$"
cleanup() {
    docker ps -aq --filter "label=dev.skipper.repository=local/$(basename "$work")/$name" | xargs -r docker rm -f >/dev/null
    docker images -q --filter "label=dev.skipper.repository=local/$(basename "$work")/$name" | xargs -r docker rmi -f >/dev/null
    docker rm -f "$name-byhand" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
export HOME="$work/home" SKIPPER_HOME="$work/data" SKIPPER_CONFIG="$work/config.toml" NO_COLOR=1
mkdir -p "$HOME"
git config --global user.name bench
git config --global user.email bench@example.com
printf '[docker]\nimage = "%s"\n' "$base" > "$SKIPPER_CONFIG"

git init -q --bare -b main "$work/$name.git"
git clone -q "$work/$name.git" "$work/seed" 2>/dev/null
for i in $(seq 1 200); do echo "$i" > "$work/seed/file$((i % 50)).txt"; git -C "$work/seed" add -A; git -C "$work/seed" commit -qm "commit $i"; done
git -C "$work/seed" push -q origin main
"$sk" clone -q "file://$work/$name.git" --sandbox docker >/dev/null
checkout="$SKIPPER_HOME/repos/local/$(basename "$work")/$name"
"$sk" workspace create -q -r "$name" -b bench/run --sandbox docker >/dev/null
container=$("$sk" workspace list --sandbox docker --json -r "$name" | python3 -c 'import json,sys; print([r for r in json.load(sys.stdin) if r["branch"]=="bench/run"][0]["container"])')

results="$work/results.json"
compare() { # name, sk command, docker command
    hyperfine --style none --warmup 1 --runs "${RUNS:-10}" --export-json "$results" \
        -n sk "$2" -n docker "$3" >/dev/null 2>&1
    python3 - "$1" "$results" <<'PY'
import json, sys
sk, docker = (r["median"] for r in json.load(open(sys.argv[2]))["results"])
print(f"{sys.argv[1]:<34} sk {sk*1000:8.1f} ms   docker {docker*1000:8.1f} ms   ratio {sk/docker:5.2f}")
PY
}

echo "operation                          medians (ratio sk/docker CLI)"
compare "exec a command (run -- true)" \
    "$sk workspace run --sandbox docker -r $name -b bench/run -- true" \
    "docker exec -w /workspace/$name $container true"
compare "list workspaces (--json)" \
    "$sk workspace list --sandbox docker --json -r $name >/dev/null" \
    "docker ps -a --filter label=dev.skipper.managed=true --format '{{.Names}} {{.State}}' >/dev/null"
compare "create + remove a workspace" \
    "$sk workspace create -q -r $name -b bench/c --sandbox docker >/dev/null && $sk workspace remove -q -r $name -b bench/c --sandbox docker >/dev/null && git -C $checkout branch -q -D bench/c 2>/dev/null; true" \
    "docker run -d --init --name $name-byhand $base tail -f /dev/null >/dev/null && docker cp $checkout $name-byhand:/w >/dev/null && docker exec -w /w $name-byhand git checkout -q -b bench/c && docker rm -f $name-byhand >/dev/null"
