#!/usr/bin/env bash
# The benchmark suite: builds a release sk and the harness (crates/bench), then measures
# every row of docs/benchmarks.md against git and the docker CLI in one run and rewrites
# that file. Needs a running Docker daemon and the local base image
# (tests/support/docker/engine.sh and base-image.sh). About 15 minutes on 2 cores.
#
#   benches/run.sh            # the full run; writes docs/benchmarks.md
#   benches/run.sh --quick    # fewer runs, no 200-workspace listing, nothing written
#   benches/run.sh --only B3,B4,M1   # some rows only, nothing written
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p skipper-cli -p skipper-bench
exec target/release/sk-bench --sk target/release/sk "$@"
