#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 20), seeded from testdata/.
# Usage: fuzz/run_all.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-20}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
for t in $(cargo +nightly fuzz list); do
  mkdir -p "corpus/$t"
  cp -n ../testdata/*.mp4 ../testdata/*.mov ../testdata/malformed/* "corpus/$t/" 2>/dev/null || true
  echo "== $t for ${secs}s"
  cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 -max_len=1048576
done
