"""Encode-process-decode network for Bellman-Ford: one call is one round (one processor step).

The processor is a gated message-passing network with max aggregation over each node's incoming
arcs. Arcs are given as padded incoming-neighbour lists ([N, K]) and aggregated with a gather and
a masked max, because torch 1.13 cannot export scatter_reduce to ONNX; the padding makes the
model sparse (work ~ N·K, not N²), so it reaches graphs of 10^5 edges.

Inputs are normalized inside the model (weights divided by the largest |weight| over all real
arcs), so training and serving cannot disagree about it.
"""
import torch
from torch import nn

NEG = -1e9


def mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


class BellmanFordStep(nn.Module):
    def __init__(self, hidden: int = 64):
        super().__init__()
        self.hidden = hidden
        self.encode_node = nn.Linear(1, hidden)
        self.encode_edge = nn.Linear(1, hidden)
        self.message = mlp([3 * hidden, hidden, hidden])
        self.update = nn.Linear(2 * hidden, hidden)
        self.gate = nn.Linear(2 * hidden, hidden)
        self.pointer_arc = mlp([3 * hidden, hidden, 1])
        self.pointer_self = mlp([2 * hidden, hidden, 1])
        self.distance = mlp([hidden, hidden, 1])
        self.reached = nn.Linear(hidden, 1)

    def forward(self, h, source, nbr_index, nbr_weight, nbr_mask):
        n, k = nbr_index.shape
        scale = torch.clamp(torch.max(torch.abs(nbr_weight) * nbr_mask), min=1e-12)
        w = (nbr_weight / scale).unsqueeze(-1)                       # [N, K, 1]
        x = self.encode_node(source.unsqueeze(-1))                   # [N, H]
        z = x + h
        e = self.encode_edge(w)                                       # [N, K, H]
        z_tail = z[nbr_index]                                        # [N, K, H]
        z_head = z.unsqueeze(1).expand(n, k, self.hidden)
        m = self.message(torch.cat([z_tail, z_head, e], dim=-1))    # [N, K, H]
        mask = nbr_mask.unsqueeze(-1)
        agg = torch.max(m * mask + (1.0 - mask) * NEG, dim=1).values
        has_in = (torch.sum(nbr_mask, dim=1, keepdim=True) > 0).float()
        agg = agg * has_in                                            # nodes without incoming arcs get 0
        zc = torch.cat([z, agg], dim=-1)
        g = torch.sigmoid(self.gate(zc))
        h_next = g * torch.relu(self.update(zc)) + (1.0 - g) * h
        hn_tail = h_next[nbr_index]
        hn_head = h_next.unsqueeze(1).expand(n, k, self.hidden)
        arc_logits = self.pointer_arc(torch.cat([hn_tail, hn_head, e], dim=-1)).squeeze(-1)
        arc_logits = arc_logits * nbr_mask + (1.0 - nbr_mask) * NEG
        self_logit = self.pointer_self(torch.cat([h_next, x], dim=-1))
        pointer_logits = torch.cat([arc_logits, self_logit], dim=1)  # [N, K+1]
        distance = self.distance(h_next).squeeze(-1) * scale
        reached = torch.sigmoid(self.reached(h_next).squeeze(-1))
        return h_next, pointer_logits, distance, reached
