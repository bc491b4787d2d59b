#!/usr/bin/env bash
# The search measured against the learner questions (tests/fixtures/assistant-questions.toml):
# top-1 and top-3 hit rates, the share the assistant answers, p50/p95 latency over 20 passes and
# the index build time, over the bundled curriculum, in a release build. docs/performance.md
# has the figures. The same report: `hocvuso search bench` (release binary).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release -p hocvuso-search --example bench -- content tests/fixtures/assistant-questions.toml "${ROUNDS:-20}"
