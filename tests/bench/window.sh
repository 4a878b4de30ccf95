#!/usr/bin/env bash
# Runs `earshot-cli bench window` on a private X server and keyring:
#   scripts/with-keyring.sh tests/bench/window.sh [--items N] [--write BENCHMARKS.md]
# Builds nothing: run `make bench-window`, which builds the release binaries first.
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir="${CARGO_TARGET_DIR:-target}"

source scripts/xvfb.sh
trap 'kill "${XVFB_PID:-}" 2>/dev/null || true' EXIT
start_xvfb

"$target_dir/release/earshot-cli" bench window \
  --app "$target_dir/release/earshot" --bare "$target_dir/release/earshot-bare-window" "$@"
