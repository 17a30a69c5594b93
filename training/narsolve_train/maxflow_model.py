"""Encode-process-decode network for maximum flow and minimum cut: one call is one processor step.

Flow depends on what can arrive (upstream capacity) and what can leave (downstream capacity), so
each step aggregates over incoming and outgoing arcs, both as padded lists ([N, K]) gathered and
reduced with a masked max and a masked mean (max cannot count, and flow is a sum). Per-arc work is
O(N·K·H), as in the Bellman-Ford step. Capacities are divided by the largest real capacity inside
the model, so training and serving cannot disagree about normalization.
"""
import torch
from torch import nn

from .bellman_ford_model import NEG, mlp


class ArcMessages(nn.Module):
    """relu(A·z[other] + B·z[self] + E·capacity) over one padded arc list, reduced by max and mean."""

    def __init__(self, hidden: int):
        super().__init__()
        self.other = nn.Linear(hidden, hidden)
        self.own = nn.Linear(hidden, hidden, bias=False)
        self.edge = nn.Linear(1, hidden, bias=False)

    def forward(self, z, index, cap, mask):
        msg = torch.relu(self.other(z)[index] + self.own(z).unsqueeze(1) + self.edge(cap.unsqueeze(-1)))
        m = mask.unsqueeze(-1)
        has = (torch.sum(mask, dim=1, keepdim=True) > 0).float()
        biggest = torch.max(msg * m + (1.0 - m) * NEG, dim=1).values * has
        mean = torch.sum(msg * m, dim=1) / torch.clamp(torch.sum(mask, dim=1, keepdim=True), min=1.0)
        return biggest, mean


class MaxflowStep(nn.Module):
    """One processor step. `hidden` comes from the spec (model.hidden); there is no default."""

    def __init__(self, hidden: int):
        super().__init__()
        self.hidden = hidden
        # Node features: source, sink, log(1 + total incoming / outgoing capacity), normalized. The log
        # keeps hubs (a sink fed by thousands of arcs) within the range seen in training.
        self.encode_node = nn.Linear(4, hidden)
        self.incoming = ArcMessages(hidden)
        self.outgoing = ArcMessages(hidden)
        self.update = nn.Linear(5 * hidden, hidden)
        self.gate = nn.Linear(5 * hidden, hidden)
        self.flow_tail = nn.Linear(hidden, hidden)
        self.flow_head = nn.Linear(hidden, hidden, bias=False)
        self.flow_edge = nn.Linear(1, hidden, bias=False)
        self.flow_score = nn.Linear(hidden, 1)
        self.cut = mlp([2 * hidden, hidden, 1])

    def forward(self, h, source, sink, in_index, in_capacity, in_mask, out_index, out_capacity, out_mask):
        scale = torch.clamp(torch.max(in_capacity * in_mask), min=1e-12)
        ci = in_capacity / scale * in_mask
        co = out_capacity / scale * out_mask
        feats = torch.stack([source, sink, torch.log1p(torch.sum(ci, dim=1)), torch.log1p(torch.sum(co, dim=1))], dim=-1)
        x = self.encode_node(feats)
        z = x + h
        in_max, in_mean = self.incoming(z, in_index, ci, in_mask)
        out_max, out_mean = self.outgoing(z, out_index, co, out_mask)
        zc = torch.cat([z, in_max, in_mean, out_max, out_mean], dim=-1)
        g = torch.sigmoid(self.gate(zc))
        h_next = g * torch.relu(self.update(zc)) + (1.0 - g) * h
        arc = self.flow_tail(h_next)[in_index] + self.flow_head(h_next).unsqueeze(1) + self.flow_edge(ci.unsqueeze(-1))
        flow_fraction = torch.sigmoid(self.flow_score(torch.relu(arc)).squeeze(-1)) * in_mask
        cut_logit = self.cut(torch.cat([h_next, x], dim=-1)).squeeze(-1)
        return h_next, flow_fraction, cut_logit


def maxflow_step(spec: dict) -> MaxflowStep:
    """The served max-flow processor, shaped by its spec (hidden size)."""
    return MaxflowStep(spec["model"]["hidden"])
