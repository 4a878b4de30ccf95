#!/usr/bin/env bash
# Runs a command with a real notification daemon (dunst) on the current D-Bus
# session, showing on a private Xvfb display, and stops both afterwards.
# Notifications never expire here, so tests read them back deterministically:
# `dunstctl count displayed`, then `dunstctl close-all` and `dunstctl history`.
# Actions: `dunstctl action 0` is a click (the default action); `dunstctl context`
# chooses "Mark done" from the context menu (scripts/dunst-pick.sh stands in for dmenu).
#   scripts/with-keyring.sh scripts/with-notifications.sh cargo test
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
for tool in dunst dunstctl Xvfb; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/deps.sh test" >&2; exit 1; }
done
[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || { echo "with-notifications.sh needs a D-Bus session (run it inside scripts/with-keyring.sh)" >&2; exit 1; }
# shellcheck source=scripts/xvfb.sh
. "$here/xvfb.sh"
start_xvfb

config="$(mktemp)"
cat >"$config" <<CONF
[global]
    monitor = 0
    follow = none
    dmenu = $here/dunst-pick.sh
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
CONF
dunst -config "$config" >/dev/null 2>&1 &
DUNST_PID=$!
trap 'kill "$DUNST_PID" 2>/dev/null || true; kill "$XVFB_PID" 2>/dev/null || true; rm -f "$config"' EXIT
# Asked without activating anything: a D-Bus-activated second dunst would have
# no display.
for _ in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null \
    | grep -q 'boolean true' && break
  kill -0 "$DUNST_PID" 2>/dev/null || { echo "dunst did not start" >&2; exit 1; }
  sleep 0.05
done
export EARSHOT_TEST_NOTIFICATIONS=dunst
"$@"
