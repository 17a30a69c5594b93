#!/usr/bin/env bash
# Installs Debian's redis-server for the shared-store tests (they start their own on a loopback port).
# Idempotent: does nothing when redis-server (or NARSOLVE_REDIS_SERVER) is already there.
set -euo pipefail
REDIS="${NARSOLVE_REDIS_SERVER:-/usr/bin/redis-server}"
if [ -x "$REDIS" ]; then exit 0; fi
"$(dirname "$0")/apt-packages.sh" redis-deps redis-server
"$REDIS" --version | head -1
