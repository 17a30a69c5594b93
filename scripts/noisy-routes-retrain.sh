#!/usr/bin/env bash
# Retrains the noisy-routes encoders on the Bellman-Ford processor in models/bellman_ford.onnx (its
# weights read back by narsolve_train.recover) and rewrites the model card's validation and test
# tables: the one command to run after the processor changes.
#
#   scripts/noisy-routes-retrain.sh            # about 10 minutes on one core, then 5-10 for each evaluation
#
# Runs go to training/runs/noisy_bf<processor version>/noisy_<mode>/, so a run trained against an older
# processor is never resumed against a newer one; an interrupted run resumes where it stopped. The
# served encoder (models/noisy_routes.onnx) is the two-stage one, which never sees the processor: to
# re-export it, see the model card.
set -euo pipefail
cd "$(dirname "$0")/../training"
export OPENBLAS_NUM_THREADS=1
version=$(/usr/bin/python3 -c 'from narsolve_train.spec import load_spec; print(load_spec("bellman_ford")["serving"]["version"])')
runs="runs/noisy_bf$version"
for mode in regress frozen unfrozen; do
  /usr/bin/python3 -m narsolve_train.noisy_train --mode "$mode" --out "$runs/noisy_$mode"
done
/usr/bin/python3 -m narsolve_train.noisy_evaluate --runs "$runs" --seed 777 --json ../models/evaluation/noisy_routes_validation.json --card validation
/usr/bin/python3 -m narsolve_train.noisy_evaluate --runs "$runs" --seed 20261125 --json ../models/evaluation/noisy_routes.json --card test
