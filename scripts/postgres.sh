#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the tests and prints its URL.
# Usage: eval "$(scripts/postgres.sh start DIR)"   → exports CAMPUSLINK_TEST_POSTGRES
#        scripts/postgres.sh stop DIR
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?start|stop}
dir=${2:?data directory}

# PostgreSQL refuses to run as root: run it as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL 15 server not found in $PG_BIN (apt-get install postgresql-15)" >&2; exit 1; }
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  echo "export CAMPUSLINK_TEST_POSTGRES=postgres://postgres@127.0.0.1:$port/postgres"
  ;;
stop)
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
esac
