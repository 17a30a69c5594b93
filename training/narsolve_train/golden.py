"""Golden files that pin the Python copies of served logic to the TypeScript ones.

    /usr/bin/python3 -m narsolve_train.golden            # rewrite ../tests/fixtures/*.json
    /usr/bin/python3 -m narsolve_train.golden --check    # exit 1 if they are out of date

Two things exist in both languages, because training and evaluation need them in Python and the
service and its tests in TypeScript:

- Decoding pointers into a tree and repairing it (bellman_ford_evaluate.py's tree_lengths, violated tails and
  label_correcting; the service's decodeBellmanFord, violatedTails and labelCorrecting). The model
  card's repair figures come from the Python copy. bellman_ford_repair.json holds graphs with
  optimal, corrupted and cyclic pointer choices and what the Python copy makes of them; the
  TypeScript test requires the same trees, seeds, relaxation counts and repaired distances.
- The deep road-like Bellman-Ford families (bellman_ford_data.py's deep_graph; generators/graphs.ts's
  deepGraph, which bench:size-generalization and the deep-execution tests use), pinned the same way
  as the flow families below (deep_families.json) on what makes them deep: nodes in use, arcs per
  node and hop depth. Their weights are not pinned: both are lengths x congestion, in different units
  and (for chains) distributions, and the discrete processor reads weights scale-free.
- The max-flow network families (maxflow_data.py; generators/graphs.ts's flowFamilyNetwork,
  which eval:maxflow and the tests use). The two use different random generators, so they are
  pinned by distribution: flow_families.json holds, per family and size, the mean and standard
  deviation of the statistics that define a family over many seeded samples; the TypeScript test
  requires its generator's means to agree within a few standard errors.

Neither needs trained weights. The Python test suite fails when the committed files differ from what
this module writes, so a change on either side must be made on both.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

from . import maxflow_data
from .bellman_ford_data import DEEP_FAMILIES, FAMILIES, deep_graph, incoming_lists, sample_graph
from .bellman_ford_evaluate import label_correcting, predecessor_arcs, tree_lengths, violated_tails

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
FLOW_SIZES = (12, 24, 48, 96)
FLOW_SAMPLES = 300
FLOW_STATS = ("arcs_per_node", "source_degree", "sink_degree", "hop_depth", "reciprocal_share")
DEEP_SIZES = (64, 256)
DEEP_SAMPLES = 200
DEEP_STATS = ("nodes", "arcs_per_node", "hop_depth")


def repair_cases(seed: int = 2026):
    """Graphs of every family and weighting with four kinds of pointer choice each, and what the
    Python decode and repair make of them."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(24):
        family = FAMILIES[i % len(FAMILIES)]
        weighting = ("positive", "with_zeros", "negative")[i % 3]
        g = sample_graph(family, int(rng.integers(8, 40)), weighting, rng)
        arc = incoming_lists(g.n, g.tails, g.heads)
        k = arc.shape[1]
        for kind in ("optimal", "corrupted", "cycle", "random"):
            choice = pointer_choice(kind, g, arc, rng)
            pred_arc = predecessor_arcs(g, choice)
            d_tree = tree_lengths(g, pred_arc)
            seeds = violated_tails(g, d_tree)
            repaired = d_tree.copy()
            relaxations = label_correcting(g, repaired, seeds)
            cases.append(dict(
                family=family, weighting=weighting, choice_kind=kind, n=g.n, source=g.source, k=k,
                tails=g.tails.tolist(), heads=g.heads.tolist(), weights=g.weights.tolist(),
                choice=choice.tolist(), tree_distance=finite_or_none(d_tree), seeds=seeds,
                relaxations=relaxations, repaired_distance=finite_or_none(repaired)))
    return cases


def pointer_choice(kind: str, g, arc: np.ndarray, rng) -> np.ndarray:
    """Slot choices per node (k = self): optimal ones, optimal with a fifth corrupted, optimal with
    a two-node pointer cycle away from the source, or uniformly random (padding slots included)."""
    n, k = arc.shape
    if kind == "random":
        return rng.integers(0, k + 1, n)
    d = full_distances(g)
    choice = np.full(n, k)
    for v in range(n):
        for slot in range(k):
            a = arc[v, slot]
            if a >= 0 and v != g.source and np.isfinite(d[g.tails[a]]) and d[g.tails[a]] + g.weights[a] == d[v]:
                choice[v] = slot
                break
    if kind == "corrupted":
        bad = rng.random(n) < 0.2
        choice[bad] = rng.integers(0, k + 1, int(bad.sum()))
    elif kind == "cycle":
        # Two nodes that point at each other (when some arc pair allows it) leave the source's tree.
        for a in range(len(g.tails)):
            u, v = int(g.tails[a]), int(g.heads[a])
            back = np.nonzero((g.tails == v) & (g.heads == u))[0]
            if u != g.source and v != g.source and len(back):
                choice[v] = int(np.nonzero(arc[v] == a)[0][0])
                choice[u] = int(np.nonzero(arc[u] == back[0])[0][0])
                break
    return choice


def full_distances(g) -> np.ndarray:
    d = np.full(g.n, np.inf)
    d[g.source] = 0.0
    label_correcting(g, d, [g.source])
    return d


def finite_or_none(d: np.ndarray):
    return [float(x) if np.isfinite(x) else None for x in d]


def flow_family_stats(seed: int = 2027):
    """Per family and size: mean and standard deviation of each FLOW_STATS statistic over
    FLOW_SAMPLES networks, and the mean capacity of each capacity kind."""
    rng = np.random.default_rng(seed)
    families = {}
    for family in maxflow_data.FAMILIES:
        for n in FLOW_SIZES:
            rows = [network_stats(maxflow_data.sample_network(family, n, "int", rng)) for _ in range(FLOW_SAMPLES)]
            families[f"{family}/{n}"] = {s: dict(mean=float(np.mean([r[s] for r in rows])), sd=float(np.std([r[s] for r in rows])))
                                         for s in FLOW_STATS}
    capacities = {}
    for kind in maxflow_data.CAPACITIES:
        caps = np.concatenate([maxflow_data.sample_network("layered", 24, kind, rng).capacity for _ in range(FLOW_SAMPLES)])
        capacities[kind] = dict(mean=float(caps.mean()), sd=float(caps.std()), count=int(len(caps)))
    return dict(samples=FLOW_SAMPLES, sizes=list(FLOW_SIZES), stats=list(FLOW_STATS), families=families, capacities=capacities)


def deep_family_stats(seed: int = 2028):
    """Per deep family and size: mean and standard deviation of each DEEP_STATS statistic over DEEP_SAMPLES graphs."""
    rng = np.random.default_rng(seed)
    families = {}
    for family in DEEP_FAMILIES:
        for n in DEEP_SIZES:
            rows = [deep_stats(deep_graph(family, n, rng)) for _ in range(DEEP_SAMPLES)]
            families[f"{family}/{n}"] = {s: dict(mean=float(np.mean([r[s] for r in rows])), sd=float(np.std([r[s] for r in rows])))
                                         for s in DEEP_STATS}
    return dict(samples=DEEP_SAMPLES, sizes=list(DEEP_SIZES), stats=list(DEEP_STATS), families=families)


def deep_stats(g) -> dict:
    """Nodes with an arc, arcs per such node, and the BFS depth from the lowest-numbered of them (arcs as given)."""
    used = np.unique(np.concatenate([g.tails, g.heads]))
    out = {}
    for t, h in zip(g.tails.tolist(), g.heads.tolist()):
        out.setdefault(t, []).append(h)
    depth = {int(used[0]): 0}
    frontier = [int(used[0])]
    while frontier:
        nxt = []
        for u in frontier:
            for v in out.get(u, []):
                if v not in depth:
                    depth[v] = depth[u] + 1
                    nxt.append(v)
        frontier = nxt
    return dict(nodes=float(len(used)), arcs_per_node=len(g.tails) / len(used), hop_depth=float(max(depth.values())))


def network_stats(g) -> dict:
    arcs = set(zip(g.tails.tolist(), g.heads.tolist()))
    return dict(
        arcs_per_node=len(g.tails) / g.n,
        source_degree=float(np.sum(g.tails == g.source)),
        sink_degree=float(np.sum(g.heads == g.sink)),
        hop_depth=float(maxflow_data.hop_depth(g.n, g.tails, g.heads, g.source, g.sink)),
        reciprocal_share=sum((b, a) in arcs for a, b in arcs) / max(1, len(arcs)),
    )


def documents():
    return {
        "bellman_ford_repair.json": dict(
            about="Written by `python -m narsolve_train.golden` (training/); tests/decode.golden.test.ts holds the TypeScript decode and repair to it.",
            cases=repair_cases()),
        "deep_families.json": dict(
            about="Written by `python -m narsolve_train.golden` (training/); tests/generators.golden.test.ts holds generators/graphs.ts's deepGraph to it.",
            **deep_family_stats()),
        "flow_families.json": dict(
            about="Written by `python -m narsolve_train.golden` (training/); tests/generators.golden.test.ts holds generators/graphs.ts's flowFamilyNetwork to it.",
            **flow_family_stats()),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if a committed file differs from what this writes")
    args = ap.parse_args(argv)
    stale = []
    for name, doc in documents().items():
        text = json.dumps(doc) + "\n"
        path = FIXTURES / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run `python -m narsolve_train.golden` in training/ and commit", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
