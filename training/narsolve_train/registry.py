"""The served models, one entry each: what trains, exports, recovers and evaluates each one.

In the spirit of CLRS's SPECS and SAMPLERS tables: train.py, export.py, recover.py, smoke.py and the
evaluations read this table, and the TypeScript service's twin is src/solvers/learned/models.ts (the
contract tests hold the two to the same model names, specs and tensors). Adding a model is one entry
here, one there, and the model's own files (spec, data, model, training, export function).

Callables are named as "module:function" and resolved on use, so this table imports nothing heavy
and the modules that read it can be named in it without an import cycle.
"""
from dataclasses import dataclass, field
from importlib import import_module


@dataclass(frozen=True)
class Algorithm:
    """One served model."""
    name: str
    """Its spec (specs/<name>.json), its file (models/<name>.onnx) and its manifest key."""
    kind: str
    """"processor" (a step with a hidden state, run for several steps) or "encoder" (one pass)."""
    train: tuple
    """The training command after `python -m`, without --steps and --out (smoke.py adds them)."""
    run: str
    """The run folder under runs/ whose model.pt export reads by default."""
    export: str
    """"module:function" taking (weights, models, version): writes the ONNX file, its golden fixtures and its manifest entry."""
    normalization: str
    """What the manifest says about how values are scaled."""
    training_distribution: object
    """The manifest's training_distribution: a dict, or "module:function" computing it from the Algorithm (a processor's curriculum)."""
    build: str = ""
    """Processors: "module:function" building the torch step from the spec."""
    task: dict = field(default_factory=dict)
    """Processors: train.py's defaults (batch and loss as "module:function"; curriculum; steps; lr; metric)."""
    anonymous: tuple = ()
    """Processors: bias-free layers in the order forward() first uses them (the exporter's anonymous MatMul weights), for recover."""
    families: tuple = ()
    """Encoders: the families export draws golden fixtures from, in turn."""


def resolve(ref: str):
    """The callable a "module:function" reference names."""
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)


def processor(name: str, build: str, loss: str, curriculum: dict, normalization: str, anonymous: tuple = ()) -> Algorithm:
    """A processor trained by train.py; its batch sampler (train.<name>_batch), export (export.export_<name>)
    and training distribution (export.<name>_distribution) follow its name."""
    return Algorithm(name=name, kind="processor", train=("narsolve_train.train", "--algorithm", name), run=name,
                     export=f"narsolve_train.export:export_{name}", normalization=normalization,
                     training_distribution=f"narsolve_train.export:{name}_distribution", build=build,
                     task=dict(batch=f"narsolve_train.train:{name}_batch", loss=loss, **curriculum), anonymous=anonymous)


def encoder(name: str, train: tuple, run: str, families: tuple, distribution: dict) -> Algorithm:
    """An observation encoder: one architecture and export (the regress run, the candidate validation chose), trained per model."""
    return Algorithm(name=name, kind="encoder", train=train, run=run, export="narsolve_train.export:export_encoder",
                     normalization="inside the exported encoder, from the centre and spread fed with it (model.normalization in the spec)",
                     training_distribution=distribution, families=families)


ALGORITHMS = {
    "bellman_ford": processor(
        "bellman_ford", "narsolve_train.bellman_ford_model:bellman_ford_step", "narsolve_train.train:controller_loss",
        dict(n_min=4, n_max="0:16,300:32", steps=600, lr=1e-2, metric="pointer_accuracy"),
        "none on the distances: candidate values are raw weights summed in float32, returned in original units; only the pointer logits are divided by pointer_temperature x the largest |weight| over the graph's real arcs"),
    "maxflow": processor(
        "maxflow", "narsolve_train.maxflow_model:maxflow_step", "narsolve_train.train:maxflow_loss",
        dict(n_min=6, n_max="0:16,5000:32,10000:64", steps=12000, lr=1e-3, metric="cut_accuracy"),
        "inside the model: capacities divided by the largest capacity over the graph's real arcs; flows are fractions of each arc's capacity",
        anonymous=("incoming.own", "incoming.edge", "outgoing.own", "outgoing.edge", "flow_head", "flow_edge", "flow_score")),
    "noisy_routes": encoder(
        "noisy_routes", ("narsolve_train.noisy_routes_train", "--mode", "regress", "--mix", "broad"), "noisy_regress_broad", ("grid", "geometric", "holes"),
        dict(command="narsolve_train.noisy_routes_train --mode regress --mix broad (4,000 steps, 8 graphs a step, seed 0; chosen by scripts/noisy-candidates.sh routes)",
             families=["grid", "geometric"], nodes="2..64",
             observations="1..10 per arc, lognormal noise sigma 0.05..0.6, upward outliers 0..0.2, missing 0..0.3; a quarter of the synthetic graphs low noise (sigma 0..0.05, no outliers)",
             real="a quarter of the graphs: Aarhus travel times (City of Aarhus / CityPulse, CC BY 4.0), days 8-21 as targets, each link's hourly means on the previous 2-8 days as observations",
             held_out=["holes family", "heavy noise", "Aarhus days 22-60"])),
    "noisy_capacities": encoder(
        "noisy_capacities", ("narsolve_train.noisy_capacities", "train", "--mode", "regress", "--mix", "broad", "--steps", "4000"), "noisy_capacities_regress_broad", ("two_community", "grid", "layered"),
        dict(command="narsolve_train.noisy_capacities train --mode regress --mix broad --steps 4000 (8 networks of 4..64 nodes a step, seed 0; chosen by scripts/noisy-candidates.sh capacities)",
             families=["two_community", "segmentation", "random_directed", "grid"],
             capacities="half region provisioning (three link classes 1:4:16 x 2-6 regions at 0.4-2.5x x lognormal 0.1), half zone provisioning (2-8 contiguous zones, each one base capacity 5-200 for the links leaving it, x lognormal 0.1)",
             observations="1..10 samples per link, lognormal noise sigma 0.05..0.5, downward (under-used) outliers 0..0.2, upward 0..0.1, missing 0..0.3",
             held_out=["layered family", "tiers provisioning (a base capacity per band of hop distance from the source)"])),
}

PROCESSORS = [name for name, algorithm in ALGORITHMS.items() if algorithm.kind == "processor"]


def training_distribution(algorithm: Algorithm) -> dict:
    """What the manifest says the model was trained on."""
    given = algorithm.training_distribution
    return given if isinstance(given, dict) else resolve(given)(algorithm)


def build_model(name: str, spec: dict):
    """A processor's torch step, built from its spec."""
    return resolve(ALGORITHMS[name].build)(spec)
