#!/usr/bin/env bash
# The completions export benchmark: seeds a fresh database with `hocvuso dev seed` (learners
# with progress, completions, signed credentials and ledger entries), starts the server and
# downloads GET /api/v1/admin/completions as CSV and as XLSX, timing each download and reading
# the server's peak memory (VmHWM, reset before each export). It also checks that the files
# hold every completion: the CSV's line count, and the XLSX's rows, read from the zip.
# Usage: scripts/export-bench.sh [sqlite|postgres] [learners] [formats]
# ~670,000 learners give about a million completions. PROFILE=debug uses the debug build
# (default: release, what a ward would run).
set -euo pipefail
db=${1:-sqlite}
learners=${2:-670000}
formats=${3:-"csv xlsx"}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
profile=${PROFILE:-release}
if [ "$profile" = release ]; then cargo build -q --release -p hocvuso; else cargo build -q -p hocvuso; fi
bin="${CARGO_TARGET_DIR:-$root/target}/$profile/hocvuso"

tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
case "$db" in
  postgres)
    name="hvs_export_$RANDOM$RANDOM"
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

export HOCVUSO_DATABASE_URL="$url" HOCVUSO_DATA_DIR="$tmp" HOCVUSO_LOG=warn HOCVUSO_BIND="127.0.0.1:$port"
echo "== seeding $learners learners on $db ($profile build)"
/usr/bin/time -f "seed: %e s, %M KB max memory" "$bin" dev seed --learners "$learners" --seed 1
completions=$(sql "select count(*) from course_completions")
echo "completions: $completions"
if [ "$db" = sqlite ]; then echo "database file: $(du -h "$tmp/hocvuso.db" | cut -f1)"; fi

"$bin" serve &
server=$!
for _ in $(seq 1 200); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
token=$(curl -fsS -H 'content-type: application/json' -d '{"username":"quan.tri","password":"mat-khau-dai"}' "$base/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

for format in $formats; do
  # Writing 5 to clear_refs resets the peak resident set size (VmHWM) to the current one.
  echo 5 > "/proc/$server/clear_refs"
  before=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
  out="$tmp/completions.$format"
  t=$(curl -fsS -o "$out" -w '%{time_total}' -H "Authorization: Bearer $token" "$base/api/v1/admin/completions?format=$format")
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  size=$(du -h "$out" | cut -f1)
  case "$format" in
    # The first line is the ledger's head, then the header.
    csv) rows=$(($(wc -l < "$out") - 2)) ;;
    xlsx) rows=$(python3 - "$out" <<'PY'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
rows = 0
sheets = sorted(
    int(m.group(1))
    for m in (re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", n) for n in z.namelist())
    if m
)
for number in sheets[1:-1]:
    # Sheet 1 is the summary, the last one the ledger's head; the completions are between.
    with z.open(f"xl/worksheets/sheet{number}.xml") as f:
        tail = b""
        for block in iter(lambda: f.read(1 << 20), b""):
            rows += (tail + block).count(b"<row ")
            tail = block[-4:]
    rows -= 1  # the header row
print(rows)
PY
) ;;
    # The first line is the ledger's head.
    *) rows=$(($(wc -l < "$out") - 1)) ;;
  esac
  echo "$format: ${t} s, $rows rows ($size), server RSS before ${before} KB, peak ${peak} KB"
  if [ "$rows" != "$completions" ]; then echo "MISMATCH: $rows rows exported, $completions completions" >&2; exit 1; fi
done
