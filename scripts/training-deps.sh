#!/usr/bin/env bash
# Installs what training/ needs from Debian's packages (PyPI is not reachable from our machines).
# Idempotent: does nothing when Debian's python3 already imports torch, numpy, networkx and pytest.
set -euo pipefail
PACKAGES=(python3-torch python3-numpy libopenblas0-pthread python3-networkx python3-pytest python3-onnx python3-tqdm)
if /usr/bin/python3 -c 'import torch, numpy, networkx, pytest, onnx' 2>/dev/null; then
  exit 0
fi
"$(dirname "$0")/apt-packages.sh" training-deps "${PACKAGES[@]}"
/usr/bin/python3 -c 'import torch; print("training-deps: torch", torch.__version__)'
