#!/usr/bin/env bash
# Installs what Earshot needs to build, run and test, when it is missing.
#   scripts/deps.sh build   packages to build the app and the CLI
#   scripts/deps.sh test    plus what the tests use (keyring, D-Bus, X server, notifications)
# On Debian/Ubuntu it installs with apt-get (as root, or through sudo). Elsewhere
# it prints exactly what to install and stops.
set -euo pipefail

what="${1:-build}"

build_pkgs=(
  build-essential pkg-config perl make curl file
  libdbus-1-dev                       # keyring: Secret Service over D-Bus
  libwebkit2gtk-4.1-dev libgtk-3-dev  # Tauri's webview and window
  librsvg2-dev libayatana-appindicator3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  libxdo-dev
  hunspell-en-us                      # spell checking in the composer (add your language's hunspell-*)
  nodejs npm                          # the UI's build (skipped if node is already on PATH)
)
test_pkgs=(
  dbus dbus-x11 dbus-user-session     # a private session bus for the tests
  gnome-keyring libsecret-tools       # the real Secret Service, and secret-tool to inspect it
  xvfb xauth x11-utils imagemagick    # a display for the real window, xwininfo, screenshots
  dunst libnotify-bin                 # a real notification daemon
  fonts-noto-color-emoji fonts-dejavu-core  # glyphs for screenshots of real posts
  webkit2gtk-driver                   # WebKitWebDriver, for tauri-driver
  procps iproute2                     # ps, ss: process and port checks in tests
  postgresql                          # the Bluesky AppView's database (tests/servers)
  python3-venv                        # the Mastodon API server's venv (tests/servers)
)

pkgs=("${build_pkgs[@]}")
if [ "$what" = "test" ]; then
  pkgs+=("${test_pkgs[@]}")
fi

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "This is not a Debian/Ubuntu system, so nothing was installed. Install:" >&2
  echo "  - Rust (rustup), Node.js >= 20 with npm" >&2
  echo "  - Tauri 2's system libraries: https://v2.tauri.app/start/prerequisites/" >&2
  echo "  - a Secret Service provider (gnome-keyring or KeePassXC) on Linux" >&2
  exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
  if [ "$p" = nodejs ] || [ "$p" = npm ]; then
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "Missing packages and no root or sudo. Run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
