"""The served Bellman-Ford processor (models/bellman_ford.onnx, weights read back by recover): its
learned controller decides as Bellman-Ford does on every discrete input it can meet, which is what
makes it exact at any size; and a deep execution shows it."""
import itertools

import numpy as np
import pytest
import torch

from narsolve_train.bellman_ford_data import bellman_ford_trajectory, deep_graph
from narsolve_train.bellman_ford_evaluate import predecessor_arcs, tree_lengths
from narsolve_train.export import graph_inputs, step_args
from narsolve_train.bellman_ford_model import bellman_ford_step, run_until_stable
from narsolve_train.spec import load_spec, max_steps, patience, watch

pytest.importorskip("onnx")
SPEC = load_spec("bellman_ford")


@pytest.fixture(scope="module")
def processor():
    from narsolve_train.recover import recover
    model, _ = recover("bellman_ford")
    return model


def node_kinds(states: int):
    """(state vector, source bit, has an estimate) for every node a run can present: before the first
    step every state is zeros; after it, one-hot, and the source is always reached."""
    zero = [0.0] * states
    first = [(zero, 0.0, False), (zero, 1.0, True)]
    onehot = lambda i: [1.0 if j == i else 0.0 for j in range(states)]
    later = [(onehot(0), 0.0, False), (onehot(1), 0.0, True), (onehot(1), 1.0, True)]
    return first, later


def features(kind):
    state, source, _ = kind
    return torch.tensor([state + [source]])


def assert_decides_like_bellman_ford(model):
    first, later = node_kinds(model.states)
    with torch.no_grad():
        for kinds in (first, later):
            for tail, head in itertools.product(kinds, kinds):
                if tail[1] and head[1]:
                    continue  # one source per graph, and the encoder leaves self-loops out
                f = torch.cat([features(tail), features(head)])
                arc, _ = model.gates(f, torch.tensor([[0], [0]]))
                # Row 1 (head) reads its incoming arc from row 0 (tail): open iff the tail has an
                # estimate and the head is not the source (whose pointer is always itself).
                assert bool(arc[1, 0] > 0) == (tail[2] and not head[1]), (tail, head)
            for node in kinds:
                _, own = model.gates(features(node), torch.tensor([[0]]))
                assert bool(own[0] > 0) == node[2], node
                # A run only meets: the source never takes an arc (its incoming arcs are closed), a
                # reached non-source node always points along one, an unreached node may or may not.
                for took_arc in (0.0,) if node[1] else (1.0,) if node[2] else (0.0, 1.0):
                    nxt = model.next_state(features(node), torch.tensor([took_arc]))
                    assert int(nxt.argmax()) == int(node[2] or took_arc > 0), (node, took_arc)


def test_the_controller_decides_like_bellman_ford_on_every_input_it_can_meet(processor):
    assert_decides_like_bellman_ford(processor)


@pytest.mark.parametrize("seed", [1, 2])
def test_training_from_scratch_learns_that_controller_in_a_few_hundred_steps(tmp_path, seed):
    from narsolve_train import train
    train.main(["--steps", "200", "--seed", str(seed), "--out", str(tmp_path)])
    model = bellman_ford_step(SPEC)
    model.load_state_dict(torch.load(tmp_path / "model.pt"))
    assert_decides_like_bellman_ford(model.eval())


@pytest.mark.parametrize("family,n", [("chain", 150), ("holey_grid", 1600), ("pruned_lattice", 2000)])
def test_a_deep_execution_gives_the_exact_tree_in_one_step_past_the_last_change(processor, family, n):
    g = deep_graph(family, n, np.random.default_rng(7))
    truth = bellman_ford_trajectory(g)
    assert truth.rounds >= 60, "the graph must need a long execution"
    inputs = graph_inputs(g, processor.hidden)
    choice, _, steps, settled = run_until_stable(processor, torch.from_numpy(inputs["h"]), step_args(inputs, SPEC), patience(SPEC), max_steps(SPEC, g.n), watch(SPEC))
    pred = predecessor_arcs(g, choice.numpy())
    d = truth.distances[-1]
    assert settled and steps == truth.rounds + patience(SPEC) - 1
    np.testing.assert_array_equal(tree_lengths(g, pred), d)
