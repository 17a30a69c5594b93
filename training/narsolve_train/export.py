"""Export a trained processor step to ONNX, with its manifest entry and golden fixtures.

    /usr/bin/python3 -m narsolve_train.export --weights runs/bellman_ford/model.pt --models ../models
    /usr/bin/python3 -m narsolve_train.export --algorithm maxflow --weights runs/maxflow/model.pt

Bellman-Ford writes <models>/bellman_ford.onnx, updates <models>/manifest.json (name, version, sha256, opset,
inputs and outputs from the spec, normalization, training distribution) and writes
<models>/fixtures/bellman_ford_golden.json: inputs and torch outputs that the TypeScript contract
test replays through onnxruntime-node. Max flow writes the same three things under the name maxflow.
"""
import argparse
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from .data import FAMILIES, WEIGHTINGS, incoming_lists, sample_graph
from . import maxflow_data
from .maxflow_model import MaxflowStep
from .model import BellmanFordStep, run_until_stable
from .spec import load_spec

OPSET = 17
# What the service may send to this model: padded slots (nodes × largest in-degree) per graph, and
# slots × processor steps per request, which bounds inference time (about 5 s on the dev machine).
SERVING_LIMITS = dict(max_padded_slots=1_000_000, max_slot_steps=50_000_000)
INPUT_NAMES = ["h", "source", "nbr_index", "nbr_weight", "nbr_mask"]
OUTPUT_NAMES = ["h_next", "pointer_logits", "distance", "reached"]
MAXFLOW_INPUTS = ["h", "source", "sink", "in_index", "in_capacity", "in_mask", "out_index", "out_capacity", "out_mask"]
MAXFLOW_OUTPUTS = ["h_next", "flow_fraction", "cut_logit"]
# Max flow sends N × (KI + KO) slots per step; the same bounds as Bellman-Ford.
MAXFLOW_LIMITS = dict(max_padded_slots=1_000_000, max_slot_steps=50_000_000)


def graph_inputs(g, hidden):
    arc = incoming_lists(g.n, g.tails, g.heads)
    mask = arc >= 0
    safe = np.where(mask, arc, 0)
    source = np.zeros(g.n, dtype=np.float32)
    source[g.source] = 1
    return dict(
        h=np.zeros((g.n, hidden), dtype=np.float32),
        source=source,
        nbr_index=np.where(mask, g.tails[safe], 0).astype(np.int64),
        nbr_weight=np.where(mask, g.weights[safe], 0).astype(np.float32),
        nbr_mask=mask.astype(np.float32),
    )


def load_trained(model, weights: Path):
    model.load_state_dict(torch.load(weights))
    return model.eval()


def to_onnx(model, example: dict, path: Path, input_names, output_names, dynamic: dict):
    """Exports one processor step at OPSET with dynamic sizes, and checks the file when onnx is installed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    args = tuple(torch.from_numpy(example[k]) for k in input_names)
    torch.onnx.export(model, args, str(path), input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    try:
        import onnx
        onnx.checker.check_model(onnx.load(str(path)))
    except ImportError:
        pass


def golden_steps(model, inputs: dict, input_names, output_names, steps: int = 3):
    """Runs a few steps in torch from h = 0 and records every output, flattened."""
    h = torch.from_numpy(inputs["h"])
    rest = [torch.from_numpy(inputs[k]) for k in input_names[1:]]
    recorded = []
    with torch.no_grad():
        for _ in range(steps):
            out = model(h, *rest)
            h = out[0]
            recorded.append({name: t.numpy().ravel().tolist() for name, t in zip(output_names, out)})
    return recorded


def fixture_case(inputs: dict, steps, **about):
    return dict(**about, inputs={k: (v.ravel().tolist(), list(v.shape)) for k, v in inputs.items() if k != "h"}, steps=steps)


def write_golden(models: Path, name: str, version: str, hidden: int, cases):
    (models / "fixtures").mkdir(parents=True, exist_ok=True)
    with open(models / "fixtures" / f"{name}_golden.json", "w") as f:
        json.dump(dict(model=name, version=version, hidden=hidden, tolerance=1e-4, cases=cases), f)


def manifest_entry(name: str, version: str, spec: dict, input_names, output_names, **details):
    return dict(
        name=name,
        file=f"{name}.onnx",
        version=version,
        opset=OPSET,
        exported=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        spec=spec,
        inputs={k: spec["model"]["step_inputs"][k] for k in input_names},
        outputs={k: spec["model"]["step_outputs"][k] for k in output_names},
        **details,
    )


def export(weights: Path, models: Path, version: str, fixtures: int = 6, seed: int = 1234):
    spec = load_spec("bellman_ford")
    hidden = spec["model"]["hidden"]
    model = load_trained(BellmanFordStep(hidden), weights)
    rng = np.random.default_rng(seed)
    example = graph_inputs(sample_graph("erdos_renyi", 12, "positive", rng), hidden)
    dynamic = {"h": {0: "N"}, "source": {0: "N"}, "nbr_index": {0: "N", 1: "K"}, "nbr_weight": {0: "N", 1: "K"},
               "nbr_mask": {0: "N", 1: "K"}, "h_next": {0: "N"}, "pointer_logits": {0: "N", 1: "K+1"},
               "distance": {0: "N"}, "reached": {0: "N"}}
    to_onnx(model, example, models / "bellman_ford.onnx", INPUT_NAMES, OUTPUT_NAMES, dynamic)

    # Golden fixtures: a few graphs of every family, run through several steps in torch, and the whole
    # served run, so the TypeScript loop is held to the same stopping rule.
    patience = spec["model"]["stopping"]["patience"]
    cases = []
    for i in range(fixtures):
        family = FAMILIES[i % len(FAMILIES)]
        weighting = WEIGHTINGS[i % len(WEIGHTINGS)]
        g = sample_graph(family, int(rng.integers(5, 20)), weighting, rng)
        inputs = graph_inputs(g, hidden)
        choice, distance, steps, settled = run_until_stable(
            model, torch.from_numpy(inputs["h"]), tuple(torch.from_numpy(inputs[k]) for k in INPUT_NAMES[1:]), patience, g.n + patience)
        cases.append(fixture_case(
            inputs, golden_steps(model, inputs, INPUT_NAMES, OUTPUT_NAMES),
            family=family, weighting=weighting, n=g.n, source=g.source,
            tails=g.tails.tolist(), heads=g.heads.tolist(), weights=g.weights.tolist(),
            served=dict(max_steps=g.n + patience, steps=steps, settled=settled, choice=choice.tolist(), distance=distance.tolist())))
    write_golden(models, "bellman_ford", version, hidden, cases)
    write_manifest_entry(models, "bellman_ford", manifest_entry(
        "bellman_ford", version, spec, INPUT_NAMES, OUTPUT_NAMES,
        normalization="inside the model: weights divided by the largest |weight| over the graph's real arcs; distances are returned in original units",
        training_distribution=dict(
            families=list(FAMILIES), weightings=list(WEIGHTINGS), nodes="curriculum: 4..16 until step 10000, 4..32 until 14000, 4..64 until 20000, 4..128 until 22000",
            directed="erdos_renyi and grid either way; geometric and scale_free undirected; negative weightings directed",
            weights="integers in 0..100 (1..100 without zeros), negative ones as w + p(u) - p(v) with p in 0..99",
        ),
        limits=SERVING_LIMITS,
    ))
    print(f"exported {models / 'bellman_ford.onnx'}, {len(cases)} golden cases")


def write_manifest_entry(models: Path, name: str, entry: dict):
    """Adds the file's sha256 and keeps the previous evaluation (the evaluation script owns it)."""
    manifest_path = models / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"models": {}}
    previous = manifest["models"].get(name, {})
    entry["sha256"] = hashlib.sha256((models / entry["file"]).read_bytes()).hexdigest()
    entry["evaluation"] = previous.get("evaluation")
    manifest["models"][name] = entry
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


def export_maxflow(weights: Path, models: Path, version: str, fixtures: int = 8, seed: int = 4321):
    spec = load_spec("maxflow")
    hidden = spec["model"]["hidden"]
    model = load_trained(MaxflowStep(hidden), weights)
    rng = np.random.default_rng(seed)
    example, _ = maxflow_data.network_inputs(maxflow_data.sample_network("random_directed", 10, "int", rng), hidden)
    dynamic = {k: {0: "N"} for k in ("h", "source", "sink", "h_next", "cut_logit")}
    dynamic.update({k: {0: "N", 1: "KI"} for k in ("in_index", "in_capacity", "in_mask", "flow_fraction")})
    dynamic.update({k: {0: "N", 1: "KO"} for k in ("out_index", "out_capacity", "out_mask")})
    to_onnx(model, example, models / "maxflow.onnx", MAXFLOW_INPUTS, MAXFLOW_OUTPUTS, dynamic)

    cases = []
    for i in range(fixtures):
        family = maxflow_data.FAMILIES[i % len(maxflow_data.FAMILIES)]
        kind = maxflow_data.CAPACITIES[i % len(maxflow_data.CAPACITIES)]
        g = maxflow_data.sample_network(family, int(rng.integers(6, 20)), kind, rng)
        inputs, _ = maxflow_data.network_inputs(g, hidden)
        cases.append(fixture_case(
            inputs, golden_steps(model, inputs, MAXFLOW_INPUTS, MAXFLOW_OUTPUTS),
            family=family, capacities=kind, n=g.n, source=g.source, sink=g.sink,
            tails=g.tails.tolist(), heads=g.heads.tolist(), capacity=g.capacity.tolist(),
            hop_depth=maxflow_data.hop_depth(g.n, g.tails, g.heads, g.source, g.sink)))
    write_golden(models, "maxflow", version, hidden, cases)
    write_manifest_entry(models, "maxflow", manifest_entry(
        "maxflow", version, spec, MAXFLOW_INPUTS, MAXFLOW_OUTPUTS,
        normalization="inside the model: capacities divided by the largest capacity over the graph's real arcs; flows are fractions of each arc's capacity",
        training_distribution=dict(
            families=list(maxflow_data.FAMILIES), capacities=list(maxflow_data.CAPACITIES),
            nodes="curriculum: 6..16 until step 5000, 6..32 until 10000, 6..64 until 12000",
            capacity_ranges="small_int 1..9, int 1..100, fractional uniform 0.01..10",
            targets="networkx Edmonds-Karp flow (antiparallel flow cancelled) and the source side of the residual graph",
        ),
        limits=MAXFLOW_LIMITS,
    ))
    print(f"exported {models / 'maxflow.onnx'}, {len(cases)} golden cases")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--algorithm", choices=["bellman_ford", "maxflow"], default="bellman_ford")
    ap.add_argument("--weights", type=Path, help="trained weights (default runs/<algorithm>/model.pt)")
    ap.add_argument("--models", type=Path, default=Path(__file__).resolve().parents[2] / "models")
    ap.add_argument("--version", help="model version (bellman_ford: 0.3.1, maxflow: 0.2.0)")
    args = ap.parse_args(argv)
    weights = args.weights or Path("runs") / args.algorithm / "model.pt"
    if args.algorithm == "maxflow":
        export_maxflow(weights, args.models, args.version or "0.2.0")
    else:
        export(weights, args.models, args.version or "0.3.1")


if __name__ == "__main__":
    main()
