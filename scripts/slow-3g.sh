#!/usr/bin/env bash
# Time to first render of a lesson page on an emulated slow 3G link (400 kbit/s, 400 ms RTT by
# default) in headless Chromium: first visit, repeat view and offline revisit. Starts the
# server on a fresh SQLite database with the bundled curriculum, signs a learner in, runs
# scripts/slow-3g.mjs and stops the server. docs/performance.md has the method and figures.
# Usage: scripts/slow-3g.sh [course/lesson]   (default: the citizen path's first lesson)
# Environment: ROUNDS (5), DOWN_KBIT (400), UP_KBIT (400), RTT_MS (400),
#   HOCVUSO_BIN=path to use a built binary instead of building the release one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
lesson=${1:-lam-quen-dien-thoai/bat-may-va-man-hinh}

command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
[ -d tests/browser/node_modules/playwright-core ] || (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
bin=${HOCVUSO_BIN:-}
if [ -z "$bin" ]; then cargo build --release -q -p hocvuso; bin=./target/release/hocvuso; fi

tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
HOCVUSO_DATABASE_URL="sqlite://$tmp/db.sqlite?mode=rwc" HOCVUSO_DATA_DIR="$tmp" HOCVUSO_CONTENT_DIR=content \
  HOCVUSO_BIND="127.0.0.1:$port" HOCVUSO_LOG=warn HOCVUSO_NARRATION=off "$bin" serve &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

curl -fsS -H 'content-type: application/json' -d '{"username":"do.toc.do","password":"mat-khau-dai","display_name":"Đo","group":"citizen"}' "$base/api/v1/auth/register" >/dev/null
token=$(curl -fsS -H 'content-type: application/json' -d '{"username":"do.toc.do","password":"mat-khau-dai"}' "$base/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

BASE_URL="$base" SESSION_TOKEN="$token" LESSON="$lesson" node scripts/slow-3g.mjs
