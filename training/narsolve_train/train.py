"""Train the Bellman-Ford processor from scratch (seeded, resumable) and write checkpoints.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.train --steps 4000 --out runs/bf

Every `--checkpoint-every` steps the model, optimizer, step and RNG states are saved to
<out>/checkpoint.pt; running the same command again resumes from it. A loss log is appended to
<out>/loss.csv.
"""
import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np
import torch

from .data import make_batch, sample_training_graphs
from .model import BellmanFordStep
from .spec import load_spec

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is a convenience, not a requirement
    tqdm = None


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
    hint_ptr = torch.from_numpy(batch.hint_ptr)
    hint_d = torch.from_numpy(batch.hint_d)
    hint_r = torch.from_numpy(batch.hint_reached)
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
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--batch-graphs", type=int, default=32)
    ap.add_argument("--n-max", default="0:16,10000:32,14000:64",
                    help="largest training graph by step, as step:n pairs (a curriculum); a single number fixes it")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("runs/bellman_ford"))
    ap.add_argument("--checkpoint-every", type=int, default=100)
    args = ap.parse_args(argv)

    torch.set_num_threads(int(os.environ.get("TORCH_NUM_THREADS", "1")))
    spec = load_spec("bellman_ford")
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = BellmanFordStep(spec["model"]["hidden"])
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    start = 0
    ckpt = args.out / "checkpoint.pt"
    if ckpt.exists():
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        start = state["step"]
        rng.bit_generator.state = state["numpy_rng"]
        torch.set_rng_state(state["torch_rng"])
        print(f"resuming from step {start}")

    log = open(args.out / "loss.csv", "a", newline="")
    writer = csv.writer(log)
    if start == 0:
        writer.writerow(["step", "loss", "pointer_accuracy", "seconds"])
    bar = tqdm(total=args.steps, initial=start, unit="step") if tqdm else None
    began = time.time()
    for step in range(start + 1, args.steps + 1):
        batch = make_batch(sample_training_graphs(rng, args.batch_graphs, n_max=n_max_at(args.n_max, step)))
        loss, acc = rollout_loss(model, batch)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        writer.writerow([step, f"{loss.item():.5f}", f"{acc:.4f}", f"{time.time() - began:.1f}"])
        if bar:
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.4f}", acc=f"{acc:.3f}")
        elif step % 50 == 0:
            print(f"step {step} loss {loss.item():.4f} pointer acc {acc:.3f}", flush=True)
        if step % args.checkpoint_every == 0 or step == args.steps:
            log.flush()
            torch.save(
                dict(model=model.state_dict(), optimizer=opt.state_dict(), step=step,
                     numpy_rng=rng.bit_generator.state, torch_rng=torch.get_rng_state()),
                ckpt.with_suffix(".tmp"),
            )
            os.replace(ckpt.with_suffix(".tmp"), ckpt)
    if bar:
        bar.close()
    log.close()
    torch.save(model.state_dict(), args.out / "model.pt")
    print(f"trained {args.steps} steps; weights in {args.out / 'model.pt'}")


if __name__ == "__main__":
    main()
