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
# A keyring daemon started by D-Bus activation (rather than by the line below)
# must see the same private directories, or it would open the user's own
# keyrings and, finding none unlocked, try to prompt.
dbus-update-activation-environment XDG_DATA_HOME XDG_RUNTIME_DIR

# --unlock reads the login keyring's password on stdin, creating that keyring on first use.
eval "$(printf 'earshot-test-keyring' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL GNOME_KEYRING_PID 2>/dev/null || true
# The daemon answers before its login collection exists, and a command reaching
# it in that gap is told "no result found" (or, storing, makes the daemon try to
# prompt for a new keyring). Wait, read-only, until the default collection is
# there (at most 10 s).
ready=""
for _ in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.secrets \
      /org/freedesktop/secrets/aliases/default org.freedesktop.DBus.Properties.Get \
      string:org.freedesktop.Secret.Collection string:Label >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
[ -n "$ready" ] || { echo "with-keyring.sh: the test keyring did not become ready within 10 s" >&2; exit 1; }
"$@"
