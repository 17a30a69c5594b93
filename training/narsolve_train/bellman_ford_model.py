"""Bellman-Ford processors: one call is one round (one processor step).

`BellmanFordStep` (served since 0.4) is a discrete processor in the spirit of Discrete Neural
Algorithmic Reasoning (Rodionov & Prokhorenkova, ICML 2025). Its learned part is a small finite-state
controller: per node a discrete state (one-hot), per arc and per node a learned gate that says whether
a candidate may compete, and a learned state transition. Its scalar part is exact bookkeeping: every
candidate's value is the tail's distance plus the arc's raw weight, each node selects the smallest
admitted candidate (hard attention), and its distance becomes exactly that candidate's value. No float
state is carried through a network, so nothing can drift over hundreds of rounds: the controller's
decisions depend only on finitely many discrete inputs, all of which training covers (and a test
enumerates), which is why it holds at any size.

It reads padded incoming-neighbour lists ([N, K]) with a gather and a masked max/min, because torch
1.13 cannot export scatter_reduce to ONNX; work is ~N·K, not N².
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
    """One synchronous round, discrete. h = [distance (raw weight units), pointer (its slot + 1, 0 for
    none or self), one-hot state (hidden - 2 states)]; all zeros before the first step, which the
    controller reads as its own start state.

    Candidates of node v: each incoming arc (value d[tail] + weight) and "keep" (value d[v]: v keeps its
    distance and its pointer, the textbook d(v) = min(d(v), ...)). The arc gate reads (state, source
    bit) of tail and head, the keep gate v's own; a candidate competes only if its gate is open. v keeps
    unless an open arc is strictly better; otherwise it takes the smallest open arc (ties: the earlier
    slot), and its distance becomes that arc's value exactly. Changing a pointer only on a strict
    improvement is what keeps the pointers a tree even through zero-weight cycles (a tie never moves
    one). The transition reads v's state, source bit and whether it now points along an arc. With no
    candidate open v points at itself and keeps distance 0 (unreached).
    pointer_logits are -(value - smallest) / (temperature x largest |weight|) for open candidates, plus
    BUMP on the chosen slot (which ties need): argmax is the selection, and a softmax over them is a
    differentiable relaxation for encoders trained through the frozen processor. `hidden` and
    `temperature` come from the spec."""

    BUMP = 1e-3

    def __init__(self, hidden: int, temperature: float):
        super().__init__()
        if hidden < 4:
            raise ValueError(f"BellmanFordStep: hidden must be at least 4 (a distance, a pointer and two states), got {hidden}")
        self.hidden = hidden
        self.states = hidden - 2
        self.temperature = temperature
        width = 4 * hidden
        features = self.states + 1                      # the state and the source bit
        # The arc gate is a sum of a tail score and a head score, each an MLP over a node's features: per
        # arc that is one gather and one add on scalars (the step's cost is per arc), and a sum of two
        # unary scores still expresses "the tail has an estimate and the head is not the source".
        self.arc_tail = mlp([features, width, 1])
        self.arc_head = mlp([features, width, 1])
        self.self_gate = mlp([features, width, 1])
        self.transition = mlp([features + 1, width, self.states])

    def controller_inputs(self, h, source):
        """Per node: its discrete state and source bit, the controller's only view of the graph."""
        return torch.cat([h[:, 2:], source.unsqueeze(-1)], dim=-1)

    def gates(self, f, nbr_index):
        """Gate logits: [N, K] for each incoming arc (tail score + head score), [N] for keep."""
        arc = self.arc_tail(f).squeeze(-1)[nbr_index] + self.arc_head(f)
        return arc, self.self_gate(f).squeeze(-1)

    def next_state(self, f, took_arc):
        """Transition logits [N, states] from the node's features and whether it points along an arc."""
        return self.transition(torch.cat([f, took_arc.unsqueeze(-1)], dim=-1))

    def forward(self, h, source, nbr_index, nbr_weight, nbr_mask):
        scale = torch.clamp(torch.max(torch.abs(nbr_weight) * nbr_mask), min=1e-12)
        f = self.controller_inputs(h, source)
        arc_gate, self_gate = self.gates(f, nbr_index)
        d, prev = h[:, 0], h[:, 1]
        arc_value = d[nbr_index] + nbr_weight                                      # [N, K]
        arc_open = (arc_gate > 0) & (nbr_mask > 0)
        keep_open = self_gate > 0
        any_arc = arc_open.any(dim=1)
        best_arc = torch.min(torch.where(arc_open, arc_value, torch.full_like(arc_value, float("inf"))), dim=1).values
        keep = keep_open & (d <= best_arc)                       # an arc must be strictly better to move the pointer
        best = torch.where(keep, d, torch.where(any_arc, best_arc, torch.zeros_like(d)))
        inverse = 1.0 / (self.temperature * scale)
        arc_logits = torch.where(arc_open, -(arc_value - best.unsqueeze(-1)) * inverse, torch.full_like(arc_value, NEG))
        # The last column is "self" (keep); with nothing open it must still win, so it sits above closed arcs.
        closed_self = torch.where(any_arc, torch.full_like(d, NEG), torch.full_like(d, NEG / 2))
        self_logit = torch.where(keep_open, -(d - best) * inverse, closed_self)
        logits = torch.cat([arc_logits, self_logit.unsqueeze(-1)], dim=1)
        # The chosen slot (K = self): the kept pointer, else the first smallest open arc, else self.
        k = torch.sum(torch.ones_like(nbr_mask), dim=1)                            # K per row, as a float
        first_arc = torch.argmax(arc_logits, dim=1).float()
        moved = torch.where(any_arc, first_arc, k)
        slot = torch.where(keep, torch.where(prev > 0, prev - 1.0, k), moved).long().unsqueeze(-1)
        logits = logits.scatter(1, slot, torch.gather(logits, 1, slot) + self.BUMP)
        slot = slot.squeeze(-1).float()
        pointer = torch.where(slot < k, slot + 1.0, torch.zeros_like(slot))          # slot + 1, 0 for self
        t = self.next_state(f, (pointer > 0).float())
        state = (t >= torch.max(t, dim=1, keepdim=True).values).float()
        h_next = torch.cat([best.unsqueeze(-1), pointer.unsqueeze(-1), state], dim=-1)
        return h_next, logits, best, (keep_open | any_arc).float()


def bellman_ford_step(spec: dict) -> BellmanFordStep:
    """The served processor, shaped by its spec (hidden size, pointer temperature)."""
    return BellmanFordStep(spec["model"]["hidden"], spec["model"]["pointer_temperature"])


def run_until_stable(model, h, args, patience: int, max_steps: int, watch: str):
    """The served stopping rule: steps until what `watch` names (the decoded pointers, or the whole
    state h bit for bit) has been unchanged for `patience` steps in a row, at most max_steps. Returns
    the last step's chosen slot per node (K = self), its predicted distances, the steps taken and
    whether the run settled."""
    prev = None
    unchanged = 0
    steps = 0
    with torch.no_grad():
        while steps < max_steps:
            h_next, logits, distance, _ = model(h, *args)
            steps += 1
            choice = logits.argmax(dim=1)
            same = torch.equal(h_next, h) if watch == "state" else prev is not None and torch.equal(choice, prev)
            unchanged = unchanged + 1 if same else 0
            h = h_next
            if unchanged >= patience:
                return choice, distance, steps, True
            prev = choice
    return choice, distance, steps, False
