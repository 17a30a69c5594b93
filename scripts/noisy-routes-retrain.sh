#!/usr/bin/env bash
# Retrains the noisy-routes encoders on the Bellman-Ford processor in models/bellman_ford.onnx (its
# weights read back by narsolve_train.recover) and rewrites the model card's validation and test
# tables: the one command to run after the processor changes.
#
#   scripts/noisy-routes-retrain.sh            # about 12 minutes on the 2-core dev machine
#
# Runs go to training/runs/noisy_bf<processor version>-<sha256 prefix>/noisy_<mode>/, so a run trained
# against another processor is never resumed against this one; an interrupted run resumes where it stopped. The
# served encoder (models/noisy_routes.onnx) is the two-stage one, which never sees the processor: to
# re-export it, see the model card.
set -euo pipefail
cd "$(dirname "$0")/../training"
export OPENBLAS_NUM_THREADS=1
# The processor's version and the start of its file's sha256: a re-export under the same version is another processor.
processor=$(/usr/bin/python3 -c 'import json; m = json.load(open("../models/manifest.json"))["models"]["bellman_ford"]; print(m["version"] + "-" + m["sha256"][:12])')
runs="runs/noisy_bf$processor"
for mode in regress frozen unfrozen; do
  /usr/bin/python3 -m narsolve_train.noisy_routes_train --mode "$mode" --out "$runs/noisy_$mode"
done
/usr/bin/python3 -m narsolve_train.noisy_routes_evaluate --runs "$runs" --seed 777 --json ../models/evaluation/noisy_routes_validation.json --card validation
/usr/bin/python3 -m narsolve_train.noisy_routes_evaluate --runs "$runs" --seed 20261125 --json ../models/evaluation/noisy_routes.json --card test
