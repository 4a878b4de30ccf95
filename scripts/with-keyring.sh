#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with the real Secret Service
# (gnome-keyring) unlocked on a fresh, throw-away keyring, so tests use the
# same keyring path as the app without touching the user's own keyring.
#   scripts/with-keyring.sh cargo test
set -euo pipefail

if [ -z "${EARSHOT_KEYRING_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/deps.sh test" >&2; exit 1; }
  done
  exec dbus-run-session -- env EARSHOT_KEYRING_SESSION=1 "$0" "$@"
fi

# A private home for the keyring files, removed when the command ends.
keyring_home="$(mktemp -d)"
trap 'kill "${GNOME_KEYRING_PID:-}" 2>/dev/null || true; rm -rf "$keyring_home"' EXIT
export XDG_DATA_HOME="$keyring_home/data"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$keyring_home/run}"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

# --unlock reads the login keyring's password on stdin, creating that keyring on first use.
eval "$(printf 'earshot-test-keyring' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL GNOME_KEYRING_PID 2>/dev/null || true
# The daemon answers before its login collection exists; a command that reaches
# the keyring in that gap is told "no result found". Wait until a probe secret
# can be stored (at most 10 s).
for _ in $(seq 1 100); do
  if printf probe | secret-tool store --label='earshot probe' earshot-probe ready >/dev/null 2>&1; then
    secret-tool clear earshot-probe ready >/dev/null 2>&1 || true
    break
  fi
  sleep 0.1
done
"$@"
