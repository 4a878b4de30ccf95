#!/usr/bin/env bash
# The real app in a real window: start the built binary under Xvfb on a fresh
# data directory (inside scripts/with-keyring.sh, so the real keyring is used),
# wait for its window and for the demo workspace it opens when no account is
# set up, take a screenshot, and stop it.
set -euo pipefail
cd "$(dirname "$0")/../.."

target_dir="${CARGO_TARGET_DIR:-target}"
app="$target_dir/debug/earshot"
[ -x "$app" ] || { echo "build the app first: cargo build -p earshot" >&2; exit 1; }
data="$(mktemp -d)"
shots="${EARSHOT_SHOTS:-$target_dir/screenshots}"
mkdir -p "$shots"

cleanup() {
  [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

source scripts/xvfb.sh
start_xvfb

EARSHOT_DATA_DIR="$data" "$app" >"$data/app.log" 2>&1 &
app_pid=$!

ok=""
for _ in $(seq 120); do
  if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "FAIL: the app exited early:" >&2; cat "$data/app.log" >&2; exit 1
  fi
  if xwininfo -root -tree 2>/dev/null | grep -q '"Earshot"' && [ -s "$data/demo/earshot.db" ]; then
    ok=1; break
  fi
  sleep 0.5
done
[ -n "$ok" ] || { echo "FAIL: no Earshot window with the demo workspace within 60 s" >&2; cat "$data/app.log" >&2; exit 1; }

# Let the first inbox page paint, then keep the evidence.
sleep 3
if command -v import >/dev/null; then
  import -window root "$shots/window-demo.png"
  echo "screenshot: $shots/window-demo.png"
fi
if grep -aq "Lumen" "$data/demo/earshot.db"; then
  echo "FAIL: the demo workspace's cache holds plaintext" >&2; exit 1
fi
kill -0 "$app_pid" || { echo "FAIL: the app died" >&2; exit 1; }
echo "window test: 1 passed, 0 failed"
