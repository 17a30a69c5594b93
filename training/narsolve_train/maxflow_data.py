"""Flow networks, the reference maximum flow / minimum cut (networkx), and batching.

Networks are arc lists (tail, head, capacity); an undirected edge is two arcs. Families follow
what the service meets and what Dual Algorithmic Reasoning trained on: two-community graphs,
segmentation grids with terminal arcs, layered networks and random directed graphs, with small
integer (1..9), integer (1..100) or fractional capacities.
"""
from collections import deque
from dataclasses import dataclass
import math

import networkx as nx
import numpy as np

from .bellman_ford_data import incoming_lists
from .spec import planned_steps

FAMILIES = ("two_community", "segmentation", "layered", "random_directed")
CAPACITIES = ("small_int", "int", "fractional")


@dataclass
class FlowNetwork:
    n: int
    tails: np.ndarray       # int64 [m]
    heads: np.ndarray       # int64 [m]
    capacity: np.ndarray    # float64 [m], > 0
    source: int
    sink: int
    family: str = ""


def _pairs(family: str, n: int, rng: np.random.Generator):
    """Arcs (u, v) of one family on n nodes (terminals included), and the source and sink."""
    if family == "two_community":
        half = n // 2
        p = rng.uniform(0.3, 0.6) if n <= 32 else min(1.0, rng.uniform(3.0, 6.0) / half)
        arcs = set()
        for lo, hi in ((0, half), (half, n)):
            size = hi - lo
            count = int(p * size * (size - 1) / 2)
            for _ in range(count):
                u, v = (int(x) for x in rng.integers(lo, hi, 2))
                if u != v:
                    arcs.add((u, v))
                    arcs.add((v, u))
        for _ in range(max(1, n // 8)):
            u, v = int(rng.integers(0, half)), int(rng.integers(half, n))
            arcs.add((u, v))
            arcs.add((v, u))
        return sorted(arcs), int(rng.integers(0, half)), int(rng.integers(half, n))
    if family == "segmentation":
        pixels = n - 2
        cols = max(1, int(round(math.sqrt(pixels) * rng.uniform(0.7, 1.3))))
        arcs = []
        for u in range(pixels):
            if (u + 1) % cols != 0 and u + 1 < pixels:
                arcs += [(u, u + 1), (u + 1, u)]
            if u + cols < pixels:
                arcs += [(u, u + cols), (u + cols, u)]
        s, t = pixels, pixels + 1
        fg = rng.random(pixels) < rng.uniform(0.2, 0.5)
        bg = rng.random(pixels) < rng.uniform(0.2, 0.5)
        arcs += [(s, u) for u in np.nonzero(fg)[0].tolist()] + [(u, t) for u in np.nonzero(bg)[0].tolist()]
        return arcs, s, t
    if family == "layered":
        inner = n - 2
        layers = int(rng.integers(2, max(3, int(math.sqrt(inner)) + 1)))
        bounds = np.linspace(0, inner, layers + 1).astype(int)
        s, t = inner, inner + 1
        arcs = set()
        for i in range(layers):
            here = range(bounds[i], bounds[i + 1])
            if i == 0:
                arcs.update((s, u) for u in here)
            if i == layers - 1:
                arcs.update((u, t) for u in here)
                continue
            lo, hi = bounds[i + 1], bounds[i + 2]
            if hi <= lo:
                continue
            for u in here:
                for v in rng.integers(lo, hi, int(rng.integers(1, 4))).tolist():
                    arcs.add((u, int(v)))
        return sorted(arcs), s, t
    if family == "random_directed":
        p = rng.uniform(0.15, 0.4) if n <= 32 else min(1.0, rng.uniform(2.0, 5.0) / n)
        mask = rng.random((n, n)) < p
        np.fill_diagonal(mask, False)
        s, t = (int(x) for x in rng.choice(n, 2, replace=False))
        return [(int(u), int(v)) for u, v in zip(*np.nonzero(mask))], s, t
    raise ValueError(f"_pairs: unknown family {family!r}")


def sample_network(family: str, n: int, capacities: str, rng: np.random.Generator) -> FlowNetwork:
    """One flow network of a family on n >= 4 nodes with the given capacity kind (never arc-less)."""
    arcs, s, t = _pairs(family, max(4, n), rng)
    while not arcs:
        arcs, s, t = _pairs(family, max(4, n), rng)
    m = len(arcs)
    if capacities == "small_int":
        cap = rng.integers(1, 10, m).astype(np.float64)
    elif capacities == "int":
        cap = rng.integers(1, 101, m).astype(np.float64)
    elif capacities == "fractional":
        cap = rng.uniform(0.01, 10.0, m)
    else:
        raise ValueError(f"sample_network: unknown capacity kind {capacities!r}")
    tails = np.array([a for a, _ in arcs], dtype=np.int64)
    heads = np.array([b for _, b in arcs], dtype=np.int64)
    return FlowNetwork(max(4, n), tails, heads, cap, s, t, family)


@dataclass
class FlowSolution:
    value: float
    flow: np.ndarray        # float64 [m], per arc, antiparallel flow cancelled
    source_side: np.ndarray  # bool [n]


def reference_maxflow(g: FlowNetwork) -> FlowSolution:
    """Maximum flow by networkx (Edmonds-Karp: its preflow-push trips over float rounding with
    fractional capacities) and the minimum cut as residual reachability."""
    G = nx.DiGraph()
    G.add_nodes_from(range(g.n))
    for u, v, c in zip(g.tails.tolist(), g.heads.tolist(), g.capacity.tolist()):
        G.add_edge(u, v, capacity=c)
    value, flows = nx.maximum_flow(G, g.source, g.sink, flow_func=nx.algorithms.flow.edmonds_karp)
    f = np.array([flows[u][v] for u, v in zip(g.tails.tolist(), g.heads.tolist())], dtype=np.float64)
    index = {(u, v): i for i, (u, v) in enumerate(zip(g.tails.tolist(), g.heads.tolist()))}
    for i, (u, v) in enumerate(zip(g.tails.tolist(), g.heads.tolist())):
        j = index.get((v, u))
        if j is not None and j > i:
            both = min(f[i], f[j])
            f[i] -= both
            f[j] -= both
    eps = 1e-9 * max(1.0, float(g.capacity.max(initial=0)))
    out = [[] for _ in range(g.n)]
    for i, (u, v) in enumerate(zip(g.tails.tolist(), g.heads.tolist())):
        if g.capacity[i] - f[i] > eps:
            out[u].append(v)
        if f[i] > eps:
            out[v].append(u)
    side = np.zeros(g.n, dtype=bool)
    side[g.source] = True
    queue = deque([g.source])
    while queue:
        u = queue.popleft()
        for v in out[u]:
            if not side[v]:
                side[v] = True
                queue.append(v)
    return FlowSolution(float(value), f, side)


def hop_depth(n: int, tails: np.ndarray, heads: np.ndarray, source: int, sink: int) -> int:
    """The larger of the largest finite hop distance from the source and to the sink (the step
    rule's hop_depth; the TypeScript encoder computes the same)."""
    def bfs(start, frm, to):
        adj = [[] for _ in range(n)]
        for a, b in zip(frm.tolist(), to.tolist()):
            adj[a].append(b)
        dist = np.full(n, -1)
        dist[start] = 0
        q = deque([start])
        while q:
            u = q.popleft()
            for v in adj[u]:
                if dist[v] < 0:
                    dist[v] = dist[u] + 1
                    q.append(v)
        return int(dist.max())
    return max(bfs(source, tails, heads), bfs(sink, heads, tails))


def padded_lists(n: int, tails: np.ndarray, heads: np.ndarray):
    """Incoming and outgoing arc ids per node, each padded to its largest degree (at least 1)."""
    return incoming_lists(n, tails, heads), incoming_lists(n, heads, tails)


def network_inputs(g: FlowNetwork, hidden: int, capacity: np.ndarray = None):
    """The step's inputs for one network (raw capacities: the model normalizes them)."""
    cap = g.capacity if capacity is None else capacity
    arc_in, arc_out = padded_lists(g.n, g.tails, g.heads)
    mi, mo = arc_in >= 0, arc_out >= 0
    si, so = np.where(mi, arc_in, 0), np.where(mo, arc_out, 0)
    source = np.zeros(g.n, dtype=np.float32)
    sink = np.zeros(g.n, dtype=np.float32)
    source[g.source] = 1
    sink[g.sink] = 1
    return dict(
        h=np.zeros((g.n, hidden), dtype=np.float32),
        source=source,
        sink=sink,
        in_index=np.where(mi, g.tails[si], 0).astype(np.int64),
        in_capacity=np.where(mi, cap[si], 0).astype(np.float32),
        in_mask=mi.astype(np.float32),
        out_index=np.where(mo, g.heads[so], 0).astype(np.int64),
        out_capacity=np.where(mo, cap[so], 0).astype(np.float32),
        out_mask=mo.astype(np.float32),
    ), arc_in


@dataclass
class FlowBatch:
    """Several networks as one disjoint network (capacities normalized per network)."""
    n: int
    inputs: dict             # the step inputs without h
    arc_in: np.ndarray       # int64 [N, KI] global arc id, -1 for padding
    tails: np.ndarray
    heads: np.ndarray
    capacity: np.ndarray     # normalized, float32 [M]
    terminal: np.ndarray     # bool [N], source or sink
    steps: int               # the spec's step rule for the deepest network in the batch
    # Targets keyed by the spec's output names: flow float32 [M] (flow / capacity per arc, in
    # [0, 1]); cut float32 [N] (1 on the source side of the minimum cut).
    outputs: dict


def make_flow_batch(networks, spec: dict) -> FlowBatch:
    offsets = np.cumsum([0] + [g.n for g in networks])
    N = int(offsets[-1])
    tails = np.concatenate([g.tails + o for g, o in zip(networks, offsets)])
    heads = np.concatenate([g.heads + o for g, o in zip(networks, offsets)])
    cap = np.concatenate([g.capacity / g.capacity.max() for g in networks])
    sols = [reference_maxflow(g) for g in networks]
    frac = np.concatenate([s.flow / g.capacity for s, g in zip(sols, networks)])
    cut = np.concatenate([s.source_side for s in sols]).astype(np.float32)
    merged = FlowNetwork(N, tails, heads, cap, 0, 0)
    inputs, arc_in = network_inputs(merged, 1)
    inputs.pop("h")
    inputs["source"] = np.zeros(N, dtype=np.float32)
    inputs["sink"] = np.zeros(N, dtype=np.float32)
    terminal = np.zeros(N, dtype=bool)
    for g, o in zip(networks, offsets):
        inputs["source"][o + g.source] = 1
        inputs["sink"][o + g.sink] = 1
        terminal[o + g.source] = terminal[o + g.sink] = True
    depth = max(hop_depth(g.n, g.tails, g.heads, g.source, g.sink) for g in networks)
    return FlowBatch(N, inputs, arc_in, tails, heads, cap.astype(np.float32), terminal, planned_steps(spec, depth),
                     dict(flow=np.clip(frac, 0, 1).astype(np.float32), cut=cut))


def sample_training_networks(rng: np.random.Generator, count: int, n_min: int = 6, n_max: int = 16):
    nets = []
    for _ in range(count):
        family = FAMILIES[int(rng.integers(len(FAMILIES)))]
        kind = CAPACITIES[int(rng.integers(len(CAPACITIES)))]
        nets.append(sample_network(family, int(rng.integers(n_min, n_max + 1)), kind, rng))
    return nets
