"""Recover a committed model's torch weights from its ONNX file, for evaluation or re-export.

    /usr/bin/python3 -m narsolve_train.recover --algorithm bellman_ford   # writes runs/bellman_ford/model_from_onnx.pt

Training runs (runs/) are not committed, so without this a spec edit or an evaluation change could not
be applied to the served weights. The exported step keeps every Linear layer's weight: those with a
bias under their own names, those without one as anonymous MatMul initializers (transposed), in the
order forward() uses them. The recovered weights are accepted only if torch reproduces the committed
golden outputs (models/fixtures/<algorithm>_golden.json) within their tolerance.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch

from .registry import ALGORITHMS, PROCESSORS, build_model
from .spec import load_spec, tensor_names

MODELS = Path(__file__).resolve().parents[2] / "models"


def recover(algorithm: str, models: Path = MODELS):
    """The model with its weights read from <models>/<algorithm>.onnx; raises unless they reproduce the golden outputs."""
    import onnx
    from onnx import numpy_helper

    spec = load_spec(algorithm)
    initializers = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(models / f"{algorithm}.onnx")).graph.initializer}
    anonymous = sorted((k for k in initializers if k.startswith("onnx::")), key=lambda k: int(k.rsplit("_", 1)[1]))
    layers = ALGORITHMS[algorithm].anonymous
    if len(anonymous) != len(layers):
        raise ValueError(f"recover: {algorithm}.onnx has {len(anonymous)} anonymous weights, expected {len(layers)}")
    names = dict(zip(anonymous, (f"{layer}.weight" for layer in layers)))
    state = {names.get(k, k): torch.tensor(np.array(v.T if k in names else v)) for k, v in initializers.items()}
    model = build_model(algorithm, spec)
    model.load_state_dict(state)
    model.eval()
    worst, tolerance = golden_error(model, spec, models / "fixtures" / f"{algorithm}_golden.json")
    if worst > tolerance:
        raise ValueError(f"recover: the recovered {algorithm} weights miss the golden outputs by {worst:.3g} (tolerance {tolerance})")
    return model, worst


def golden_error(model, spec: dict, path: Path):
    """The largest relative difference between the model's outputs and the golden ones (padding logits left out)."""
    golden = json.loads(path.read_text())
    inputs, outputs = tensor_names(spec)
    worst = 0.0
    for case in golden["cases"]:
        feeds = []
        for name in inputs[1:]:
            data, shape = case["inputs"][name]
            feeds.append(torch.tensor(np.array(data).reshape(shape), dtype=torch.int64 if name.endswith("index") else torch.float32))
        h = torch.zeros(case["n"], golden["hidden"])
        with torch.no_grad():
            for step in case["steps"]:
                out = model(h, *feeds)
                for name, tensor in zip(outputs, out):
                    want = np.array(step[name])
                    real = want > -1e8
                    got = tensor.numpy().ravel()[real]
                    worst = max(worst, float(np.max(np.abs(got - want[real]) / np.maximum(1.0, np.abs(want[real])), initial=0.0)))
                h = out[0]
    return worst, golden["tolerance"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--algorithm", choices=PROCESSORS, default="bellman_ford")
    ap.add_argument("--models", type=Path, default=MODELS)
    ap.add_argument("--out", type=Path, help="default runs/<algorithm>/model_from_onnx.pt")
    args = ap.parse_args(argv)
    model, worst = recover(args.algorithm, args.models)
    out = args.out or Path("runs") / args.algorithm / "model_from_onnx.pt"
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out)
    print(f"recovered {args.algorithm} from {args.models / (args.algorithm + '.onnx')} into {out}; golden outputs reproduced within {worst:.2g}")


if __name__ == "__main__":
    main()
