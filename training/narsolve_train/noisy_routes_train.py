"""Train the observation encoder for noisy routes (seeded, resumable).

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.noisy_routes_train --mode frozen --out runs/noisy_frozen

Modes (the model card's ablations 2-4):
- regress:  the encoder alone, trained to regress each arc's log true cost (two-stage: exact
            Dijkstra on its decoded costs afterwards);
- frozen:   encoder -> the pretrained Bellman-Ford processor, frozen, trained end to end on the
            optimal routes under the hidden true costs: at every round, the probability mass the
            processor's pointer softmax puts on the optimal predecessors of synchronous Bellman-Ford
            run on the true costs, plus 0.1 x the regression loss to keep the decoded costs in cost
            units. The discrete processor (0.4) passes gradient to the decoded costs only, through its
            exact candidate values;
- unfrozen: as frozen, with the processor fine-tuned too (learning rate / 10); with the discrete
            processor nothing of it is differentiable, so this is the frozen run.
The processor's weights are read back from models/bellman_ford.onnx (narsolve_train.recover).
scripts/noisy-routes-retrain.sh runs all three modes and both evaluations on the committed processor.
Every --checkpoint-every steps the run is saved to <out>/checkpoint.pt; the same command resumes.
"""
import argparse
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .aarhus import DEFAULT_DIR as AARHUS_DIR, FIRST_VALIDATION_DAY, AarhusDays
from .bellman_ford_data import Graph, incoming_lists, make_batch
from .noisy_routes_data import TRAIN_FAMILIES, NoisyGraph, sample_noisy_graph
from .observation_encoder import ObservationEncoder
from .recover import recover
from .runs import Run, add_run_arguments, encoder_optimizer
from .spec import load_spec

SPEC = load_spec("noisy_routes")
HIDDEN = SPEC["model"]["hidden"]
ROUNDS = SPEC["model"]["context_rounds"]
COUNT_SCALE = SPEC["model"]["count_scale"]
MODES = ("regress", "frozen", "unfrozen")


@dataclass
class NoisyBatch:
    """Several noisy graphs as one disjoint graph: encoder inputs, processor inputs and targets."""
    enc: dict
    log_true: torch.Tensor
    graph_of_arc: torch.Tensor
    graphs: int
    bf: object   # data.Batch on the true costs: neighbour lists, pointer hints, steps


def encoder_inputs(graphs):
    """The observation encoder's inputs for several graphs (anything with n, tails, heads and
    observations) as one disjoint graph, and each arc's graph index."""
    offsets = np.cumsum([0] + [g.n for g in graphs])
    n = int(offsets[-1])
    tails = np.concatenate([g.tails + o for g, o in zip(graphs, offsets)])
    heads = np.concatenate([g.heads + o for g, o in zip(graphs, offsets)])
    obs = np.concatenate([g.observations for g in graphs])
    graph_of_arc = np.concatenate([np.full(len(g.tails), i) for i, g in enumerate(graphs)])
    centre = np.zeros(len(tails))
    spread = np.zeros(len(tails))
    for i, g in enumerate(graphs):
        centre[graph_of_arc == i], spread[graph_of_arc == i] = normalization(g.observations)
    mask = np.isfinite(obs)
    tail_arcs = incoming_lists(n, heads, tails)   # arcs grouped by their tail
    head_arcs = incoming_lists(n, tails, heads)   # arcs grouped by their head
    t = lambda a, dt=torch.float32: torch.from_numpy(np.ascontiguousarray(a)).to(dt)
    enc = dict(
        log_obs=t(np.where(mask, np.log(np.where(mask, obs, 1.0)), 0.0)), obs_mask=t(mask),
        centre=t(centre), spread=t(spread),
        tail_arcs=t(np.maximum(tail_arcs, 0), torch.int64), tail_mask=t(tail_arcs >= 0),
        head_arcs=t(np.maximum(head_arcs, 0), torch.int64), head_mask=t(head_arcs >= 0),
        tails=t(tails, torch.int64), heads=t(heads, torch.int64),
    )
    return enc, t(graph_of_arc, torch.int64)


def noisy_batch(graphs):
    enc, graph_of_arc = encoder_inputs(graphs)
    bf = make_batch([Graph(g.n, g.tails, g.heads, g.true_cost, g.source, g.family) for g in graphs])
    log_true = torch.from_numpy(np.log(np.concatenate([g.true_cost for g in graphs]))).float()
    return NoisyBatch(enc, log_true, graph_of_arc, len(graphs), bf)


def normalization(observations: np.ndarray):
    """The graph's centre and spread (the spec's model.normalization): median log observation and max(0.05, 1.4826 MAD)."""
    logs = np.log(observations[np.isfinite(observations)])
    centre = float(np.median(logs))
    return centre, max(0.05, 1.4826 * float(np.median(np.abs(logs - centre))))


def processor_weights(log_cost, batch: NoisyBatch):
    """Decoded costs as the processor's padded incoming weights, normalized per graph (as its training batches are)."""
    w = torch.exp(log_cost)
    scale = torch.zeros(batch.graphs).scatter_reduce(0, batch.graph_of_arc, w, "amax", include_self=False)
    w = w / scale[batch.graph_of_arc]
    arc = torch.from_numpy(batch.bf.nbr_arc)
    return torch.where(arc >= 0, w[arc.clamp(min=0)], torch.zeros(()))


def route_loss(processor, log_cost, batch: NoisyBatch, extra_steps: int = 2):
    """Mean over rounds of -log(probability on the optimal predecessors under the true costs)."""
    bf = batch.bf
    x = dict(source=torch.from_numpy(bf.source), nbr_index=torch.from_numpy(bf.nbr_index),
             nbr_weight=processor_weights(log_cost, batch), nbr_mask=torch.from_numpy(bf.nbr_mask))
    hint = torch.from_numpy(bf.hints["pi_h"])
    h = torch.zeros(bf.n, processor.hidden)
    total = 0.0
    steps = bf.steps + extra_steps
    for step in range(1, steps + 1):
        h, logits, _, _ = processor(h, **x)
        valid = hint[min(step, bf.steps)]
        logp = torch.log_softmax(logits, dim=1)
        total = total + -(torch.logsumexp(logp + torch.log(valid.clamp(min=1e-30)), dim=1)).mean()
    with torch.no_grad():
        acc = valid[torch.arange(bf.n), logits.argmax(dim=1)].mean().item()
    return total / steps, acc


MIXES = ("synthetic", "broad")
# The broad mix, per graph: a real Aarhus day with this probability (where the data is at hand), else
# a synthetic graph of 2..n_max nodes whose noise is the training noise, or with this probability low noise.
AARHUS_SHARE = 0.25
LOW_NOISE_SHARE = 0.25


def sample_training_graphs(rng, count, n_min=16, n_max=64, mix="synthetic", aarhus=None, aarhus_share=AARHUS_SHARE):
    """synthetic: the training families and noise, 16..n_max nodes (v0.1). broad: also graphs from 2
    nodes, low-noise graphs (where the mean is right) and real Aarhus days before the validation
    block; the heavy noise and the holes family stay held out."""
    if mix == "synthetic":
        return [sample_noisy_graph(TRAIN_FAMILIES[int(rng.integers(len(TRAIN_FAMILIES)))], int(rng.integers(n_min, n_max + 1)), rng) for _ in range(count)]
    graphs = []
    for _ in range(count):
        if aarhus is not None and rng.random() < aarhus_share:
            day = int(rng.integers(8, FIRST_VALIDATION_DAY))
            graphs.append(aarhus.graph(day, int(rng.integers(len(aarhus.means))), int(rng.integers(2, 9))))
            continue
        noise = "low" if rng.random() < LOW_NOISE_SHARE else "training"
        graphs.append(sample_noisy_graph(TRAIN_FAMILIES[int(rng.integers(len(TRAIN_FAMILIES)))], int(rng.integers(2, n_max + 1)), rng, noise=noise))
    return graphs


def load_processor():
    processor, _ = recover("bellman_ford")
    return processor


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_arguments(ap, MODES, "frozen", 4000)
    ap.add_argument("--mix", choices=MIXES, default="synthetic", help="the training data (see sample_training_graphs)")
    ap.add_argument("--aarhus", type=Path, default=AARHUS_DIR, help="the Aarhus data folder, for --mix broad")
    ap.add_argument("--aarhus-share", type=float, default=AARHUS_SHARE, help="the share of Aarhus graphs in the broad mix (an experiment's knob)")
    args = ap.parse_args(argv)
    args.out = args.out or Path("runs") / (f"noisy_{args.mode}" if args.mix == "synthetic" else f"noisy_{args.mode}_{args.mix}")
    aarhus = None
    if args.mix == "broad":
        if (args.aarhus / "network.json").exists():
            aarhus = AarhusDays(args.aarhus)
        else:
            print(f"no Aarhus data at {args.aarhus}: the broad mix trains on synthetic graphs only")
    torch.set_num_threads(int(os.environ.get("TORCH_NUM_THREADS", "1")))
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    encoder = ObservationEncoder(HIDDEN, ROUNDS, COUNT_SCALE)
    processor = load_processor()
    assert processor.hidden == load_spec("bellman_ford")["model"]["hidden"]
    opt = encoder_optimizer(encoder, processor, args.mode, args.lr)
    run = Run(args.out, dict(encoder=encoder, processor=processor), opt, rng, args.steps, ["loss", "pointer_accuracy", "log_cost_rmse"], args.checkpoint_every)
    for step in run.steps_left():
        batch = noisy_batch(sample_training_graphs(rng, args.batch_graphs, n_max=args.n_max, mix=args.mix, aarhus=aarhus, aarhus_share=args.aarhus_share))
        log_cost = encoder(**batch.enc)
        regress = ((log_cost - batch.log_true) ** 2).mean()
        if args.mode == "regress":
            loss, acc = regress, float("nan")
        else:
            loss, acc = route_loss(processor, log_cost, batch)
            loss = loss + 0.1 * regress
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(encoder.parameters()) + list(processor.parameters()), 1.0)
        opt.step()
        run.record(step, loss=loss.item(), pointer_accuracy=acc, log_cost_rmse=regress.item() ** 0.5)
    run.close()
    torch.save(dict(encoder=encoder.state_dict(), processor=processor.state_dict(), mode=args.mode), args.out / "model.pt")
    print(f"trained {args.steps} steps ({args.mode}); weights in {args.out / 'model.pt'}")


if __name__ == "__main__":
    main()
