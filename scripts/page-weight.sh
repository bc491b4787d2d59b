#!/usr/bin/env bash
# Measures what a learner's phone downloads on a first visit to every lesson page: the HTML, the
# stylesheet, the scripts (offline learning and the narration speed choice) and every image the
# page shows, gzip-compressed as the server sends them; and the service worker and manifest.
# Narration audio is not counted: it is fetched only when played (preload="none").
# Usage: scripts/page-weight.sh [content-dir]   (prints a table; the heaviest lesson last)
# HOCVUSO_BIN=path uses that binary instead of building the release one (same pages, same sizes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
content=${1:-$root/content}
cd "$root"
bin=${HOCVUSO_BIN:-}
if [ -z "$bin" ]; then cargo build --release -q -p hocvuso; bin=./target/release/hocvuso; fi
tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
HOCVUSO_DATABASE_URL="sqlite://$tmp/db.sqlite?mode=rwc" HOCVUSO_DATA_DIR="$tmp" HOCVUSO_CONTENT_DIR="$content" \
  HOCVUSO_BIND="127.0.0.1:$port" HOCVUSO_LOG=warn HOCVUSO_NARRATION=off "$bin" serve &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

curl -fsS -H 'content-type: application/json' -d '{"username":"do.trong.luong","password":"mat-khau-dai","display_name":"Đo","group":"citizen"}' "$base/api/v1/auth/register" >/dev/null
token=$(curl -fsS -H 'content-type: application/json' -d '{"username":"do.trong.luong","password":"mat-khau-dai"}' "$base/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
wire() { curl -fsS -o /dev/null -w '%{size_download}' --compressed -H "Cookie: hvs_session=$token" "$1"; }

css=$(wire "$base/static/site.css")
scripts=$(( $(wire "$base/static/offline.js") + $(wire "$base/static/narration.js") ))
sw=$(wire "$base/sw.js"); manifest=$(wire "$base/manifest.webmanifest")
printf 'stylesheet (once per visit): %s bytes\n' "$css"
printf 'scripts (offline.js + narration.js, once per visit): %s bytes\n' "$scripts"
printf 'service worker + manifest (installed once): %s + %s = %s bytes\n\n' "$sw" "$manifest" "$((sw + manifest))"
css=$((css + scripts))
printf '%-70s %8s %8s %8s\n' "lesson" "html" "images" "total"
for course in $(ls "$content/courses"); do
  for f in "$content/courses/$course"/lessons/*.md; do
    slug=$(basename "$f" .md); slug=${slug#*-}
    url="$base/courses/$course/lessons/$slug"
    html=$(wire "$url")
    imgs=0
    for src in $(curl -fsS -H "Cookie: hvs_session=$token" "$url" | grep -o 'src="/media/[^"]*"' | sed 's/src="//; s/"$//' | sort -u); do
      imgs=$((imgs + $(wire "$base$src")))
    done
    printf '%-70s %8s %8s %8s\n' "$course/$slug" "$html" "$imgs" "$((html + imgs + css))"
  done
done | sort -k4 -n
