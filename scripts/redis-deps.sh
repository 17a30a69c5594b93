#!/usr/bin/env bash
# Installs Debian's redis-server for the shared-store tests (they start their own on a loopback port).
# Idempotent: does nothing when redis-server (or NARSOLVE_REDIS_SERVER) is already there.
set -euo pipefail
REDIS="${NARSOLVE_REDIS_SERVER:-/usr/bin/redis-server}"
if [ -x "$REDIS" ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "redis-deps: run as root or install: apt-get install -y --no-install-recommends redis-server" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The package's own service is not wanted: the tests start theirs.
$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
"$REDIS" --version | head -1
