#!/usr/bin/env bash
# Starts a server on a fresh database (sqlite|postgres) with the fixture content, runs the
# browser journeys against it in headless Chromium, and stops it.
# Usage: run.sh [sqlite|postgres] [test files, e.g. tasks.test.mjs; default: all]
set -euo pipefail
db=${1:-sqlite}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
# oidc.test.mjs reads its SQLite database to show that a refused sign-in wrote nothing.
command -v sqlite3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
bin="${CARGO_TARGET_DIR:-$root/target}/debug/hocvuso"
[ -x "$bin" ] || cargo build -p hocvuso

tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
port2=$((port + 1))
case "$db" in
  postgres)
    name="hvs_browser_$RANDOM$RANDOM"
    name2="${name}_bundled"
    name3="${name}_oidc"
    for n in "$name" "$name2" "$name3"; do
      psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "create database $n"
    done
    url="postgres://postgres@127.0.0.1:5432/$name"
    url2="postgres://postgres@127.0.0.1:5432/$name2"
    url3="postgres://postgres@127.0.0.1:5432/$name3" ;;
  *) url="sqlite://$tmp/hocvuso.db?mode=rwc"; url2="sqlite://$tmp/bundled.db?mode=rwc"
     url3="sqlite://$tmp/oidc.db?mode=rwc" ;;
esac

# A ward with its staff accounts, people and progress, for the staff journeys.
HOCVUSO_DATABASE_URL="$url" HOCVUSO_DATA_DIR="$tmp" HOCVUSO_CONTENT_DIR=tests/fixtures/content \
  HOCVUSO_LOG=warn "$bin" dev seed --learners 300 --seed 1 >/dev/null
HOCVUSO_DATABASE_URL="$url" HOCVUSO_DATA_DIR="$tmp" HOCVUSO_CONTENT_DIR=tests/fixtures/content \
  HOCVUSO_BIND="127.0.0.1:$port" HOCVUSO_LOG=warn "$bin" serve &
server=$!
# A second server with the bundled content (content/), where tasks.test.mjs plays every practice
# task; the answers come from the task files (TASK_KEYS), as a learner who studied would know them.
mkdir -p "$tmp/bundled"
HOCVUSO_DATABASE_URL="$url2" HOCVUSO_DATA_DIR="$tmp/bundled" HOCVUSO_CONTENT_DIR=content \
  HOCVUSO_BIND="127.0.0.1:$port2" HOCVUSO_LOG=warn "$bin" serve &
server2=$!
cleanup() {
  kill "$server" "$server2" 2>/dev/null || true
  wait "$server" "$server2" 2>/dev/null || true
  rm -rf "$tmp"
  if [ "$db" = postgres ]; then
    for n in "$name" "$name2" "$name3"; do
      psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "drop database if exists $n" || true
    done
  fi
}
trap cleanup EXIT

for p in "$port:$server" "$port2:$server2"; do
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:${p%%:*}/healthz" >/dev/null 2>&1 && break
    kill -0 "${p##*:}" 2>/dev/null || { echo "the server on port ${p%%:*} did not start"; exit 1; }
    sleep 0.2
  done
done

# The right answer of every step of every bundled task, as the page's form fields take it.
python3 - content "$tmp/task-keys.json" <<'PY'
import glob, json, os, sys, tomllib
root, out = sys.argv[1], sys.argv[2]
tasks = []
for path in sorted(glob.glob(os.path.join(root, "courses", "*", "tasks", "*.toml"))):
    course = path.split(os.sep)[-3]
    slug = os.path.basename(path)[:-5].split("-", 1)[1]
    with open(path, "rb") as f:
        task = tomllib.load(f)
    steps = []
    for step in task["step"]:
        screen = step["screen"]
        if "tap" in step:
            ids = [w.get("id") for w in screen]
            steps.append({"kind": "tap", "value": str(ids.index(step["tap"][0]))})
        elif "type" in step:
            steps.append({"kind": "type", "value": step["type"]["accepted"][0]})
        elif "choose" in step:
            right = next(i for i, o in enumerate(step["choose"]) if o.get("correct"))
            steps.append({"kind": "choose", "value": str(right)})
        else:
            items = step["order"]
            # Shown in code-point order (the engine's); the item shown at p belongs at rank
            # shown[p] + 1.
            shown = sorted(range(len(items)), key=lambda i: (items[i], i))
            steps.append({"kind": "order", "value": [str(r + 1) for r in shown]})
    tasks.append({"course": course, "task": slug, "title": task["title"], "steps": steps})
with open(out, "w", encoding="utf-8") as f:
    json.dump(tasks, f, ensure_ascii=False)
PY

cd tests/browser
# oidc.test.mjs starts a server of its own (configured for the identity provider it starts) with
# this binary, on its own database.
DB="$db" BASE_URL="http://127.0.0.1:$port" BUNDLED_URL="http://127.0.0.1:$port2" \
  TASK_KEYS="$tmp/task-keys.json" HOCVUSO_BIN="$bin" OIDC_DATABASE_URL="$url3" \
  node --test --test-reporter=spec "${@:2}"
