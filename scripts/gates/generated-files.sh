#!/usr/bin/env bash
# Gate: openapi.json and docs/errors.md are generated from the contract and committed; they must be up to date.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent gen:check
