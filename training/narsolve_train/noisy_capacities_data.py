"""Flow networks with hidden provisioned capacities and noisy throughput samples of them.

The noise model (seeded; every parameter drawn per network):

- Topology: the max-flow training families (two-community, segmentation grids, random directed) plus
  road-like street grids (noisy_routes_data's "grid"); held out of training, the "layered" family.
- True capacity of a link = its class's base capacity (three classes, 1 : 4 : 16, like access,
  distribution and backbone links, drawn with probabilities 0.6 / 0.3 / 0.1) x the provisioning factor
  of its tail's region and of its head's region (nodes fall into 2-6 regions, each provisioned at 0.4-2.5x)
  x a small independent factor (lognormal, sigma 0.1). Neighbouring links share regions, so their
  samples say something about each other.
- Samples per link: 1..10, varying by link. Each is the true capacity x lognormal noise (sigma drawn per
  network in 0.05-0.5); with probability p_low (0-0.2) a sample taken while the link was under-used
  (x 0.05-0.5: a downward outlier); with probability p_high (0-0.1) an upward glitch (x 1.5-3); with
  probability p_miss (0-0.3) missing. At least one finite sample per link.
"""
from dataclasses import dataclass

import numpy as np

from . import maxflow_data
from .noisy_routes_data import MAX_OBSERVATIONS, sample_noisy_graph

TRAIN_FAMILIES = ("two_community", "segmentation", "random_directed", "grid")
HELD_OUT_FAMILIES = ("layered",)


@dataclass
class NoisyNetwork:
    n: int
    tails: np.ndarray
    heads: np.ndarray
    true_capacity: np.ndarray
    observations: np.ndarray   # [m, MAX_OBSERVATIONS], NaN where missing
    source: int
    sink: int
    family: str = ""


def sample_noisy_network(family: str, n: int, rng: np.random.Generator) -> NoisyNetwork:
    if family == "grid":
        g = sample_noisy_graph("grid", n, rng)
        tails, heads, nodes, source, sink = g.tails, g.heads, g.n, g.source, g.target
    else:
        g = maxflow_data.sample_network(family, n, "int", rng)
        tails, heads, nodes, source, sink = g.tails, g.heads, g.n, g.source, g.sink
    regions = rng.integers(0, int(rng.integers(2, 7)), nodes)
    factor = rng.uniform(0.4, 2.5, regions.max() + 1)
    base = np.array([1.0, 4.0, 16.0])[rng.choice(3, len(tails), p=[0.6, 0.3, 0.1])]
    capacity = 10.0 * base * np.sqrt(factor[regions[tails]] * factor[regions[heads]]) * np.exp(rng.normal(0, 0.1, len(tails)))
    return NoisyNetwork(nodes, tails, heads, capacity, sample_throughput(capacity, rng), source, sink, family)


def sample_throughput(capacity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    m = len(capacity)
    sigma = rng.uniform(0.05, 0.5)
    p_low, p_high, p_miss = rng.uniform(0, 0.2), rng.uniform(0, 0.1), rng.uniform(0, 0.3)
    count = rng.integers(1, MAX_OBSERVATIONS + 1, m)
    obs = capacity[:, None] * np.exp(rng.normal(0, sigma, (m, MAX_OBSERVATIONS)))
    low = rng.random((m, MAX_OBSERVATIONS)) < p_low
    obs[low] *= rng.uniform(0.05, 0.5, int(low.sum()))
    high = ~low & (rng.random((m, MAX_OBSERVATIONS)) < p_high)
    obs[high] *= rng.uniform(1.5, 3.0, int(high.sum()))
    missing = (rng.random((m, MAX_OBSERVATIONS)) < p_miss) | (np.arange(MAX_OBSERVATIONS)[None, :] >= count[:, None])
    missing[:, 0] = False
    obs[missing] = np.nan
    return obs


def min_cut(n, tails, heads, capacity, source, sink):
    """The source side of a minimum cut for these capacities (networkx, the max-flow reference)."""
    g = maxflow_data.FlowNetwork(n, tails, heads, np.maximum(capacity, 1e-9), source, sink)
    return maxflow_data.reference_maxflow(g).source_side.astype(bool)


def cut_capacity(side, tails, heads, capacity):
    """Capacity of the arcs from the source side to the sink side."""
    crossing = side[tails] & ~side[heads]
    return float(capacity[crossing].sum())
