#!/usr/bin/env bash
# The HTTP contract as outside tools read it: starts a seeded server (sqlite|postgres) with the
# fixture content, validates its OpenAPI document (openapi-spec-validator) and fuzzes every
# operation with schemathesis, anonymously, as a learner and as an administrator. A failure is a
# 5xx, a status or body the document does not declare, or a dropped connection.
# Usage: api-fuzz.sh [sqlite|postgres]. EXAMPLES (per operation and pass, default 15) and SEED
# (default 1) tune the run; the tools are pinned in scripts/api-fuzz-requirements.txt and
# installed into a virtualenv under the target folder.
# One worker: hypothesis describes its filters with ast.parse, which CPython 3.11 does not make
# thread-safe ("AST constructor recursion depth mismatch" crashed a run with two).
set -euo pipefail
db=${1:-sqlite}
examples=${EXAMPLES:-15}
seed=${SEED:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"

# The tools, in a virtualenv that is rebuilt when the pinned versions change.
venv="$target/api-fuzz-venv"
requirements=scripts/api-fuzz-requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi

bin="$target/debug/hocvuso"
[ -x "$bin" ] || cargo build -p hocvuso

tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
case "$db" in
  postgres)
    name="hvs_fuzz_$RANDOM$RANDOM"
    psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "create database $name"
    url="postgres://postgres@127.0.0.1:5432/$name" ;;
  *) url="sqlite://$tmp/hocvuso.db?mode=rwc" ;;
esac
# The content folder is a copy outside this repository, as deployed: the studio makes it a git
# repository of its own (it refuses a folder inside another repository's work tree).
cp -r tests/fixtures/content "$tmp/content"
mkdir -p "$tmp/data"
export HOCVUSO_DATABASE_URL="$url" HOCVUSO_DATA_DIR="$tmp/data" \
  HOCVUSO_CONTENT_DIR="$tmp/content" HOCVUSO_LOG=warn

"$bin" dev seed --learners 60 --seed 1 >/dev/null
HOCVUSO_BIND="127.0.0.1:$port" "$bin" serve 2>"$tmp/server.log" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
  if [ "$db" = postgres ]; then psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "drop database if exists $name" || true; fi
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the server did not start"; exit 1; }
  sleep 0.2
done

echo "== the OpenAPI document is valid"
curl -fsS "$base/api/openapi.json" -o "$tmp/openapi.json"
"$venv/bin/openapi-spec-validator" "$tmp/openapi.json"

token() {
  curl -fsS "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"mat-khau-dai\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
# A seeded learner (hv + the id of the first learner, after the four staff accounts) and the
# ward's administrator.
learner=$(token hv5)
admin=$(token quan.tri)

failed=0
fuzz() {
  local who=$1; shift
  echo "== fuzzing as $who"
  # Signing out would end the session the rest of the pass uses; those operations are fuzzed
  # in the anonymous pass.
  "$venv/bin/schemathesis" --config-file scripts/api-fuzz.toml run "$tmp/openapi.json" --url "$base" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,unsupported_method,allow_header_conformance \
    --max-examples "$examples" --seed "$seed" --workers 1 --request-timeout 20 \
    --generation-database none --no-color --suppress-health-check all \
    --warnings off "$@" || failed=1
}
fuzz anonymous
fuzz learner -H "Authorization: Bearer $learner" \
  --exclude-operation-id logout --exclude-operation-id logout_everywhere
fuzz administrator -H "Authorization: Bearer $admin" \
  --exclude-operation-id logout --exclude-operation-id logout_everywhere

if grep -Ei 'panicked|unshaped server error' "$tmp/server.log"; then
  echo "the server logged the failures above"; failed=1
fi
if ! kill -0 "$server" 2>/dev/null; then
  echo "the server died"; failed=1
fi
if [ "$failed" -ne 0 ]; then echo "api fuzz: failures above"; exit 1; fi
echo "api fuzz: the document is valid and no operation failed"
