"""The evaluation's measuring sticks: tree path lengths and the label-correcting repair."""
import networkx as nx
import numpy as np

from narsolve_train.data import bellman_ford_trajectory, sample_graph
from narsolve_train.evaluate import label_correcting, tree_lengths
from tests.test_reference import nx_graph


def optimal_pointers(g):
    tr = bellman_ford_trajectory(g)
    pred = np.full(g.n, -1)
    # Arcs that set each node's final distance in the first round it was reached form a tree.
    for t in range(1, len(tr.distances)):
        for a in np.nonzero(tr.tight[t])[0]:
            v = g.heads[a]
            if pred[v] < 0 and tr.distances[t][v] == tr.distances[-1][v] and tr.distances[t - 1][v] != tr.distances[-1][v]:
                pred[v] = a
    return pred, tr.distances[-1]


def test_a_correct_pointer_tree_measures_the_true_distances_and_needs_no_repair():
    rng = np.random.default_rng(21)
    for family in ("erdos_renyi", "grid", "geometric"):
        for _ in range(10):
            g = sample_graph(family, 30, "negative", rng)
            pred, truth = optimal_pointers(g)
            d = tree_lengths(g, pred)
            assert np.array_equal(d, truth)
            violated = g.tails[(d[g.tails] + g.weights < d[g.heads]) & np.isfinite(d[g.tails])]
            assert len(violated) == 0


def test_label_correcting_from_the_source_matches_networkx_and_repairs_a_broken_tree():
    rng = np.random.default_rng(22)
    for _ in range(20):
        g = sample_graph("erdos_renyi", 25, "negative", rng)
        d = np.full(g.n, np.inf)
        d[g.source] = 0.0
        label_correcting(g, d, [g.source])
        expected = nx.single_source_bellman_ford_path_length(nx_graph(g), g.source)
        assert all(d[v] == expected.get(v, np.inf) for v in range(g.n))
        # A tree with every pointer removed but the source's: repair from the source recovers everything.
        broken = tree_lengths(g, np.full(g.n, -1))
        assert label_correcting(g, broken, [g.source]) > 0 or len(expected) == 1
        assert np.array_equal(broken, d)
