"""Evaluate the Bellman-Ford processor out of distribution and write the model card.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.bellman_ford_evaluate --weights runs/bellman_ford/model.pt

Fresh seeds (never used in training), n = 16, 64, 256, 1024, 4096 (out of distribution above the
curriculum's last stage), every family, positive weights, weights with zeros (zero-weight cycles,
which a pointer rule that moves on ties turns into pointer cycles) and negative weights. The model runs
as served: steps until what the spec watches has not changed for its `steps.patience` steps in a row
(at most the spec's step cap, n + patience). Reported per cell: per-node
pointer accuracy (the chosen predecessor is optimal, or "self" where that is right), whole-graph
exact rate, the share of graphs certified without repair (the
pointer tree's path lengths are the true distances), and the repair work (relaxations of a
label-correcting pass started from the tree's path lengths) against a cold run from the source.
Writes models/evaluation/bellman_ford.json, the plot, the manifest's evaluation entry and
models/MODEL_CARD.md.
"""
import argparse
import json
import time
from collections import deque
from pathlib import Path

import numpy as np
import torch

from .bellman_ford_data import FAMILIES, bellman_ford_trajectory, incoming_lists, sample_graph
from .bellman_ford_model import bellman_ford_step, run_until_stable
from .export import graph_inputs, step_args
from .spec import load_spec, max_steps, watch
from .registry import ALGORITHMS
from .train import n_max_at

SIZES = (16, 64, 256, 1024, 4096)
GRAPHS_PER_CELL = {16: 40, 64: 25, 256: 12, 1024: 5, 4096: 2}
WEIGHTINGS = ("positive", "with_zeros", "negative")
MODELS = Path(__file__).resolve().parents[2] / "models"


def largest_training_graph(algorithm: str) -> int:
    """The largest n the default training command reaches (the end of its curriculum)."""
    task = ALGORITHMS[algorithm].task
    return n_max_at(task["n_max"], task["steps"])


def predecessor_arcs(g, choice) -> np.ndarray:
    """The arc each node's chosen slot names in its padded incoming list, -1 for "self" (slot K)."""
    arc = incoming_lists(g.n, g.tails, g.heads)
    k = arc.shape[1]
    choice = np.asarray(choice)
    return np.where(choice < k, arc[np.arange(g.n), np.minimum(choice, k - 1)], -1)


def run_model(model, g, spec: dict, patience: int):
    """Steps until what the spec watches has not changed for `patience` steps (at most the spec's step cap), as the service does."""
    inputs = graph_inputs(g, model.hidden)
    choice, _, steps, _ = run_until_stable(model, torch.from_numpy(inputs["h"]), step_args(inputs, spec), patience, max_steps(spec, g.n, patience), watch(spec))
    return predecessor_arcs(g, choice.numpy()), steps


def tree_lengths(g, pred_arc):
    """Exact path lengths down the pointer tree from the source; inf where pointers do not lead there."""
    children = [[] for _ in range(g.n)]
    for v in range(g.n):
        a = pred_arc[v]
        if v != g.source and a >= 0:
            children[g.tails[a]].append(v)
    d = np.full(g.n, np.inf)
    d[g.source] = 0.0
    stack = [g.source]
    while stack:
        u = stack.pop()
        for v in children[u]:
            d[v] = d[u] + g.weights[pred_arc[v]]
            stack.append(v)
    return d


def violated_tails(g, d):
    """Tails of arcs that break d(v) <= d(u) + w, ascending: where the repair starts (as the service's violatedTails)."""
    broken = (d[g.tails] + g.weights < d[g.heads]) & np.isfinite(d[g.tails])
    return sorted(set(g.tails[broken].tolist()))


def label_correcting(g, d, seeds):
    """Queue-based Bellman-Ford from labels d (modified in place); returns the relaxations it made."""
    out = [[] for _ in range(g.n)]
    for a in range(len(g.tails)):
        out[g.tails[a]].append(a)
    queue = deque(dict.fromkeys(seeds))
    queued = set(queue)
    relaxations = 0
    while queue:
        u = queue.popleft()
        queued.discard(u)
        for a in out[u]:
            v = g.heads[a]
            if d[u] + g.weights[a] < d[v]:
                d[v] = d[u] + g.weights[a]
                relaxations += 1
                if v not in queued:
                    queued.add(v)
                    queue.append(v)
    return relaxations


def evaluate_graph(model, g, spec: dict, patience: int):
    truth = bellman_ford_trajectory(g)
    d_true = truth.distances[-1]
    tight = truth.tight[-1]
    t0 = time.perf_counter()
    pred_arc, steps = run_model(model, g, spec, patience)
    seconds = time.perf_counter() - t0
    reached = np.isfinite(d_true)
    has_valid_arc = np.zeros(g.n, dtype=bool)
    np.logical_or.at(has_valid_arc, g.heads, tight)
    correct = np.where(pred_arc >= 0, tight[np.maximum(pred_arc, 0)] & (pred_arc >= 0), ~has_valid_arc)
    d_tree = tree_lengths(g, pred_arc)
    certified = bool(np.array_equal(np.where(reached, d_tree, np.inf), d_true) and np.all(d_tree[~reached] == np.inf))
    repair = label_correcting(g, d_tree.copy(), violated_tails(g, d_tree))
    cold_d = np.full(g.n, np.inf)
    cold_d[g.source] = 0.0
    cold = label_correcting(g, cold_d, [g.source])
    return dict(node_accuracy=float(correct.mean()), exact=bool(correct.all()), certified=certified,
                repair_relaxations=repair, cold_relaxations=cold, steps=steps, seconds=seconds)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", type=Path, default=Path("runs/bellman_ford/model.pt"))
    ap.add_argument("--models", type=Path, default=MODELS)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--patience", type=int, help="override the spec's stopping patience (to compare rules)")
    ap.add_argument("--no-write", action="store_true", help="print the rows only: for choosing between candidates")
    args = ap.parse_args(argv)
    spec = load_spec("bellman_ford")
    patience = args.patience or spec["model"]["steps"]["patience"]
    model = bellman_ford_step(spec)
    model.load_state_dict(torch.load(args.weights))
    model.eval()
    rng = np.random.default_rng(args.seed)
    rows = []
    for n in map(int, args.sizes.split(",")):
        for family in FAMILIES:
            for weighting in WEIGHTINGS:
                results = [evaluate_graph(model, sample_graph(family, n, weighting, rng), spec, patience) for _ in range(GRAPHS_PER_CELL.get(n, 2))]
                row = dict(
                    n=n, family=family, weighting=weighting, graphs=len(results),
                    node_accuracy=float(np.mean([r["node_accuracy"] for r in results])),
                    graph_exact=float(np.mean([r["exact"] for r in results])),
                    certified_without_repair=float(np.mean([r["certified"] for r in results])),
                    repair_relaxations=float(np.mean([r["repair_relaxations"] for r in results])),
                    cold_relaxations=float(np.mean([r["cold_relaxations"] for r in results])),
                    steps=float(np.mean([r["steps"] for r in results])),
                    torch_seconds=float(np.mean([r["seconds"] for r in results])),
                )
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.no_write:
        for n, s in summarize(rows).items():
            print(f"n={n} pointer accuracy {s['node']:.4f} certified {s['certified']:.3f} steps {s['steps']:.1f}")
        return
    write_outputs(args.models, rows, args.seed)


def summarize(rows):
    by_n = {}
    for r in rows:
        s = by_n.setdefault(r["n"], dict(graphs=0, node=0.0, exact=0.0, certified=0.0, repair=0.0, cold=0.0, steps=0.0))
        w = r["graphs"]
        s["graphs"] += w
        s["node"] += r["node_accuracy"] * w
        s["exact"] += r["graph_exact"] * w
        s["certified"] += r["certified_without_repair"] * w
        s["repair"] += r["repair_relaxations"] * w
        s["cold"] += r["cold_relaxations"] * w
        s["steps"] += r["steps"] * w
    return {n: {k: (v / s["graphs"] if k != "graphs" else v) for k, v in s.items()} for n, s in sorted(by_n.items())}


def write_outputs(models: Path, rows, seed):
    summary = summarize(rows)
    out = models / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bellman_ford.json").write_text(json.dumps(dict(seed=seed, rows=rows, by_size={str(k): v for k, v in summary.items()}), indent=2) + "\n")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        sizes = list(summary)
        plt.figure(figsize=(6, 4))
        for key, label in (("node", "pointer accuracy (per node)"), ("exact", "whole graph exact"), ("certified", "certified without repair")):
            plt.plot(sizes, [summary[n][key] for n in sizes], marker="o", label=label)
        plt.xscale("log", base=2)
        plt.ylim(0, 1.02)
        plt.xlabel(f"nodes (trained on n ≤ {largest_training_graph('bellman_ford')})")
        plt.legend()
        plt.title("Learned Bellman-Ford out of distribution")
        plt.tight_layout()
        plt.savefig(models / "bellman_ford_accuracy.png", dpi=110)
    except ImportError:
        print("matplotlib not installed: no plot")
    manifest_path = models / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["models"]["bellman_ford"]["evaluation"] = dict(
        command="OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.bellman_ford_evaluate (in training/)",
        seed=seed, by_size={str(k): {m: round(v, 4) for m, v in s.items()} for k, s in summary.items()},
    )
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    lines = ["| n | graphs | pointer accuracy (per node) | whole graph exact | certified without repair | repair relaxations | cold relaxations | steps |",
             "|---|---|---|---|---|---|---|---|"]
    for n, s in summary.items():
        lines.append(f"| {n} | {s['graphs']} | {s['node']:.4f} | {s['exact']:.3f} | {s['certified']:.3f} | {s['repair']:.1f} | {s['cold']:.1f} | {s['steps']:.1f} |")
    lines += ["", "Per family and weighting:", "",
              "| n | family | weights | graphs | pointer accuracy | graph exact | certified without repair | repair / cold relaxations |",
              "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = r["repair_relaxations"] / max(1.0, r["cold_relaxations"])
        lines.append(f"| {r['n']} | {r['family']} | {r['weighting']} | {r['graphs']} | {r['node_accuracy']:.4f} | {r['graph_exact']:.2f} | {r['certified_without_repair']:.2f} | {ratio:.2f} |")
    table = "\n".join(lines)
    print(table)
    card = models / "MODEL_CARD.md"
    if card.exists():
        text = card.read_text()
        start, end = "<!-- evaluation:start -->", "<!-- evaluation:end -->"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            card.write_text(head + start + "\n" + table + "\n" + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    main()
