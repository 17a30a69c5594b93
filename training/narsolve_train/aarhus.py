"""Real observation patterns for training: the Aarhus travel times as noisy-route graphs.

Real travel times of 449 Aarhus road links every 5 minutes for 61 days (City of Aarhus / CityPulse,
CC BY 4.0; ../shared/data/aarhus-traffic/, README there). A graph for day d and a period of the day
gives each link its mean travel time in that period on each of the previous k days (NaN where no
vehicle was seen) as its observations, and day d's mean as its true cost, the way
bench/noisy-eval.ts forms requests. Training may read targets on days before FIRST_VALIDATION_DAY
only: days 22-35 validate the choice and days 36-60 are held out (bench/noisy-eval.ts).
"""
import gzip
import json
import warnings
from pathlib import Path

import numpy as np

from .noisy_routes_data import MAX_OBSERVATIONS, NoisyGraph

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "aarhus-traffic"
FIRST_VALIDATION_DAY = 22
SLOTS_PER_DAY = 288
# Hour-long periods every hour from 06:00 to 21:00: more than the evaluation's four, so training
# sees the city's daily rhythm, not the evaluation's periods alone.
TRAINING_PERIODS = [(h * 12, 12) for h in range(6, 22)]


class AarhusDays:
    """The network and its per-period daily means; graph() forms one request for training."""

    def __init__(self, folder: Path = DEFAULT_DIR, periods=TRAINING_PERIODS):
        net = json.loads((folder / "network.json").read_text())
        nodes = sorted({l["from"] for l in net["links"]} | {l["to"] for l in net["links"]})
        index = {v: i for i, v in enumerate(nodes)}
        self.n = len(nodes)
        self.tails = np.array([index[l["from"]] for l in net["links"]], dtype=np.int64)
        self.heads = np.array([index[l["to"]] for l in net["links"]], dtype=np.int64)
        self.nominal = np.array([l["nominalSeconds"] for l in net["links"]], dtype=np.float64)
        self.days = net["days"]
        times = np.frombuffer(gzip.open(folder / "travel_times.f32.gz").read(), "<f4").reshape(len(net["links"]), net["slots"])
        by_day = times[:, : self.days * SLOTS_PER_DAY].reshape(len(net["links"]), self.days, SLOTS_PER_DAY).astype(np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # a period no vehicle saw is NaN, as meant
            # means[p][link, day]: NaN where no vehicle was seen in the period that day.
            self.means = [np.nanmean(by_day[:, :, first:first + slots], axis=2) for first, slots in periods]
            self.typical = [np.nanmedian(m[:, :FIRST_VALIDATION_DAY], axis=1) for m in self.means]

    def graph(self, day: int, period: int, k: int) -> NoisyGraph:
        if day >= FIRST_VALIDATION_DAY:
            raise ValueError(f"AarhusDays.graph: day {day} is validation or held out; training reads days before {FIRST_VALIDATION_DAY}")
        if not 1 <= k <= min(day, MAX_OBSERVATIONS):
            raise ValueError(f"AarhusDays.graph: k = {k} days of history before day {day}")
        means = self.means[period]
        obs = np.full((len(self.tails), MAX_OBSERVATIONS), np.nan)
        obs[:, :k] = means[:, day - k:day]
        unseen = ~np.isfinite(obs).any(axis=1)
        # A link nobody drove in the window is known by its nominal time, as the evaluation's requests give it.
        obs[unseen, 0] = self.nominal[unseen]
        realized = means[:, day]
        typical = self.typical[period]
        truth = np.where(np.isfinite(realized), realized, np.where(np.isfinite(typical), typical, self.nominal))
        return NoisyGraph(self.n, self.tails, self.heads, truth, obs, 0, 1, "aarhus")
