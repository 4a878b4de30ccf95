#!/usr/bin/env bash
# Runs a bench of the real app window on a private X server (run it inside
# scripts/with-keyring.sh): `earshot-cli bench inbox` (the inbox on 1M generated
# items) or `earshot-cli bench listen-window` (the listening dashboard), through
# tauri-driver.
#   scripts/with-keyring.sh tests/bench/in-app.sh inbox [--items N] [--write BENCHMARKS.md]
#   scripts/with-keyring.sh tests/bench/in-app.sh listen-window [--items N] [--runs N] [--sessions N] [--write BENCHMARKS.md]
# With either, --data-dir DIR keeps the generated workspace and reuses it on the next
# run (with --generate-only it only generates it). Its key is in the keyring, so a
# kept workspace opens only in the same keyring: for repeated runs, run them inside
# one scripts/with-keyring.sh session.
# Builds nothing: run `make bench-inbox` or `make bench-listen`, which build the
# release binaries first. EARSHOT_BENCH_TRACE=1 prints each measure as the probe
# took it (with inbox: script, the frame; with either: the page's performance marks)
# to stderr, to see where a slow one spent its time.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench="${1:?which bench: inbox or listen-window}"
shift
target_dir="${CARGO_TARGET_DIR:-target}"
driver="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"

source scripts/xvfb.sh
trap 'kill "${XVFB_PID:-}" 2>/dev/null || true' EXIT
start_xvfb

"$target_dir/release/earshot-cli" bench "$bench" \
  --app "$target_dir/release/earshot" --driver "$driver" "$@"
