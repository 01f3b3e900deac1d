#!/usr/bin/env bash
# Sets the host up (idempotent), installs and builds Gureum, and runs it in the foreground with its embedded
# defaults: SQLite in .data/, local libvirt (qemu:///system), listening on 127.0.0.1:8080.
#   scripts/start.sh              set up, build, run
#   scripts/start.sh --no-setup   skip the host set-up (what `npm start` does)
# Configuration: the GUREUM_* environment variables (see docs/configuration.md).
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP=1
for a in "$@"; do case "$a" in --no-setup) SETUP=0 ;; *) echo "unknown option: $a" >&2; exit 2 ;; esac; done

if [ "$SETUP" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then bash scripts/setup-host.sh; else sudo bash scripts/setup-host.sh; fi
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npx tsc -b
# The web app (served at / by the server); without it the server runs API-only.
npm run --silent build -w @gureum/web
# glibc keeps each libuv thread's freed 16 MiB scrypt buffers in per-thread arenas; serving big blocks with mmap
# returns them to the system (RSS with 1,000 VMs: ~200 MiB instead of ~260; see bench/README.md).
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}
# V8's young generation: 8 MiB semi-spaces instead of 16 keep ~40 MiB less resident with 1,000 VMs listed, at no
# measurable cost to the list's latency (bench/README.md, "The servers"). The benchmark starts the server with the
# flags of this line.
exec node --max-semi-space-size=8 --heap-growing-percent=50 packages/server/dist/main.js
