"""The page's views: one drawing per set of collapsed scopes, and the backward (and forward) steps as each shows them.

A view draws some scopes collapsed (`graph.Layout`: a box per scope, a node per group of
leaves).  Its steps are *units*: a value drawn as itself is one step (the engine's own
step); a collapsed box is one step that runs all its members' steps at once and sends
their sum out of the box; a leaf group is one step where all its gradients are final.
Units are ordered like backward() orders nodes: a unit after every unit that uses it
(a topological sort of the units, ties broken by the engine's order; scopes are
contiguous in creation order, so the units of scopes never form a cycle — if some
user-made grouping did, the rest follow in the engine's order).

Each view step carries what it changes on the drawing (``show``: `step_state.step_changes`,
the one place the per-step display state is computed): the gradients written in the slots
(the recorded contributions added in the view's order, so partial sums read as the page
shows them; a final gradient is the recorded pass's exact value), and the edges it lights.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from ..engine import BackwardStep
from .drawing import MAX_BOX_OUTPUTS
from .drawing_style import count
from .graph import GraphModel, Layout, array_name
from .page_data import StepText
from .step_state import step_changes

Shown = Callable[[str, list, float], str]  # (kind, nodes, value) → the number's text

MAX_VIEWS = 12  # drawings on one page (the first, each box expanded, …)
MAX_LINES = 12  # lines a box step lists before "… and N more"


@dataclass
class ViewPlan:
    """One drawing of the page: the scope names collapsed in it, and its layout."""

    collapse: frozenset[str]
    layout: Layout


def plan_views(model: GraphModel, base: set[str], max_nodes: int) -> tuple[list[ViewPlan], list[dict], list[dict]]:
    """The views (the first collapses ``base``), and per view: box id → view that expands it, cluster id → view that
    collapses it again.  Views are made breadth first, while they fit ``max_nodes`` and the page's budget."""
    views = [ViewPlan(frozenset(base), Layout(model, set(base)))]
    index = {views[0].collapse: 0}
    budget = views[0].layout.size() + 4 * max_nodes

    def view(key: frozenset[str]) -> int | None:
        nonlocal budget
        if key not in index and len(views) < MAX_VIEWS:
            layout = Layout(model, set(key))
            if layout.size() <= max_nodes and layout.size() <= budget:
                budget -= layout.size()
                index[key] = len(views)
                views.append(ViewPlan(key, layout))
        return index.get(key)

    expand: list[dict] = []
    k = 0
    while k < len(views):
        plan, targets = views[k], {}
        for box in plan.layout.box_members:
            found = view(plan.collapse - {box[-1]})
            found = found if found is not None else view(views[0].collapse - {box[-1]})
            if found is not None:
                targets[plan.layout.scope_id[box]] = found
        expand.append(targets)
        k += 1
    collapse = []
    for plan in views:
        targets = {}
        for path, sid in plan.layout.scope_id.items():
            if path[-1] in base and path[-1] not in plan.collapse and _drawn(plan.layout, path):
                back = index.get(plan.collapse | {path[-1]})
                targets[sid] = back if back is not None else 0
        collapse.append(targets)
    return views, expand, collapse


def _drawn(layout: Layout, path: tuple[str, ...]) -> bool:
    """True if the scope ``path`` is drawn as a cluster (not inside a collapsed box)."""
    return not any(path[:depth] in layout.box_members for depth in range(1, len(path)))


class ViewSteps:
    """The steps of one view (see the module docstring), as the page's data."""

    def __init__(self, text: StepText, layout: Layout, openable: Collection[str] = ()) -> None:
        self.t, self.m, self.layout = text, text.m, layout
        self.openable = set(openable)  # the boxes a click opens (the page's views); none on a slide
        self.steps: Sequence[BackwardStep] = text.steps
        self.slot_of: dict[int, str] = {i: f"v{i}" for i in layout.visible()}
        self.box_slots: dict[str, list[str]] = {}
        for box in layout.box_members:
            shown = layout.box_outputs(box)[:MAX_BOX_OUTPUTS]
            self.box_slots[layout.scope_id[box]] = [f"v{i}" for i in shown]
            self.slot_of.update({i: f"v{i}" for i in shown})
        for gid, members in layout.groups.items():
            self.slot_of.update(dict.fromkeys(members, gid))
        self.members: dict[str, list[int]] = {}  # unit → its nodes' steps, in the engine's order
        for t, step in enumerate(self.steps):
            self.members.setdefault(layout.unit[self.m.index[step.node]], []).append(t)
        self.slots = set(self.slot_of.values())
        self.slot_chars: dict[str, int] = {}

    # ---- order ----
    def order(self, backward: bool = True) -> list[str]:
        """The units in backward order (a unit after every unit that uses it), or forward (after its inputs)."""
        unit, first = self.layout.unit, {}
        for u, ts in self.members.items():
            first[u] = ts[0] if backward else min(self.m.index[self.steps[t].node] for t in ts)
        after: dict[str, set[str]] = {u: set() for u in self.members}
        for e in self.m.edges:
            a, b = unit[e.child], unit[e.parent]
            if a != b and backward:
                after[a].add(b)
            elif a != b:
                after[b].add(a)
        waiting = dict.fromkeys(self.members, 0)
        for targets in after.values():
            for b in targets:
                waiting[b] += 1
        ready = [(first[u], u) for u, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, u = heapq.heappop(ready)
            order.append(u)
            for b in after[u]:
                waiting[b] -= 1
                if waiting[b] == 0:
                    heapq.heappush(ready, (first[b], b))
        placed = set(order)
        order += sorted((u for u in self.members if u not in placed), key=first.__getitem__)  # a cycle: engine's order
        return order

    # ---- backward ----
    def backward(self, quiz: bool = False) -> list[dict]:
        """One record per unit: the engine step it is (``t``) or the steps it covers, and what it changes on the
        drawing (``show``; in a ``quiz`` a gradient stays hidden until its own step)."""
        running: dict[int, float] = {}
        received = [0] * len(self.m.nodes)
        norms = {gid: 0.0 for gid in self.layout.groups}
        out = []
        for u in self.order():
            ts = self.members[u]
            record: dict = {"u": u, "t": ts[0]} if u.startswith("v") else {"u": u, "covers": ts}
            changed: dict[int, float] = {}
            for t in ts:
                step = self.steps[t]
                if t == 0:
                    changed[self.m.index[step.node]] = running[self.m.index[step.node]] = step.grad
                for k, parent in enumerate(step.parents):
                    if parent.kind == "constant":
                        continue
                    p = self.m.index[parent]
                    before = running.get(p, 0.0)
                    running[p] = before + step.contributions[k]  # the float additions backward() made, in this order
                    received[p] += 1
                    slot = self.slot_of.get(p)
                    if slot in norms:
                        norms[slot] += running[p] ** 2 - before**2
                    changed[p] = running[p]
            record["badges"] = self._badges(changed, received, norms)
            record["edges"] = self._edges(u, ts)
            record["current"] = self.box_slots.get(u, [u] if u in self.slots else [])
            if "covers" in record:
                record.update(self.covers_text(u, ts))
            else:
                record["zero"] = self.steps[ts[0]].grad == 0.0
            out.append(record)
        for record, change in zip(out, step_changes(out, self.slot_owner(), quiz), strict=True):
            del record["badges"], record["edges"]
            record["show"] = change
        return out

    def slot_owner(self) -> dict[str, str]:
        """A collapsed box's output slot → the box: its gradient belongs to the box's step (other slots: their own)."""
        return {slot: box for box, slots in self.box_slots.items() for slot in slots}

    def _badges(self, changed: dict[int, float], received: list[int], norms: dict[str, float]) -> list[list]:
        """[slot, text, exact, "partial" | "final"] for every slot a step changed; finals are the engine's values."""
        grads, out, groups = self.m.grads or {}, [], set()
        for p, value in changed.items():
            slot = self.slot_of.get(p)
            if slot is None:
                continue
            if slot in norms:
                groups.add(slot)
                continue
            final = received[p] == len(self.m.consumers[p])
            exact = grads.get(self.m.nodes[p], value) if final else value
            text = f"grad {self.t.grad_format(p)(exact)}" if final else f"grad {self.t.num(exact)} …"
            out.append([slot, text, exact, "final" if final else "partial"])
        for gid in sorted(groups):
            members = self.layout.groups[gid]
            final = all(received[i] == len(self.m.consumers[i]) for i in members)
            norm = math.sqrt(sum(grads.get(self.m.nodes[i], 0.0) ** 2 for i in members)) if final else math.sqrt(max(norms[gid], 0.0))
            name = array_name(self.m.nodes[members[0]].label) or gid
            out.append([gid, f"‖{self.m.partial(name)}‖ = {self.t.num(norm)}" + ("" if final else " …"), norm,
                        "final" if final else "partial"])  # fmt: skip
        for slot, text, *_ in out:
            self.slot_chars[slot] = max(self.slot_chars.get(slot, 8), len(text))
        return out

    def _edges(self, u: str, ts: list[int]) -> list[list]:
        """[edge id, sent 0?] for each drawn edge this step sends gradient along."""
        if u.startswith("leaves"):
            return []
        if u.startswith("v"):
            step = self.steps[ts[0]]
            if not step.parents:
                return []
            i = self.m.index[step.node]
            edges = [[f"e{i}_{k}", int(c == 0.0)] for k, c in enumerate(step.contributions)]
            return edges + [[f"e{i}_out", int(all(e[1] for e in edges))]]
        folded: dict[str, bool] = {}
        for t in ts:
            step = self.steps[t]
            for k, parent in enumerate(step.parents):
                source = self.layout.unit[self.m.index[parent]]
                if source != u:
                    key = f"{source}-{u}"
                    folded[key] = folded.get(key, True) and step.contributions[k] == 0.0
        return [[key, int(zero)] for key, zero in folded.items()]

    def covers_text(self, u: str, ts: list[int], shown: Shown | None = None) -> dict:
        """The panel's words for a step that covers several nodes (a collapsed box, a leaf group).

        ``shown(kind, nodes, value)`` writes each number: ``"send"`` what the box sends to one node, ``"sends"`` the
        norm of what it sends to several, ``"grad"`` a node's gradient, ``"grads"`` the norm of several gradients
        (default: as the page shows them; views/live.py marks where the live page writes its recomputed numbers)."""
        show = shown or self._shown
        return self._box_text(u, ts, show) if u.startswith("scope") else self._group_text(u, show)

    def _shown(self, kind: str, nodes: list[int], value: float) -> str:
        return self.t.grad_format(nodes[0])(value) if kind == "grad" else self.t.num(value)

    def _box_text(self, u: str, ts: list[int], show: Shown) -> dict:
        """A collapsed box's step: what arrived at its outputs, and what it sends out, by array (W, b, U, …)."""
        box = next(path for path, sid in self.layout.scope_id.items() if sid == u)
        name, t = self.layout.box_name(box), self.t
        outputs = self.layout.box_outputs(box)
        sends: dict[int, float] = {}
        for s in ts:
            for k, parent in enumerate(self.steps[s].parents):
                p = self.m.index[parent]
                if self.layout.unit[p] != u and parent.kind != "constant":
                    sends[p] = sends.get(p, 0.0) + self.steps[s].contributions[k]
        by_array: dict[str, list[int]] = {}
        for p in sends:
            by_array.setdefault(array_name(self.m.nodes[p].label) or self.m.name(p), []).append(p)
        lines = []
        for key, ps in by_array.items():
            if len(ps) == 1:
                lines.append({"text": f"{t.partial(ps[0])} += {show('send', ps, sends[ps[0]])}", "parent": ps[0]})
            else:
                norm = math.sqrt(sum(sends[p] ** 2 for p in ps))
                lines.append({"text": f"{self.m.partial(key)} += what the {name} branch sends to {count(len(ps), 'value')}, "
                                      f"‖·‖ = {show('sends', ps, norm)}", "parent": ps[0]})  # fmt: skip
        if len(lines) > MAX_LINES:
            lines = lines[:MAX_LINES] + [{"text": f"… and {len(lines) - MAX_LINES} more"}]
        grads = self.m.grads or {}
        arrived = ", ".join(f"{t.partial(i)} = {show('grad', [i], grads.get(self.m.nodes[i]))}" for i in outputs[:MAX_BOX_OUTPUTS])
        senders = ", ".join(dict.fromkeys(by_array)) or "nothing outside"
        return {
            "title": f"the {name} branch, collapsed: {box[-1]}",
            "grad": arrived,
            "note": f"Inside the box, backprop takes {count(len(ts), 'step')}"
                    + (" (click the box to step through them)" if u in self.openable else "")
                    + f". Together they send this back to {senders}:",
            "lines": lines,
            "zero": not any(sends.values()) and not any(grads.get(self.m.nodes[i]) for i in outputs),
        }  # fmt: skip

    def _group_text(self, gid: str, show: Shown) -> dict:
        """A leaf group's step: all its gradients are final."""
        members = self.layout.groups[gid]
        name = array_name(self.m.nodes[members[0]].label) or gid
        grads = self.m.grads or {}
        norm = math.sqrt(sum(grads.get(self.m.nodes[i], 0.0) ** 2 for i in members))
        return {
            "title": f"{name}: all {count(len(members), 'gradient')} final",
            "grad": f"‖{self.m.partial(name)}‖ = {show('grads', members, norm)}",
            "note": f"Each {name} entry's gradient is the sum of what every use sent it; the last step lists each "
                    "leaf's gradient and, for shared ones, the sum per branch.",
            "lines": [],
            "zero": norm == 0.0,
        }  # fmt: skip

    # ---- forward ----
    def forward(self, value: Callable[[int], str] | None = None) -> list[dict]:
        """One record per unit that computes something (leaves are given), parents first: its forward sentence
        (``value(i)`` writes node i's value in a box's sentence; default: the number)."""
        value = value or (lambda i: self.t.num(self.m.nodes[i]._data))
        out = []
        for u in self.order(backward=False):
            ts = self.members[u]
            if all(self.steps[t].node.is_leaf for t in ts):
                continue
            edges = [e[0] for e in self._edges(u, ts)]
            if u.startswith("v"):
                out.append({"u": u, "text": self.t.forward_sentence(int(u[1:])), "edges": edges})
                continue
            box = next(path for path, sid in self.layout.scope_id.items() if sid == u)
            values = ", ".join(f"{self.m.name(i)} = {value(i)}" for i in self.layout.box_outputs(box)[:MAX_BOX_OUTPUTS])
            out.append({"u": u, "text": f"the {self.layout.box_name(box)} branch ({count(len(ts), 'node')} inside "
                                        f"{box[-1]}) computes {values}", "edges": edges})  # fmt: skip
        return out

    def leaf_units(self) -> list[str]:
        """The units that only hold leaves: given before the forward pass starts."""
        return [u for u, ts in self.members.items() if all(self.steps[t].node.is_leaf for t in ts)]
