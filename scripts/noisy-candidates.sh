#!/usr/bin/env bash
# Trains the observation-encoder candidates (resumable runs in training/runs/), exports each into
# bench/results/candidates/<name>/ (a copy of models/ with that encoder) and compares them on
# validation only (npm run eval:noisy -- --candidates): the model card's candidate tables come from here.
#
#   scripts/noisy-candidates.sh routes        # about 85 minutes on the 2-core dev machine
#   scripts/noisy-candidates.sh capacities    # about 40 minutes
#
# The chosen one is released by copying its run to the registry's run folder and exporting it (the
# model card says which, and the commands).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
kind="${1:?usage: scripts/noisy-candidates.sh routes|capacities}"
python=/usr/bin/python3
out=bench/results/candidates

candidate() { # <name> <algorithm> <weights, relative to training/>
  rm -rf "$out/$1"
  mkdir -p "$out"
  cp -r models "$out/$1"
  rm -f "$out/$1"/*_policy.json
  (cd training && $python -m narsolve_train.export --algorithm "$2" --weights "$3" --models "../$out/$1" | tail -1)
}

case "$kind" in
  routes)
    train() { (cd training && $python -m narsolve_train.noisy_routes_train --mode regress "$@" | tail -1); }
    train --steps 4000 --out runs/candidates/routes-synthetic            # v0.1's recipe: the synthetic mix
    train --mix broad --steps 4000 --out runs/candidates/routes-broad-4000
    train --mix broad --steps 8000 --seed 1 --out runs/candidates/routes-broad-8000
    train --mix broad --aarhus-share 1.0 --steps 3000 --seed 2 --out runs/candidates/routes-aarhus-only   # an experiment: real days alone
    # Larger synthetic graphs (2..128 and 2..256 nodes), for the cells at n = 256 and 1024; the last with more real days to make up for them.
    train --mix broad --steps 8000 --n-max 128 --seed 6 --out runs/candidates/routes-broad-128
    train --mix broad --steps 8000 --n-max 256 --seed 3 --out runs/candidates/routes-broad-256
    train --mix broad --steps 8000 --n-max 256 --aarhus-share 0.4 --seed 5 --out runs/candidates/routes-broad-256-a40
    # The chosen recipe again with other seeds: how far the figures move by chance alone.
    for seed in 11 12 13; do train --mix broad --steps 4000 --seed "$seed" --out "runs/candidates/routes-broad-4000-seed$seed"; done
    for name in synthetic broad-4000 broad-8000 aarhus-only broad-128 broad-256 broad-256-a40 broad-4000-seed11 broad-4000-seed12 broad-4000-seed13; do candidate "routes-$name" noisy_routes "runs/candidates/routes-$name/model.pt"; done
    list="$out/routes-synthetic,$out/routes-broad-4000,$out/routes-broad-8000,$out/routes-aarhus-only,$out/routes-broad-128,$out/routes-broad-256,$out/routes-broad-256-a40,$out/routes-broad-4000-seed11,$out/routes-broad-4000-seed12,$out/routes-broad-4000-seed13"
    ;;
  capacities)
    train() { (cd training && $python -m narsolve_train.noisy_capacities train --mode regress "$@" | tail -1); }
    train --steps 3000 --out runs/candidates/capacities-region              # v0.1's recipe: region provisioning only
    train --mix broad --steps 4000 --out runs/candidates/capacities-broad-4000
    train --mix broad --steps 8000 --n-max 128 --seed 1 --out runs/candidates/capacities-broad-8000
    # A loss on the cut itself: the chosen recipe plus the cut gap (1.0, 0.3), or with the cuts' links weighted 5x in the regression.
    train --mix broad --steps 4000 --cut-loss 1.0 --out runs/candidates/capacities-broad-4000-cut1
    train --mix broad --steps 4000 --cut-loss 0.3 --out runs/candidates/capacities-broad-4000-cut03
    train --mix broad --steps 4000 --cut-weight 4 --out runs/candidates/capacities-broad-4000-cutw4
    # Level pooling: neighbours' samples pooled where their levels agree (ObservationEncoder._pooled_levels), two seeds.
    train --mix broad --steps 4000 --level-pooling 2 --out runs/candidates/capacities-broad-4000-pool2
    train --mix broad --steps 4000 --level-pooling 2 --seed 11 --out runs/candidates/capacities-broad-4000-pool2-seed11
    # The chosen recipe with another seed: how far the figures move by chance alone.
    train --mix broad --steps 4000 --seed 11 --out runs/candidates/capacities-broad-4000-seed11
    names="region broad-4000 broad-8000 broad-4000-cut1 broad-4000-cut03 broad-4000-cutw4 broad-4000-pool2 broad-4000-pool2-seed11 broad-4000-seed11"
    for name in $names; do candidate "capacities-$name" noisy_capacities "runs/candidates/capacities-$name/model.pt"; done
    list=$(for name in $names; do printf '%s,' "$out/capacities-$name"; done); list="${list%,}"
    ;;
  *) echo "usage: scripts/noisy-candidates.sh routes|capacities" >&2; exit 2 ;;
esac
npm run --silent eval:noisy -- --only "$kind" --candidates "$list"
# A second validation seed: a candidate should win on both before it is served (models/MODEL_CARD.md).
npm run --silent eval:noisy -- --only "$kind" --candidates "$list" --validation-seed 778
