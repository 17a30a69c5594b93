"""networkx's own max-flow test networks (gl1, gw1; wlm3 where the installed networkx ships it) as
JSON for npm run bench:small-maxflow: per network its nodes 0..n-1, edges with capacities, source and
sink (as networkx's tests use them: node 1 and node len(G)), and the flow value its tests assert."""
import bz2
import json
import os
import pickle
import sys

import networkx

TESTS = os.path.join(os.path.dirname(networkx.__file__), "algorithms", "flow", "tests")
# The values networkx's test_maxflow_large_graph.py asserts.
EXPECTED = {"gl1": 156545, "gw1": 1202018, "wlm3": 11875108}


def main():
    out = {}
    for name, value in EXPECTED.items():
        path = os.path.join(TESTS, name + ".gpickle.bz2")
        if not os.path.exists(path):
            out[name] = {"skipped": f"{path} is not in this networkx"}
            continue
        with bz2.BZ2File(path) as f:
            g = pickle.load(f)
        index = {node: i for i, node in enumerate(g.nodes())}
        edges = [[index[u], index[v], d["capacity"]] for u, v, d in g.edges(data=True)]
        out[name] = {"n": len(index), "edges": edges, "source": index[1], "sink": index[len(g)], "expected": value}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
