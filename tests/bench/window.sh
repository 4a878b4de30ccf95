#!/usr/bin/env bash
# Runs `earshot-cli bench window` on a private X server and keyring:
#   scripts/with-keyring.sh tests/bench/window.sh [--items N] [--write BENCHMARKS.md]
# Builds nothing: run `make bench-window`, which builds the release binaries first.
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir="${CARGO_TARGET_DIR:-target}"

display=":$((200 + RANDOM % 50))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true' EXIT
export DISPLAY="$display"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

"$target_dir/release/earshot-cli" bench window \
  --app "$target_dir/release/earshot" --bare "$target_dir/release/earshot-bare-window" "$@"
