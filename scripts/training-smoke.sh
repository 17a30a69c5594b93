#!/usr/bin/env bash
# The training smoke run (part of `npm test`): the Python tests, a few training steps, an export,
# and the TypeScript contract test replaying that export's golden outputs through onnxruntime-node.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/training-deps.sh
export OPENBLAS_NUM_THREADS=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd training && /usr/bin/python3 -m pytest -q -p no:cacheprovider tests)
(cd training && /usr/bin/python3 -m narsolve_train.train --steps 25 --out "$work/run" 2>/dev/null | tail -1)
(cd training && /usr/bin/python3 -m narsolve_train.export --weights "$work/run/model.pt" --models "$work/models" 2>/dev/null | tail -1)
NARSOLVE_CONTRACT_MODELS="$work/models" npx jest tests/learned.test.ts -t 'contract' --silent
