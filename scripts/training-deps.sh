#!/usr/bin/env bash
# Installs what training/ needs from Debian's packages (PyPI is not reachable from our machines).
# Idempotent: does nothing when Debian's python3 already imports torch, numpy, networkx and pytest.
set -euo pipefail
PACKAGES=(python3-torch python3-numpy libopenblas0-pthread python3-networkx python3-pytest python3-onnx python3-tqdm)
if /usr/bin/python3 -c 'import torch, numpy, networkx, pytest, onnx' 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "training-deps: run as root or install: apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
/usr/bin/python3 -c 'import torch; print("training-deps: torch", torch.__version__)'
