#!/usr/bin/env bash
# Starts a server on a fresh database (sqlite|postgres) with the fixture content, runs the
# browser journeys against it in headless Chromium, and stops it. Usage: run.sh [sqlite|postgres]
set -euo pipefail
db=${1:-sqlite}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
bin="${CARGO_TARGET_DIR:-$root/target}/debug/hocvuso"
[ -x "$bin" ] || cargo build -p hocvuso

tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
case "$db" in
  postgres)
    name="hvs_browser_$RANDOM$RANDOM"
    psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "create database $name"
    url="postgres://postgres@127.0.0.1:5432/$name" ;;
  *) url="sqlite://$tmp/hocvuso.db?mode=rwc" ;;
esac

# A ward with its staff accounts, people and progress, for the staff journeys.
HOCVUSO_DATABASE_URL="$url" HOCVUSO_DATA_DIR="$tmp" HOCVUSO_CONTENT_DIR=tests/fixtures/content \
  HOCVUSO_LOG=warn "$bin" dev seed --learners 300 --seed 1 >/dev/null
HOCVUSO_DATABASE_URL="$url" HOCVUSO_DATA_DIR="$tmp" HOCVUSO_CONTENT_DIR=tests/fixtures/content \
  HOCVUSO_BIND="127.0.0.1:$port" HOCVUSO_LOG=warn "$bin" serve &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
  if [ "$db" = postgres ]; then psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "drop database if exists $name" || true; fi
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the server did not start"; exit 1; }
  sleep 0.2
done

cd tests/browser
DB="$db" BASE_URL="http://127.0.0.1:$port" node --test --test-reporter=spec
