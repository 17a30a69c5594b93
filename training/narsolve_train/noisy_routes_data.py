"""Road-like graphs with hidden true travel costs and noisy, partly missing observations of them.

The noise model (seeded; every parameter drawn per graph, so one model sees a broad range):

- Topology: "grid" (a rows x cols street grid, a share of cells with one diagonal), "geometric"
  (points in the unit square joined to their 3-4 nearest neighbours), and, held out of training,
  "holes" (a grid with a share of its intersections removed, so routes detour).
- True cost of an edge = its length x a congestion factor. Congestion is spatially correlated: a
  smooth field of 1-6 Gaussian bumps (random centres, widths 0.05-0.4 of the map: the congestion
  extent) on top of free flow, times a small independent factor per edge (lognormal, sigma 0.1).
- Observations per edge: 1..10, varying by edge. Each is the true cost x lognormal noise (sigma
  drawn per graph in 0.05-0.6); with probability p_out (per graph, 0-0.2) a heavy-tailed upward
  outlier (x 2-12, an incident or a GPS glitch); with probability p_miss (per graph, 0-0.3) missing
  (None). Every edge keeps at least one finite observation (the service refuses an edge without).
- The out-of-distribution setting never seen in training: the "holes" family, and "heavy" noise
  (sigma 0.6-0.9, outliers 0.2-0.35 of observations).

Graphs are directed arc lists (both arcs of each street, each with its own observations and cost).
"""
from dataclasses import dataclass

import numpy as np

TRAIN_FAMILIES = ("grid", "geometric")
HELD_OUT_FAMILIES = ("holes",)
MAX_OBSERVATIONS = 10
NOISE = ("training", "heavy", "low")


@dataclass
class NoisyGraph:
    n: int
    tails: np.ndarray          # int64 [m]
    heads: np.ndarray          # int64 [m]
    true_cost: np.ndarray      # float64 [m], > 0
    observations: np.ndarray   # float64 [m, MAX_OBSERVATIONS], NaN where missing or beyond the edge's count
    source: int
    target: int
    family: str = ""


def _grid(n: int, rng, holes: float = 0.0):
    cols = max(2, int(round(np.sqrt(n) * rng.uniform(0.8, 1.25))))
    rows = max(2, int(np.ceil(n / cols)))
    keep = rng.random(rows * cols) >= holes
    pts = np.stack(np.meshgrid(np.arange(cols), np.arange(rows)), -1).reshape(-1, 2).astype(float)
    pts += rng.normal(0, 0.15, pts.shape)
    pts /= max(rows, cols)
    pairs = []
    for r in range(rows):
        for c in range(cols):
            u = r * cols + c
            if c + 1 < cols:
                pairs.append((u, u + 1))
            if r + 1 < rows:
                pairs.append((u, u + cols))
            if c + 1 < cols and r + 1 < rows and rng.random() < 0.15:
                pairs.append((u, u + cols + 1) if rng.random() < 0.5 else (u + 1, u + cols))
    pairs = [(u, v) for u, v in pairs if keep[u] and keep[v]]
    return _relabel(pts, pairs, keep)


def _geometric(n: int, rng):
    pts = rng.random((n, 2))
    k = min(int(rng.integers(3, 5)), n - 1)
    pairs = set()
    for u in range(n):
        d = np.sum((pts - pts[u]) ** 2, axis=1)
        d[u] = np.inf
        for v in np.argsort(d)[:k]:
            pairs.add((min(u, int(v)), max(u, int(v))))
    return pts, sorted(pairs)


def _relabel(pts, pairs, keep):
    index = -np.ones(len(keep), dtype=np.int64)
    index[keep] = np.arange(int(keep.sum()))
    return pts[keep], [(int(index[u]), int(index[v])) for u, v in pairs]


def _largest_component(n, pairs):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for u, v in pairs:
        parent[find(u)] = find(v)
    roots = np.array([find(x) for x in range(n)])
    big = np.bincount(roots).argmax()
    return roots == big


def sample_noisy_graph(family: str, n: int, rng: np.random.Generator, heavy: bool = False, noise: str = "") -> NoisyGraph:
    """One road-like graph of about n nodes with true costs and observations (see the module doc)."""
    if family == "grid":
        pts, pairs = _grid(n, rng)
    elif family == "holes":
        pts, pairs = _grid(int(n / 0.85), rng, holes=0.15)
    elif family == "geometric":
        pts, pairs = _geometric(n, rng)
    else:
        raise ValueError(f"sample_noisy_graph: unknown family {family!r}")
    keep = _largest_component(len(pts), pairs)
    pts, pairs = _relabel(pts, [(u, v) for u, v in pairs if keep[u] and keep[v]], keep)
    pairs = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    tails = np.concatenate([pairs[:, 0], pairs[:, 1]])
    heads = np.concatenate([pairs[:, 1], pairs[:, 0]])
    length = np.linalg.norm(pts[tails] - pts[heads], axis=1) + 1e-3
    mid = (pts[tails] + pts[heads]) / 2
    field = np.zeros(len(tails))
    for _ in range(int(rng.integers(1, 7))):
        centre, width = rng.random(2), rng.uniform(0.05, 0.4)
        field += rng.uniform(0.3, 2.0) * np.exp(-np.sum((mid - centre) ** 2, axis=1) / (2 * width ** 2))
    true_cost = 100.0 * length * np.exp(field) * np.exp(rng.normal(0, 0.1, len(tails)))
    observations = observe(true_cost, rng, noise or ("heavy" if heavy else "training"))
    m_nodes = len(pts)
    source, target = (int(x) for x in rng.choice(m_nodes, 2, replace=False))
    return NoisyGraph(m_nodes, tails, heads, true_cost, observations, source, target, family)


def observe(true_cost: np.ndarray, rng: np.random.Generator, noise: str = "training") -> np.ndarray:
    """Noisy observations of each cost: lognormal noise, upward outliers, missing values (see the module
    doc). noise: "training", "heavy" (held out), or "low" (sigma 0-0.05, no outliers: the regime where
    the plain mean is already right, held out of training too)."""
    if noise not in NOISE:
        raise ValueError(f"observe: unknown noise {noise!r}")
    m = len(true_cost)
    sigma, p_out = {"training": lambda: (rng.uniform(0.05, 0.6), rng.uniform(0.0, 0.2)),
                    "heavy": lambda: (rng.uniform(0.6, 0.9), rng.uniform(0.2, 0.35)),
                    "low": lambda: (rng.uniform(0.0, 0.05), 0.0)}[noise]()
    p_miss = rng.uniform(0.0, 0.3)
    count = rng.integers(1, MAX_OBSERVATIONS + 1, m)
    obs = true_cost[:, None] * np.exp(rng.normal(0, sigma, (m, MAX_OBSERVATIONS)))
    outlier = rng.random((m, MAX_OBSERVATIONS)) < p_out
    obs[outlier] *= rng.uniform(2.0, 12.0, int(outlier.sum()))
    missing = rng.random((m, MAX_OBSERVATIONS)) < p_miss
    slot = np.arange(MAX_OBSERVATIONS)[None, :]
    missing |= slot >= count[:, None]
    # At least one finite observation per edge: the first slot is never dropped by p_miss.
    missing[:, 0] = False
    obs[missing] = np.nan
    return obs


# Classical point estimates of each edge's cost from its finite observations.

def estimate(observations: np.ndarray, kind: str) -> np.ndarray:
    """mean, median, trimmed (20% each side) or huber (Huber M-estimate, k = 1.345 MAD, in log space)."""
    x = observations
    if kind == "mean":
        return np.nanmean(x, axis=1)
    if kind == "median":
        return np.nanmedian(x, axis=1)
    if kind == "trimmed":
        out = np.empty(len(x))
        for i, row in enumerate(x):
            r = np.sort(row[np.isfinite(row)])
            cut = int(len(r) * 0.2)
            out[i] = r[cut:len(r) - cut].mean() if len(r) - 2 * cut > 0 else np.median(r)
        return out
    if kind == "huber":
        logs = np.log(x)
        mu = np.nanmedian(logs, axis=1)
        mad = np.nanmedian(np.abs(logs - mu[:, None]), axis=1) * 1.4826
        scale = np.maximum(mad, 0.05)
        for _ in range(20):
            r = (logs - mu[:, None]) / scale[:, None]
            w = np.where(np.abs(r) <= 1.345, 1.0, 1.345 / np.maximum(np.abs(r), 1e-12))
            w = np.where(np.isfinite(logs), w, 0.0)
            mu = np.nansum(w * np.nan_to_num(logs), axis=1) / np.maximum(w.sum(axis=1), 1e-12)
        return np.exp(mu)
    raise ValueError(f"estimate: unknown kind {kind!r}")


ESTIMATES = ("mean", "median", "trimmed", "huber")


def write_estimates_golden(path: str, seed: int = 5) -> None:
    """The golden file pinning the TypeScript estimates (src/graph/estimates.ts) to these: random
    positive observation lists, NaN for a missing one, with each estimate of the finite values."""
    import json
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(60):
        count = int(rng.integers(1, MAX_OBSERVATIONS + 1))
        row = np.full(MAX_OBSERVATIONS, np.nan)
        row[:count] = np.exp(rng.normal(np.log(50), rng.uniform(0.01, 1.0), count)) * np.where(rng.random(count) < 0.15, rng.uniform(2, 12, count), 1.0)
        row[1:count][rng.random(count - 1) < 0.2] = np.nan
        values = [float(x) for x in row[np.isfinite(row)]]
        cases.append(dict(values=values, **{k: float(estimate(row[None, :], k)[0]) for k in ESTIMATES}))
    with open(path, "w") as f:
        json.dump(dict(source="python3 -m narsolve_train.noisy_routes_data --estimates-golden ../tests/fixtures/estimates_golden.json", cases=cases), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    import sys
    if sys.argv[1:2] != ["--estimates-golden"] or len(sys.argv) != 3:
        sys.exit("usage: python3 -m narsolve_train.noisy_routes_data --estimates-golden <file>")
    write_estimates_golden(sys.argv[2])
