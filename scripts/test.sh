#!/usr/bin/env bash
# The whole test suite, as CI runs it: set up the host (idempotent), install, build, run every gate and suite,
# and end with one line "N passed, N failed[, N skipped]". Exits non-zero on any failure.
#   scripts/test.sh            everything
#   scripts/test.sh --quick    gates + unit tests only (no libvirt, no guests)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=0
[ "${1:-}" = --quick ] && QUICK=1
RESULTS=$ROOT/.cache/test-results
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
GATES_PASSED=0 GATES_FAILED=0
FAILED_NAMES=()

step() { printf '\n== %s\n' "$*"; }
gate() { # gate NAME CMD...: a check that counts as one test
  local name=$1; shift
  step "$name"
  if "$@"; then GATES_PASSED=$((GATES_PASSED+1)); else GATES_FAILED=$((GATES_FAILED+1)); FAILED_NAMES+=("$name"); fi
}
summary() {
  node scripts/test-summary.js "$RESULTS" "$GATES_PASSED" "$GATES_FAILED" "${FAILED_NAMES[@]}"
}

if [ "$QUICK" = 0 ]; then
  step "host set-up"
  if [ "$(id -u)" = 0 ]; then bash scripts/setup-host.sh --dev || { echo "host set-up failed"; echo "0 passed, 1 failed"; exit 1; }
  else sudo bash scripts/setup-host.sh --dev || { echo "host set-up failed"; echo "0 passed, 1 failed"; exit 1; }; fi
fi

step "npm install"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

if [ "$QUICK" = 0 ]; then
  step "test guests"
  bash scripts/build-test-guests.sh || { echo "building test guests failed"; echo "0 passed, 1 failed"; exit 1; }
fi

gate "typecheck (tsc -b)" npx tsc -b
gate "web build (vite)" npm run --silent build -w @gureum/web
gate "lint (eslint)" npx eslint . --max-warnings 0
gate "format (prettier --check)" npx prettier --check . --log-level warn
for g in scripts/gates/*.sh; do [ -e "$g" ] && gate "$(basename "$g" .sh)" bash "$g"; done

step "vitest"
PROJECTS=(--project unit)
[ "$QUICK" = 0 ] && PROJECTS+=(--project int)
npx vitest run "${PROJECTS[@]}" --reporter=default --reporter=json --outputFile.json="$RESULTS/vitest.json"

summary
