#!/usr/bin/env bash
# Installs Debian's Chromium for the explorer's browser tests (puppeteer-core never downloads one).
# Idempotent: does nothing when /usr/bin/chromium (or NARSOLVE_CHROMIUM) is already there.
set -euo pipefail
CHROMIUM="${NARSOLVE_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
"$(dirname "$0")/apt-packages.sh" browser-deps chromium fonts-dejavu-core
"$CHROMIUM" --version 2>/dev/null | head -1
