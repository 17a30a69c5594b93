"""Evaluate routes from noisy observations: every ablation's regret against the true optimum.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.noisy_routes_evaluate --seed 777          # validation: choose
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.noisy_routes_evaluate --seed 20261125     # test: report

Held-out graphs of the noise model (noisy_routes_data.py) at n = 64, 256 and 1024, on the training
families (grid, geometric) with training noise, and out of distribution: the held-out "holes" family,
and "heavy" noise. From each graph's source, routes to 5 random targets. Regret of a route = (its
true cost - the true optimum) / the true optimum. Ablations:
- Dijkstra on a classical point estimate per edge: mean, median, 20% trimmed mean, Huber M-estimate;
- two-stage: the encoder trained to regress costs (noisy_routes_train --mode regress), then Dijkstra;
- encoder + frozen processor, trained end to end (--mode frozen): the route the processor's
  pointers give (a real path to the target, else Dijkstra on the decoded costs, as the service's
  repair would), and Dijkstra on its decoded costs;
- the same with the processor fine-tuned (--mode unfrozen), when its run exists.
Prints mean and 95th-percentile regret per cell; --json writes them.
"""
import argparse
import heapq
import json
from pathlib import Path

import numpy as np
import torch

from .bellman_ford_data import Graph
from .bellman_ford_evaluate import predecessor_arcs
from .export import graph_inputs, step_args
from .bellman_ford_model import run_until_stable
from .noisy_routes_data import ESTIMATES, HELD_OUT_FAMILIES, TRAIN_FAMILIES, estimate, sample_noisy_graph
from .observation_encoder import ObservationEncoder
from .noisy_routes_train import COUNT_SCALE, HIDDEN, ROUNDS, load_processor, noisy_batch
from .spec import load_spec, max_steps, patience, watch

SIZES = (64, 256, 1024)
GRAPHS = {64: 40, 256: 16, 1024: 6}
TARGETS = 5


def dijkstra(n, tails, heads, w, s):
    """Distances and predecessor arcs from s (w > 0)."""
    out = [[] for _ in range(n)]
    for a, u in enumerate(tails.tolist()):
        out[u].append(a)
    dist = np.full(n, np.inf)
    pred = np.full(n, -1)
    dist[s] = 0.0
    heap = [(0.0, s)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for a in out[u]:
            v = heads[a]
            nd = d + w[a]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = a
                heapq.heappush(heap, (nd, v))
    return dist, pred


def path_arcs(pred, tails, s, t, n):
    """Arcs of the predecessor walk from t back to s, or None if it is not a real path."""
    arcs = []
    v = t
    for _ in range(n):
        if v == s:
            return arcs[::-1]
        a = pred[v]
        if a < 0:
            return None
        arcs.append(a)
        v = tails[a]
    return None


def load_encoder(path: Path):
    state = torch.load(path)
    encoder = ObservationEncoder(HIDDEN, ROUNDS, COUNT_SCALE)
    encoder.load_state_dict(state["encoder"])
    processor = load_processor()
    processor.load_state_dict(state["processor"])
    return encoder.eval(), processor.eval()


def processor_pointers(processor, g, decoded, spec):
    """The processor's predecessor arcs on the decoded costs, run as served (until stable)."""
    graph = Graph(g.n, g.tails, g.heads, decoded, g.source)
    inputs = graph_inputs(graph, processor.hidden)
    with torch.no_grad():
        choice, _, _, _ = run_until_stable(processor, torch.from_numpy(inputs["h"]), step_args(inputs, spec), patience(spec), max_steps(spec, g.n), watch(spec))
    return predecessor_arcs(g, choice.numpy())


def evaluate_graph(g, models, spec, rng):
    true_dist, _ = dijkstra(g.n, g.tails, g.heads, g.true_cost, g.source)
    reachable = np.nonzero(np.isfinite(true_dist) & (np.arange(g.n) != g.source))[0]
    targets = rng.choice(reachable, min(TARGETS, len(reachable)), replace=False)
    routes = {}
    for kind in ESTIMATES:
        routes[kind] = dijkstra(g.n, g.tails, g.heads, estimate(g.observations, kind), g.source)[1]
    batch = noisy_batch([g])
    for name, (encoder, processor) in models.items():
        with torch.no_grad():
            decoded = torch.exp(encoder(**batch.enc)).double().numpy()
        decoded_pred = dijkstra(g.n, g.tails, g.heads, decoded, g.source)[1]
        routes[f"{name}: Dijkstra on decoded costs"] = decoded_pred
        if name != "two-stage":
            routes[f"{name}: processor pointers"] = (processor_pointers(processor, g, decoded, spec), decoded_pred)
    regrets = {k: [] for k in routes}
    for t in targets:
        best = true_dist[t]
        for k, pred in routes.items():
            fallback = None
            if isinstance(pred, tuple):
                pred, fallback = pred
            arcs = path_arcs(pred, g.tails, g.source, t, g.n)
            if arcs is None:
                arcs = path_arcs(fallback, g.tails, g.source, t, g.n)
            cost = g.true_cost[arcs].sum()
            regrets[k].append((cost - best) / best)
    return regrets


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--runs", type=Path, default=Path("runs"))
    ap.add_argument("--json", type=Path, help="write the cells here")
    ap.add_argument("--card", choices=["validation", "test"], help="write this run's table into models/MODEL_CARD.md")
    args = ap.parse_args(argv)
    spec = load_spec("bellman_ford")
    models = {}
    for name, run in (("two-stage", "noisy_regress"), ("frozen", "noisy_frozen"), ("unfrozen", "noisy_unfrozen")):
        if (args.runs / run / "model.pt").exists():
            models[name] = load_encoder(args.runs / run / "model.pt")
    rng = np.random.default_rng(args.seed)
    cells = []
    settings = [(f, False) for f in TRAIN_FAMILIES] + [(f, False) for f in HELD_OUT_FAMILIES] + [(f, True) for f in TRAIN_FAMILIES]
    for n in map(int, args.sizes.split(",")):
        for family, heavy in settings:
            pooled = {}
            for _ in range(GRAPHS.get(n, 4)):
                g = sample_noisy_graph(family, n, rng, heavy=heavy)
                for k, v in evaluate_graph(g, models, spec, rng).items():
                    pooled.setdefault(k, []).extend(v)
            cell = dict(n=n, family=family, noise="heavy" if heavy else "training", routes=len(next(iter(pooled.values()))),
                        regret={k: dict(mean=float(np.mean(v)), p95=float(np.percentile(v, 95))) for k, v in pooled.items()})
            cells.append(cell)
            best_classical = min(("mean", "median", "trimmed"), key=lambda k: cell["regret"][k]["mean"])
            line = " ".join(f"{k}={r['mean']:.4f}/{r['p95']:.3f}" for k, r in cell["regret"].items())
            print(f"n={n} {family} {cell['noise']} routes={cell['routes']} best-classical={best_classical} | {line}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(dict(seed=args.seed, cells=cells), indent=1) + "\n")
    if args.card:
        write_card(args.card, args.seed, cells)


CHOSEN = "two-stage: Dijkstra on decoded costs"
PLOTTED = ("mean", "median", "trimmed", "huber", CHOSEN, "frozen: processor pointers", "unfrozen: processor pointers")


def plot(cells):
    """Mean regret against n, in distribution and out of it, for the main ablations: models/noisy_routes_regret.png."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    groups = (("in distribution (grid, geometric)", lambda c: c["noise"] == "training" and c["family"] in TRAIN_FAMILIES),
              ("held out (holes family, heavy noise)", lambda c: c["noise"] == "heavy" or c["family"] in HELD_OUT_FAMILIES))
    for ax, (title, keep) in zip(axes, groups):
        sizes = sorted({c["n"] for c in cells})
        for k in PLOTTED:
            ax.plot(sizes, [np.mean([c["regret"][k]["mean"] for c in cells if c["n"] == n and keep(c)]) for n in sizes], marker="o",
                    label=k.replace(": Dijkstra on decoded costs", " (chosen)").replace(": processor pointers", " processor"), linewidth=2.5 if k == CHOSEN else 1)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("nodes")
        ax.set_title(title)
    axes[0].set_ylabel("mean regret (true cost over the optimum, minus 1)")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(CARD.parent / "noisy_routes_regret.png", dpi=100)
CARD = Path(__file__).resolve().parents[2] / "models" / "MODEL_CARD.md"


def write_card(role: str, seed: int, cells):
    """The run's table between the card's noisy-<role> markers."""
    keys = list(cells[0]["regret"])
    name = lambda k: k.replace(": Dijkstra on decoded costs", ", Dijkstra on decoded").replace(": processor pointers", ", processor pointers")
    if role == "validation":
        lines = [f"Seed {seed}. Mean regret of each candidate, averaged over the in-distribution cells (grid and geometric, training noise):", "",
                 "| candidate | n = 64 | n = 256 | n = 1024 | all |", "|---|---|---|---|---|"]
        inside = [c for c in cells if c["noise"] == "training" and c["family"] in TRAIN_FAMILIES]
        for k in keys:
            by_n = [np.mean([c["regret"][k]["mean"] for c in inside if c["n"] == n]) for n in sorted({c["n"] for c in inside})]
            lines.append(f"| {name(k)} | " + " | ".join(f"{x:.4f}" for x in by_n) + f" | {np.mean(by_n):.4f} |")
    else:
        lines = [f"Seed {seed}. Mean / 95th-percentile regret per cell; the last column is the chosen two-stage encoder over the best of Dijkstra on the mean, median and trimmed mean (mean; p95).", "",
                 "| n | family | noise | routes | " + " | ".join(name(k) for k in keys) + " | chosen / best classical |",
                 "|" + "---|" * (5 + len(keys))]
        for c in cells:
            best = min(c["regret"][k]["mean"] for k in ("mean", "median", "trimmed"))
            best95 = min(c["regret"][k]["p95"] for k in ("mean", "median", "trimmed"))
            chosen = c["regret"][CHOSEN]
            family = c["family"] + (" (held out)" if c["family"] in HELD_OUT_FAMILIES else "")
            noise = c["noise"] + (" (held out)" if c["noise"] == "heavy" else "")
            lines.append(f"| {c['n']} | {family} | {noise} | {c['routes']} | " + " | ".join(f"{c['regret'][k]['mean']:.3f} / {c['regret'][k]['p95']:.2f}" for k in keys)
                         + f" | {chosen['mean'] / best:.2f}; {chosen['p95'] / best95:.2f} |")
    if role == "test":
        plot(cells)
    start, end = f"<!-- noisy-{role}:start -->", f"<!-- noisy-{role}:end -->"
    text = CARD.read_text()
    if start in text and end in text:
        head, rest = text.split(start, 1)
        CARD.write_text(head + start + "\n" + "\n".join(lines) + "\n" + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    main()
