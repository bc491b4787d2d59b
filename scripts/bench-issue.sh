#!/usr/bin/env bash
# The credential-issuing benchmark: N learners each submit the test that completes their course
# and passes their group's final quiz, and the server-side time of each submission (grading,
# signing the course and path credentials, and the one transaction that records them with their
# ledger entries) is timed in process, without HTTP. Prints median, p95 and max per database.
# Usage: scripts/bench-issue.sh [sqlite|postgres|both] [completions]
# PROFILE=release uses an optimised build (default: the debug build the stories already have,
# whose own crates are unoptimised: an upper bound).
# PostgreSQL: HOCVUSO_BENCH_PG (default postgres://postgres@127.0.0.1:5432/postgres); each run
# creates its own database there.
set -euo pipefail
db=${1:-both}
n=${2:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
release=()
[ "${PROFILE:-debug}" = release ] && release=(--release)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() {
  echo "== $1, $n completions (${PROFILE:-debug} build)"
  HOCVUSO_TEST_DATABASE_URL="$2" HOCVUSO_BENCH_COMPLETIONS="$n" HOCVUSO_LOG=warn \
    cargo test -q "${release[@]}" -p hocvuso-stories --test stories -- \
      --ignored --exact bench::issuing_a_credential_stays_under_5_ms_of_server_time \
      --nocapture --test-threads 1 2>&1 | grep -E '^(database|sign|submit|the store|issuing|test result)|panicked'
}

case "$db" in
  sqlite|both) run sqlite "sqlite://$tmp/bench.db?mode=rwc" ;;
esac
case "$db" in
  postgres|both) run postgres "${HOCVUSO_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}" ;;
esac
