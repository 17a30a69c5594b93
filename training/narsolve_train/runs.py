"""A seeded, resumable training run in a folder, shared by every trainer.

<out>/checkpoint.pt holds the modules, the optimizer, the step and both RNG states every
`checkpoint_every` steps (written to a temporary file, then renamed, so a kill never leaves a torn
checkpoint); running the same command again resumes from it. <out>/loss.csv gets one row a step.
"""
import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np
import torch

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is a convenience, not a requirement
    tqdm = None


class Run:
    def __init__(self, out: Path, modules: dict, optimizer, rng: np.random.Generator, steps: int, columns, checkpoint_every: int = 100):
        out.mkdir(parents=True, exist_ok=True)
        self.modules, self.optimizer, self.rng, self.steps, self.checkpoint_every = modules, optimizer, rng, steps, checkpoint_every
        self.checkpoint_path = out / "checkpoint.pt"
        self.start = 0
        if self.checkpoint_path.exists():
            state = torch.load(self.checkpoint_path)
            for name, module in modules.items():
                module.load_state_dict(state[name])
            optimizer.load_state_dict(state["optimizer"])
            self.start = state["step"]
            rng.bit_generator.state = state["numpy_rng"]
            torch.set_rng_state(state["torch_rng"])
            print(f"resuming from step {self.start}")
        log_path = out / "loss.csv"
        if self.start and log_path.exists():
            # Steps logged after the last checkpoint were lost with the run that logged them; drop them
            # so the resumed run's rows are not logged twice.
            rows = log_path.read_text().splitlines(keepends=True)
            log_path.write_text("".join(r for r in rows if not r[:1].isdigit() or int(r.split(",", 1)[0]) <= self.start))
        self.log = open(log_path, "a", newline="")
        self.writer = csv.writer(self.log)
        if self.start == 0:
            self.writer.writerow(["step", *columns, "seconds"])
        self.bar = tqdm(total=steps, initial=self.start, unit="step") if tqdm else None
        self.began = time.time()

    def steps_left(self):
        return range(self.start + 1, self.steps + 1)

    def record(self, step: int, **values: float):
        """Logs a step's figures, shows them, and checkpoints when it is time."""
        self.writer.writerow([step, *(f"{v:.5f}" for v in values.values()), f"{time.time() - self.began:.1f}"])
        if self.bar:
            self.bar.update(1)
            self.bar.set_postfix({k: f"{v:.4f}" for k, v in values.items()})
        elif step % 50 == 0:
            print(f"step {step} " + " ".join(f"{k} {v:.4f}" for k, v in values.items()), flush=True)
        if step % self.checkpoint_every == 0 or step == self.steps:
            self.log.flush()
            state = {name: module.state_dict() for name, module in self.modules.items()}
            state.update(optimizer=self.optimizer.state_dict(), step=step, numpy_rng=self.rng.bit_generator.state, torch_rng=torch.get_rng_state())
            torch.save(state, self.checkpoint_path.with_suffix(".tmp"))
            os.replace(self.checkpoint_path.with_suffix(".tmp"), self.checkpoint_path)

    def close(self):
        if self.bar:
            self.bar.close()
        self.log.close()


def add_run_arguments(parser: argparse.ArgumentParser, modes, default_mode: str, default_steps: int) -> None:
    """The options every resumable trainer takes: its mode, the run's length and batch, and where it writes."""
    parser.add_argument("--mode", choices=modes, default=default_mode)
    parser.add_argument("--steps", type=int, default=default_steps)
    parser.add_argument("--batch-graphs", type=int, default=8)
    parser.add_argument("--n-max", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--checkpoint-every", type=int, default=100)


def encoder_optimizer(encoder: torch.nn.Module, processor: torch.nn.Module, mode: str, lr: float) -> torch.optim.Optimizer:
    """Adam over the encoder, and over the processor at a tenth of the rate when mode is "unfrozen" (else the processor is frozen)."""
    params = [dict(params=encoder.parameters(), lr=lr)]
    if mode == "unfrozen":
        params.append(dict(params=processor.parameters(), lr=lr / 10))
    else:
        for p in processor.parameters():
            p.requires_grad_(False)
    return torch.optim.Adam(params)
