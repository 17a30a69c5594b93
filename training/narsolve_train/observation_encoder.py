"""The observation encoder for noisy routes: raw edge observations in, one decoded cost per arc out.

A DeepSets encoder over each arc's observations (permutation-invariant, count-aware: masked mean,
max and min of per-observation features, plus the count of finite observations over a fixed scale), centred on the
graph's own median log-observation so it is scale-free, then `rounds` rounds of context: each arc
reads the mean embedding of the arcs at its tail and at its head (padded incident lists, gather and
masked mean, the export-friendly pattern of the processors), because congestion is spatially
correlated and a neighbour's observations say something about this arc. The head decodes a log
cost, clamped to the arc's own observations (the smallest and the largest), so agreeing
observations decode to their value and nothing decodes outside what was measured. The decoded costs are what the pretrained Bellman-Ford processor reads as edge weights, and what
the service's certificate is stated against.
"""
import torch
from torch import nn

from .bellman_ford_model import mlp


class ObservationEncoder(nn.Module):
    def __init__(self, hidden: int, rounds: int, count_scale: float, level_pooling: int = 0):
        super().__init__()
        self.hidden = hidden
        # Counts are divided by a constant, never by the padded width, which differs between training and serving.
        self.count_scale = count_scale
        # Level pooling (see _pooled_levels): one learned bandwidth each, from tight to loose; 0 = none.
        self.level_pooling = level_pooling
        if level_pooling:
            self.log_bandwidth = nn.Parameter(torch.linspace(-1.5, 0.5, level_pooling) if level_pooling > 1 else torch.tensor([-0.5]))
        extra = 3 * level_pooling
        self.phi = mlp([2, hidden, hidden])
        self.rho = mlp([3 * hidden + 3 + extra, hidden, hidden])
        self.context = nn.ModuleList([mlp([3 * hidden, hidden, hidden]) for _ in range(rounds)])
        self.head = mlp([hidden + 3 + extra, hidden, 1])

    def forward(self, log_obs, obs_mask, centre, spread, tail_arcs, tail_mask, head_arcs, head_mask, tails, heads):
        """log_obs, obs_mask: [M, O] (log observations, 1 where present); centre, spread: [M] the
        graph's median log-observation and its spread; tail_arcs/head_arcs: [N, K] arcs incident to
        each node, padded, with masks. Returns the decoded log cost of every arc, [M]."""
        z = (log_obs - centre[:, None]) / spread[:, None]
        z = z * obs_mask
        feats = self.phi(torch.stack([z, z.abs()], dim=-1))                           # [M, O, H]
        m = obs_mask.unsqueeze(-1)
        count = obs_mask.sum(dim=1, keepdim=True).clamp(min=1.0)
        mean = (feats * m).sum(dim=1) / count
        big = 1e4
        top = (feats * m - big * (1 - m)).max(dim=1).values
        low = (feats * m + big * (1 - m)).min(dim=1).values
        counts = torch.cat([count / self.count_scale, torch.log(count), spread[:, None]], dim=1)
        # The robust per-arc median (in units of the spread): where the decoding starts.
        median_z = _masked_median(z, obs_mask)
        if self.level_pooling:
            counts = torch.cat([counts, self._pooled_levels(median_z, count.squeeze(1), tail_arcs, tail_mask, head_arcs, head_mask, tails, heads)], dim=1)
        e = self.rho(torch.cat([mean, top, low, counts], dim=1))                       # [M, H]
        for layer in self.context:
            at = _node_mean(e, tail_arcs, tail_mask) + _node_mean(e, head_arcs, head_mask)  # [N, H]
            e = e + layer(torch.cat([e, at[tails], at[heads]], dim=1))
        out = centre + spread * (median_z + self.head(torch.cat([e, counts], dim=1)).squeeze(-1))
        # The guard, by construction: never outside the arc's own observations (the service clamps
        # again after decoding, so this holds for any model; here training sees what is served).
        lo = torch.where(obs_mask > 0, log_obs, torch.full_like(log_obs, big)).min(dim=1).values
        hi = torch.where(obs_mask > 0, log_obs, torch.full_like(log_obs, -big)).max(dim=1).values
        return torch.max(torch.min(out, hi), lo)


    def _pooled_levels(self, level, count, tail_arcs, tail_mask, head_arcs, head_mask, tails, heads):
        """Neighbourhood evidence that knows when to pool: for each arc, the arcs that touch either of
        its ends, each weighted by its observation count and by how close its median level is to this
        arc's (a Gaussian in level, one learned bandwidth per feature triple), so that links sharing a
        capacity pool their samples and links of another class do not. Per bandwidth: the pooled level
        minus the arc's own, the share of the neighbours' weight that agrees, and the log of the agreeing
        weight. [M, 3 x level_pooling]."""
        levels, weights = [], []
        for arcs, mask in ((tail_arcs, tail_mask), (head_arcs, head_mask)):
            for end in (tails, heads):
                at = arcs[end]                                                        # [M, K]
                levels.append(level[at])
                weights.append(count[at] * mask[end])
        lv, wt = torch.cat(levels, dim=1), torch.cat(weights, dim=1)                  # [M, 4K]
        total = wt.sum(dim=1).clamp(min=1e-6)
        out = []
        for b in range(self.level_pooling):
            width = torch.exp(self.log_bandwidth[b])
            sim = torch.exp(-0.5 * ((lv - level[:, None]) / width) ** 2) * wt
            mass = sim.sum(dim=1).clamp(min=1e-6)
            out += [(sim * lv).sum(dim=1) / mass - level, mass / total, torch.log1p(mass)]
        return torch.stack(out, dim=1)


def _node_mean(e, arcs, mask):
    return (e[arcs] * mask.unsqueeze(-1)).sum(dim=1) / mask.sum(dim=1, keepdim=True).clamp(min=1.0)


def _masked_median(z, mask):
    big = 1e4
    filled = torch.where(mask > 0, z, torch.full_like(z, big))
    ordered = torch.sort(filled, dim=1).values
    count = mask.sum(dim=1).long().clamp(min=1)
    lo = torch.gather(ordered, 1, ((count - 1) // 2)[:, None]).squeeze(1)
    hi = torch.gather(ordered, 1, (count // 2)[:, None]).squeeze(1)
    return (lo + hi) / 2
