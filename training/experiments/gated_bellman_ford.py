"""The v0.3 Bellman-Ford processor (gated message passing, hidden 32), served until v0.4.0 and kept
only for the hop-depth curriculum ablation of the model card (experiments/curriculum.py). Not part of
the package the product trains from."""
import torch
from torch import nn

from narsolve_train.bellman_ford_model import NEG, mlp


class GatedBellmanFordStep(nn.Module):
    """The v0.3 processor, kept for the hop-depth curriculum ablation (experiments/curriculum.py): one round. Per-arc work is kept to O(N·K·H): arc functions are sums of per-node linear
    projections (computed once per node, then gathered) and a per-arc edge term, followed by a
    ReLU; the dense O(H²) layers run per node only. That keeps a step on a 1000-node, 5000-edge
    graph at a few milliseconds in onnxruntime-node (median 2.3 ms, `npm run bench:step-profile`).
    `hidden` comes from the spec (model.hidden); there is no default, so no caller can drift from it."""

    def __init__(self, hidden: int):
        super().__init__()
        self.hidden = hidden
        self.encode_node = nn.Linear(1, hidden)
        self.msg_tail = nn.Linear(hidden, hidden)
        self.msg_head = nn.Linear(hidden, hidden, bias=False)
        # Edge terms read the scalar weight directly: a per-arc H×H layer would cost O(N·K·H²).
        self.msg_edge = nn.Linear(1, hidden, bias=False)
        self.msg_out = nn.Linear(hidden, hidden)
        self.update = nn.Linear(2 * hidden, hidden)
        self.gate = nn.Linear(2 * hidden, hidden)
        self.ptr_tail = nn.Linear(hidden, hidden)
        self.ptr_head = nn.Linear(hidden, hidden, bias=False)
        self.ptr_edge = nn.Linear(1, hidden, bias=False)
        self.ptr_score = nn.Linear(hidden, 1)
        self.pointer_self = mlp([2 * hidden, hidden, 1])
        self.distance = mlp([hidden, hidden, 1])
        self.reached = nn.Linear(hidden, 1)

    def forward(self, h, source, nbr_index, nbr_weight, nbr_mask):
        scale = torch.clamp(torch.max(torch.abs(nbr_weight) * nbr_mask), min=1e-12)
        w = (nbr_weight / scale).unsqueeze(-1)                                 # [N, K, 1]
        x = self.encode_node(source.unsqueeze(-1))                             # [N, H]
        z = x + h
        # max_k relu(tail_k + edge_k + head) == relu(max_k(tail_k + edge_k) + head): the head term does
        # not depend on the arc, so it is added after the max, over [N, H] instead of [N, K, H]; padding
        # sits at NEG inside the max. Same function as the textbook form, about half the per-arc work.
        pad = ((nbr_mask - 1.0) * -NEG).unsqueeze(-1)                            # 0 for real arcs, NEG for padding
        best = torch.max(self.msg_tail(z)[nbr_index] + (self.msg_edge(w) + pad), dim=1).values
        has_in = (torch.sum(nbr_mask, dim=1, keepdim=True) > 0).float()
        agg = self.msg_out(torch.relu(best + self.msg_head(z)) * has_in)        # nodes without incoming arcs get a constant
        zc = torch.cat([z, agg], dim=-1)
        g = torch.sigmoid(self.gate(zc))
        h_next = g * torch.relu(self.update(zc)) + (1.0 - g) * h
        ptr = self.ptr_tail(h_next)[nbr_index] + self.ptr_head(h_next).unsqueeze(1) + self.ptr_edge(w)
        arc_logits = self.ptr_score(torch.relu(ptr)).squeeze(-1)
        arc_logits = arc_logits * nbr_mask + (1.0 - nbr_mask) * NEG
        self_logit = self.pointer_self(torch.cat([h_next, x], dim=-1))
        pointer_logits = torch.cat([arc_logits, self_logit], dim=1)            # [N, K+1]
        distance = self.distance(h_next).squeeze(-1) * scale
        reached = torch.sigmoid(self.reached(h_next).squeeze(-1))
        return h_next, pointer_logits, distance, reached
