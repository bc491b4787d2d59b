#!/usr/bin/env bash
# What the platform publishes, checked with libraries written by others, on a fresh seeded
# database (sqlite|postgres), twice: once with the default signing keys (EdDSA) and once with
# an issuer configured for RS256 (HOCVUSO_CREDENTIAL_ALGORITHM=RS256).
# - Revocation (verify-status.mjs: jose + Digital Bazaar's Bitstring Status List library): two
#   seeded certificates are valid; one is revoked through the API; the verifier now finds it
#   revoked and the other still valid. Only the configured algorithm is accepted.
# - xAPI (check-xapi.mjs, EdDSA run): a learner completes a course through the API, and every
#   statement of the admin's xAPI export passes Learning Locker's validator, parses unchanged
#   with tincanjs and keeps the xAPI 1.0.3 rules.
# Usage: run.sh [sqlite|postgres]
set -euo pipefail
db=${1:-sqlite}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
bin="${CARGO_TARGET_DIR:-$root/target}/debug/hocvuso"
[ -x "$bin" ] || cargo build -p hocvuso

server=""
tmp=""
name=""
stop() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  server=""
  if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
  tmp=""
  if [ "$db" = postgres ] && [ -n "$name" ]; then
    psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "drop database if exists $name" || true
  fi
  name=""
}
trap stop EXIT

# start ALGORITHM: a fresh database and data folder, seeded, served; sets base and token.
start() {
  local algorithm=$1
  tmp=$(mktemp -d)
  local port=$((20000 + RANDOM % 20000)) url
  case "$db" in
    postgres)
      name="hvs_interop_$RANDOM$RANDOM"
      psql "postgres://postgres@127.0.0.1:5432/postgres" -q -c "create database $name"
      url="postgres://postgres@127.0.0.1:5432/$name" ;;
    *) url="sqlite://$tmp/hocvuso.db?mode=rwc" ;;
  esac
  base="http://127.0.0.1:$port"
  export HOCVUSO_DATABASE_URL="$url" HOCVUSO_DATA_DIR="$tmp" HOCVUSO_CONTENT_DIR=tests/fixtures/content \
    HOCVUSO_PUBLIC_URL="$base" HOCVUSO_LOG=warn HOCVUSO_CREDENTIAL_ALGORITHM="$algorithm"
  "$bin" dev seed --learners 40 --seed 7 >/dev/null
  HOCVUSO_BIND="127.0.0.1:$port" "$bin" serve &
  server=$!
  for _ in $(seq 1 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { echo "the server did not start"; exit 1; }
    sleep 0.2
  done
  token=$(curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"quan.tri","password":"mat-khau-dai"}' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))')
}

# revocation ALGORITHM: two seeded certificates, one revoked, as the independent verifier sees them.
revocation() {
  local algorithm=$1
  # Two seeded certificates, from the admin's completions export (JSON Lines; the first line is
  # the ledger head, not a record).
  mapfile -t certs < <(curl -fsS "$base/api/v1/admin/completions?format=jsonl" -H "authorization: Bearer $token" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>s.trim().split("\n").map(l=>JSON.parse(l)).filter(r=>r.certificate_id).slice(0,2).forEach(r=>console.log(r.certificate_id)))')
  [ "${#certs[@]}" -eq 2 ] || { echo "the seed made fewer than two certificates"; exit 1; }
  verify() { (cd tests/interop && node verify-status.mjs "$base" "$1" "$2" "$algorithm"); }
  verify "${certs[0]}" valid
  verify "${certs[1]}" valid
  curl -fsS -o /dev/null "$base/api/v1/admin/certificates/${certs[0]}/revoke" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' -d '{"reason":"Kiểm tra thu hồi với bộ xác minh độc lập"}'
  verify "${certs[0]}" revoked
  verify "${certs[1]}" valid
  echo "an independent verifier sees the revocation ($db, $algorithm)"
}

start EdDSA
revocation EdDSA
(cd tests/interop && node check-xapi.mjs "$base" "$token")
echo "xAPI libraries accept every exported statement ($db)"
stop

start RS256
revocation RS256
stop
