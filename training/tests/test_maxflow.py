"""The max-flow reference, the networks and the flow processor's batching."""
import networkx as nx
import numpy as np
import pytest
import torch

from narsolve_train.spec import load_spec
from narsolve_train.maxflow_data import (CAPACITIES, FAMILIES, hop_depth, make_flow_batch, network_inputs,
                                         reference_maxflow, sample_network)
from narsolve_train.maxflow_model import MaxflowStep


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("kind", CAPACITIES)
def test_reference_is_a_maximum_flow_with_a_matching_cut(family, kind):
    rng = np.random.default_rng(abs(hash((family, kind))) % 2**32)
    for _ in range(15):
        g = sample_network(family, int(rng.integers(6, 40)), kind, rng)
        sol = reference_maxflow(g)
        tol = 1e-9 * g.capacity.max() * len(g.tails)
        assert np.all(sol.flow >= -tol) and np.all(sol.flow <= g.capacity + tol)
        net = np.zeros(g.n)
        np.add.at(net, g.tails, sol.flow)
        np.add.at(net, g.heads, -sol.flow)
        inner = np.ones(g.n, dtype=bool)
        inner[[g.source, g.sink]] = False
        assert np.all(np.abs(net[inner]) <= tol)
        assert abs(net[g.source] - sol.value) <= tol
        # An independent algorithm agrees on the value, and the residual cut proves it.
        G = nx.DiGraph()
        G.add_nodes_from(range(g.n))
        G.add_weighted_edges_from(zip(g.tails.tolist(), g.heads.tolist(), g.capacity.tolist()), weight="capacity")
        other = nx.maximum_flow_value(G, g.source, g.sink, flow_func=nx.algorithms.flow.boykov_kolmogorov)
        assert abs(other - sol.value) <= tol
        side = sol.source_side
        assert side[g.source] and not side[g.sink]
        cut = g.capacity[side[g.tails] & ~side[g.heads]].sum()
        assert abs(cut - sol.value) <= tol


def test_hop_depth_is_the_deeper_of_the_two_searches():
    from narsolve_train.maxflow_data import FlowNetwork
    # 0 → 1 → 2 → 3 and 4 → 3.
    g = FlowNetwork(5, np.array([0, 1, 2, 4]), np.array([1, 2, 3, 3]), np.ones(4), 0, 3)
    assert hop_depth(g.n, g.tails, g.heads, 4, 3) == 3   # from 4 only 1 hop; back from 3 to 0 is 3
    assert hop_depth(g.n, g.tails, g.heads, 0, 1) == 3   # from 0 to 3 is 3; back from 1 only 1
    assert hop_depth(g.n, g.tails, g.heads, 2, 3) == 3


def test_a_network_alone_and_inside_a_batch_gets_the_same_outputs():
    rng = np.random.default_rng(9)
    torch.manual_seed(0)
    model = MaxflowStep(16).eval()
    nets = [sample_network(FAMILIES[i % 4], int(rng.integers(6, 20)), "int", rng) for i in range(4)]
    batch = make_flow_batch(nets, load_spec("maxflow"))
    x = {k: torch.from_numpy(v) for k, v in batch.inputs.items()}
    with torch.no_grad():
        _, frac_b, cut_b = model(torch.zeros(batch.n, 16), **x)
        alone, _ = network_inputs(nets[0], 16, nets[0].capacity / nets[0].capacity.max())
        _, frac_a, cut_a = model(*(torch.from_numpy(alone[k]) for k in alone))
    n0 = nets[0].n
    assert torch.allclose(cut_a, cut_b[:n0], atol=1e-5)
    # Batch padding is wider; the real slots agree, the extra ones are masked to zero.
    ka = frac_a.shape[1]
    assert torch.allclose(frac_a, frac_b[:n0, :ka], atol=1e-5)
    assert torch.all(frac_b[:n0, ka:] == 0)


def test_targets_are_fractions_of_capacity_and_cut_labels_are_binary():
    rng = np.random.default_rng(2)
    batch = make_flow_batch([sample_network("segmentation", 18, "fractional", rng) for _ in range(3)], load_spec("maxflow"))
    assert batch.outputs["flow"].min() >= 0 and batch.outputs["flow"].max() <= 1
    assert set(np.unique(batch.outputs["cut"])) <= {0.0, 1.0}
    assert batch.steps >= 3
