#!/usr/bin/env bash
# The load benchmark (docs/performance.md, "Requests per second"): seeds a ward with
# `hocvuso dev seed`, starts the server, signs learners in and drives it with wrk: the signed-in
# lesson page as a browser asks for it (gzip), the lesson as JSON, the catalog and progress
# pages, quiz submissions (each attempt submitted once; graded/s counted in the database), lesson
# completions (each once) and the ward's dashboard. It samples the server's resident memory and
# measures an actix-web "hello" (crates/hocvuso/examples/hello.rs) in the same run as the
# ceiling. Prints one table.
#
# Usage: scripts/bench-load.sh [sqlite|postgres]
# Environment:
#   BINS="label=path …"  servers to compare, run one after another on copies of the same seeded
#                        database, ROUNDS times interleaved, each round starting with the next
#                        (default: current=target/release/hocvuso);
#                        environment for one of them goes before its path, comma-separated:
#                        "glibc=MALLOC_ARENA_MAX=2,target/glibc/hocvuso" (allocator options)
#   ROUNDS=1  DURATION=5 (seconds per read endpoint)  WRITE_SECONDS=2 (per write endpoint: each
#   attempt is submitted once, so their number bounds the run)  CONNECTIONS=32  THREADS=2
#   LEARNERS=2000 (seeded)  USERS=256 (signed in; each starts an attempt at every quiz)
#   SKIP_BUILD=1 to use the binaries as they are.
#   PERF_DIR=dir: also profile each server with `perf record` (Debian linux-perf) while it
#   serves the lesson page and the submissions; flat reports (by symbol and by library) go to
#   dir/<label>-<endpoint>.txt, the recordings to dir/<label>-<endpoint>.data; PERF_CALLGRAPH
#   ("--call-graph dwarf": callers without frame pointers, from the unwind tables) replaces -g.
# PostgreSQL: HOCVUSO_BENCH_PG (default postgres://postgres@127.0.0.1:5432/postgres); each run
# creates its own databases there and drops them.
set -euo pipefail
db=${1:-sqlite}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
rounds=${ROUNDS:-1}
duration=${DURATION:-5}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
learners=${LEARNERS:-2000}
users=${USERS:-256}
write_seconds=${WRITE_SECONDS:-2}
bins=${BINS:-current=$target/release/hocvuso}
hello="$target/release/examples/hello"
pg_admin=${HOCVUSO_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}

if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build -q --release -p hocvuso --bin hocvuso --example hello
fi

tmp=$(mktemp -d)
server=""
databases=()
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  for d in "${databases[@]}"; do psql "$pg_admin" -q -c "drop database if exists $d" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
pg_base="${pg_admin%/*}"

# The seeded ward: created once by the first server binary, copied for every run.
first_bin=${bins%% *}; first_bin=${first_bin#*=}; first_bin=${first_bin##*,}
# Narration is made once, in the background, when espeak-ng is installed: minutes of CPU that
# would fall into the first server's measurements, so the servers here run without it.
export HOCVUSO_DATA_DIR="$tmp/data" HOCVUSO_LOG=warn HOCVUSO_NARRATION=off
mkdir -p "$tmp/data"
case "$db" in
  postgres)
    seeded="hvs_bench_seed_$$"
    databases+=("$seeded")
    psql "$pg_admin" -q -c "create database $seeded"
    HOCVUSO_DATABASE_URL="$pg_base/$seeded" "$first_bin" dev seed --learners "$learners" --seed 1 >/dev/null ;;
  sqlite)
    HOCVUSO_DATABASE_URL="sqlite://$tmp/seed.db?mode=rwc" "$first_bin" dev seed --learners "$learners" --seed 1 >/dev/null ;;
  *) echo "usage: $0 [sqlite|postgres]"; exit 2 ;;
esac
echo "== $db: a ward of $learners learners seeded; $users signed in; wrk -t$threads -c$connections -d${duration}s; $rounds round(s)"

# A fresh copy of the seeded database for one run; sets $url and $sql_cmd.
fresh_database() {
  local run=$1
  case "$db" in
    postgres)
      local name="hvs_bench_run_$$_$run"
      databases+=("$name")
      psql "$pg_admin" -q -c "create database $name template ${seeded}"
      url="$pg_base/$name"
      sql() { psql "$url" -At -c "$1"; } ;;
    sqlite)
      rm -f "$tmp/run.db" "$tmp/run.db-wal" "$tmp/run.db-shm"
      cp "$tmp/seed.db" "$tmp/run.db"
      url="sqlite://$tmp/run.db?mode=rwc"
      sql() { sqlite3 "$tmp/run.db" "$1"; } ;;
  esac
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# The part of it that is the process's own (heap, stacks), not the binary's pages mapped from disk.
anon_kb() { awk '/^RssAnon/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# The server's CPU time so far (user + system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wrk over a request list; appends "label endpoint rps p50 p99 non2xx cpu-us-per-request seconds"
# to results. CPU per request (the server's, not wrk's) is the figure that noise on a shared
# machine moves least: it does not fall when another process takes a core.
drive() {
  local label=$1 endpoint=$2 list=$3 once=$4 gzip=$5 port=$6 seconds=${7:-$duration}
  local out recorder=""
  if [ -n "${PERF_DIR:-}" ] && [ "$label" != hello ] && [[ "$endpoint" =~ ^(lesson\ page|quiz\ submissions) ]]; then
    mkdir -p "$PERF_DIR"
    perf record -q -F 999 ${PERF_CALLGRAPH:--g} -p "$server" -o "$tmp/perf.data" -- sleep "$seconds" >/dev/null 2>&1 &
    recorder=$!
  fi
  local ticks_before
  ticks_before=$(cpu_ticks "$server")
  out=$(BENCH_LIST="$list" BENCH_THREADS="$threads" BENCH_ONCE="$once" BENCH_GZIP="$gzip" \
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$root/scripts/bench-load.lua" \
    "http://127.0.0.1:$port" 2>&1)
  local ticks=$(( $(cpu_ticks "$server") - ticks_before ))
  if [ -n "$recorder" ]; then
    wait "$recorder" || true
    local report="$PERF_DIR/${label}-${endpoint%% *}-${endpoint#* }.txt"
    report=${report// /-}
    { echo "## by library"; perf report -i "$tmp/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15
      echo "## by symbol"; perf report -i "$tmp/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -60
    } >"$report" || true
    # The recording itself, for `perf report -g caller` or a flame graph.
    cp "$tmp/perf.data" "${report%.txt}.data" 2>/dev/null || true
  fi
  python3 - "$label" "$endpoint" "$out" "$ticks" "$(getconf CLK_TCK)" >>"$tmp/results" <<'PY'
import re, sys
label, endpoint, out, ticks, hz = sys.argv[1:6]
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    if not m:
        return float("nan")
    n, u = float(m.group(1)), m.group(2)
    return {"us": n / 1000, "ms": n, "s": n * 1000, "m": n * 60000}[u]
def find(pattern):
    m = re.search(pattern, out, re.M)
    return m.group(1) if m else "nan"
rps = float(find(r"Requests/sec:\s+([\d.]+)"))
# Anchored at the line's start: the thread stats' "+/- Stdev" column ("85.50%", "70.99%") would
# otherwise match first and read the next word as the latency.
p50 = ms(find(r"^\s*50%\s+(\S+)"))
p99 = ms(find(r"^\s*99%\s+(\S+)"))
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
errs = re.search(r"Socket errors: (.*)", out)
total = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
secs = float(total.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[total.group(3)] if total else float("nan")
cpu_us = int(ticks) / int(hz) * 1e6 / int(total.group(1)) if total and int(total.group(1)) else float("nan")
print(label, endpoint, f"{rps:.0f}", f"{p50:.2f}", f"{p99:.2f}", bad.group(1) if bad else 0, f"{cpu_us:.0f}", f"{secs:.2f}")
if errs:
    print(f"  ({label} {endpoint}: socket errors {errs.group(1)})", file=sys.stderr)
PY
}

# Signs learners in and writes the request lists (python: the API's JSON).
prepare() {
  local base=$1 dir=$2
  local names
  names=$(sql "select username from users where username like 'hv%' order by id limit $users" | tr '\n' ' ')
  python3 - "$base" "$dir" "$names" <<'PY'
import http.client, json, sys, urllib.parse
from concurrent.futures import ThreadPoolExecutor
base, out, names = sys.argv[1], sys.argv[2], sys.argv[3].split()
host = urllib.parse.urlparse(base)
def call(method, path, token=None, body=None, conn=None):
    c = conn or http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    h = {"Content-Type": "application/json"}
    if token: h["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data and r.getheader("Content-Type", "").startswith("application/json") else None)
def login(name):
    s, b = call("POST", "/api/v1/auth/login", body={"username": name, "password": "mat-khau-dai"})
    assert s == 200, (name, s, b)
    return b["token"]
with ThreadPoolExecutor(4) as pool:
    tokens = list(pool.map(login, names))
admin = login("quan.tri")
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
courses = []
for c in call("GET", "/api/v1/courses?group=all", tokens[0], conn=conn)[1]:
    s, detail = call("GET", "/api/v1/courses/" + c["id"], tokens[0], conn=conn)
    courses.append(detail)
units = call("GET", "/api/v1/units", admin, conn=conn)[1]
ward = next(u["id"] for u in units if u["parent_id"] is None) if units and "parent_id" in units[0] else units[0]["id"]
lessons = [(c["id"], l["id"]) for c in courses for l in c["lessons"]]
def lines(name, rows):
    with open(f"{out}/{name}", "w") as f:
        for r in rows: f.write("\t".join(r) + "\n")
# Reads: every signed-in learner on every lesson, spread so consecutive requests differ.
lines("lesson_page", [("GET", f"/courses/{c}/lessons/{l}", "cookie", tokens[i % len(tokens)], "-") for i, (c, l) in enumerate(lessons * 4)])
lines("lesson_json", [("GET", f"/api/v1/courses/{c}/lessons/{l}", "bearer", tokens[i % len(tokens)], "-") for i, (c, l) in enumerate(lessons * 4)])
lines("catalog", [("GET", "/courses", "cookie", t, "-") for t in tokens])
lines("progress", [("GET", "/progress", "cookie", t, "-") for t in tokens])
lines("dashboard", [("GET", f"/api/v1/dashboard?unit={ward}", "bearer", admin, "-")])
# Writes, each once: every learner completes every lesson; starts an attempt at every course's
# quizzes (answering the first option of choice questions, true for true/false).
lines("complete", [("POST", f"/api/v1/courses/{c}/lessons/{l}/complete", "bearer", t, "-") for (c, l) in lessons for t in tokens])
def start(t):
    rows = []
    c2 = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    for c in courses:
        for q in c["quizzes"]:
            s, a = call("POST", f"/api/v1/courses/{c['id']}/quizzes/{q['id']}/attempts", t, conn=c2)
            if s != 201: continue
            answers = {}
            for qu in a.get("questions", []):
                if qu["type"] in ("single_choice", "multiple_choice") and qu["options"]:
                    answers[qu["id"]] = [qu["options"][0]["id"]]
                elif qu["type"] == "true_false":
                    answers[qu["id"]] = True
            rows.append(("POST", f"/api/v1/attempts/{a['attempt_id']}/submit", "bearer", t, json.dumps({"answers": answers}, separators=(",", ":"))))
    return rows
with ThreadPoolExecutor(4) as pool:
    per_user = list(pool.map(start, tokens))
# Interleave learners so concurrent submissions come from different people.
submit = [r for group in zip(*per_user) for r in group]
lines("submit", submit)
print(len(tokens), len(lessons), len(submit))
PY
}

: >"$tmp/results"
: >"$tmp/memory"
port=$((20000 + RANDOM % 20000))
for round in $(seq 1 "$rounds"); do
  # The ceiling: hello, in the same round.
  "$hello" "127.0.0.1:$port" & server=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
  printf 'GET\t/\t-\t-\t-\n' >"$tmp/hello.list"
  drive hello "actix-web hello" "$tmp/hello.list" 0 0 "$port"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  # Each round starts with the next server, so none is always the one that runs while the
  # machine's other work is at its busiest.
  read -ra order <<<"$bins"
  shift_by=$(( (round - 1) % ${#order[@]} ))
  order=("${order[@]:shift_by}" "${order[@]:0:shift_by}")
  for entry in "${order[@]}"; do
    label=${entry%%=*}; bin=${entry#*=}
    IFS=, read -ra parts <<<"$bin"
    bin=${parts[-1]}; envs=("${parts[@]:0:${#parts[@]}-1}")
    run="${round}_${label//[^a-z0-9]/_}"
    fresh_database "$run"
    port=$((port + 1))
    base="http://127.0.0.1:$port"
    env "${envs[@]}" HOCVUSO_DATABASE_URL="$url" HOCVUSO_BIND="127.0.0.1:$port" HOCVUSO_SIGN_INS_PER_HOUR=1000000 \
      "$bin" serve 2>"$tmp/server.log" & server=$!
    for _ in $(seq 1 300); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fsS -o /dev/null "$base/login"
    idle=$(rss_kb "$server"); idle_anon=$(anon_kb "$server")
    mkdir -p "$tmp/$run"
    counts=$(prepare "$base" "$tmp/$run")
    echo "-- round $round, $label: $counts (learners, lessons, attempts)" >&2
    echo 5 >"/proc/$server/clear_refs" 2>/dev/null || true
    drive "$label" "lesson page (gzip)" "$tmp/$run/lesson_page" 0 1 "$port"
    drive "$label" "lesson JSON" "$tmp/$run/lesson_json" 0 0 "$port"
    drive "$label" "catalog page (gzip)" "$tmp/$run/catalog" 0 1 "$port"
    drive "$label" "progress page (gzip)" "$tmp/$run/progress" 0 1 "$port"
    drive "$label" "dashboard JSON (ward)" "$tmp/$run/dashboard" 0 0 "$port"
    before=$(sql "select count(*) from quiz_attempts where state = 'graded'")
    drive "$label" "quiz submissions" "$tmp/$run/submit" 1 0 "$port" "$write_seconds"
    after=$(sql "select count(*) from quiz_attempts where state = 'graded'")
    secs=$(tail -n1 "$tmp/results" | awk '{print $NF}')
    echo "$label graded/s $(python3 -c "print(round(($after - $before) / $secs))") $((after - before)) $(wc -l <"$tmp/$run/submit")" >>"$tmp/graded"
    before=$(sql "select count(*) from lesson_completions")
    drive "$label" "lesson completions" "$tmp/$run/complete" 1 0 "$port" "$write_seconds"
    after=$(sql "select count(*) from lesson_completions")
    secs=$(tail -n1 "$tmp/results" | awk '{print $NF}')
    echo "$label completed/s $(python3 -c "print(round(($after - $before) / $secs))") $((after - before)) $(wc -l <"$tmp/$run/complete")" >>"$tmp/graded"
    echo "$label $idle $(hwm_kb "$server") $(rss_kb "$server") $idle_anon $(anon_kb "$server")" >>"$tmp/memory"
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
    if grep -qiE 'panicked|ERROR' "$tmp/server.log"; then
      echo "!! $label's server logged errors:"; grep -iE 'panicked|ERROR' "$tmp/server.log" | sort | uniq -c | head -5
    fi
  done
done

python3 - "$tmp/results" "$tmp/graded" "$tmp/memory" "$bins" <<'PY'
import statistics, sys
from collections import defaultdict
results, graded, memory, bins = sys.argv[1:5]
labels = [b.split("=", 1)[0] for b in bins.split()]
rows = defaultdict(list)
order = []
for line in open(results):
    parts = line.rsplit(None, 6)
    head, rps, p50, p99, bad, cpu, secs = parts
    label, endpoint = head.split(" ", 1)
    if endpoint not in order: order.append(endpoint)
    rows[(label, endpoint)].append((float(rps), float(p50), float(p99), int(bad), float(cpu)))
# The median of what was measured: a round whose output did not parse (nan) is left out.
med = lambda xs: statistics.median([x for x in xs if x == x] or [float("nan")])
print()
print("| endpoint | " + " | ".join(f"{l}: req/s, p50 / p99 ms, server CPU µs per request" for l in labels) + " |")
print("|---|" + "---|" * len(labels))
for e in order:
    if e == "actix-web hello":
        r = rows[("hello", e)]
        print(f"| {e} (ceiling) | " + " | ".join(f"{med([x[0] for x in r]):,.0f}, {med([x[1] for x in r]):.2f} / {med([x[2] for x in r]):.2f}, {med([x[4] for x in r]):.0f}" for _ in labels) + " |")
        continue
    cells = []
    for l in labels:
        r = rows.get((l, e), [])
        if not r: cells.append("-"); continue
        bad = sum(x[3] for x in r)
        cells.append(f"{med([x[0] for x in r]):,.0f}, {med([x[1] for x in r]):.2f} / {med([x[2] for x in r]):.2f}, {med([x[4] for x in r]):.0f}" + (f" ({bad} non-2xx)" if bad else ""))
    print(f"| {e} | " + " | ".join(cells) + " |")
g = defaultdict(lambda: defaultdict(list))
used_up = set()
for line in open(graded):
    label, what, rate, n, offered = line.split()
    g[what][label].append(int(rate))
    if int(n) >= int(offered):
        used_up.add((what, label))
for what, name in (("graded/s", "attempts graded per second (counted in the database)"), ("completed/s", "lesson completions per second (counted in the database)")):
    print(f"| {name} | " + " | ".join(
        (f"{med(g[what][l]):,.0f}" + (" (all used up: a lower bound)" if (what, l) in used_up else "")) if g[what][l] else "-"
        for l in labels) + " |")
m = defaultdict(list)
for line in open(memory):
    label, *kb = line.split()
    m[label].append(tuple(int(x) for x in kb))
print("| resident memory: idle / peak under load / after, MB | " + " | ".join(
    " / ".join(f"{med([x[i] for x in m[l]]) / 1024:.0f}" for i in range(3)) if m[l] else "-" for l in labels) + " |")
print("| of which anonymous (heap, stacks; not the binary's own pages): idle / after, MB | " + " | ".join(
    " / ".join(f"{med([x[i] for x in m[l]]) / 1024:.0f}" for i in (3, 4)) if m[l] else "-" for l in labels) + " |")
PY
