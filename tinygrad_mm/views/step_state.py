"""What the drawing shows after each backward step, computed once: the slides and the page fold the same changes.

A view's step (``page_views.ViewSteps.backward``) says which unit runs, which badges it writes and
which edges it sends along.  `step_changes` turns those records into what changes on the drawing at
each step, in three maps:

    units   unit id (``v3``, ``v3op``, ``scope2``, ``leaves0``) → "current", "partial" or "final"
    edges   edge id (``e3_0``, ``e3_out``, ``leaves0-scope2``) → "now", "done" or "zero"
    badges  slot id (``v3``, ``leaves0``) → [text, exact value, "current" | "partial" | "final"]

A value of None removes the entry.  The state after ``k`` steps is the first ``k`` changes applied in
order (`fold`); the slides draw it (slides.py) and the page's script applies the very same lists
(``viewer-state.js``), so the two cannot disagree.  The rules:

- the running unit is "current" (its op node too); a unit whose step is done is "final";
- a slot shows its latest badge, "partial" while contributions are still to come, "final" once all
  arrived, "current" while its own unit runs; a unit with a badge takes the badge's state;
- edges sent along at this step are "now" (earlier ones "done"; a zero contribution "zero");
- in a quiz a badge stays hidden until its own unit's step (the question is its value).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

State = dict[str, dict[str, object]]  # {"units": {...}, "edges": {...}, "badges": {...}}


def step_changes(records: Sequence[dict], owner: dict[str, str], quiz: bool = False) -> list[State]:
    """The changes each step makes (see the module docstring).  ``owner``: slot → the unit whose step it belongs to
    (a collapsed box's outputs belong to the box; any other slot to itself)."""
    owned: dict[str, list[str]] = {}
    for slot, unit in owner.items():
        owned.setdefault(unit, []).append(slot)
    badges: dict[str, list] = {}  # slot → its latest [text, exact, "partial" | "final"]
    done: set[str] = set()  # units whose step has run (the current one included)
    shown: State = {"units": {}, "edges": {}, "badges": {}}
    current: dict = {}
    out = []

    def badge(slot: str) -> list | None:
        b = badges.get(slot)
        if b is None or (quiz and owner.get(slot, slot) not in done):
            return None
        return [*b[:2], "current"] if slot in current.get("current", ()) else b

    def unit(u: str) -> str | None:
        if u == current.get("u") or ("t" in current and u == current["u"] + "op"):
            return "current"
        b = badge(u)
        if b is not None:
            return b[2] if b[2] != "current" else badges[u][2]
        return "final" if u in done else None

    for record in records:
        previous, current = current, record
        units_touched = {record["u"], record["u"] + "op", previous.get("u", ""), previous.get("u", "") + "op"}
        slots_touched = set(previous.get("current", ())) | set(record["current"])
        done.add(record["u"])
        for slot, text, exact, state in record["badges"]:
            badges[slot] = [text, exact, state]
            slots_touched.add(slot)
        if quiz:
            slots_touched.update(owned.get(record["u"], ()))
        units_touched |= slots_touched
        change: State = {"units": {}, "edges": {}, "badges": {}}
        for edge, zero in previous.get("edges", ()):
            if not zero:
                change["edges"][edge] = "done"
        for edge, zero in record["edges"]:
            change["edges"][edge] = "zero" if zero else "now"
        _update(change["units"], shown["units"], ((u, unit(u)) for u in sorted(units_touched) if u))
        _update(change["badges"], shown["badges"], ((s, badge(s)) for s in sorted(slots_touched)))
        shown["edges"].update(change["edges"])
        out.append(change)
    return out


def _update(change: dict, shown: dict, values: Iterable[tuple[str, object]]) -> None:
    """Record in ``change`` each value that differs from what is ``shown``, and show it."""
    for key, value in values:
        if shown.get(key) != value:
            change[key] = value
            if value is None:
                shown.pop(key, None)
            else:
                shown[key] = value


def fold(changes: Iterable[State], state: State | None = None) -> State:
    """The state after applying ``changes`` in order (to ``state``, else to an empty drawing)."""
    state = state or {"units": {}, "edges": {}, "badges": {}}
    for change in changes:
        for part, entries in change.items():
            for key, value in entries.items():
                if value is None:
                    state[part].pop(key, None)
                else:
                    state[part][key] = value
    return state
