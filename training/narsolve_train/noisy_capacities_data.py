"""Flow networks with hidden provisioned capacities and noisy throughput samples of them.

The noise model (seeded; every parameter drawn per network):

- Topology: the max-flow training families (two-community, segmentation grids, random directed) plus
  road-like street grids (noisy_routes_data's "grid"); held out of training, the "layered" family.
- True capacity of a link = its class's base capacity (three classes, 1 : 4 : 16, like access,
  distribution and backbone links, drawn with probabilities 0.6 / 0.3 / 0.1) x the provisioning factor
  of its tail's region and of its head's region (nodes fall into 2-6 regions, each provisioned at 0.4-2.5x)
  x a small independent factor (lognormal, sigma 0.1). Neighbouring links share regions, so their
  samples say something about each other.
- Provisioning patterns (`pattern`): "region" as above; "zone" (training): nodes fall into 2-8
  contiguous zones grown breadth-first from random seeds, and every link takes its tail's zone's
  base capacity (log-uniform 5-200) x the small independent factor, so neighbours share a base and
  the cut is decided by whole zones; held out of training, "tiers": the base capacity steps with
  the hop distance from the source (bands of 1-3 hops, each band its own base), a spatial pattern
  training never saw.
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
TRAIN_PATTERNS = ("region", "zone")
HELD_OUT_PATTERNS = ("tiers",)


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


def sample_noisy_network(family: str, n: int, rng: np.random.Generator, pattern: str = "region") -> NoisyNetwork:
    if family == "grid":
        g = sample_noisy_graph("grid", n, rng)
        tails, heads, nodes, source, sink = g.tails, g.heads, g.n, g.source, g.target
    else:
        g = maxflow_data.sample_network(family, n, "int", rng)
        tails, heads, nodes, source, sink = g.tails, g.heads, g.n, g.source, g.sink
    if pattern == "region":
        regions = rng.integers(0, int(rng.integers(2, 7)), nodes)
        factor = rng.uniform(0.4, 2.5, regions.max() + 1)
        base = np.array([1.0, 4.0, 16.0])[rng.choice(3, len(tails), p=[0.6, 0.3, 0.1])]
        capacity = 10.0 * base * np.sqrt(factor[regions[tails]] * factor[regions[heads]]) * np.exp(rng.normal(0, 0.1, len(tails)))
    elif pattern == "zone":
        zone = _zones(nodes, tails, heads, int(rng.integers(2, 9)), rng)
        base = np.exp(rng.uniform(np.log(5.0), np.log(200.0), zone.max() + 1))
        capacity = base[zone[tails]] * np.exp(rng.normal(0, 0.1, len(tails)))
    elif pattern == "tiers":
        hops = _hops(nodes, tails, heads, source)
        width = int(rng.integers(1, 4))
        band = np.minimum(hops, hops[np.isfinite(hops)].max() if np.isfinite(hops).any() else 0) // width
        band = np.nan_to_num(band, nan=0.0, posinf=0.0).astype(np.int64)
        base = np.exp(rng.uniform(np.log(5.0), np.log(200.0), band.max() + 1))
        capacity = base[band[tails]] * np.exp(rng.normal(0, 0.1, len(tails)))
    else:
        raise ValueError(f"sample_noisy_network: unknown pattern {pattern!r}")
    return NoisyNetwork(nodes, tails, heads, capacity, sample_throughput(capacity, rng), source, sink, family)


def _undirected(nodes, tails, heads):
    adjacency = [[] for _ in range(nodes)]
    for u, v in zip(tails.tolist(), heads.tolist()):
        adjacency[u].append(v)
        adjacency[v].append(u)
    return adjacency


def _zones(nodes, tails, heads, k, rng):
    """Contiguous zones: a multi-source breadth-first growth from k random seeds (ties by queue order)."""
    adjacency = _undirected(nodes, tails, heads)
    zone = np.full(nodes, -1, dtype=np.int64)
    seeds = rng.choice(nodes, min(k, nodes), replace=False)
    queue = list(seeds)
    zone[seeds] = np.arange(len(seeds))
    for u in queue:
        for v in adjacency[u]:
            if zone[v] < 0:
                zone[v] = zone[u]
                queue.append(v)
    # Nodes no seed reaches (another component) form a zone of their own.
    zone[zone < 0] = len(seeds)
    return zone


def _hops(nodes, tails, heads, source):
    """Undirected hop distance from the source (inf where unreachable)."""
    adjacency = _undirected(nodes, tails, heads)
    hops = np.full(nodes, np.inf)
    hops[source] = 0
    queue = [source]
    for u in queue:
        for v in adjacency[u]:
            if hops[v] == np.inf:
                hops[v] = hops[u] + 1
                queue.append(v)
    return hops


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
