#!/usr/bin/env bash
# Runs the end-to-end tests on the real app window: Xvfb for the display, the
# real Secret Service (run this inside scripts/with-keyring.sh), tauri-driver
# with WebKitWebDriver, and a fresh data directory holding the demo workspace.
# Everything started here is stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

target_dir="${CARGO_TARGET_DIR:-target}"
export EARSHOT_APP="$PWD/$target_dir/debug/earshot"
[[ "$target_dir" = /* ]] && export EARSHOT_APP="$target_dir/debug/earshot"
[ -x "$EARSHOT_APP" ] || { echo "build the app first: cargo build -p earshot" >&2; exit 1; }
driver_bin="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"
[ -x "$driver_bin" ] || { echo "tauri-driver is missing: cargo install tauri-driver --locked" >&2; exit 1; }
command -v WebKitWebDriver >/dev/null || { echo "WebKitWebDriver is missing: apt-get install webkit2gtk-driver" >&2; exit 1; }

data="$(mktemp -d)"
export EARSHOT_DATA_DIR="$data"
export EARSHOT_SHOTS="${EARSHOT_SHOTS:-$target_dir/screenshots}"
# The window remembers its size in the config directory: keep tests apart from the user's.
export XDG_CONFIG_HOME="$data/config"
# Reports are exported here rather than into the Downloads folder.
export EARSHOT_EXPORT_DIR="$data/exports"

cleanup() {
  # The driver's whole process group: killed alone, tauri-driver leaves its
  # WebKitWebDriver running, holding whatever the script inherited (a lock, say).
  [ -n "${driver_pid:-}" ] && kill -- -"$driver_pid" 2>/dev/null || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

source scripts/xvfb.sh
start_xvfb

port=$((4444 + RANDOM % 1000))
native_port=$((port + 1000))
setsid "$driver_bin" --port "$port" --native-port "$native_port" >"$data/driver.log" 2>&1 &
driver_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/status" >/dev/null 2>&1 && break
  kill -0 "$driver_pid" 2>/dev/null || { cat "$data/driver.log" >&2; exit 1; }
  sleep 0.1
done
export EARSHOT_WEBDRIVER="http://127.0.0.1:$port"

status=0
# EARSHOT_E2E narrows the run to some files (e.g. tests/e2e/reply.test.mjs) while working on them.
# shellcheck disable=SC2086
node --test --test-concurrency=1 ${EARSHOT_E2E:-tests/e2e/} || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- tauri-driver log ---" >&2; tail -40 "$data/driver.log" >&2
fi
exit "$status"
