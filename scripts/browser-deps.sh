#!/usr/bin/env bash
# Installs Debian's Chromium for the explorer's browser tests (puppeteer-core never downloads one).
# Idempotent: does nothing when /usr/bin/chromium (or NARSOLVE_CHROMIUM) is already there.
set -euo pipefail
CHROMIUM="${NARSOLVE_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "browser-deps: run as root or install: apt-get install -y --no-install-recommends chromium fonts-dejavu-core" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version 2>/dev/null | head -1
