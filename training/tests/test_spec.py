"""The spec is the contract: everything Python builds for a model is named and shaped by it."""
import numpy as np
import pytest
import torch

from narsolve_train import export, maxflow_data
from narsolve_train.bellman_ford_data import make_batch, sample_graph
from narsolve_train.maxflow_model import MaxflowStep, maxflow_step
from narsolve_train.bellman_ford_model import BellmanFordStep, bellman_ford_step
from narsolve_train.spec import dynamic_axes, load_spec, max_steps, planned_steps, tensor_names
from narsolve_train.registry import ALGORITHMS
from narsolve_train.train import n_max_at

SPECS = ("bellman_ford", "maxflow", "noisy_routes", "noisy_capacities")


@pytest.mark.parametrize("name", SPECS)
def test_every_spec_names_its_tensors_step_rule_and_serving_limits(name):
    spec = load_spec(name)
    inputs, outputs = tensor_names(spec)
    # Processors carry a hidden state from step to step; the single-pass encoders do not.
    looped = spec["model"]["steps"]["rule"] != "single_pass"
    assert (inputs[0] == "h" and outputs[0] == "h_next") == looped
    assert spec["model"]["steps"]["rule"] in ("until_stable", "hop_depth + extra", "single_pass")
    assert set(spec["serving"]["limits"]) == {"max_padded_slots", "max_slot_steps"}
    assert isinstance(spec["serving"]["version"], str)
    # Every symbolic dimension is dynamic in the export, and only those.
    for tensor, axes in dynamic_axes(spec).items():
        shape = {**spec["model"]["step_inputs"], **spec["model"]["step_outputs"]}[tensor]["shape"]
        assert [shape[i] for i in axes] == list(axes.values())


def test_the_bellman_ford_batch_carries_exactly_the_spec_hints():
    spec = load_spec("bellman_ford")
    rng = np.random.default_rng(3)
    batch = make_batch([sample_graph("grid", 12, "positive", rng) for _ in range(2)])
    assert set(batch.hints) == set(spec["hints"])


def test_the_flow_batch_carries_exactly_the_spec_outputs_and_unrolls_the_spec_step_rule():
    spec = load_spec("maxflow")
    rng = np.random.default_rng(4)
    nets = [maxflow_data.sample_network("layered", 14, "int", rng) for _ in range(3)]
    batch = maxflow_data.make_flow_batch(nets, spec)
    assert set(batch.outputs) == set(spec["outputs"])
    depth = max(maxflow_data.hop_depth(g.n, g.tails, g.heads, g.source, g.sink) for g in nets)
    assert batch.steps == depth + spec["model"]["steps"]["extra"] == planned_steps(spec, depth)


def test_a_spec_that_extends_another_inherits_its_model_and_keeps_its_own_serving():
    routes, capacities = load_spec("noisy_routes"), load_spec("noisy_capacities")
    assert capacities["model"] == routes["model"]
    assert capacities["name"] == "noisy_capacities" and "extends" not in capacities
    assert set(capacities["outputs"]) == {"capacity"}


def test_the_step_rules_refuse_a_spec_they_do_not_know():
    spec = load_spec("bellman_ford")
    assert max_steps(spec, 10) == 10 + spec["model"]["steps"]["patience"]
    spec["model"]["steps"]["cap"] = "2 * nodes"
    with pytest.raises(ValueError, match="unknown step cap"):
        max_steps(spec, 10)
    with pytest.raises(ValueError, match="not hop_depth"):
        planned_steps(load_spec("bellman_ford"), 3)


def test_the_models_need_their_hidden_size_from_the_spec():
    with pytest.raises(TypeError):
        BellmanFordStep()
    with pytest.raises(TypeError):
        MaxflowStep()


@pytest.mark.parametrize("name,make", [("bellman_ford", bellman_ford_step), ("maxflow", maxflow_step)])
def test_the_exported_onnx_has_the_spec_tensor_names(tmp_path, name, make):
    onnx = pytest.importorskip("onnx")
    spec = load_spec(name)
    model = make(spec).eval()
    rng = np.random.default_rng(5)
    if name == "maxflow":
        example, _ = maxflow_data.network_inputs(maxflow_data.sample_network("random_directed", 8, "int", rng), model.hidden)
    else:
        example = export.graph_inputs(sample_graph("erdos_renyi", 8, "positive", rng), model.hidden)
    export.to_onnx(model, example, tmp_path / "m.onnx", spec)
    graph = onnx.load(str(tmp_path / "m.onnx")).graph
    assert ([i.name for i in graph.input], [o.name for o in graph.output]) == tensor_names(spec)


def test_the_manifest_states_the_curriculum_that_train_runs_by_default():
    assert export.curriculum("bellman_ford") == "curriculum: 4..16 until step 300, 4..32 until step 600"
    task = ALGORITHMS["maxflow"].task
    assert n_max_at(task["n_max"], task["steps"]) == 64


def test_the_committed_golden_files_are_what_the_python_copies_write_now():
    # tests/fixtures/ pins evaluate.py's decode and repair and maxflow_data.py's families to the
    # TypeScript copies; a change to the Python side must regenerate them (python -m narsolve_train.golden).
    import json
    from narsolve_train import golden
    for name, doc in golden.documents().items():
        assert json.loads((golden.FIXTURES / name).read_text()) == json.loads(json.dumps(doc)), f"{name} is stale"


@pytest.mark.parametrize("name", ("bellman_ford", "maxflow"))
def test_the_committed_models_weights_can_be_recovered_exactly_from_their_onnx_files(name):
    pytest.importorskip("onnx")
    from narsolve_train.recover import recover
    model, worst = recover(name)
    assert worst <= 1e-6
    assert model.hidden == load_spec(name)["model"]["hidden"]


def test_the_registry_lists_exactly_the_models_the_manifest_serves():
    # src/solvers/learned/models.ts is held to the same manifest by tests/models.test.ts: the two tables name the same models.
    import json
    from pathlib import Path
    from narsolve_train.registry import ALGORITHMS
    from narsolve_train.spec import SPECS
    manifest = json.loads((Path(__file__).resolve().parents[2] / "models" / "manifest.json").read_text())
    assert sorted(ALGORITHMS) == sorted(manifest["models"])
    for name, algorithm in ALGORITHMS.items():
        assert algorithm.name == name and (SPECS / f"{name}.json").exists()
        assert (algorithm.kind == "processor") == bool(algorithm.build and algorithm.task)
