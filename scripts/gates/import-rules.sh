#!/usr/bin/env bash
# Gate: the import rules between packages and server layers (.dependency-cruiser.cjs, STYLE.md §2.2).
set -euo pipefail
cd "$(dirname "$0")/../.."
npx depcruise packages --config .dependency-cruiser.cjs --output-type err
