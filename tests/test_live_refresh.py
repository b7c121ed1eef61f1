"""The live page after an edit, in headless Chromium: it rewrites only what changed (no full redraw, no layout read),
and every number and sentence that depends on the values follows the edit — the subtitle, the forward stage, a
collapsed box's panel, the drawing's labels for screen readers — and Reset brings the page's own words back.
Presenter mode keeps the live box reachable and readable.  (Every page: no console error, no network request.)"""

from __future__ import annotations

import pytest

from tinygrad_mm import Parameter, sum_values, to_html

pytest_plugins = ("browser_support",)

WATCH = """() => {
    window.writes = [];
    window.layoutReads = 0;
    const read = Element.prototype.getBoundingClientRect;
    Element.prototype.getBoundingClientRect = function () { window.layoutReads++; return read.call(this); };
    new MutationObserver(records => window.writes.push(...records.map(r => r.type + ' ' + (r.attributeName || ''))))
        .observe(document.getElementById('graph'), {subtree: true, attributes: true, characterData: true, childList: true});
}"""


def tanh_tree(n: int):
    """J = Σ tanh(x_i · w_i): an edit of one x_i changes a handful of the page's numbers."""
    return sum_values([(Parameter(0.1 * (i % 7) - 0.3, f"x{i}") * Parameter(0.5 - 0.05 * (i % 5), f"w{i}")).tanh()
                       for i in range(n)])  # fmt: skip


@pytest.mark.parametrize("where", ["start", "end"])
def test_an_edit_rewrites_only_what_changed_and_reads_no_layout(open_viewer, tmp_path, where):
    """On a 300-term graph an edit of one input changes a few values and gradients: the drawing gets a few writes (the
    changed texts and classes), not one per element, and the page reads no layout (a forced reflow per edit)."""
    view = open_viewer(to_html(tanh_tree(300), tmp_path / "tree.html", max_nodes=10**5))
    if where == "end":
        view.page.keyboard.press("End")
    elements = view.page.evaluate("document.querySelectorAll('#graph g.node, #graph g.edge').length")
    assert elements > 1000
    view.page.evaluate(WATCH)
    assert view.page.evaluate("tinygradLive.set('x7', 0.9)") is True
    view.page.evaluate("new Promise(done => setTimeout(done, 0))")  # the MutationObserver's records delivered
    writes = view.page.evaluate("window.writes")
    assert 0 < len(writes) <= 40, (len(writes), writes[:20])
    assert view.page.evaluate("window.layoutReads") == 0
