#!/usr/bin/env bash
# apt-packages.sh <who> <package>...: installs Debian packages as root or with passwordless sudo, or
# says how to when neither is possible (exit 1). The *-deps.sh scripts call it once they have
# checked that what they need is missing.
set -euo pipefail
WHO="$1"
shift
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "$WHO: run as root or install: apt-get install -y --no-install-recommends $*" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
