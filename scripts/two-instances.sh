#!/usr/bin/env bash
# Scale-out, tested: two `hocvuso serve` instances on one PostgreSQL database behind nginx on
# loopback (round robin, the way a load balancer spreads a ward's or a province's traffic).
# scripts/two_instances.py then drives them and checks: sessions work across instances (and a
# sign-out on one is honoured by the other), a key rotation is seen by both, learners complete
# a course concurrently through both (the last lesson sent to both instances at once) with no
# double credential, killing one instance mid-load loses no acknowledged write, a SIGTERM
# drains an instance (requests in flight finish, it exits 0), `ledger verify` passes and the
# dashboard equals a rebuild.
# Usage: scripts/two-instances.sh [learners]   (PostgreSQL: HOCVUSO_TEST_PG, default
# postgres://postgres@127.0.0.1:5432/postgres; nginx from Debian, installed if missing)
# PROFILE=release uses an optimised build (default: the debug build CI already has).
set -euo pipefail
learners=${1:-16}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pg_admin=${HOCVUSO_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}
profile=${PROFILE:-debug}
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
if [ "$profile" = release ]; then cargo build -q --release -p hocvuso; else cargo build -q -p hocvuso; fi
bin="${CARGO_TARGET_DIR:-$root/target}/$profile/hocvuso"

tmp=$(mktemp -d)
name="hvs_test_two_$RANDOM$RANDOM"
psql "$pg_admin" -q -c "create database $name"
cleanup() {
  for f in "$tmp"/*.pid; do
    # A pid file can vanish between the test and the read (nginx removes its own on exit).
    pid=$(cat "$f" 2>/dev/null) || continue
    kill "$pid" 2>/dev/null || true
  done
  sleep 0.5
  rm -rf "$tmp"
  psql "$pg_admin" -q -c "drop database if exists $name" >/dev/null 2>&1 || true
}
trap cleanup EXIT

base_port=$((20000 + RANDOM % 20000))
export HOCVUSO_DATABASE_URL="${pg_admin%/*}/$name" HOCVUSO_DATA_DIR="$tmp/data" \
  HOCVUSO_CONTENT_DIR=tests/fixtures/content HOCVUSO_LOG=warn \
  HOCVUSO_PUBLIC_URL="http://127.0.0.1:$base_port" HOCVUSO_TRUSTED_PROXIES=127.0.0.1 \
  HOCVUSO_SIGN_INS_PER_HOUR=100000
"$bin" dev seed --learners 150 --seed 3 >/dev/null

# nginx: round robin over the two; a request that could not be sent to one goes to the other.
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  upstream hocvuso {
    server 127.0.0.1:$((base_port + 1)) max_fails=1 fail_timeout=2s;
    server 127.0.0.1:$((base_port + 2)) max_fails=1 fail_timeout=2s;
  }
  server {
    listen 127.0.0.1:$base_port;
    location / {
      proxy_pass http://hocvuso;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
    }
  }
}
EOF
"$nginx_bin" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -g 'daemon off;' 2>"$tmp/nginx/stderr" &
echo $! >"$tmp/nginx-main.pid"

HOCVUSO_BIN="$bin" TWO_TMP="$tmp" TWO_PORT="$base_port" TWO_LEARNERS="$learners" \
  python3 scripts/two_instances.py
