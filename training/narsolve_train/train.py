"""Train a processor from scratch (seeded, resumable) and write checkpoints.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.train --steps 4000 --out runs/bf
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.train --algorithm maxflow --out runs/maxflow

Every `--checkpoint-every` steps the model, optimizer, step and RNG states are saved to
<out>/checkpoint.pt; running the same command again resumes from it. A loss log is appended to
<out>/loss.csv.
"""
import argparse
import os
from pathlib import Path

import numpy as np
import torch

from .data import make_batch, sample_training_graphs
from .maxflow_data import make_flow_batch, sample_training_networks
from .maxflow_model import MaxflowStep
from .model import BellmanFordStep
from .runs import Run
from .spec import load_spec


def batch_tensors(batch):
    """Tensors for one batch (weights already normalized per graph by make_batch)."""
    return dict(
        source=torch.from_numpy(batch.source),
        nbr_index=torch.from_numpy(batch.nbr_index),
        nbr_weight=torch.from_numpy(batch.nbr_weight),
        nbr_mask=torch.from_numpy(batch.nbr_mask),
    )


def rollout_loss(model, batch, extra_steps: int = 2):
    """Runs steps 1..T+extra and supervises each with the hint of that round (the last hint
    after T, teaching the fixed point). Returns the loss and the last step's pointer accuracy."""
    x = batch_tensors(batch)
    n = batch.n
    h = torch.zeros(n, model.hidden)
    hint_ptr = torch.from_numpy(batch.hints["pi_h"])
    hint_d = torch.from_numpy(batch.hints["d_h"])
    hint_r = torch.from_numpy(batch.hints["reached_h"])
    total = 0.0
    steps = batch.steps + extra_steps
    for t in range(1, steps + 1):
        ti = min(t, batch.steps)
        h, logits, dist, reached = model(h, **x)
        logp = torch.log_softmax(logits, dim=1)
        valid = hint_ptr[ti]
        # Any optimal predecessor is right: maximize the probability mass on the valid set.
        ptr_loss = -(torch.logsumexp(logp + torch.log(valid.clamp(min=1e-30)), dim=1)).mean()
        r = hint_r[ti]
        d_loss = (((dist - hint_d[ti]) ** 2) * r).sum() / r.sum().clamp(min=1)
        r_loss = torch.nn.functional.binary_cross_entropy(reached.clamp(1e-6, 1 - 1e-6), r)
        total = total + ptr_loss + d_loss + r_loss
    with torch.no_grad():
        choice = logits.argmax(dim=1)
        acc = valid[torch.arange(n), choice].mean().item()
    return total / steps, acc


def maxflow_loss(model, batch, supervised_steps: int = 3):
    """Runs the batch's steps and supervises the last few with the exact solver's flow (as a
    fraction of capacity) and minimum cut, plus a conservation penalty that keeps the predicted
    flow close to feasible (so less is lost projecting it). Returns the loss and cut accuracy."""
    x = {k: torch.from_numpy(v) for k, v in batch.inputs.items()}
    slots = torch.from_numpy(batch.arc_in)
    real = slots >= 0
    arcs = slots[real]
    target_frac = torch.from_numpy(batch.outputs["flow"])
    target_cut = torch.from_numpy(batch.outputs["cut"])
    cap = torch.from_numpy(batch.capacity)
    tails = torch.from_numpy(batch.tails)
    heads = torch.from_numpy(batch.heads)
    inner = torch.from_numpy(~batch.terminal).float()
    h = torch.zeros(batch.n, model.hidden)
    total = 0.0
    first = max(1, batch.steps - supervised_steps + 1)
    for t in range(1, batch.steps + 1):
        h, frac, cut_logit = model(h, **x)
        if t < first:
            continue
        arc_frac = torch.zeros(len(batch.tails)).index_put((arcs,), frac[real])
        flow_loss = torch.nn.functional.binary_cross_entropy(arc_frac.clamp(1e-6, 1 - 1e-6), target_frac)
        cut_loss = torch.nn.functional.binary_cross_entropy_with_logits(cut_logit, target_cut)
        f = arc_frac * cap
        net = torch.zeros(batch.n).index_add(0, heads, f).index_add(0, tails, -f)
        conservation = ((net * inner) ** 2).sum() / inner.sum().clamp(min=1)
        total = total + flow_loss + cut_loss + conservation
    with torch.no_grad():
        acc = ((cut_logit > 0).float() == target_cut).float().mean().item()
    return total / (batch.steps - first + 1), acc


# Per algorithm: the model, how a batch is drawn (the spec supplies the step rule), its loss, and the
# default curriculum (smallest graph, largest graph by step, total steps).
TASKS = {
    "bellman_ford": dict(
        model=lambda hidden: BellmanFordStep(hidden),
        batch=lambda rng, count, n_min, n_max, spec: make_batch(sample_training_graphs(rng, count, n_min=n_min, n_max=n_max)),
        loss=lambda model, batch: rollout_loss(model, batch),
        n_min=4, n_max="0:16,10000:32,14000:64,20000:128", steps=22000, metric="pointer_accuracy"),
    "maxflow": dict(
        model=lambda hidden: MaxflowStep(hidden),
        batch=lambda rng, count, n_min, n_max, spec: make_flow_batch(sample_training_networks(rng, count, n_min=n_min, n_max=n_max), spec),
        loss=lambda model, batch: maxflow_loss(model, batch),
        n_min=6, n_max="0:16,5000:32,10000:64", steps=12000, metric="cut_accuracy"),
}


def n_max_at(schedule: str, step: int) -> int:
    """The curriculum: "0:16,10000:32" trains on n <= 16 until step 10000, then on n <= 32."""
    n = 16
    for part in str(schedule).split(","):
        at, _, value = part.rpartition(":")
        if int(at or 0) <= step:
            n = int(value)
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--algorithm", choices=sorted(TASKS), default="bellman_ford")
    ap.add_argument("--steps", type=int, help="training steps (bellman_ford: 22000, maxflow: 12000)")
    ap.add_argument("--batch-graphs", type=int, default=32)
    ap.add_argument("--n-max", help="largest training graph by step, as step:n pairs (a curriculum); a single "
                    "number fixes it (bellman_ford: 0:16,10000:32,14000:64,20000:128; maxflow: 0:16,5000:32,10000:64)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="run folder (default runs/<algorithm>)")
    ap.add_argument("--checkpoint-every", type=int, default=100)
    args = ap.parse_args(argv)
    task = TASKS[args.algorithm]
    args.steps = args.steps or task["steps"]
    args.n_max = args.n_max or task["n_max"]
    args.out = args.out or Path("runs") / args.algorithm

    torch.set_num_threads(int(os.environ.get("TORCH_NUM_THREADS", "1")))
    spec = load_spec(args.algorithm)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = task["model"](spec["model"]["hidden"])
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    run = Run(args.out, dict(model=model), opt, rng, args.steps, ["loss", task["metric"]], args.checkpoint_every)
    for step in run.steps_left():
        batch = task["batch"](rng, args.batch_graphs, task["n_min"], n_max_at(args.n_max, step), spec)
        loss, acc = task["loss"](model, batch)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run.record(step, loss=loss.item(), **{task["metric"]: acc})
    run.close()
    torch.save(model.state_dict(), args.out / "model.pt")
    print(f"trained {args.steps} steps; weights in {args.out / 'model.pt'}")


if __name__ == "__main__":
    main()
