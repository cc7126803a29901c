#!/usr/bin/env bash
# The README's main command: set-up (idempotent), then the IEEE-123 study case end to end into a
# run directory (default runs/ieee123; pass another folder as the first argument, extra options after).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out="${1:-runs/ieee123}"
shift || true
exec node bin/mpopf.js run --case ieee123 --out "$out" "$@"
