#!/usr/bin/env bash
# Runs a command with the real local test networks up (tests/servers/start.sh:
# Bluesky's dev-env and the Mastodon API server, on 127.0.0.1 only), and stops
# them afterwards, whether the command passed or not.
#   scripts/with-servers.sh cargo test --workspace
#   EARSHOT_TEST_NETWORKS=mastodon scripts/with-servers.sh …   (only those servers)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
# A run directory of its own (pids, logs, the env file the tests read), so two
# test runs on one machine never stop each other's servers.
if [ -z "${EARSHOT_SERVERS_DIR:-}" ]; then
  EARSHOT_SERVERS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/earshot-servers.XXXXXX")"
  export EARSHOT_SERVERS_DIR
  trap '"$here/tests/servers/stop.sh" || true; rm -rf "$EARSHOT_SERVERS_DIR"' EXIT
else
  trap '"$here/tests/servers/stop.sh" || true' EXIT
fi
"$here/tests/servers/start.sh" "${EARSHOT_TEST_NETWORKS:-all}"
"$@"
