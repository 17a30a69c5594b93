"""The evaluation's measuring sticks (tree path lengths, the label-correcting repair) and the served stopping rule."""
import networkx as nx
import numpy as np
import torch

from narsolve_train.bellman_ford_data import bellman_ford_trajectory, sample_graph
from narsolve_train.bellman_ford_evaluate import label_correcting, tree_lengths
from narsolve_train.bellman_ford_model import run_until_stable
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


class ScriptedPointers(torch.nn.Module):
    """Stands in for the processor: step t decodes to the t-th scripted pointer vector."""

    def __init__(self, script):
        super().__init__()
        self.script = script
        self.t = 0

    def forward(self, h, *args):
        choice = self.script[min(self.t, len(self.script) - 1)]
        self.t += 1
        logits = torch.nn.functional.one_hot(torch.tensor(choice), 3).float()
        return h, logits, torch.zeros(len(choice)), torch.zeros(len(choice))


def test_a_run_stops_only_after_the_pointers_stay_unchanged_for_the_patience():
    # Steps 2-3 agree, then an improvement arriving late changes node 1 at step 4: one unchanged
    # step would have stopped at step 3 with the wrong pointer.
    script = [[2, 2], [2, 0], [2, 0], [2, 1], [2, 1], [2, 1], [2, 1], [2, 1]]
    choice, _, steps, settled = run_until_stable(ScriptedPointers(script), torch.zeros(2, 1), (), patience=1, max_steps=20, watch="pointers")
    assert (steps, choice.tolist(), settled) == (3, [2, 0], True)
    choice, _, steps, settled = run_until_stable(ScriptedPointers(script), torch.zeros(2, 1), (), patience=3, max_steps=20, watch="pointers")
    assert (steps, choice.tolist(), settled) == (7, [2, 1], True)


def test_a_run_that_never_settles_stops_at_max_steps_and_says_so():
    script = [[0, 0], [1, 1]] * 10
    choice, _, steps, settled = run_until_stable(ScriptedPointers(script), torch.zeros(2, 1), (), patience=2, max_steps=9, watch="pointers")
    assert (steps, settled) == (9, False)
