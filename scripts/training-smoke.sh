#!/usr/bin/env bash
# The training smoke run (part of `npm test`): the Python tests, then for each model (the two
# processors and the observation encoder) a few training steps, an export, and the TypeScript contract
# tests replaying that export's golden outputs through onnxruntime-node.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/training-deps.sh
export OPENBLAS_NUM_THREADS=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd training && /usr/bin/python3 -m pytest -q -p no:cacheprovider tests)
for algorithm in bellman_ford maxflow; do
  (cd training && /usr/bin/python3 -m narsolve_train.train --algorithm "$algorithm" --steps 25 --out "$work/$algorithm" 2>/dev/null | tail -1)
  (cd training && /usr/bin/python3 -m narsolve_train.export --algorithm "$algorithm" --weights "$work/$algorithm/model.pt" --models "$work/models" 2>/dev/null | tail -1)
done
# The observation encoders (two-stage, the served candidates), trained briefly and exported the same way.
(cd training && /usr/bin/python3 -m narsolve_train.noisy_train --mode regress --steps 25 --out "$work/noisy_regress" 2>/dev/null | tail -1)
(cd training && /usr/bin/python3 -m narsolve_train.export --algorithm noisy_routes --weights "$work/noisy_regress/model.pt" --models "$work/models" 2>/dev/null | tail -1)
(cd training && /usr/bin/python3 -m narsolve_train.noisy_flow train --mode regress --steps 25 --out "$work/noisy_capacities_regress" 2>/dev/null | tail -1)
(cd training && /usr/bin/python3 -m narsolve_train.export --algorithm noisy_capacities --weights "$work/noisy_capacities_regress/model.pt" --models "$work/models" 2>/dev/null | tail -1)
NARSOLVE_CONTRACT_MODELS="$work/models" npx jest tests/learned.test.ts tests/learned.maxflow.test.ts tests/noisy.test.ts tests/noisyMaxflow.test.ts -t 'contract' --silent
