"""The declarative algorithm specs in training/specs/: the single source of truth for each model.

Training, export and evaluation read them here. Export copies the spec into models/manifest.json,
and the TypeScript service reads that copy (tensor names, hidden size, step rule, serving limits,
version) and refuses to serve a model whose copy lacks a field. The contract tests pin the two
languages together: the TypeScript encoders must reproduce the tensors Python builds, and the
TypeScript step rules the step counts Python records (models/fixtures/).
"""
import json
from pathlib import Path

SPECS = Path(__file__).resolve().parent.parent / "specs"


def load_spec(name: str) -> dict:
    """A spec, with what it "extends" filled in from that spec (its own fields win; model sections are
    inherited whole, except for the facts its "model_overrides" names), so a fact shared by two models lives in one file."""
    with open(SPECS / f"{name}.json", encoding="utf-8") as f:
        spec = json.load(f)
    base = spec.pop("extends", None)
    if base is None:
        return spec
    merged = load_spec(base)
    # "model_overrides" changes single model facts (a deeper context, say) and keeps the rest inherited.
    overrides = spec.pop("model_overrides", None)
    merged.update(spec)
    if overrides:
        merged["model"] = {**merged["model"], **overrides}
    return merged


def tensor_names(spec: dict):
    """The exported step's input and output tensor names, in order."""
    return list(spec["model"]["step_inputs"]), list(spec["model"]["step_outputs"])


def dynamic_axes(spec: dict) -> dict:
    """torch.onnx.export's dynamic_axes, from the spec's symbolic tensor shapes (every named dimension is dynamic)."""
    tensors = {**spec["model"]["step_inputs"], **spec["model"]["step_outputs"]}
    return {name: {i: dim for i, dim in enumerate(t["shape"]) if isinstance(dim, str)} for name, t in tensors.items()}


def serving(spec: dict) -> dict:
    """The released model's version and serving limits."""
    return spec["serving"]


def max_steps(spec: dict, nodes: int, patience_override: int = None) -> int:
    """The step cap of an until_stable rule for a graph of `nodes` nodes (before the serving limits);
    `patience_override` is for comparing stopping rules (evaluate --patience)."""
    steps = spec["model"]["steps"]
    if steps["rule"] != "until_stable":
        raise ValueError(f"max_steps: {spec['name']} has step rule {steps['rule']!r}, not until_stable")
    if steps["cap"] != "nodes + patience":
        raise ValueError(f"max_steps: unknown step cap {steps['cap']!r} in {spec['name']}")
    return nodes + (patience_override or steps["patience"])


def watch(spec: dict) -> str:
    """What an until_stable run watches for change: "pointers" or "state" (the whole h, bit for bit)."""
    value = spec["model"]["steps"]["watch"]
    if value not in ("pointers", "state"):
        raise ValueError(f"watch: unknown watch {value!r} in {spec['name']}")
    return value


def patience(spec: dict) -> int:
    """Unchanged steps in a row that end an until_stable run."""
    return spec["model"]["steps"]["patience"]


def planned_steps(spec: dict, hop_depth: int) -> int:
    """The steps of a hop_depth + extra rule for a network of that hop depth (before the serving limits)."""
    steps = spec["model"]["steps"]
    if steps["rule"] != "hop_depth + extra":
        raise ValueError(f"planned_steps: {spec['name']} has step rule {steps['rule']!r}, not hop_depth + extra")
    return hop_depth + steps["extra"]
