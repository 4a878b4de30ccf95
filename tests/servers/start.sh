#!/usr/bin/env bash
# Starts real local servers for Earshot's connector tests, on 127.0.0.1 only:
#   tests/servers/start.sh [bluesky|mastodon|all]     (default all)
#   bluesky:  a full AT Protocol network from @atproto/dev-env (PLC, PDS, AppView
#             on PostgreSQL, Ozone), with alice.test, bob.test, carol.test
#   mastodon: mastodon-mock (PyPI), a stateful Mastodon API, with alice, bob, carol
# It installs what is missing into ${XDG_CACHE_HOME:-~/.cache}/earshot/servers
# (slow once, fast after), picks free ports, starts the servers, waits until they
# answer, seeds the accounts and writes $EARSHOT_SERVERS_DIR/env (export lines).
# A server that is already running is restarted, so every start is a clean slate.
# Stop with tests/servers/stop.sh. See tests/servers/README.md.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

what="${1:-all}"
case "$what" in
  bluesky | mastodon | all) ;;
  *) echo "usage: $0 [bluesky|mastodon|all]" >&2; exit 2 ;;
esac

need() {
  command -v "$1" >/dev/null 2>&1 || fail "$1 is missing: run scripts/deps.sh test${2:+ ($2)}"
}
need curl
need python3
need unshare "util-linux"
need setsid "util-linux"

mkdir -p "$SERVERS_CACHE" "$RUN_DIR" "$LOG_DIR"

# ---------------------------------------------------------------------------
# Installs (each is skipped when its stamp matches what the repo pins)
# ---------------------------------------------------------------------------

# Node 22 (the machine's Node is older; @atproto/dev-env needs >= 22). The npm
# package ships the binary and its headers; native modules compile against them.
install_node() {
  [ -x "$NODE_HOME/bin/node" ] && return
  need npm "npm, to fetch Node 22 from the npm registry"
  say "installing $NODE_PKG into $SERVERS_CACHE/node22"
  mkdir -p "$SERVERS_CACHE/node22"
  (cd "$SERVERS_CACHE/node22" && npm install --no-save --no-audit --no-fund --prefix . "$NODE_PKG") \
    >"$LOG_DIR/install-node.log" 2>&1 || fail "npm install $NODE_PKG" "$LOG_DIR/install-node.log"
  [ -x "$NODE_HOME/bin/node" ] || fail "no node binary in $NODE_HOME/bin" "$LOG_DIR/install-node.log"
}

# @atproto/dev-env and its ~660 packages, from the committed package-lock.json.
install_bluesky() {
  local stamp want
  install_node
  want="$(cat "$SERVERS_SRC/bluesky/package.json" "$SERVERS_SRC/bluesky/package-lock.json" | sha256sum | cut -d' ' -f1)"
  stamp="$BSKY_HOME/.earshot-installed"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$BSKY_HOME/node_modules/@atproto/dev-env" ]; then
    return
  fi
  need npm
  need make "build-essential: better-sqlite3 compiles from source"
  need g++ "build-essential: better-sqlite3 compiles from source"
  say "installing @atproto/dev-env into $BSKY_HOME (a few minutes, once)"
  mkdir -p "$BSKY_HOME"
  rm -f "$stamp"
  cp "$SERVERS_SRC/bluesky/package.json" "$SERVERS_SRC/bluesky/package-lock.json" "$BSKY_HOME/"
  # Node 22 first on PATH, so npm and node-gyp build better-sqlite3 for it, and
  # against its headers (no prebuilt binary can be downloaded here).
  (cd "$BSKY_HOME" && PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" \
    npm ci --no-audit --no-fund) >"$LOG_DIR/install-bluesky.log" 2>&1 ||
    fail "npm ci of @atproto/dev-env in $BSKY_HOME" "$LOG_DIR/install-bluesky.log"
  echo "$want" >"$stamp"
}

install_mastodon() {
  local stamp want
  want="$(sha256sum <"$SERVERS_SRC/mastodon/requirements.txt" | cut -d' ' -f1)"
  stamp="$MASTODON_VENV/.earshot-installed"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$MASTODON_VENV/bin/mastodon_mock" ]; then
    return
  fi
  python3 -m venv --help >/dev/null 2>&1 || fail "python3 has no venv module: run scripts/deps.sh test (python3-venv)"
  say "installing mastodon-mock into $MASTODON_VENV"
  rm -rf "$MASTODON_VENV"
  {
    python3 -m venv "$MASTODON_VENV" &&
      "$MASTODON_VENV/bin/pip" install --disable-pip-version-check -q -r "$SERVERS_SRC/mastodon/requirements.txt"
  } >"$LOG_DIR/install-mastodon.log" 2>&1 || fail "pip install of mastodon-mock" "$LOG_DIR/install-mastodon.log"
  echo "$want" >"$stamp"
}

# ---------------------------------------------------------------------------
# Bluesky: PostgreSQL for the AppView, then the dev network
# ---------------------------------------------------------------------------

start_postgres() {
  local bin data="$RUN_DIR/postgres" log="$LOG_DIR/postgres.log" port i
  bin="$(pg_bindir)" || fail "PostgreSQL server is missing: run scripts/deps.sh test (Debian package postgresql)"
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-sync >"$LOG_DIR/initdb.log" 2>&1 ||
      fail "initdb $data" "$LOG_DIR/initdb.log"
  fi
  port="$(free_ports 1)"
  # TCP on 127.0.0.1 only, no unix socket; fsync off: a test database is thrown
  # away at every start, durability buys nothing and costs seconds.
  : >"$log"
  as_pg "$bin/pg_ctl" -D "$data" -l "$log" -w -t 30 -o "-c listen_addresses=127.0.0.1 -p $port \
    -c unix_socket_directories= -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    -c max_connections=200" start >"$LOG_DIR/pg_ctl.log" 2>&1 || fail "PostgreSQL did not start" "$log"
  head -n1 "$data/postmaster.pid" >"$RUN_DIR/postgres.pid"
  # The PDS and PLC start empty at every start; the AppView's tables would not.
  for i in 1 2 3; do
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c 'DROP DATABASE IF EXISTS earshot_bsky WITH (FORCE)' -c 'CREATE DATABASE earshot_bsky' \
      >>"$log" 2>&1 && break
    [ "$i" = 3 ] && fail "could not recreate the database earshot_bsky" "$log"
    sleep 0.5
  done
  PG_URL="postgresql://postgres@127.0.0.1:$port/earshot_bsky"
}

start_bluesky() {
  local t0 t1 pid log="$LOG_DIR/bluesky.log" pds_port appview_port plc_port
  install_bluesky
  "$SERVERS_SRC/stop.sh" bluesky
  t0="$(now_ms)"
  start_postgres
  read -r pds_port appview_port plc_port <<<"$(free_ports 3)"
  rm -rf "$RUN_DIR/bluesky-tmp"
  mkdir -p "$RUN_DIR/bluesky-tmp"
  : >"$log"
  # setsid: its own session, so a Ctrl-C in the terminal that ran start.sh (or
  # make) does not reach it; it runs until stop.sh. TMPDIR: the PDS keeps its
  # SQLite files and blobs in fresh temporary folders; keep them in the run dir.
  (
    cd "$SERVERS_SRC/bluesky"
    export PATH="$NODE_HOME/bin:$PATH" TMPDIR="$RUN_DIR/bluesky-tmp" \
      EARSHOT_BSKY_MODULES="$BSKY_HOME/node_modules" EARSHOT_BSKY_DB_URL="$PG_URL" \
      EARSHOT_BSKY_PDS_PORT="$pds_port" EARSHOT_BSKY_APPVIEW_PORT="$appview_port" \
      EARSHOT_BSKY_PLC_PORT="$plc_port" EARSHOT_BSKY_READY="$RUN_DIR/bluesky.ready" \
      EARSHOT_BSKY_ENV="$RUN_DIR/bluesky.env" REDIS_HOST=unused-redis-host
    exec setsid node --import ./loopback.mjs ./network.mjs </dev/null >"$log" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$RUN_DIR/bluesky.pid"
  for _ in $(seq 1 1200); do
    [ -f "$RUN_DIR/bluesky.ready" ] && break
    alive "$pid" || fail "the Bluesky dev network exited while starting" "$log"
    sleep 0.1
  done
  [ -f "$RUN_DIR/bluesky.ready" ] || fail "the Bluesky dev network was not ready within 120 s" "$log"
  t1="$(now_ms)"
  check_bluesky
  say "Bluesky ready in $(secs $((t1 - t0))) s (PostgreSQL included): PDS http://127.0.0.1:$pds_port, AppView http://127.0.0.1:$appview_port"
}

# A client's first steps, done with curl: log in with Alice's app password, read
# her notifications through the PDS. And nothing of ours listens beyond loopback.
check_bluesky() {
  local pds token
  pds="$(sed -n "s/^export EARSHOT_TEST_BSKY_PDS='\(.*\)'$/\1/p" "$RUN_DIR/bluesky.env")"
  # shellcheck disable=SC1091
  token="$(. "$RUN_DIR/bluesky.env" && curl -sS -f -X POST "$pds/xrpc/com.atproto.server.createSession" \
    -H 'content-type: application/json' \
    -d "{\"identifier\":\"$EARSHOT_TEST_BSKY_ALICE_HANDLE\",\"password\":\"$EARSHOT_TEST_BSKY_ALICE_APP_PASSWORD\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["accessJwt"])')" ||
    fail "createSession with Alice's app password failed" "$LOG_DIR/bluesky.log"
  curl -sS -f "$pds/xrpc/app.bsky.notification.listNotifications?limit=1" -H "authorization: Bearer $token" \
    >/dev/null || fail "listNotifications through the PDS failed" "$LOG_DIR/bluesky.log"
  check_loopback "$(cat "$RUN_DIR/bluesky.pid")" "$(cat "$RUN_DIR/postgres.pid")"
}

# check_loopback PID...: every TCP listener of these processes is on 127.0.0.1.
check_loopback() {
  local pid bad
  command -v ss >/dev/null 2>&1 || { say "ss is missing (iproute2): listeners not checked"; return; }
  for pid in "$@"; do
    bad="$(ss -Htlnp 2>/dev/null | grep "pid=$pid," | awk '{print $4}' | grep -v '^127\.0\.0\.1:' || true)"
    [ -z "$bad" ] || fail "pid $pid listens beyond loopback: $bad"
  done
}

# ---------------------------------------------------------------------------
# Mastodon API: mastodon-mock
# ---------------------------------------------------------------------------

start_mastodon() {
  local t0 t1 pid port log="$LOG_DIR/mastodon.log" conf="$RUN_DIR/mastodon.toml" url ok="" limit
  install_mastodon
  "$SERVERS_SRC/stop.sh" mastodon
  t0="$(now_ms)"
  port="$(free_ports 1)"
  url="http://127.0.0.1:$port"
  limit="${EARSHOT_TEST_MASTODON_RATELIMIT:-3000}"
  [[ "$limit" =~ ^[1-9][0-9]*$ ]] || fail "EARSHOT_TEST_MASTODON_RATELIMIT must be a positive number of requests, not '$limit'"
  # Seeded accounts with fixed tokens (the mock has no password grant, so tests
  # use these bearer tokens directly). Rate limiting on, so X-RateLimit-* headers
  # come on every response; the limit is high so tests do not trip it by accident.
  cat >"$conf" <<EOF
domain = "127.0.0.1:$port"
url_scheme = "http"
title = "Earshot test instance"

[server]
host = "127.0.0.1"
port = $port

[database]
path = ":memory:"

[ratelimit]
enabled = true
limit = $limit
window_seconds = 300

[[seed.accounts]]
username = "alice"
display_name = "Alice"
note = "The Earshot user"
access_token = "earshot-test-alice-token"

[[seed.accounts]]
username = "bob"
display_name = "Bob"
access_token = "earshot-test-bob-token"

[[seed.accounts]]
username = "carol"
display_name = "Carol"
access_token = "earshot-test-carol-token"
EOF
  : >"$log"
  (
    cd "$RUN_DIR"
    exec setsid "$MASTODON_VENV/bin/mastodon_mock" serve --config "$conf" --log-level warning </dev/null >"$log" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$RUN_DIR/mastodon.pid"
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null -H 'Authorization: Bearer earshot-test-alice-token' \
      "$url/api/v1/accounts/verify_credentials"; then
      ok=1
      break
    fi
    alive "$pid" || fail "mastodon-mock exited while starting" "$log"
    sleep 0.1
  done
  [ -n "$ok" ] || fail "mastodon-mock did not answer within 30 s" "$log"
  t1="$(now_ms)"
  check_loopback "$pid"
  cat >"$RUN_DIR/mastodon.env" <<EOF
export EARSHOT_TEST_MASTODON_URL='$url'
export EARSHOT_TEST_MASTODON_DOMAIN='127.0.0.1:$port'
export EARSHOT_TEST_MASTODON_ALICE_HANDLE='alice'
export EARSHOT_TEST_MASTODON_ALICE_TOKEN='earshot-test-alice-token'
export EARSHOT_TEST_MASTODON_BOB_HANDLE='bob'
export EARSHOT_TEST_MASTODON_BOB_TOKEN='earshot-test-bob-token'
export EARSHOT_TEST_MASTODON_CAROL_HANDLE='carol'
export EARSHOT_TEST_MASTODON_CAROL_TOKEN='earshot-test-carol-token'
EOF
  say "Mastodon API ready in $(secs $((t1 - t0))) s: $url"
}

# If anything fails, stop what this run started: no half-started servers left.
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    say "stopping what was started"
    "$SERVERS_SRC/stop.sh" "$what" || true
  fi
}
trap on_exit EXIT

case "$what" in
  bluesky) start_bluesky ;;
  mastodon) start_mastodon ;;
  all) start_mastodon; start_bluesky ;;
esac
write_env
say "env: . \"$RUN_DIR/env\"   (stop with tests/servers/stop.sh)"
