"""Export a trained processor step to ONNX, with its manifest entry and golden fixtures.

    /usr/bin/python3 -m narsolve_train.export --weights runs/bellman_ford/model.pt --models ../models
    /usr/bin/python3 -m narsolve_train.export --algorithm maxflow --weights runs/maxflow/model.pt
    /usr/bin/python3 -m narsolve_train.export --algorithm maxflow --manifest-only

Bellman-Ford writes <models>/bellman_ford.onnx, updates <models>/manifest.json (name, version, sha256, opset,
a copy of the spec, normalization, training distribution) and writes
<models>/fixtures/bellman_ford_golden.json: inputs and torch outputs that the TypeScript contract
test replays through onnxruntime-node. Max flow writes the same three things under the name maxflow.
Tensor names, dynamic axes, the step rule, the serving limits and the default version all come from
the spec. --manifest-only rewrites the manifest entry from the current spec around the committed
ONNX file (no weights needed): for spec edits that do not change the exported function.
"""
import argparse
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from .bellman_ford_data import FAMILIES, WEIGHTINGS, deep_graph, incoming_lists, sample_graph
from . import maxflow_data
from .maxflow_model import maxflow_step
from .bellman_ford_model import bellman_ford_step, run_until_stable
from .registry import ALGORITHMS, Algorithm, resolve, training_distribution
from .spec import dynamic_axes, load_spec, max_steps, patience, planned_steps, serving, tensor_names, watch

OPSET = 17


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


def to_onnx(model, example: dict, path: Path, spec: dict):
    """Exports one processor step at OPSET with the spec's tensor names and dynamic sizes, and checks
    the file when onnx is installed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    input_names, output_names = tensor_names(spec)
    args = tuple(torch.from_numpy(example[k]) for k in input_names)
    torch.onnx.export(model, args, str(path), input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes(spec), opset_version=OPSET, do_constant_folding=True)
    try:
        import onnx
        onnx.checker.check_model(onnx.load(str(path)))
    except ImportError:
        pass


def golden_steps(model, inputs: dict, spec: dict, steps: int = 3):
    """Runs a few steps in torch from h = 0 and records every output, flattened."""
    input_names, output_names = tensor_names(spec)
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


def manifest_entry(name: str, version: str, spec: dict, **details):
    """The manifest entry: the file, its version and opset, and the spec it was trained from, which
    the service reads for tensor names, hidden size, step rule and serving limits."""
    return dict(
        name=name,
        file=f"{name}.onnx",
        version=version,
        opset=OPSET,
        exported=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        spec=spec,
        **details,
    )


def step_args(inputs: dict, spec: dict):
    """The step's inputs after h, in the spec's order, as tensors."""
    return tuple(torch.from_numpy(inputs[k]) for k in tensor_names(spec)[0][1:])


def export_bellman_ford(algorithm: Algorithm, weights: Path, models: Path, version: str, fixtures: int = 6, seed: int = 1234):
    spec = load_spec(algorithm.name)
    hidden = spec["model"]["hidden"]
    model = load_trained(bellman_ford_step(spec), weights)
    rng = np.random.default_rng(seed)
    example = graph_inputs(sample_graph("erdos_renyi", 12, "positive", rng), hidden)
    to_onnx(model, example, models / "bellman_ford.onnx", spec)

    # Golden fixtures: a few graphs of every family, run through several steps in torch, and the whole
    # served run, so the TypeScript loop is held to the same stopping rule and step cap; and a chain
    # entered at one end (69 rounds), for that parity over a long execution.
    chain = deep_graph("chain", 70, rng)
    chain.source = 0
    named = [(FAMILIES[i % len(FAMILIES)], WEIGHTINGS[i % len(WEIGHTINGS)]) for i in range(fixtures)]
    graphs = [(sample_graph(family, int(rng.integers(5, 20)), weighting, rng), family, weighting) for family, weighting in named]
    cases = []
    for g, family, weighting in graphs + [(chain, "chain", "road")]:
        inputs = graph_inputs(g, hidden)
        cap = max_steps(spec, g.n)
        choice, distance, steps, settled = run_until_stable(model, torch.from_numpy(inputs["h"]), step_args(inputs, spec), patience(spec), cap, watch(spec))
        cases.append(fixture_case(
            inputs, golden_steps(model, inputs, spec),
            family=family, weighting=weighting, n=g.n, source=g.source,
            tails=g.tails.tolist(), heads=g.heads.tolist(), weights=g.weights.tolist(),
            served=dict(max_steps=cap, steps=steps, settled=settled, choice=choice.tolist(), distance=distance.tolist())))
    finish(models, hidden, cases, algorithm_entry(algorithm, version, spec))


def algorithm_entry(algorithm: Algorithm, version: str, spec: dict) -> dict:
    """A model's manifest entry, from the registry."""
    return manifest_entry(algorithm.name, version, spec, normalization=algorithm.normalization, training_distribution=training_distribution(algorithm))


def bellman_ford_distribution(algorithm: Algorithm) -> dict:
    return dict(
        families=list(FAMILIES), weightings=list(WEIGHTINGS), nodes=curriculum(algorithm.name),
        directed="erdos_renyi and grid either way; geometric and scale_free undirected; negative weightings directed",
        weights="integers in 0..100 (1..100 without zeros), negative ones as w + p(u) - p(v) with p in 0..99",
    )


def maxflow_distribution(algorithm: Algorithm) -> dict:
    return dict(
        families=list(maxflow_data.FAMILIES), capacities=list(maxflow_data.CAPACITIES),
        nodes=curriculum(algorithm.name),
        capacity_ranges="small_int 1..9, int 1..100, fractional uniform 0.01..10",
        targets="networkx Edmonds-Karp flow (antiparallel flow cancelled) and the source side of the residual graph",
    )


def curriculum(algorithm: str) -> str:
    """The default training command's curriculum in words, from the registry's task (what `train` runs)."""
    task = ALGORITHMS[algorithm].task
    parts = [part.split(":") for part in task["n_max"].split(",")]
    ends = [int(at) for at, _ in parts[1:]] + [task["steps"]]
    return "curriculum: " + ", ".join(f"{task['n_min']}..{n} until step {end}" for (_, n), end in zip(parts, ends))


def finish(models: Path, hidden: int, cases, entry: dict):
    """The golden fixtures and the manifest entry that go with a freshly exported processor file."""
    write_golden(models, entry["name"], entry["version"], hidden, cases)
    write_manifest_entry(models, entry["name"], entry)
    print(f"exported {models / entry['file']}, {len(cases)} golden cases")


def write_manifest_entry(models: Path, name: str, entry: dict):
    """Adds the file's sha256 and keeps the previous evaluation (the evaluation script owns it)."""
    manifest_path = models / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"models": {}}
    previous = manifest["models"].get(name, {})
    entry["sha256"] = hashlib.sha256((models / entry["file"]).read_bytes()).hexdigest()
    entry["evaluation"] = previous.get("evaluation")
    manifest["models"][name] = entry
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


def export_maxflow(algorithm: Algorithm, weights: Path, models: Path, version: str, fixtures: int = 8, seed: int = 4321):
    spec = load_spec(algorithm.name)
    hidden = spec["model"]["hidden"]
    model = load_trained(maxflow_step(spec), weights)
    rng = np.random.default_rng(seed)
    example, _ = maxflow_data.network_inputs(maxflow_data.sample_network("random_directed", 10, "int", rng), hidden)
    to_onnx(model, example, models / "maxflow.onnx", spec)

    cases = []
    for i in range(fixtures):
        family = maxflow_data.FAMILIES[i % len(maxflow_data.FAMILIES)]
        kind = maxflow_data.CAPACITIES[i % len(maxflow_data.CAPACITIES)]
        g = maxflow_data.sample_network(family, int(rng.integers(6, 20)), kind, rng)
        inputs, _ = maxflow_data.network_inputs(g, hidden)
        depth = maxflow_data.hop_depth(g.n, g.tails, g.heads, g.source, g.sink)
        cases.append(fixture_case(
            inputs, golden_steps(model, inputs, spec),
            family=family, capacities=kind, n=g.n, source=g.source, sink=g.sink,
            tails=g.tails.tolist(), heads=g.heads.tolist(), capacity=g.capacity.tolist(),
            hop_depth=depth, planned_steps=planned_steps(spec, depth)))
    finish(models, hidden, cases, algorithm_entry(algorithm, version, spec))


def refresh_manifest(models: Path, algorithm: str):
    """Rewrites a model's manifest entry from the current spec around the committed ONNX file: the
    version, opset and export time stay those of the file; the sha256 is checked, not trusted."""
    manifest = json.loads((models / "manifest.json").read_text())
    old = manifest["models"][algorithm]
    spec = load_spec(algorithm)
    version = serving(spec)["version"]
    if old["version"] != version:
        raise SystemExit(f"export: specs/{algorithm}.json says version {version}, but models/{old['file']} was exported as {old['version']}; "
                         "a new version needs a new export, not a manifest rewrite")
    entry = algorithm_entry(ALGORITHMS[algorithm], version, spec)
    entry.update(opset=old["opset"], exported=old["exported"])
    write_manifest_entry(models, algorithm, entry)
    print(f"rewrote the {algorithm} manifest entry from specs/{algorithm}.json (model file unchanged)")


def export_encoder(algorithm: Algorithm, weights: Path, models: Path, version: str, fixtures: int = 6, seed: int = 5678):
    """An observation encoder (the regress run: the candidate the validation seed chose), with golden fixtures."""
    from .noisy_routes_data import sample_noisy_graph
    from .noisy_capacities_data import sample_noisy_network
    from .observation_encoder import ObservationEncoder
    from .noisy_routes_train import noisy_batch, normalization
    from .noisy_routes_train import encoder_inputs
    name = algorithm.name
    spec = load_spec(name)
    state = torch.load(weights)
    # Level pooling is a fact of the weights (the trainer saves it) and of the spec (model.level_pooling): they must agree.
    pooling = state.get("level_pooling", 0)
    if "level_pooling" in spec["model"] and spec["model"]["level_pooling"] != pooling:
        raise SystemExit(f"export: {weights} was trained with level_pooling={pooling}, the {name} spec says {spec['model']['level_pooling']}")
    encoder = ObservationEncoder(spec["model"]["hidden"], spec["model"]["context_rounds"], spec["model"]["count_scale"], pooling)
    encoder.load_state_dict(state["encoder"])
    encoder.eval()
    rng = np.random.default_rng(seed)
    if name == "noisy_routes":
        sample = lambda family, n, i: sample_noisy_graph(family, n, rng, heavy=i >= 3)
        inputs = lambda g: noisy_batch([g]).enc
    else:
        sample = lambda family, n, i: sample_noisy_network(family, n, rng)
        inputs = lambda g: encoder_inputs([g])[0]
    families = algorithm.families
    to_onnx(encoder, {k: v.numpy() for k, v in inputs(sample(families[0], 20, 0)).items()}, models / f"{name}.onnx", spec)
    cases = []
    for i in range(fixtures):
        family = families[i % len(families)]
        g = sample(family, int(rng.integers(12, 40)), i)
        with torch.no_grad():
            log_value = encoder(**inputs(g)).numpy()
        centre, spread = normalization(g.observations)
        cases.append(dict(family=family, n=g.n, tails=g.tails.tolist(), heads=g.heads.tolist(),
                          observations=[[float(x) for x in row[np.isfinite(row)]] for row in g.observations],
                          centre=centre, spread=spread, log_cost=log_value.tolist()))
    (models / "fixtures").mkdir(parents=True, exist_ok=True)
    with open(models / "fixtures" / f"{name}_golden.json", "w") as f:
        json.dump(dict(model=name, version=version, tolerance=1e-4, cases=cases), f)
    write_manifest_entry(models, name, algorithm_entry(algorithm, version, spec))
    print(f"exported {models / (name + '.onnx')}, {len(cases)} golden cases")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--algorithm", choices=list(ALGORITHMS), default="bellman_ford")
    ap.add_argument("--weights", type=Path, help="trained weights (default runs/<algorithm>/model.pt)")
    ap.add_argument("--models", type=Path, default=Path(__file__).resolve().parents[2] / "models")
    ap.add_argument("--manifest-only", action="store_true", help="rewrite the manifest entry from the spec; keep the model file")
    args = ap.parse_args(argv)
    if args.manifest_only:
        refresh_manifest(args.models, args.algorithm)
        return
    algorithm = ALGORITHMS[args.algorithm]
    weights = args.weights or Path("runs") / algorithm.run / "model.pt"
    # The version is the spec's: a new model is released by bumping serving.version there.
    version = serving(load_spec(args.algorithm))["version"]
    resolve(algorithm.export)(algorithm, weights, args.models, version)


if __name__ == "__main__":
    main()
