"""Draw the model card's size-generalization plot from `npm run bench:size-generalization`'s results.

    /usr/bin/python3 -m narsolve_train.plot_size_generalization    # in training/; needs python3-matplotlib

Reads every ../bench/results/size-generalization-<version>.json (one per processor version the bench
ran) and writes ../models/size_generalization.png: per family, the share of nodes at their exact
distance in the raw learned tree, and the processor steps, against the exact tree's hop depth.
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [json.loads(p.read_text()) for p in sorted((ROOT / "bench" / "results").glob("size-generalization-*.json"))]
    if not runs:
        raise SystemExit("plot_size_generalization: no bench/results/size-generalization-*.json; run npm run bench:size-generalization first")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for run, marker in zip(runs, "os^D"):
        depth = [max(r["hopDepth"]) for r in run["rows"]]
        left.scatter(depth, [100 * r["exactNodes"] for r in run["rows"]], marker=marker, label=f"v{run['version']}")
        right.scatter(depth, [max(r["steps"]) for r in run["rows"]], marker=marker, label=f"v{run['version']} (patience {run['patience']})")
    top = max(max(r["hopDepth"]) for run in runs for r in run["rows"])
    right.plot([0, top], [1, top + 1], color="grey", linewidth=1, label="hop depth + 1")
    left.set(xlabel="hop depth of the exact tree (deepest of the family's trees)", ylabel="nodes at exact distance, raw tree (%)", ylim=(0, 103))
    right.set(xlabel="hop depth of the exact tree", ylabel="processor steps (most of the family's runs)")
    left.set_title("Exactness on deep graphs (none in training)")
    right.set_title("Steps against hop depth")
    left.legend()
    right.legend()
    fig.tight_layout()
    out = ROOT / "models" / "size_generalization.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out} from {len(runs)} run(s): " + ", ".join(f"v{r['version']}" for r in runs))


if __name__ == "__main__":
    main()
