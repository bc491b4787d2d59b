#!/usr/bin/env bash
# Nothing acknowledged is lost when things break (issue #15). Usage: fault-kill.sh [sqlite|postgres]
#
# 1. A seeded ward (`hocvuso dev seed`, the bundled content) and a server.
# 2. A bounded load through the API (scripts/fault_load.py): learners complete lessons and
#    submit quizzes; every 2xx answer is logged by the client as it arrives.
# 3. SIGKILL of the server in the middle of the load, then a restart on the same database.
# 4. Proof: every acknowledged write is in the database, `hocvuso ledger verify` passes, and
#    the dashboard's counters equal `hocvuso dashboard rebuild`.
# 5. PostgreSQL only: the database itself restarted under load (a private cluster started by
#    this script, never the shared one): the server answers 503 with its Vietnamese message
#    while the database is down, not a hang, and serves again by itself once it is back.
#
# LEARNERS (default 12) and LOAD_SECONDS (default 20) bound the load; KILL_AFTER (default 6)
# is when the kill comes.
set -euo pipefail
db=${1:-sqlite}
learners=${LEARNERS:-12}
load_seconds=${LOAD_SECONDS:-20}
kill_after=${KILL_AFTER:-6}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="$target/debug/hocvuso"
[ -x "$bin" ] || cargo build -p hocvuso

tmp=$(mktemp -d)
chmod 755 "$tmp"
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
server=""
pgdata=""
pgport=$((40000 + RANDOM % 10000))
pg() { runuser -u postgres -- "$@"; }

cleanup() {
  [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
  if [ -n "$pgdata" ]; then pg pg_ctl -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

case "$db" in
  postgres)
    # A cluster of our own: restarting it disturbs nobody else.
    pgdata="$tmp/pg"
    mkdir -p "$pgdata" "$tmp/pglog" "$tmp/pgsock" && chown postgres "$pgdata" "$tmp/pglog" "$tmp/pgsock"
    pg initdb -D "$pgdata" -U postgres --auth=trust >/dev/null
    pg pg_ctl -D "$pgdata" -o "-p $pgport -k $tmp/pgsock -c listen_addresses=127.0.0.1" -l "$tmp/pglog/pg.log" -w start >/dev/null
    url="postgres://postgres@127.0.0.1:$pgport/postgres"
    check_db="$url" ;;
  *)
    url="sqlite://$tmp/hocvuso.db?mode=rwc"
    check_db="$tmp/hocvuso.db" ;;
esac
export HOCVUSO_DATABASE_URL="$url" HOCVUSO_DATA_DIR="$tmp/data" HOCVUSO_CONTENT_DIR=content \
  HOCVUSO_LOG=warn HOCVUSO_SIGN_INS_PER_HOUR=100000 HOCVUSO_BIND="127.0.0.1:$port"

echo "== seeding ($db)"
"$bin" dev seed --learners 80 --seed 7 >/dev/null

start_server() {
  "$bin" serve 2>>"$tmp/server.log" &
  server=$!
  for _ in $(seq 1 150); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || { echo "the server did not start"; cat "$tmp/server.log"; exit 1; }
    sleep 0.2
  done
  echo "the server did not answer"; exit 1
}

# The seeded learners are hv5, hv6, … (after the staff accounts).
names=$(seq 5 $((4 + learners)) | sed 's/^/hv/' | paste -sd, -)

echo "== load, and SIGKILL after ${kill_after}s"
start_server
python3 scripts/fault_load.py load "$base" "$names" "$tmp/acks.jsonl" "$load_seconds" >"$tmp/load.out" &
loader=$!
sleep "$kill_after"
kill -9 "$server"
wait "$server" 2>/dev/null || true
server=""
wait "$loader" || true
echo "load: $(cat "$tmp/load.out")"

echo "== restart on the same database"
start_server
python3 scripts/fault_load.py verify "$tmp/acks.jsonl" "$check_db"

echo "== ledger verify"
"$bin" ledger verify

echo "== the dashboard equals a rebuild"
counters() {
  local sql="SELECT unit_id, group_id, metric, value FROM unit_stats WHERE value <> 0 ORDER BY 1, 2, 3"
  local weekly="SELECT unit_id, group_id, metric, week, value FROM unit_weekly WHERE value <> 0 ORDER BY 1, 2, 3, 4"
  if [ "$db" = postgres ]; then
    psql "$url" -At -c "$sql"; psql "$url" -At -c "$weekly"
  else
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [print(*r, sep='|') for q in sys.argv[2:] for r in c.execute(q)]" "$check_db" "$sql" "$weekly"
  fi
}
counters >"$tmp/live.txt"
"$bin" dashboard rebuild >/dev/null
counters >"$tmp/rebuilt.txt"
if ! diff -u "$tmp/live.txt" "$tmp/rebuilt.txt"; then
  echo "the counters differ from a rebuild"; exit 1
fi
echo "counters: $(wc -l <"$tmp/live.txt") equal a rebuild"

if [ "$db" = postgres ]; then
  echo "== PostgreSQL restarted under load"
  token=$(curl -fsS "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"hv5","password":"mat-khau-dai"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  python3 scripts/fault_load.py load "$base" "$names" "$tmp/acks2.jsonl" 30 >"$tmp/load2.out" &
  loader=$!
  python3 scripts/fault_load.py outage "$base" "$token" 34 "$tmp/outage.jsonl" &
  poller=$!
  sleep 2
  pg pg_ctl -D "$pgdata" -m fast stop >/dev/null
  # Longer than the pool's acquire timeout (10 s), so requests that waited for a connection
  # get their 503.
  sleep 16
  pg pg_ctl -D "$pgdata" -o "-p $pgport -k $tmp/pgsock -c listen_addresses=127.0.0.1" -l "$tmp/pglog/pg.log" -w start >/dev/null
  wait "$poller"
  wait "$loader" || true
  python3 - "$tmp/outage.jsonl" <<'PY'
import json, sys
seen = [json.loads(l) for l in open(sys.argv[1])]
down = [s for s in seen if s["status"] == 503]
slow = [s for s in seen if s["seconds"] > 11]
bad = [s for s in seen if s["status"] not in (200, 503)]
last = seen[-1] if seen else {}
print(f"{len(seen)} reads: {len(down)} answered 503 while PostgreSQL was down, "
      f"{sum(1 for s in seen if s['status'] == 200)} answered 200")
assert down, "no 503 was seen while PostgreSQL was down"
assert all(s["error"] == "database_unavailable" and "gián đoạn" in (s["message"] or "") for s in down), down[:3]
assert not bad, f"other answers: {bad[:3]}"
assert not slow, f"answers that hung: {slow[:3]}"
assert last.get("status") == 200, f"not serving again after the restart: {last}"
print("503 in Vietnamese meanwhile:", down[0]["message"])
PY
  grep -q . "$tmp/acks2.jsonl" && python3 scripts/fault_load.py verify "$tmp/acks2.jsonl" "$check_db"
  "$bin" ledger verify >/dev/null
fi
echo "== fault-kill ($db): 0 acknowledged writes lost"
