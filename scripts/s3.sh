#!/usr/bin/env bash
# Starts a throw-away S3-compatible server for the tests (moto's server, from PyPI: the
# closest thing to S3 that installs here; MinIO is not packaged for Debian) with one
# bucket, and prints its address.
# Usage: eval "$(scripts/s3.sh start DIR)"   → exports CAMPUSLINK_TEST_S3 (endpoint/bucket)
#        scripts/s3.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}

case "$cmd" in
start)
  python3 -c 'import moto.server' 2>/dev/null || { echo "moto is not installed: python3 -m pip install 'moto[server]==5.2.5'" >&2; exit 1; }
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 -m moto.server -H 127.0.0.1 -p "$port" >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then break; fi
    sleep 0.1
  done
  # Create the bucket (moto takes any credentials; an unsigned PUT is enough).
  curl -fsS -X PUT -o /dev/null "http://127.0.0.1:$port/campuslink-test"
  echo "export CAMPUSLINK_TEST_S3=http://127.0.0.1:$port/campuslink-test"
  ;;
stop)
  [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
  rm -rf "$dir"
  ;;
esac
