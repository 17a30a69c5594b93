"""The reference Bellman-Ford and the data pipeline, checked against networkx."""
import networkx as nx
import numpy as np
import pytest
import torch

from narsolve_train.bellman_ford_data import FAMILIES, WEIGHTINGS, bellman_ford_trajectory, make_batch, sample_graph
from narsolve_train.bellman_ford_model import bellman_ford_step
from narsolve_train.spec import load_spec


def nx_graph(g):
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(g.n))
    for u, v, w in zip(g.tails.tolist(), g.heads.tolist(), g.weights.tolist()):
        G.add_edge(u, v, weight=w)
    return G


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("weighting", WEIGHTINGS)
def test_reference_distances_match_networkx(family, weighting):
    rng = np.random.default_rng(hash((family, weighting)) % 2**32)
    for _ in range(25):
        g = sample_graph(family, int(rng.integers(2, 40)), weighting, rng)
        final = bellman_ford_trajectory(g).distances[-1]
        expected = nx.single_source_bellman_ford_path_length(nx_graph(g), g.source)
        for v in range(g.n):
            assert final[v] == expected.get(v, np.inf)


def test_negative_weightings_have_negative_edges_but_no_negative_cycle():
    rng = np.random.default_rng(3)
    negatives = 0
    for _ in range(50):
        g = sample_graph("erdos_renyi", 12, "negative", rng)
        negatives += int((g.weights < 0).sum())
        assert not nx.negative_edge_cycle(nx_graph(g)) if g.n else True
    assert negatives > 0


def test_tight_sets_are_exactly_the_optimal_predecessors():
    rng = np.random.default_rng(5)
    for _ in range(30):
        g = sample_graph("grid", 16, "with_zeros", rng)
        tr = bellman_ford_trajectory(g)
        d = tr.distances[-1]
        tight = tr.tight[-1]
        for a, (u, v, w) in enumerate(zip(g.tails, g.heads, g.weights)):
            want = np.isfinite(d[u]) and d[u] + w == d[v] and v != g.source
            assert tight[a] == want


def test_a_negative_cycle_is_refused():
    from narsolve_train.bellman_ford_data import Graph
    g = Graph(n=3, tails=np.array([0, 1, 2]), heads=np.array([1, 2, 1]), weights=np.array([1.0, -2.0, 1.0]), source=0)
    with pytest.raises(ValueError):
        bellman_ford_trajectory(g)


def test_batches_pad_incoming_arcs_and_mark_valid_pointers():
    rng = np.random.default_rng(9)
    graphs = [sample_graph(f, 10, "positive", rng) for f in FAMILIES]
    b = make_batch(graphs)
    assert b.nbr_index.shape == b.nbr_mask.shape == b.nbr_weight.shape
    assert b.n == sum(g.n for g in graphs)
    # Every real arc appears exactly once among the padded slots.
    assert int(b.nbr_mask.sum()) == sum(len(g.tails) for g in graphs)
    # Every node has at least one valid pointer target (an arc or self) at every step.
    assert (b.hints["pi_h"].sum(axis=2) >= 1).all()
    # Normalized weights lie in [-1, 1].
    assert np.abs(b.nbr_weight).max() <= 1.0 + 1e-6


def test_model_step_shapes_and_padding_are_ignored():
    rng = np.random.default_rng(11)
    b = make_batch([sample_graph("erdos_renyi", 8, "positive", rng)])
    model = bellman_ford_step(load_spec("bellman_ford"))
    args = [torch.from_numpy(x) for x in (b.source, b.nbr_index, b.nbr_weight, b.nbr_mask)]
    h, logits, dist, reached = model(torch.zeros(b.n, model.hidden), *args)
    assert h.shape == (b.n, model.hidden) and logits.shape == (b.n, b.nbr_index.shape[1] + 1)
    # Padding slots can never be chosen.
    assert (logits[:, :-1][torch.from_numpy(b.nbr_mask) == 0] < -1e8).all()
    # Adding an extra padding column changes nothing.
    pad = lambda x, v: torch.cat([x, torch.full((x.shape[0], 1), v, dtype=x.dtype)], dim=1)
    h2, logits2, _, _ = model(torch.zeros(b.n, model.hidden), args[0], pad(args[1], 0), pad(args[2], 0.0), pad(args[3], 0.0))
    assert torch.allclose(h, h2, atol=1e-6)
    assert torch.allclose(logits[:, -1], logits2[:, -1], atol=1e-6)
