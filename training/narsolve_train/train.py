"""Train a processor from scratch (seeded, resumable) and write checkpoints.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.train        # Bellman-Ford: 600 steps, about 10 s
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

from .bellman_ford_data import make_batch, sample_training_graphs
from .maxflow_data import make_flow_batch, sample_training_networks
from .registry import ALGORITHMS, PROCESSORS, build_model, resolve
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


def controller_loss(model, batch, extra_steps: int = 2):
    """Teacher-forced training of the discrete controller on synchronous Bellman-Ford's rounds: step t
    reads round t-1's distances and reached set (all zeros at t = 1, as served) and is taught what
    round t's pointer hints imply. A valid predecessor's gate must be open; an arc that would beat
    every valid one (smaller value, or equal and earlier) must be closed, and so must every arc into a
    node that stays unreached; keep competes exactly when the node already has an estimate (the
    textbook min(d, ...)); the next state is "reached" when round t reached the node. The rounds after
    the last (extra_steps) teach the fixed point. Returns the loss and the pointer accuracy of the
    model's own rollout on the last step."""
    x = batch_tensors(batch)
    n, k = batch.n, batch.nbr_index.shape[1]
    index, mask, source = x["nbr_index"], x["nbr_mask"] > 0, x["source"]
    hint_ptr = torch.from_numpy(batch.hints["pi_h"]) > 0
    hint_d = torch.from_numpy(batch.hints["d_h"])
    hint_r = torch.from_numpy(batch.hints["reached_h"])
    position = torch.arange(k + 1)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    total = 0.0
    steps = batch.steps + extra_steps
    for t in range(1, steps + 1):
        prev, now = min(t - 1, batch.steps), min(t, batch.steps)
        state = torch.zeros(n, model.states)
        if t > 1:
            state[torch.arange(n), hint_r[prev].long()] = 1.0
        # The controller never reads the pointer column (h[:, 1]); zeros stand in for it.
        h = torch.cat([hint_d[prev].unsqueeze(-1), torch.zeros(n, 1), state], dim=-1)
        f = model.controller_inputs(h, source)
        arc_gate, self_gate = model.gates(f, index)
        value = torch.cat([hint_d[prev][index] + x["nbr_weight"], hint_d[prev].unsqueeze(-1)], dim=1)
        valid = hint_ptr[now]
        first = torch.argmax(valid.float(), dim=1, keepdim=True)
        star = torch.gather(value, 1, first)
        beats = (value < star - 1e-6) | (((value - star).abs() <= 1e-6) & (position < first))
        unreached = hint_r[now] == 0
        arc_valid, arc_beats = valid[:, :k], beats[:, :k] | unreached.unsqueeze(-1)
        taught = mask & (arc_valid | arc_beats)
        arc_loss = (bce(arc_gate, arc_valid.float(), reduction="none") * taught).sum() / taught.sum().clamp(min=1)
        self_loss = bce(self_gate, hint_r[prev])
        took_arc = arc_valid.any(dim=1).float()
        state_loss = torch.nn.functional.cross_entropy(model.next_state(f, took_arc), hint_r[now].long())
        total = total + arc_loss + self_loss + state_loss
    with torch.no_grad():
        # Accuracy as served: the model's own rollout from zeros (teacher-forced distances are rounded
        # hints, whose float ties differ from the exact sums the rollout carries).
        h = torch.zeros(n, model.hidden)
        for _ in range(steps):
            h, logits, _, _ = model(h, **x)
        acc = valid[torch.arange(n), logits.argmax(dim=1)].float().mean().item()
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


def bellman_ford_batch(rng, count, n_min, n_max, spec):
    """A training batch of Bellman-Ford executions (the registry's task.batch)."""
    return make_batch(sample_training_graphs(rng, count, n_min=n_min, n_max=n_max))


def maxflow_batch(rng, count, n_min, n_max, spec):
    """A training batch of flow networks, step counts from the spec's rule (the registry's task.batch)."""
    return make_flow_batch(sample_training_networks(rng, count, n_min=n_min, n_max=n_max), spec)


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
    ap.add_argument("--algorithm", choices=PROCESSORS, default="bellman_ford")
    ap.add_argument("--steps", type=int, help="training steps (bellman_ford: 600, maxflow: 12000)")
    ap.add_argument("--batch-graphs", type=int, default=32)
    ap.add_argument("--n-max", help="largest training graph by step, as step:n pairs (a curriculum); a single "
                    "number fixes it (bellman_ford: 0:16,300:32; maxflow: 0:16,5000:32,10000:64)")
    ap.add_argument("--lr", type=float, help="Adam learning rate (bellman_ford: 1e-2, maxflow: 1e-3)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="run folder (default runs/<algorithm>)")
    ap.add_argument("--checkpoint-every", type=int, default=100)
    args = ap.parse_args(argv)
    task = ALGORITHMS[args.algorithm].task
    args.steps = args.steps or task["steps"]
    args.lr = args.lr or task["lr"]
    args.n_max = args.n_max or task["n_max"]
    args.out = args.out or Path("runs") / args.algorithm

    torch.set_num_threads(int(os.environ.get("TORCH_NUM_THREADS", "1")))
    spec = load_spec(args.algorithm)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = build_model(args.algorithm, spec)
    batch_of, loss_of = resolve(task["batch"]), resolve(task["loss"])
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    run = Run(args.out, dict(model=model), opt, rng, args.steps, ["loss", task["metric"]], args.checkpoint_every)
    for step in run.steps_left():
        batch = batch_of(rng, args.batch_graphs, task["n_min"], n_max_at(args.n_max, step), spec)
        loss, acc = loss_of(model, batch)
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
