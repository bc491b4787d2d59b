#!/usr/bin/env bash
# The people search benchmark: seeds a fresh database with `hocvuso dev seed`, starts the
# server, and times GET /api/v1/units/{id}/people?q=… (a name typed without diacritics) for the
# ward and for one tổ dân phố: a common query ("nguyen van", many hits, the first 50 by name),
# one person's full name (a few hits) and a name nobody has (every folded name looked at).
# It also checks that the full name typed without diacritics finds the person it was taken from.
# Usage: scripts/bench-people-search.sh [sqlite|postgres] [learners] [requests]
# PROFILE=release uses an optimised build (default: the debug build CI already has).
set -euo pipefail
db=${1:-sqlite}
learners=${2:-100000}
requests=${3:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
profile=${PROFILE:-debug}
if [ "$profile" = release ]; then cargo build -q --release -p hocvuso; else cargo build -q -p hocvuso; fi
bin="${CARGO_TARGET_DIR:-$root/target}/$profile/hocvuso"

tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
case "$db" in
  postgres)
    name="hvs_bench_$RANDOM$RANDOM"
    psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "create database $name"
    url="postgres://postgres@127.0.0.1:5432/$name" ;;
  *)
    url="sqlite://$tmp/hocvuso.db?mode=rwc" ;;
esac
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
  if [ "$db" = postgres ]; then psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "drop database if exists $name" || true; fi
}
trap cleanup EXIT

export HOCVUSO_DATABASE_URL="$url" HOCVUSO_DATA_DIR="$tmp" HOCVUSO_LOG=warn
echo "== seeding $learners learners on $db ($profile build)"
"$bin" dev seed --learners "$learners" --seed 1 >/dev/null

HOCVUSO_BIND="127.0.0.1:$port" "$bin" serve &
server=$!
for _ in $(seq 1 200); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
token=$(curl -fsS -H 'content-type: application/json' -d '{"username":"quan.tri","password":"mat-khau-dai"}' "$base/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
units=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/units")
ward=$(echo "$units" | python3 -c 'import json,sys; print(next(u["id"] for u in json.load(sys.stdin) if u["code"]=="hoai-nhon-tay"))')
tdp=$(echo "$units" | python3 -c 'import json,sys; print(next(u["id"] for u in json.load(sys.stdin) if u["code"]=="tdp-1"))')
# One person of the tổ, and their name without diacritics (as a manager would type it).
read -r person folded < <(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/units/$tdp/people?page=3" | python3 -c '
import json, sys, unicodedata, urllib.parse
p = json.load(sys.stdin)["people"][7]
n = unicodedata.normalize("NFD", p["display_name"]).replace("đ", "d").replace("Đ", "D")
n = "".join(c for c in n if not unicodedata.combining(c)).lower()
print(p["id"], urllib.parse.quote_plus(n))')
echo "searching for person $person as '$folded'"

measure() {
  local label=$1 path=$2
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base$path"
  for _ in $(seq 1 "$requests"); do
    curl -fsS -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$base$path"
  done | sort -n | python3 -c "
import sys
t = [float(x) * 1000 for x in sys.stdin]
print(f'$label: n={len(t)} min={t[0]:.1f} ms median={t[len(t)//2]:.1f} ms p95={t[int(len(t)*0.95)-1]:.1f} ms max={t[-1]:.1f} ms')"
}
measure "ward, nguyen van (many hits)" "/api/v1/units/$ward/people?q=nguyen+van"
measure "ward, one full name" "/api/v1/units/$ward/people?q=$folded"
measure "ward, nobody" "/api/v1/units/$ward/people?q=khong+co+ai+ten+nay"
measure "tổ dân phố, nguyen van" "/api/v1/units/$tdp/people?q=nguyen+van"
measure "tổ dân phố, one full name" "/api/v1/units/$tdp/people?q=$folded"
measure "tổ dân phố, nobody" "/api/v1/units/$tdp/people?q=khong+co+ai+ten+nay"

found=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/units/$ward/people?q=$folded" | python3 -c "import json,sys; print(any(p['id'] == $person for p in json.load(sys.stdin)['people']))")
echo "the person is found by their name without diacritics: $found"
[ "$found" = True ] || { echo "NOT FOUND"; exit 1; }
