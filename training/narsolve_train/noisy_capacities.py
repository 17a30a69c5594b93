"""Noisy capacities: train the observation encoder on throughput samples, and evaluate cut regret.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.noisy_capacities train --mode regress
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.noisy_capacities evaluate --seed 777 --json ../models/evaluation/noisy_capacities_validation.json --card validation
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.noisy_capacities evaluate --seed 20261125 --json ../models/evaluation/noisy_capacities.json --card test

The same encoder as noisy routes (observation_encoder.py), trained on the noise model of noisy_capacities_data.py:
- regress:  regress each link's log true capacity (two-stage: exact max flow on the decoded
            capacities afterwards);
- frozen:   encoder -> the pretrained max-flow processor (weights read back from models/maxflow.onnx),
            frozen, trained end to end on the true minimum cut (binary cross-entropy of each node's
            side) plus 0.1 x the regression loss;
- unfrozen: as frozen, with the processor fine-tuned (learning rate / 10).
Runs are seeded and resumable (runs/noisy_capacities_<mode>/). Evaluation: cut regret = the true
capacity of the returned cut / the true minimum cut - 1, and how often the returned cut is exactly the
true minimum cut, per family and size, for every ablation.
"""
import argparse
import json
import os
from pathlib import Path

import numpy as np
import torch

from . import maxflow_data
from .bellman_ford_data import incoming_lists
from .noisy_routes_data import ESTIMATES, estimate
from .noisy_capacities_data import HELD_OUT_FAMILIES, TRAIN_FAMILIES, TRAIN_PATTERNS, cut_capacity, min_cut, sample_noisy_network
from .observation_encoder import ObservationEncoder
from .noisy_routes_train import encoder_inputs
from .recover import recover
from .runs import Run, add_run_arguments, encoder_optimizer
from .spec import load_spec

MODES = ("regress", "frozen", "unfrozen")
SPEC = load_spec("noisy_capacities")
HIDDEN, ROUNDS, COUNT_SCALE = (SPEC["model"][k] for k in ("hidden", "context_rounds", "count_scale"))
MIXES = ("region", "broad")
SIZES = (64, 256, 1024)
NETWORKS = {64: 24, 256: 10, 1024: 4}
CARD = Path(__file__).resolve().parents[2] / "models" / "MODEL_CARD.md"
CHOSEN = "two-stage: exact cut on decoded capacities"


def processor_cut_logits(processor, nets, log_capacity, spec):
    """The max-flow processor's cut logits on the decoded capacities (normalized per network), run for the spec's steps."""
    flow_nets = [maxflow_data.FlowNetwork(g.n, g.tails, g.heads, g.true_capacity, g.source, g.sink) for g in nets]
    batch = maxflow_data.make_flow_batch(flow_nets, spec)
    _, of = encoder_inputs(nets)
    cap = torch.exp(log_capacity)
    scale = torch.zeros(len(nets)).scatter_reduce(0, of, cap, "amax", include_self=False)
    cap = cap / scale[of]
    tails, heads = np.asarray(batch.tails), np.asarray(batch.heads)
    arc_in = torch.from_numpy(batch.arc_in)
    arc_out = torch.from_numpy(incoming_lists(batch.n, heads, tails))
    x = {k: torch.from_numpy(v) for k, v in batch.inputs.items()}
    x["in_capacity"] = torch.where(arc_in >= 0, cap[arc_in.clamp(min=0)], torch.zeros(()))
    x["out_capacity"] = torch.where(arc_out >= 0, cap[arc_out.clamp(min=0)], torch.zeros(()))
    h = torch.zeros(batch.n, processor.hidden)
    for _ in range(batch.steps):
        h, _, cut_logit = processor(h, **x)
    return cut_logit, torch.from_numpy(batch.outputs["cut"])


def train(args):
    spec = load_spec("maxflow")
    out = args.out or Path("runs") / (f"noisy_capacities_{args.mode}" if args.mix == "region" else f"noisy_capacities_{args.mode}_{args.mix}")
    torch.set_num_threads(int(os.environ.get("TORCH_NUM_THREADS", "1")))
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    encoder = ObservationEncoder(HIDDEN, args.rounds or ROUNDS, COUNT_SCALE, args.level_pooling)
    processor, _ = recover("maxflow")
    opt = encoder_optimizer(encoder, processor, args.mode, args.lr)
    run = Run(out, dict(encoder=encoder, processor=processor), opt, rng, args.steps, ["loss", "log_capacity_rmse"], args.checkpoint_every)
    for step in run.steps_left():
        nets = sample_training_networks(rng, args.batch_graphs, args.n_max, args.mix)
        enc, _ = encoder_inputs(nets)
        log_capacity = encoder(**enc)
        truth = torch.from_numpy(np.log(np.concatenate([g.true_capacity for g in nets]))).float()
        loss = regress = ((log_capacity - truth) ** 2).mean()
        # Both cut losses read the same two cuts per network: solved once a step.
        sides = list(cut_sides(nets, log_capacity)) if args.cut_weight > 0 or args.cut_loss > 0 else []
        if args.cut_weight > 0:
            loss = (((log_capacity - truth) ** 2) * (1 + args.cut_weight * cut_links(sides))).mean()
        if args.cut_loss > 0:
            loss = loss + args.cut_loss * cut_gap(sides, log_capacity)
        if args.mode != "regress":
            logits, cut = processor_cut_logits(processor, nets, log_capacity, spec)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, cut) + 0.1 * regress
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(encoder.parameters()) + list(processor.parameters()), 1.0)
        opt.step()
        run.record(step, loss=loss.item(), log_capacity_rmse=regress.item() ** 0.5)
    run.close()
    torch.save(dict(encoder=encoder.state_dict(), processor=processor.state_dict(), mode=args.mode, rounds=args.rounds or ROUNDS, level_pooling=args.level_pooling), out / "model.pt")
    print(f"trained {args.steps} steps ({args.mode}); weights in {out / 'model.pt'}")


def cut_sides(nets, log_capacity):
    """Per network: its arcs' slice of the batch, the source side of its true minimum cut, and that of
    the minimum cut of the decoded capacities (the cut the service would return)."""
    decoded = torch.exp(log_capacity).detach().double().numpy()
    at = 0
    for g in nets:
        arcs = slice(at, at + len(g.tails))
        at += len(g.tails)
        yield g, arcs, min_cut(g.n, g.tails, g.heads, g.true_capacity, g.source, g.sink), min_cut(g.n, g.tails, g.heads, decoded[arcs], g.source, g.sink)


def cut_gap(sides, log_capacity):
    """A loss on the cut the service would return: per network, how much more the true minimum cut
    costs than the minimum cut of the decoded capacities, both priced at the decoded capacities,
    relative to the latter. It is zero exactly when the true cut is a minimum cut of the decoded
    capacities, and its gradient lowers the true cut's links and raises the chosen cut's."""
    cap = torch.exp(log_capacity)
    gaps = []
    for g, arcs, truth, chosen in sides:
        if np.array_equal(truth, chosen):
            continue
        priced = lambda side: (cap[arcs] * torch.from_numpy(side[g.tails] & ~side[g.heads])).sum()
        gaps.append((priced(truth) - priced(chosen)) / priced(chosen).detach().clamp(min=1e-9))
    return torch.stack(gaps).sum() / len(sides) if gaps else log_capacity.sum() * 0


def cut_links(sides):
    """1 on each link that crosses the true minimum cut or the minimum cut of the decoded
    capacities (the links a cut is decided by), 0 elsewhere."""
    marks = [(truth[g.tails] & ~truth[g.heads]) | (chosen[g.tails] & ~chosen[g.heads]) for g, _, truth, chosen in sides]
    return torch.from_numpy(np.concatenate(marks)).float()


def sample_training_networks(rng, count, n_max, mix):
    """region: the training families, region provisioning, 16..n_max nodes (v0.1). broad: the region and
    zone patterns, from 4 nodes up; the layered family and the tiers pattern stay held out."""
    if mix == "region":
        return [sample_noisy_network(TRAIN_FAMILIES[int(rng.integers(len(TRAIN_FAMILIES)))], int(rng.integers(16, n_max + 1)), rng) for _ in range(count)]
    return [sample_noisy_network(TRAIN_FAMILIES[int(rng.integers(len(TRAIN_FAMILIES)))], int(rng.integers(4, n_max + 1)), rng,
                                 pattern=TRAIN_PATTERNS[int(rng.integers(len(TRAIN_PATTERNS)))]) for _ in range(count)]


def evaluate_network(g, models, spec):
    truth_side = min_cut(g.n, g.tails, g.heads, g.true_capacity, g.source, g.sink)
    best = cut_capacity(truth_side, g.tails, g.heads, g.true_capacity)
    sides = {k: min_cut(g.n, g.tails, g.heads, estimate(g.observations, k), g.source, g.sink) for k in ESTIMATES}
    enc, _ = encoder_inputs([g])
    for name, (encoder, processor) in models.items():
        with torch.no_grad():
            log_capacity = encoder(**enc)
        decoded = torch.exp(log_capacity).double().numpy()
        label = "two-stage" if name == "regress" else name
        sides[f"{label}: exact cut on decoded capacities"] = min_cut(g.n, g.tails, g.heads, decoded, g.source, g.sink)
        if name != "regress":
            with torch.no_grad():
                logits, _ = processor_cut_logits(processor, [g], log_capacity, spec)
            side = (logits > 0).numpy()
            side[g.source], side[g.sink] = True, False
            sides[f"{label}: processor cut"] = side
    return {k: ((cut_capacity(s, g.tails, g.heads, g.true_capacity) - best) / best if best > 0 else 0.0, bool(np.array_equal(s, truth_side)))
            for k, s in sides.items()}


def evaluate(args):
    spec = load_spec("maxflow")
    models = {}
    for mode in MODES:
        path = args.runs / f"noisy_capacities_{mode}" / "model.pt"
        if path.exists():
            state = torch.load(path)
            encoder = ObservationEncoder(HIDDEN, ROUNDS, COUNT_SCALE)
            encoder.load_state_dict(state["encoder"])
            processor, _ = recover("maxflow")
            processor.load_state_dict(state["processor"])
            models[mode] = (encoder.eval(), processor.eval())
    rng = np.random.default_rng(args.seed)
    cells = []
    for n in map(int, args.sizes.split(",")):
        for family in TRAIN_FAMILIES + HELD_OUT_FAMILIES:
            pooled = {}
            for _ in range(NETWORKS.get(n, 4)):
                g = sample_noisy_network(family, n, rng)
                for k, v in evaluate_network(g, models, spec).items():
                    pooled.setdefault(k, []).append(v)
            cell = dict(n=n, family=family, networks=len(next(iter(pooled.values()))),
                        regret={k: dict(mean=float(np.mean([r for r, _ in v])), p95=float(np.percentile([r for r, _ in v], 95)),
                                        exact=float(np.mean([e for _, e in v]))) for k, v in pooled.items()})
            cells.append(cell)
            print(f"n={n} {family} " + " ".join(f"{k}={r['mean']:.3f}/{r['p95']:.2f}/{r['exact']:.2f}" for k, r in cell["regret"].items()), flush=True)
    if args.json:
        args.json.write_text(json.dumps(dict(seed=args.seed, cells=cells), indent=1) + "\n")
    if args.card:
        write_card(args.card, args.seed, cells)


def write_card(role, seed, cells):
    keys = list(cells[0]["regret"])
    short = lambda k: k.replace(": exact cut on decoded capacities", ", exact cut on decoded").replace(": processor cut", ", processor cut")
    if role == "validation":
        lines = [f"Seed {seed}. Mean cut regret of each candidate, averaged over the training families' cells:", "",
                 "| candidate | n = 64 | n = 256 | n = 1024 | all |", "|---|---|---|---|---|"]
        inside = [c for c in cells if c["family"] in TRAIN_FAMILIES]
        for k in keys:
            by_n = [np.mean([c["regret"][k]["mean"] for c in inside if c["n"] == n]) for n in sorted({c["n"] for c in inside})]
            lines.append(f"| {short(k)} | " + " | ".join(f"{x:.4f}" for x in by_n) + f" | {np.mean(by_n):.4f} |")
    else:
        lines = [f"Seed {seed}. Mean / 95th-percentile cut regret / share of networks where the cut is exactly the true minimum cut; the last column is the chosen encoder over the best of the mean, median and trimmed-mean cuts (mean; p95).", "",
                 "| n | family | networks | " + " | ".join(short(k) for k in keys) + " | chosen / best classical |", "|" + "---|" * (4 + len(keys))]
        for c in cells:
            best = min(c["regret"][k]["mean"] for k in ("mean", "median", "trimmed"))
            best95 = min(c["regret"][k]["p95"] for k in ("mean", "median", "trimmed"))
            chosen = c["regret"][CHOSEN]
            ratio = lambda a, b: f"{a / b:.2f}" if b > 0 else ("0 = 0" if a == 0 else "worse")
            family = c["family"] + (" (held out)" if c["family"] in HELD_OUT_FAMILIES else "")
            lines.append(f"| {c['n']} | {family} | {c['networks']} | " + " | ".join(f"{c['regret'][k]['mean']:.3f} / {c['regret'][k]['p95']:.2f} / {c['regret'][k]['exact']:.2f}" for k in keys)
                         + f" | {ratio(chosen['mean'], best)}; {ratio(chosen['p95'], best95)} |")
    start, end = f"<!-- noisy-capacities-{role}:start -->", f"<!-- noisy-capacities-{role}:end -->"
    text = CARD.read_text()
    if start in text and end in text:
        head, rest = text.split(start, 1)
        CARD.write_text(head + start + "\n" + "\n".join(lines) + "\n" + end + rest.split(end, 1)[1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    add_run_arguments(t, MODES, "regress", 3000)
    t.add_argument("--rounds", type=int, help="context rounds, to compare before a spec changes (default: the spec's model.context_rounds)")
    t.add_argument("--mix", choices=MIXES, default="region", help="the training networks (see sample_training_networks)")
    t.add_argument("--level-pooling", type=int, default=0, help="neighbour level pooling bandwidths (ObservationEncoder._pooled_levels); 0: none, as served")
    t.add_argument("--cut-weight", type=float, default=0.0, help="extra weight of the regression on the links of the true and the decoded minimum cut (cut_links); 0: every link alike")
    t.add_argument("--cut-loss", type=float, default=0.0, help="weight of the cut loss (cut_gap) beside the regression; 0: regression alone")
    e = sub.add_parser("evaluate")
    e.add_argument("--seed", type=int, default=20261125)
    e.add_argument("--sizes", default=",".join(map(str, SIZES)))
    e.add_argument("--runs", type=Path, default=Path("runs"))
    e.add_argument("--json", type=Path)
    e.add_argument("--card", choices=["validation", "test"])
    args = ap.parse_args(argv)
    (train if args.command == "train" else evaluate)(args)


if __name__ == "__main__":
    main()
