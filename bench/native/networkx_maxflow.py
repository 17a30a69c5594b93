"""NetworkX baseline for npm run bench: preflow_push maximum flow on the edge-list file bench/native.ts
writes (first line "n m s t", then "u v capacity"). Prints one JSON line with the value and the
milliseconds to build the graph and to solve (file reading not counted)."""
import json
import sys
import time

import networkx as nx
from networkx.algorithms.flow import preflow_push


def main(path):
    with open(path) as f:
        n, m, s, t = map(int, f.readline().split())
        edges = [line.split() for line in f]
    t0 = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v, c in edges:
        u, v, c = int(u), int(v), float(c)
        if u == v:
            continue
        # Parallel arcs merge into one of summed capacity: the same maximum flow.
        if g.has_edge(u, v):
            g[u][v]["capacity"] += c
        else:
            g.add_edge(u, v, capacity=c)
    t1 = time.perf_counter()
    value = nx.maximum_flow_value(g, s, t, flow_func=preflow_push)
    t2 = time.perf_counter()
    print(json.dumps(dict(value=value, buildMs=(t1 - t0) * 1000, solveMs=(t2 - t1) * 1000)))


if __name__ == "__main__":
    main(sys.argv[1])
