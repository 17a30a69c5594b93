"""Graph families, the reference Bellman-Ford with its trajectory, and batching.

Graphs are plain arc lists: (tail, head, weight) with integer weights, so every distance and every
tie in the reference is exact. Undirected graphs are given as both arcs of each edge.
"""
from dataclasses import dataclass
import math

import numpy as np

FAMILIES = ("erdos_renyi", "geometric", "grid", "scale_free")
WEIGHTINGS = ("positive", "with_zeros", "negative")


@dataclass
class Graph:
    n: int
    tails: np.ndarray   # int64 [m]
    heads: np.ndarray   # int64 [m]
    weights: np.ndarray  # float64 [m], integer-valued
    source: int
    family: str = ""
    directed: bool = True


def _dedupe(pairs):
    seen = set()
    out = []
    for u, v in pairs:
        if u != v and (u, v) not in seen:
            seen.add((u, v))
            out.append((u, v))
    return out


def family_edges(family: str, n: int, rng: np.random.Generator):
    """Undirected-or-directed edge pairs (u, v) of one family on n nodes, and whether they are directed."""
    if family == "erdos_renyi":
        p = rng.uniform(0.1, 0.5) if n <= 32 else min(1.0, rng.uniform(2.0, 5.0) / n)
        directed = bool(rng.integers(2))
        if n <= 2048:
            mask = rng.random((n, n)) < p
            pairs = [(int(u), int(v)) for u, v in zip(*np.nonzero(mask))]
        else:
            m = int(p * n * n)
            pairs = list(zip(rng.integers(0, n, m).tolist(), rng.integers(0, n, m).tolist()))
        if not directed:
            pairs = [(u, v) for u, v in pairs if u < v]
        return _dedupe(pairs), directed
    if family == "geometric":
        # Road-like: points in the unit square joined to their k nearest neighbours.
        pts = rng.random((n, 2))
        k = int(rng.integers(2, 5))
        pairs = []
        for u in range(n):
            d = np.sum((pts - pts[u]) ** 2, axis=1)
            d[u] = np.inf
            for v in np.argsort(d)[: min(k, n - 1)]:
                pairs.append((min(u, int(v)), max(u, int(v))))
        return _dedupe(pairs), False
    if family == "grid":
        cols = max(1, int(round(math.sqrt(n) * rng.uniform(0.7, 1.3))))
        pairs = []
        for u in range(n):
            if (u + 1) % cols != 0 and u + 1 < n:
                pairs.append((u, u + 1))
            if u + cols < n:
                pairs.append((u, u + cols))
        return pairs, bool(rng.integers(2))
    if family == "scale_free":
        # Barabási–Albert preferential attachment.
        k = int(rng.integers(1, 4))
        pairs = []
        repeated = []
        for u in range(min(k, n), n):
            chosen = set()
            while len(chosen) < min(k, u):
                pool = repeated if repeated and rng.random() < 0.8 else list(range(u))
                chosen.add(int(pool[int(rng.integers(len(pool)))]))
            for v in chosen:
                pairs.append((v, u))
                repeated += [u, v]
        return _dedupe(pairs), False
    raise ValueError(f"family_edges: unknown family {family!r}")


def sample_graph(family: str, n: int, weighting: str, rng: np.random.Generator, max_weight: int = 100) -> Graph:
    """One graph of a family, with integer weights: positive, with zeros, or (directed only)
    with negative edges but no negative cycle (w + p(u) - p(v) for a random potential p)."""
    pairs, directed = family_edges(family, n, rng)
    lo = 0 if weighting == "with_zeros" else 1
    tails, heads, weights = [], [], []
    for u, v in pairs:
        for a, b in ([(u, v)] if directed else [(u, v), (v, u)]):
            tails.append(a)
            heads.append(b)
    w = rng.integers(lo, max_weight + 1, len(tails)).astype(np.float64)
    if weighting == "with_zeros":
        w[rng.random(len(w)) < 0.3] = 0
    if weighting == "negative":
        # Negative weights need directed arcs (an undirected negative edge is a negative cycle):
        # undirected families keep both arcs, each with its own weight.
        directed = True
    elif not directed:
        # Both arcs of an undirected edge share its weight.
        w[1::2] = w[0::2]
    if weighting == "negative":
        p = rng.integers(0, max_weight, n)
        w = w + p[np.array(tails, dtype=np.int64)] - p[np.array(heads, dtype=np.int64)] if tails else w
    return Graph(
        n=n,
        tails=np.array(tails, dtype=np.int64),
        heads=np.array(heads, dtype=np.int64),
        weights=w,
        source=int(rng.integers(n)),
        family=family,
        directed=directed,
    )


# Deep, road-like families: shortest paths tens to hundreds of hops deep. Weights are
# integer lengths x congestion, as road costs are. pruned_lattice is held out of every training run.
DEEP_FAMILIES = ("chain", "holey_grid", "knn_strip", "pruned_lattice")


def _road_weights(lengths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.maximum(1, np.round(lengths * 100 * rng.uniform(1, 3, len(lengths))))


def _lattice(rows: int, cols: int) -> np.ndarray:
    """(x, y) of a rows x cols lattice's nodes, numbered row by row."""
    return np.stack(np.divmod(np.arange(rows * cols), cols), axis=1)[:, ::-1].astype(float)


def deep_graph(family: str, n: int, rng: np.random.Generator) -> Graph:
    """One undirected road-like graph of about n nodes (both arcs of an edge share its weight):
    chain (a path), holey_grid (a square grid, 10% of nodes removed, 20% of cells with a diagonal),
    knn_strip (points in an 8:1 strip joined to their 3 nearest neighbours: long corridors),
    pruned_lattice (a jittered 4:1 lattice with a quarter of its streets closed)."""
    if family == "chain":
        pts = np.stack([np.arange(n, dtype=float), np.zeros(n)], axis=1)
        pairs = [(i, i + 1) for i in range(n - 1)]
    elif family == "holey_grid":
        side = max(2, int(round(math.sqrt(n))))
        n = side * side
        pts = _lattice(side, side)
        alive = rng.random(n) >= 0.1
        pairs = []
        for v in range(n):
            r, c = divmod(v, side)
            right, down = (v + 1 if c + 1 < side else None), (v + side if r + 1 < side else None)
            steps = [right, down]
            if right is not None and down is not None and rng.random() < 0.2:
                steps.append(v + side + 1)
            pairs += [(v, u) for u in steps if u is not None and alive[v] and alive[u]]
    elif family == "pruned_lattice":
        cols = int(round(math.sqrt(4 * n)))
        rows = max(2, n // cols)
        n = rows * cols
        pts = _lattice(rows, cols) + rng.uniform(-0.3, 0.3, (n, 2))
        pairs = []
        for v in range(n):
            r, c = divmod(v, cols)
            streets = (v + 1 if c + 1 < cols else None, v + cols if r + 1 < rows else None)
            pairs += [(v, u) for u in streets if u is not None and rng.random() < 0.75]
    elif family == "knn_strip":
        pts = rng.random((n, 2)) * np.array([8.0, 1.0])
        pairs = set()
        for u in range(n):
            d = np.sum((pts - pts[u]) ** 2, axis=1)
            d[u] = np.inf
            for v in np.argpartition(d, 3)[:3]:
                pairs.add((min(u, int(v)), max(u, int(v))))
        pairs = sorted(pairs)
    else:
        raise ValueError(f"deep_graph: unknown family {family!r}")
    pairs = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    w = _road_weights(np.linalg.norm(pts[pairs[:, 0]] - pts[pairs[:, 1]], axis=1), rng)
    tails = np.stack([pairs[:, 0], pairs[:, 1]], axis=1).ravel()
    heads = np.stack([pairs[:, 1], pairs[:, 0]], axis=1).ravel()
    source = int(rng.choice(np.unique(pairs))) if len(pairs) else 0
    return Graph(n=n, tails=tails, heads=heads, weights=np.repeat(w, 2), source=source, family=family, directed=False)


@dataclass
class Trajectory:
    """Synchronous Bellman-Ford: distances and optimal-predecessor sets after each round."""
    distances: list      # per round t (0 = initial): float64 [n], inf where unreached
    tight: list          # per round: bool [m], arcs (u->v) with d_{t-1}(u) + w == d_t(v) (valid pointers)
    rounds: int          # rounds until nothing changed


def bellman_ford_trajectory(g: Graph) -> Trajectory:
    """The reference algorithm the processor imitates. Raises on a reachable negative cycle."""
    d = np.full(g.n, np.inf)
    d[g.source] = 0.0
    distances = [d.copy()]
    tight = [np.zeros(len(g.tails), dtype=bool)]
    for _ in range(g.n):
        cand = d[g.tails] + g.weights
        new = d.copy()
        np.minimum.at(new, g.heads, cand)
        new[g.source] = min(new[g.source], 0.0)
        t = np.isfinite(cand) & (cand == new[g.heads]) & (g.heads != g.source)
        changed = not np.array_equal(new, d)
        d = new
        distances.append(d.copy())
        tight.append(t)
        if not changed:
            return Trajectory(distances, tight, len(distances) - 1)
    raise ValueError("bellman_ford_trajectory: negative cycle reachable from the source")


@dataclass
class Batch:
    """Several graphs as one disjoint graph, with incoming arcs padded to K per node."""
    n: int
    source: np.ndarray       # float32 [N]
    nbr_index: np.ndarray    # int64 [N, K]
    nbr_weight: np.ndarray   # float32 [N, K]
    nbr_mask: np.ndarray     # float32 [N, K]
    nbr_arc: np.ndarray      # int64 [N, K] global arc id, -1 for padding
    graph_of_node: np.ndarray
    scale: np.ndarray        # float64 [N], the graph's max |w| per node
    steps: int
    # Per round 0..T, keyed by the spec's hint names: pi_h float32 [T+1, N, K+1] multi-hot valid
    # pointers (last column = self); d_h float32 [T+1, N] normalized distance, 0 where unreached;
    # reached_h float32 [T+1, N].
    hints: dict


def incoming_lists(n: int, tails: np.ndarray, heads: np.ndarray):
    """For each node, its incoming arc ids, padded to the largest in-degree K (at least 1)."""
    order = np.argsort(heads, kind="stable")
    counts = np.bincount(heads, minlength=n)
    k = max(1, int(counts.max()) if len(counts) else 1)
    arc = np.full((n, k), -1, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(len(heads)) - np.repeat(starts, counts)
    arc[heads[order], slot] = order
    return arc


def make_batch(graphs, min_steps: int = 1) -> Batch:
    offsets = np.cumsum([0] + [g.n for g in graphs])
    N = int(offsets[-1])
    tails = np.concatenate([g.tails + o for g, o in zip(graphs, offsets)])
    heads = np.concatenate([g.heads + o for g, o in zip(graphs, offsets)])
    weights = np.concatenate([g.weights for g in graphs])
    arc = incoming_lists(N, tails, heads)
    mask = arc >= 0
    safe = np.where(mask, arc, 0)
    source = np.zeros(N, dtype=np.float32)
    scale = np.zeros(N)
    graph_of_node = np.repeat(np.arange(len(graphs)), [g.n for g in graphs])
    trajs = [bellman_ford_trajectory(g) for g in graphs]
    T = max(min_steps, max(t.rounds for t in trajs))
    K = arc.shape[1]
    hint_ptr = np.zeros((T + 1, N, K + 1), dtype=np.float32)
    hint_d = np.zeros((T + 1, N), dtype=np.float32)
    hint_reached = np.zeros((T + 1, N), dtype=np.float32)
    for g, o in zip(graphs, offsets):
        source[o + g.source] = 1
        s = max(1.0, float(np.max(np.abs(g.weights)))) if len(g.weights) else 1.0
        scale[o:o + g.n] = s
    for t in range(T + 1):
        d_all = np.concatenate([tr.distances[min(t, tr.rounds)] for tr in trajs])
        tight_all = np.concatenate([tr.tight[min(t, tr.rounds)] for tr in trajs]) if len(tails) else np.zeros(0, dtype=bool)
        reached = np.isfinite(d_all)
        hint_reached[t] = reached
        hint_d[t] = np.where(reached, d_all / scale, 0.0)
        valid = np.where(mask, tight_all[safe] if len(tails) else False, False)
        hint_ptr[t, :, :K] = valid
        hint_ptr[t, :, K] = ~valid.any(axis=1)
    return Batch(
        n=N,
        source=source,
        nbr_index=np.where(mask, tails[safe] if len(tails) else 0, 0).astype(np.int64),
        # Per-graph normalization, so a batch of graphs looks to the model like each graph alone.
        nbr_weight=np.where(mask, (weights / scale[tails])[safe] if len(tails) else 0, 0).astype(np.float32),
        nbr_mask=mask.astype(np.float32),
        nbr_arc=arc,
        graph_of_node=graph_of_node,
        scale=scale,
        steps=T,
        hints=dict(pi_h=hint_ptr, d_h=hint_d, reached_h=hint_reached),
    )


def sample_training_graphs(rng: np.random.Generator, count: int, n_min: int = 4, n_max: int = 16):
    graphs = []
    for _ in range(count):
        family = FAMILIES[int(rng.integers(len(FAMILIES)))]
        weighting = WEIGHTINGS[int(rng.integers(len(WEIGHTINGS)))]
        n = int(rng.integers(n_min, n_max + 1))
        graphs.append(sample_graph(family, n, weighting, rng))
    return graphs
