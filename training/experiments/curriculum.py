"""Ablation: fine-tune the v0.3 gated processor on a hop-depth curriculum.

    # the v0.3.1 weights: read back (narsolve_train.recover) from the last release that served the v0.3
    # processor, models/bellman_ford.onnx at v0.3.1, into runs/gated_v0.3.1.pt; then:
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m experiments.curriculum --init runs/gated_v0.3.1.pt --steps 1500
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m experiments.curriculum --evaluate runs/curriculum/model.pt

Each batch mixes the original families (n <= 64) with deep road-like ones (bellman_ford_data.DEEP_FAMILIES less the
held-out pruned_lattice: chains, holey grids, k-NN strips), whose hop depth grows with the step: the
deep graphs' size is drawn up to `--deep-n` (by step, as train.py's curriculum). Rollouts run the
whole execution (rounds + 2) with a pointer, distance and reached loss on every step, as train.py's
v0.3 loss did, and truncated backpropagation through time every `--tbptt` steps. Seeded and
resumable (<out>/checkpoint.pt). --evaluate runs the served stopping rule (pointers, patience 3) on
deep graphs from a fresh seed, held-out family included, and prints exact-node shares.
"""
import argparse
import os
from pathlib import Path

import numpy as np
import torch

from narsolve_train.bellman_ford_data import DEEP_FAMILIES, FAMILIES, bellman_ford_trajectory, deep_graph, make_batch, sample_graph, sample_training_graphs
from narsolve_train.bellman_ford_evaluate import predecessor_arcs, tree_lengths
from narsolve_train.export import graph_inputs, step_args
from narsolve_train.bellman_ford_model import run_until_stable
from narsolve_train.runs import Run
from narsolve_train.spec import load_spec
from narsolve_train.train import batch_tensors, n_max_at

from .gated_bellman_ford import GatedBellmanFordStep

HIDDEN = 32          # the v0.3 processor's width (its spec, 0.3.1, said 32)
PATIENCE = 3         # its served stopping patience
TRAINED_DEEP = tuple(f for f in DEEP_FAMILIES if f != "pruned_lattice")
SPEC = load_spec("bellman_ford")


def deep_loss(model, batch, tbptt: int):
    """Per-step pointer + distance + reached loss over the whole rollout; backward every `tbptt` steps
    (the caller steps the optimizer). Returns the mean loss and the last step's pointer accuracy."""
    x = batch_tensors(batch)
    hint_ptr = torch.from_numpy(batch.hints["pi_h"])
    hint_d = torch.from_numpy(batch.hints["d_h"])
    hint_r = torch.from_numpy(batch.hints["reached_h"])
    h = torch.zeros(batch.n, model.hidden)
    steps = batch.steps + 2
    chunk, total = 0.0, 0.0
    for t in range(1, steps + 1):
        ti = min(t, batch.steps)
        h, logits, dist, reached = model(h, **x)
        valid = hint_ptr[ti]
        logp = torch.log_softmax(logits, dim=1)
        ptr_loss = -(torch.logsumexp(logp + torch.log(valid.clamp(min=1e-30)), dim=1)).mean()
        r = hint_r[ti]
        d_loss = (((dist - hint_d[ti]) ** 2) * r).sum() / r.sum().clamp(min=1)
        r_loss = torch.nn.functional.binary_cross_entropy(reached.clamp(1e-6, 1 - 1e-6), r)
        chunk = chunk + (ptr_loss + d_loss + r_loss) / steps
        if t % tbptt == 0 or t == steps:
            chunk.backward()
            total += chunk.item()
            chunk = 0.0
            h = h.detach()
    with torch.no_grad():
        acc = valid[torch.arange(batch.n), logits.argmax(dim=1)].mean().item()
    return total, acc


def sample_batch(rng, step, deep_n: str, count: int):
    graphs = sample_training_graphs(rng, count // 2, n_min=4, n_max=64)
    top = n_max_at(deep_n, step)
    graphs += [deep_graph(TRAINED_DEEP[int(rng.integers(len(TRAINED_DEEP)))], int(rng.integers(32, top + 1)), rng) for _ in range(count - count // 2)]
    return make_batch(graphs)


def evaluate(model, seed: int):
    """Exact-node share of the raw tree (served rule: pointers unchanged for 3 steps, cap n + 3) on deep
    graphs, and on the original families at n = 64 (10 graphs each, positive and negative weights)."""
    rng = np.random.default_rng(seed)
    shallow = [(f"{family} {weighting}", sample_graph(family, 64, weighting, rng)) for family in FAMILIES for weighting in ("positive", "negative") for _ in range(10)]
    deep = [(f"{family} n={n}", deep_graph(family, n, rng)) for family, n in [("chain", 200), ("holey_grid", 1024), ("holey_grid", 4096), ("knn_strip", 3000), ("pruned_lattice", 5000)]]
    for name, g in shallow + deep:
        inputs = graph_inputs(g, HIDDEN)
        # v0.3 fed the same tensors as the served spec names; only its stopping rule differs.
        choice, _, steps, _ = run_until_stable(model, torch.from_numpy(inputs["h"]), step_args(inputs, SPEC), PATIENCE, g.n + PATIENCE, "pointers")
        pred = predecessor_arcs(g, choice.numpy())
        truth = bellman_ford_trajectory(g)
        d = truth.distances[-1]
        exact = np.mean(np.where(np.isfinite(d), tree_lengths(g, pred) == d, True))
        print(f"{name} rounds={truth.rounds} steps={steps} exact nodes {100 * exact:.1f}%", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--init", type=Path, default=Path("runs/gated_v0.3.1.pt"), help="the v0.3.1 weights to start from")
    ap.add_argument("--evaluate", type=Path, help="evaluate these weights instead of training")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--deep-n", default="0:100,500:250,1000:400", help="largest deep graph by step (step:n pairs)")
    ap.add_argument("--batch-graphs", type=int, default=8)
    ap.add_argument("--tbptt", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-seed", type=int, default=20261126)
    ap.add_argument("--out", type=Path, default=Path("runs/curriculum"))
    ap.add_argument("--checkpoint-every", type=int, default=25)
    args = ap.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("TORCH_NUM_THREADS", "1")))
    model = GatedBellmanFordStep(HIDDEN)
    if args.evaluate:
        model.load_state_dict(torch.load(args.evaluate))
        evaluate(model.eval(), args.eval_seed)
        return
    model.load_state_dict(torch.load(args.init))
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    run = Run(args.out, dict(model=model), opt, rng, args.steps, ["loss", "pointer_accuracy"], args.checkpoint_every)
    for step in run.steps_left():
        batch = sample_batch(rng, step, args.deep_n, args.batch_graphs)
        opt.zero_grad()
        loss, acc = deep_loss(model, batch, args.tbptt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run.record(step, loss=loss, pointer_accuracy=acc)
    run.close()
    torch.save(model.state_dict(), args.out / "model.pt")
    print(f"trained {args.steps} steps; weights in {args.out / 'model.pt'}")


if __name__ == "__main__":
    main()
