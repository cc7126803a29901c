#!/usr/bin/env bash
# The README's test command: set-up (idempotent), lint, type-check, then the whole vitest suite.
# Fails (non-zero exit) when any step or any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "[test] lint (biome)" >&2
npx --no-install biome check .
echo "[test] type-check (tsc)" >&2
npx --no-install tsc --noEmit -p tsconfig.json
echo "[test] tests (vitest)" >&2
npx --no-install vitest run "$@"
