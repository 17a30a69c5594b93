"""The training smoke run (scripts/training-smoke.sh, part of `npm test`): every model in the
registry trained for a few steps with its own training command, then exported into one models folder
that the TypeScript contract tests replay through onnxruntime-node.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m narsolve_train.smoke --steps 25 --out /tmp/smoke
"""
import argparse
import subprocess
import sys
from pathlib import Path

from .registry import ALGORITHMS


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--out", type=Path, required=True, help="a work folder: runs/<model>/ and models/ go inside")
    args = ap.parse_args(argv)
    for name, algorithm in ALGORITHMS.items():
        run = args.out / "runs" / name
        module, *train_args = algorithm.train
        for command in (
            [sys.executable, "-m", module, *train_args, "--steps", str(args.steps), "--out", str(run)],
            [sys.executable, "-m", "narsolve_train.export", "--algorithm", name, "--weights", str(run / "model.pt"), "--models", str(args.out / "models")],
        ):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                sys.stderr.write(done.stdout + done.stderr)
                raise SystemExit(f"smoke: {' '.join(command[2:])} failed with status {done.returncode}")
            print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else f"{name}: ok")


if __name__ == "__main__":
    main()
