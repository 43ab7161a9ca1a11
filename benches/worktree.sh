#!/usr/bin/env bash
# Benchmarks the worktree sandbox against plain git, measured in the same run, and prints
# the medians and the ratio sk/git for each operation. Needs hyperfine (Debian package).
#
#   cargo build --release && benches/worktree.sh [path/to/sk]
set -euo pipefail

sk="${1:-$(cd "$(dirname "$0")/.." && pwd)/target/release/sk}"
[ -x "$sk" ] || { echo "no sk binary at $sk: run 'cargo build --release' first" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 1; }

work=$(mktemp -d /tmp/sk-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" SKIPPER_HOME="$work/data" SKIPPER_CONFIG="$work/none.toml" NO_COLOR=1
mkdir -p "$HOME"
git config --global user.name bench
git config --global user.email bench@example.com

# An origin with some history, cloned once by sk and once by git.
git init -q --bare -b main "$work/origin.git"
git clone -q "$work/origin.git" "$work/seed" 2>/dev/null
for i in $(seq 1 200); do echo "$i" > "$work/seed/file$((i % 50)).txt"; git -C "$work/seed" add -A; git -C "$work/seed" commit -qm "commit $i"; done
git -C "$work/seed" push -q origin main
"$sk" clone -q "file://$work/origin.git" >/dev/null
git clone -q "$work/origin.git" "$work/plain"
checkout="$SKIPPER_HOME/repos/local/$(basename "$work")/origin"

results="$work/results.json"
median() { python3 -c "import json,sys; r=json.load(open('$results'))['results']; print(' '.join(str(x['median']) for x in r))"; }
compare() { # name, sk command, git command
    hyperfine --style none --warmup 2 --runs 15 --export-json "$results" \
        -n sk "$2" -n git "$3" >/dev/null 2>&1
    read -r sk_median git_median <<<"$(median)"
    python3 -c "print(f'{\"$1\":<32} sk {${sk_median}*1000:8.1f} ms   git {${git_median}*1000:8.1f} ms   ratio {${sk_median}/${git_median}:5.2f}')"
}

echo "operation                        medians (ratio sk/git)"
compare "create + remove a workspace" \
    "$sk workspace create -q -r origin -b bench/a >/dev/null && $sk workspace remove -q -r origin -b bench/a >/dev/null" \
    "git -C $work/plain fetch -q origin && git -C $work/plain worktree add -q -b bench/a $work/wt origin/main && git -C $work/plain worktree remove $work/wt && git -C $work/plain branch -q -D bench/a"
git -C "$checkout" branch -q -D bench/a 2>/dev/null || true
"$sk" workspace create -q -r origin -b bench/b >/dev/null
git -C "$work/plain" worktree add -q -b bench/b "$work/wt-b" origin/main
compare "list workspaces (--json)" \
    "$sk workspace list --json >/dev/null" \
    "git -C $work/plain worktree list --porcelain >/dev/null && git -C $work/plain status --porcelain >/dev/null && git -C $work/wt-b status --porcelain >/dev/null"
compare "run a command in a workspace" \
    "$sk workspace run -r origin -b bench/b -- true" \
    "git -C $work/wt-b rev-parse --show-toplevel >/dev/null"
