#!/usr/bin/env bash
# Runs `earshot-cli bench listen-window` on a private X server (run it inside
# scripts/with-keyring.sh): the listening dashboard of the real app through
# tauri-driver on 1M generated items.
#   scripts/with-keyring.sh tests/bench/listen.sh [--items N] [--runs N] [--write BENCHMARKS.md]
# Builds nothing: run `make bench-listen`, which builds the release binaries first.
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir="${CARGO_TARGET_DIR:-target}"
driver="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"

source scripts/xvfb.sh
trap 'kill "${XVFB_PID:-}" 2>/dev/null || true' EXIT
start_xvfb

"$target_dir/release/earshot-cli" bench listen-window \
  --app "$target_dir/release/earshot" --driver "$driver" "$@"
