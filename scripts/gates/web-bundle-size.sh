#!/usr/bin/env bash
# Gate: the web app's initial JavaScript stays within 300 KB gzip (issue 8); the consoles load lazily.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f packages/web/dist/index.html ] || npm run --silent build -w @gureum/web
node packages/web/scripts/bundle-size.js --max-kb 300
