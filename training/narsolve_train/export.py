"""Export a trained Bellman-Ford step to ONNX, with its manifest entry and golden fixtures.

    /usr/bin/python3 -m narsolve_train.export --weights runs/bellman_ford/model.pt --models ../models

Writes <models>/bellman_ford.onnx, updates <models>/manifest.json (name, version, sha256, opset,
inputs and outputs from the spec, normalization, training distribution) and writes
<models>/fixtures/bellman_ford_golden.json: inputs and torch outputs that the TypeScript contract
test replays through onnxruntime-node.
"""
import argparse
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from .data import FAMILIES, WEIGHTINGS, incoming_lists, sample_graph
from .model import BellmanFordStep
from .spec import load_spec

OPSET = 17
# What the service may send to this model: padded slots (nodes × largest in-degree) per graph, and
# slots × processor steps per request, which bounds inference time (about 5 s on the dev machine).
SERVING_LIMITS = dict(max_padded_slots=1_000_000, max_slot_steps=50_000_000)
INPUT_NAMES = ["h", "source", "nbr_index", "nbr_weight", "nbr_mask"]
OUTPUT_NAMES = ["h_next", "pointer_logits", "distance", "reached"]


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


def export(weights: Path, models: Path, version: str, fixtures: int = 6, seed: int = 1234):
    spec = load_spec("bellman_ford")
    hidden = spec["model"]["hidden"]
    model = BellmanFordStep(hidden)
    model.load_state_dict(torch.load(weights))
    model.eval()
    models.mkdir(parents=True, exist_ok=True)
    onnx_path = models / "bellman_ford.onnx"

    rng = np.random.default_rng(seed)
    example = graph_inputs(sample_graph("erdos_renyi", 12, "positive", rng), hidden)
    args = tuple(torch.from_numpy(example[k]) for k in INPUT_NAMES)
    dynamic = {"h": {0: "N"}, "source": {0: "N"}, "nbr_index": {0: "N", 1: "K"}, "nbr_weight": {0: "N", 1: "K"},
               "nbr_mask": {0: "N", 1: "K"}, "h_next": {0: "N"}, "pointer_logits": {0: "N", 1: "K+1"},
               "distance": {0: "N"}, "reached": {0: "N"}}
    torch.onnx.export(model, args, str(onnx_path), input_names=INPUT_NAMES, output_names=OUTPUT_NAMES,
                      dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    try:
        import onnx
        onnx.checker.check_model(onnx.load(str(onnx_path)))
    except ImportError:
        pass

    # Golden fixtures: a few graphs of every family, run through several steps in torch.
    cases = []
    for i in range(fixtures):
        family = FAMILIES[i % len(FAMILIES)]
        weighting = WEIGHTINGS[i % len(WEIGHTINGS)]
        g = sample_graph(family, int(rng.integers(5, 20)), weighting, rng)
        inputs = graph_inputs(g, hidden)
        steps = []
        h = torch.from_numpy(inputs["h"])
        with torch.no_grad():
            for _ in range(3):
                h, logits, dist, reached = model(h, *(torch.from_numpy(inputs[k]) for k in INPUT_NAMES[1:]))
                steps.append(dict(h_next=h.numpy().ravel().tolist(), pointer_logits=logits.numpy().ravel().tolist(),
                                  distance=dist.numpy().tolist(), reached=reached.numpy().tolist()))
        cases.append(dict(
            family=family, weighting=weighting, n=g.n, source=g.source,
            tails=g.tails.tolist(), heads=g.heads.tolist(), weights=g.weights.tolist(),
            inputs={k: (v.ravel().tolist(), list(v.shape)) for k, v in inputs.items() if k != "h"},
            steps=steps,
        ))
    (models / "fixtures").mkdir(exist_ok=True)
    with open(models / "fixtures" / "bellman_ford_golden.json", "w") as f:
        json.dump(dict(model="bellman_ford", version=version, hidden=hidden, tolerance=1e-4, cases=cases), f)

    sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    manifest_path = models / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"models": {}}
    previous = manifest["models"].get("bellman_ford", {})
    manifest["models"]["bellman_ford"] = dict(
        name="bellman_ford",
        file="bellman_ford.onnx",
        version=version,
        sha256=sha,
        opset=OPSET,
        exported=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        spec=spec,
        inputs={k: spec["model"]["step_inputs"][k] for k in INPUT_NAMES},
        outputs={k: spec["model"]["step_outputs"][k] for k in OUTPUT_NAMES},
        normalization="inside the model: weights divided by the largest |weight| over the graph's real arcs; distances are returned in original units",
        training_distribution=dict(
            families=list(FAMILIES), weightings=list(WEIGHTINGS), nodes="curriculum: 4..16 until step 10000, 4..32 until 14000, 4..64 until 20000",
            directed="erdos_renyi and grid either way; geometric and scale_free undirected; negative weightings directed",
            weights="integers in 0..100 (1..100 without zeros), negative ones as w + p(u) - p(v) with p in 0..99",
        ),
        limits=SERVING_LIMITS,
        evaluation=previous.get("evaluation"),
    )
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"exported {onnx_path} (sha256 {sha[:12]}…), {len(cases)} golden cases")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", type=Path, default=Path("runs/bellman_ford/model.pt"))
    ap.add_argument("--models", type=Path, default=Path(__file__).resolve().parents[2] / "models")
    ap.add_argument("--version", default="0.2.0")
    args = ap.parse_args(argv)
    export(args.weights, args.models, args.version)


if __name__ == "__main__":
    main()
