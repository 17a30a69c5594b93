"""Synthetic noisy worlds as files, for the served pipeline's evaluation (npm run eval:noisy).

    /usr/bin/python3 -m narsolve_train.noisy_worlds --seed 777 --out worlds-777.json
    /usr/bin/python3 -m narsolve_train.noisy_worlds --kind capacity --seed 777 --out capacity-worlds-777.json

Each world is one graph of noisy_routes_data.py with its true costs and observations, written as the
/route request a user would send (directed edges, one list of observations per edge, null where one
is missing) plus the truth, so that the TypeScript evaluation runs exactly what the service runs
(its estimates, its guards, its encoder through onnxruntime-node). Settings: the training families
with the training noise, the held-out "holes" family, and two noise settings training never saw:
"heavy" and "low" (little noise, no outliers: where the plain mean is right). Capacity worlds
(--kind capacity, noisy_capacities_data.py) are /maxflow requests: the training families and the
held-out "layered", each with the region and zone provisioning and the held-out "tiers".
"""
import argparse
import json
from pathlib import Path

import numpy as np

from . import noisy_capacities_data as capacities
from .noisy_routes_data import HELD_OUT_FAMILIES, TRAIN_FAMILIES, sample_noisy_graph

SIZES = (64, 256, 1024)
GRAPHS = {64: 40, 256: 16, 1024: 6}
# A cell's score is compared with the best of four classical estimates in that cell, picked after the
# fact: with few networks that best is lucky, so the cells are large enough to make the luck small.
CAPACITY_GRAPHS = {64: 60, 256: 24, 1024: 8}
CAPACITY_SETTINGS = [(f, p) for f in capacities.TRAIN_FAMILIES + capacities.HELD_OUT_FAMILIES for p in capacities.TRAIN_PATTERNS + capacities.HELD_OUT_PATTERNS]
SETTINGS = [(f, "training") for f in TRAIN_FAMILIES] + [(f, "training") for f in HELD_OUT_FAMILIES] + [(f, noise) for f in TRAIN_FAMILIES for noise in ("heavy", "low")]


def _lists(observations):
    rows = [[None if not np.isfinite(x) else float(x) for x in row] for row in observations]
    # Trailing missing slots are padding past the edge's count, not missing observations: drop them.
    for row in rows:
        while len(row) > 1 and row[-1] is None:
            row.pop()
    return rows


def world(family: str, noise: str, n: int, rng) -> dict:
    g = sample_noisy_graph(family, n, rng, noise=noise)
    return dict(family=family, noise=noise, n=int(g.n), source=int(g.source),
                tails=g.tails.tolist(), heads=g.heads.tolist(), truth=g.true_cost.tolist(), observations=_lists(g.observations))


def capacity_world(family: str, pattern: str, n: int, rng) -> dict:
    g = capacities.sample_noisy_network(family, n, rng, pattern=pattern)
    return dict(family=family, noise=pattern, n=int(g.n), source=int(g.source), sink=int(g.sink),
                tails=g.tails.tolist(), heads=g.heads.tolist(), truth=g.true_capacity.tolist(), observations=_lists(g.observations))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--kind", choices=("cost", "capacity"), default="cost")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    if args.kind == "cost":
        worlds = [world(family, noise, n, rng) for n in map(int, args.sizes.split(",")) for family, noise in SETTINGS for _ in range(GRAPHS.get(n, 4))]
    else:
        worlds = [capacity_world(family, pattern, n, rng) for n in map(int, args.sizes.split(",")) for family, pattern in CAPACITY_SETTINGS for _ in range(CAPACITY_GRAPHS.get(n, 2))]
    args.out.write_text(json.dumps(dict(seed=args.seed, worlds=worlds)))
    print(f"wrote {len(worlds)} worlds (seed {args.seed}) to {args.out}")


if __name__ == "__main__":
    main()
