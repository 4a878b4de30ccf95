#!/usr/bin/env bash
# Stops the local test servers that tests/servers/start.sh started:
#   tests/servers/stop.sh [bluesky|mastodon|all]     (default all)
# Only processes named in the run directory's pid files are signalled, and only
# if they still run the program start.sh started (never by name, never all
# processes of a kind). Safe to run twice, or when nothing runs.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

what="${1:-all}"
case "$what" in
  bluesky | mastodon | all) ;;
  *) echo "usage: $0 [bluesky|mastodon|all]" >&2; exit 2 ;;
esac

# stop_pid NAME PIDFILE MARKER SIGNAL SECONDS [SIGNAL SECONDS]...: send each
# signal in turn, waiting up to its SECONDS for the process to exit; SIGKILL if
# it is still there after the last one.
stop_pid() {
  local name="$1" pidfile="$2" marker="$3" pid sig secs
  shift 3
  if pid="$(ours "$pidfile" "$marker")"; then
    say "stopping $name (pid $pid)"
    while [ $# -ge 2 ]; do
      sig="$1" secs="$2"
      shift 2
      kill -s "$sig" "$pid" 2>/dev/null || true
      wait_gone "$pid" "$secs" && break
      say "$name still runs ${secs}s after SIG$sig"
    done
    if alive "$pid"; then
      say "sending SIGKILL to $name (pid $pid)"
      kill -s KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 5 || say "$name (pid $pid) is still there after SIGKILL"
    fi
  fi
  rm -f "$pidfile"
}

stop_bluesky() {
  # The network closes its servers on SIGTERM (network.close()), then PostgreSQL
  # can go: SIGINT is its "fast" shutdown (roll back open transactions, exit).
  stop_pid "Bluesky dev network" "$RUN_DIR/bluesky.pid" "network.mjs" TERM 20
  stop_pid "PostgreSQL" "$RUN_DIR/postgres.pid" "-D $RUN_DIR/postgres" INT 20
  # PostgreSQL's own lock file names its postmaster: stop it too if our pid
  # file was lost, or remove it if stale (a killed server leaves it behind, and
  # a reused pid in it would stop the next start).
  stop_pid "PostgreSQL" "$RUN_DIR/postgres/postmaster.pid" "-D $RUN_DIR/postgres" INT 20
  rm -rf "$RUN_DIR/bluesky-tmp"
  rm -f "$RUN_DIR/bluesky.env" "$RUN_DIR/bluesky.ready"
}

stop_mastodon() {
  # uvicorn waits for open connections after the first SIGINT/SIGTERM, and a
  # streaming client never closes, so it would hang; a second signal makes it
  # quit at once. SIGKILL is the last resort.
  stop_pid "mastodon-mock" "$RUN_DIR/mastodon.pid" "mastodon_mock" INT 3 INT 5
  rm -f "$RUN_DIR/mastodon.env"
}

[ -d "$RUN_DIR" ] || exit 0
case "$what" in
  bluesky) stop_bluesky ;;
  mastodon) stop_mastodon ;;
  all) stop_bluesky; stop_mastodon ;;
esac
write_env
