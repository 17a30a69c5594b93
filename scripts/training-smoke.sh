#!/usr/bin/env bash
# The training smoke run (part of `npm test`): the Python tests, then every model of the registry
# (training/narsolve_train/registry.py) trained for a few steps and exported, and the TypeScript
# contract tests replaying that export's golden outputs through onnxruntime-node.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/training-deps.sh
export OPENBLAS_NUM_THREADS=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd training && /usr/bin/python3 -m pytest -q -p no:cacheprovider tests) | tee "$work/pytest.log"
(cd training && /usr/bin/python3 -m narsolve_train.smoke --steps 25 --out "$work") | tee "$work/smoke.log"
# Only the contract tests replay the fresh exports; the other tests of these files ran in the main jest run.
NARSOLVE_CONTRACT_MODELS="$work/models" npx jest tests/learned.test.ts tests/learned.maxflow.test.ts tests/noisyRoutes.test.ts tests/noisyCapacities.test.ts \
  -t 'contract' --silent --json --outputFile="$work/contract.json" 2>"$work/contract.log" || { cat "$work/contract.log"; exit 1; }
contract="$(node -e 'const r = require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$work/contract.json")"
echo "training smoke: pytest $(tail -1 "$work/pytest.log" | grep -o '[0-9]* passed'); $(grep -c '^exported' "$work/smoke.log") models trained and exported; contract tests on those exports: $contract"
