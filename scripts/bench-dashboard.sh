#!/usr/bin/env bash
# The dashboard benchmark: seeds a fresh database with `hocvuso dev seed`, starts the server,
# and times GET /api/v1/dashboard for the ward and for one tổ dân phố. It also counts the
# tổ's completed learners straight from the base tables and checks the dashboard says the same.
# Usage: scripts/bench-dashboard.sh [sqlite|postgres] [learners] [requests]
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
    url="postgres://postgres@127.0.0.1:5432/$name"
    sql() { psql "$url" -At -c "$1"; } ;;
  *)
    url="sqlite://$tmp/hocvuso.db?mode=rwc"
    sql() { sqlite3 "$tmp/hocvuso.db" "$1"; } ;;
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
/usr/bin/time -f "seed: %e s, %M KB max memory" "$bin" dev seed --learners "$learners" --seed 1
echo "progress records: $(sql "select (select count(*) from lesson_completions) + (select count(*) from course_completions)")"

HOCVUSO_BIND="127.0.0.1:$port" "$bin" serve &
server=$!
for _ in $(seq 1 200); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
token=$(curl -fsS -H 'content-type: application/json' -d '{"username":"quan.tri","password":"mat-khau-dai"}' "$base/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
units=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/units")
ward=$(echo "$units" | python3 -c 'import json,sys; print(next(u["id"] for u in json.load(sys.stdin) if u["code"]=="hoai-nhon-tay"))')
tdp=$(echo "$units" | python3 -c 'import json,sys; print(next(u["id"] for u in json.load(sys.stdin) if u["code"]=="tdp-1"))')

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
measure "ward dashboard" "/api/v1/dashboard?unit=$ward"
measure "tổ dân phố dashboard" "/api/v1/dashboard?unit=$tdp"
# Not pre-aggregated, for comparison: the first page of a unit's people (50, with the total).
measure "ward people, first page" "/api/v1/units/$ward/people"
measure "tổ dân phố people, first page" "/api/v1/units/$tdp/people"

# The same figure, counted independently from the base tables.
direct=$(sql "select count(*) from learner_status s join unit_members m on m.user_id = s.user_id where m.unit_id = $tdp and s.path_completed_at is not null")
shown=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/dashboard?unit=$tdp" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["path_completed"]["actual"])')
echo "tổ dân phố 1, completed paths: counted $direct, dashboard $shown"
[ "$direct" = "$shown" ] || { echo "MISMATCH"; exit 1; }
