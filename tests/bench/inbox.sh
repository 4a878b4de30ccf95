#!/usr/bin/env bash
# Runs `earshot-cli bench inbox` on a private X server (run it inside
# scripts/with-keyring.sh): the real app through tauri-driver on 1M generated items.
#   scripts/with-keyring.sh tests/bench/inbox.sh [--items N] [--write BENCHMARKS.md]
# Builds nothing: run `make bench-inbox`, which builds the release binaries first.
# EARSHOT_BENCH_TRACE=1 prints each press as the probe measured it (script, the frame,
# the page's performance marks) to stderr, to see where a slow one spent its time.
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir="${CARGO_TARGET_DIR:-target}"
driver="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"

source scripts/xvfb.sh
trap 'kill "${XVFB_PID:-}" 2>/dev/null || true' EXIT
start_xvfb

"$target_dir/release/earshot-cli" bench inbox \
  --app "$target_dir/release/earshot" --driver "$driver" "$@"
