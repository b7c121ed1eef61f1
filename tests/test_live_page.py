"""The live page in headless Chromium: edit a leaf (or Δ), and the browser's forward and backward pass — run with
each op's JavaScript printed from the op class's statement — must agree with the Python engine on a freshly built
graph, to 1e-12 relative; the hinge flips; the nudge means what a gradient means; the URL keeps the state; a refused
input keeps the last good state.  Every page is checked for console errors and network requests (browser_support)."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from cli_helpers import assert_one_line_error, cli

from tinygrad_mm import Parameter, Value, dot, sum_values, to_html
from tinygrad_mm.engine import Op, record
from tinygrad_mm.models.cs224n import ExampleSpec, build_example, notes_example
from tinygrad_mm.models.losses import max_margin_loss
from tinygrad_mm.views.graph import graph_model
from tinygrad_mm.views.text import number

pytest_plugins = ("browser_support",)


def rebuild(root: Value, edits: dict[str, float], constants: dict[tuple[int, str], float] | None = None) -> list[Value]:
    """The graph of ``root`` built again, op by op with each class's own ``apply``, with some leaves' data changed:
    the engine's own answer for an edit (the nodes in the page's order)."""
    old = graph_model(root).nodes
    names = graph_model(root).names
    new: dict[Value, Value] = {}
    for i, node in enumerate(old):
        if not isinstance(node, Op):
            data = edits.get(names[node], node._data) if node.kind != "constant" else node._data
            new[node] = Value(data, node.label) if node.kind != "constant" else node
            continue
        keywords = {attribute: (constants or {}).get((i, field), getattr(node, attribute))
                    for field, attribute in node.constant_fields.items()}  # fmt: skip
        new[node] = type(node).apply(*[new[p] for p in node.parents], **keywords)
        new[node].label = node.label
    for node in old:
        if node.scope and node.kind != "constant":
            new[node].scope = node.scope  # the same boxes
    return [new[node] for node in old]


def assert_page_agrees(view, nodes: list[Value]) -> None:
    """Every value and every gradient the page computed, against the engine's on the rebuilt graph."""
    values = view.page.evaluate("Array.from(tinygradLive.state.val)")
    grads = view.page.evaluate("Array.from(tinygradLive.state.grad)")
    expected = record(nodes[view.page.evaluate("tgmm.data.root")]).grads
    assert len(values) == len(nodes)
    for i, node in enumerate(nodes):
        assert math.isclose(values[i], node.data, rel_tol=1e-12, abs_tol=1e-300), (i, values[i], node.data)
        if node.kind != "constant":
            assert math.isclose(grads[i], expected.get(node, 0.0), rel_tol=1e-12, abs_tol=1e-15), (i, grads[i], expected.get(node))


MAKE = {
    "add": lambda a, b, rng: a + b, "sub": lambda a, b, rng: a - b, "mul": lambda a, b, rng: a * b,
    "div": lambda a, b, rng: a / (b * b + 1.0), "neg": lambda a, b, rng: -a,
    "powc": lambda a, b, rng: (a * a + 0.5) ** rng.choice([2, 3, 0.5, -1.0]), "pow": lambda a, b, rng: (a * a + 0.5) ** b.tanh(),
    "relu": lambda a, b, rng: a.relu(), "tanh": lambda a, b, rng: a.tanh(), "sigmoid": lambda a, b, rng: a.sigmoid(),
    "exp": lambda a, b, rng: a.tanh().exp(), "log": lambda a, b, rng: (a * a + 0.1).log(),
    "sum": lambda a, b, rng: sum_values([a, b, 0.5]), "dot": lambda a, b, rng: dot([a, b], [b.tanh(), 0.25]),
}  # fmt: skip


def random_graph(seed: int) -> Value:
    """A graph over every op class: + − × ÷, neg, x**n, x**y, relu, tanh, σ, exp, log, sum, dot, the hinge."""
    rng = random.Random(seed)
    pool: list[Value] = [Parameter(rng.uniform(-1.5, 1.5), f"p{i}") for i in range(5)]
    for _ in range(rng.randint(6, 14)):
        pool.append(MAKE[rng.choice(sorted(MAKE))](rng.choice(pool), rng.choice(pool), rng))
    return max_margin_loss(pool[-1], pool[-2].tanh(), delta=rng.choice([0.5, 1.0, 2.0]))


def open_live(open_viewer, root: Value, path):
    view = open_viewer(to_html(root, path))
    assert view.page.evaluate("!!window.tinygradLive"), view.text("#panel")[:300]
    return view


@pytest.mark.parametrize("seed", range(6))
def test_an_edit_recomputes_every_value_and_gradient_as_the_engine_does(open_viewer, tmp_path, seed):
    root = random_graph(seed)
    view = open_live(open_viewer, root, tmp_path / f"live{seed}.html")
    assert_page_agrees(view, rebuild(root, {}))  # before any edit: the page's own numbers
    rng = random.Random(100 + seed)
    leaves = view.page.evaluate("Object.keys(tinygradLive.targets).filter(n => !tinygradLive.targets[n].knob)")
    for _ in range(3):
        name, value = rng.choice(leaves), rng.uniform(-2.0, 2.0)
        assert view.page.evaluate("([n, v]) => tinygradLive.set(n, v)", [name, value]) is True
        edits = view.page.evaluate("Object.fromEntries(Object.keys(tinygradLive.targets).filter(n => !tinygradLive.targets[n].knob).map(n => [n, tinygradLive.value(n)]))")
        assert_page_agrees(view, rebuild(root, edits))


def test_the_notes_example_an_edited_weight_and_delta_agree_with_the_engine(open_viewer, tmp_path):
    example = notes_example(small=True)
    view = open_live(open_viewer, example.J, tmp_path / "notes.html")
    assert view.page.evaluate("tinygradLive.set('W[0,1]', 0.731)") is True
    assert view.page.evaluate("tinygradLive.set('Δ', 0.3)") is True
    index = graph_model(example.J).root_index  # J = max(0, Δ + s_c − s): Δ is a constant of the root's op
    assert_page_agrees(view, rebuild(example.J, {"W[0,1]": 0.731}, {(index, "delta"): 0.3}))
    view.page.keyboard.press("End")  # the summary is rewritten with the new numbers
    W01 = rebuild(example.J, {"W[0,1]": 0.731}, {(index, "delta"): 0.3})
    shown = view.page.evaluate("tinygradLive.state.grad[tgmm.data.nodes.findIndex(n => n.name === 'W[0,1]')]")
    grads = record(W01[-1]).grads
    w = next(v for v in W01 if v.label == "W[0,1]")
    assert math.isclose(shown, grads[w], rel_tol=1e-12)
    assert "∂J/∂W[0,1] = " in view.text("#summary")


def margin_flip(example, met: bool) -> tuple[str, float]:
    """An edit of one U[k] that moves the margin Δ + s_c − s to the other side of 0 (s − s_c is linear in U[k])."""
    nodes = graph_model(example.J).nodes
    a = {v.label: v.data for v in nodes if v.label.startswith(("a[", "a_c["))}
    k = max(range(len([n for n in a if n.startswith("a[")])), key=lambda k: abs(a[f"a[{k}]"] - a[f"a_c[{k}]"]))
    U = next(v for v in nodes if v.label == f"U[{k}]")
    margin = example.J.delta + example.s_c.data - example.s.data
    target = -0.25 if met else 0.25
    return f"U[{k}]", U.data + (target - margin) / (a[f"a_c[{k}]"] - a[f"a[{k}]"])


@pytest.mark.parametrize("active", [True, False])
def test_the_hinge_flips_live_and_the_shared_weights_gradients_follow(open_viewer, tmp_path, active):
    example = notes_example(small=True, active=active)
    view = open_live(open_viewer, example.J, tmp_path / "hinge.html")
    name, value = margin_flip(example, met=active)
    assert view.page.evaluate("([n, v]) => tinygradLive.set(n, v)", [name, value]) is True
    view.page.keyboard.press("ArrowRight")  # step 1: the hinge J
    gate = view.text("#step-gate")
    weights = view.page.evaluate(
        "tgmm.data.nodes.map((n, i) => [n.name, tinygradLive.state.grad[i]]).filter(p => /^(W|U|b)\\[/.test(p[0]))"
    )
    if active:  # it was violated; now the margin is met: flat, nothing flows, every weight's gradient is 0
        assert gate.startswith("Δ + s_c − s = 1 + ") and "≤ 0: J = 0 is flat here" in gate and "nothing flows back" in gate
        assert all(g == 0.0 for _, g in weights)
        assert view.ids("#graph g.edge.zero")  # J's edges are drawn as sending 0
    else:  # it was met; now violated: ∂J/∂s = −1, ∂J/∂s_c = +1 flow back
        assert "> 0: the margin is violated" in gate and "∂J/∂s = −1" in gate and "∂J/∂s_c = +1" in gate
        assert any(g != 0.0 for _, g in weights)
        assert not view.ids("#graph g.edge.zero")
    assert_page_agrees(view, rebuild(example.J, {name: value}))


def test_the_nudge_ratio_goes_to_one_away_from_a_kink_and_says_why_at_one(open_viewer, tmp_path):
    example = notes_example(small=True)
    view = open_live(open_viewer, example.J, tmp_path / "nudge.html")
    errors = [abs(view.page.evaluate("h => tinygradLive.nudge('W[0,0]', h).ratio", h) - 1.0) for h in (1e-1, 1e-3, 1e-5)]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-4, errors
    view.page.select_option("#live-leaf", "W[0,0]")
    view.page.evaluate("tinygradLive.flush()")
    assert "ratio" in view.text("#live-nudge") and "ratio → 1" in view.text("#live-nudge")
    x = Parameter(0.001, "x")
    y = (x.relu() * 3.0 + x * 0.5)
    y.label = "y"
    kink = open_live(open_viewer, y, tmp_path / "kink.html")
    result = kink.page.evaluate("tinygradLive.nudge('x', -0.01)")
    assert result["flipped"] and abs(result["ratio"] - 1.0) > 0.5
    kink.page.fill("#live-h", "-0.01")
    kink.page.dispatch_event("#live-h", "change")
    kink.page.evaluate("tinygradLive.flush()")
    assert "kink" in kink.text("#live-nudge")


def test_the_url_keeps_the_step_the_presenter_and_the_edits(open_viewer, tmp_path):
    example = notes_example(small=True)
    path = to_html(example.J, tmp_path / "url.html")
    view = open_viewer(path)
    view.page.evaluate("tinygradLive.set('Δ', 0.2)")
    view.page.evaluate("tinygradLive.set('W[0,1]', 0.5)")
    for _ in range(5):
        view.page.keyboard.press("ArrowRight")
    view.page.keyboard.press("p")
    view.page.keyboard.press("ArrowRight")
    hash_ = view.page.evaluate("tinygradLive.flush(), location.hash")
    assert hash_.startswith("#step=6&present") and "delta=0.2" in hash_ and "W[0,1]=0.5" in hash_
    again = open_viewer(path)
    again.page.goto(again.url + hash_)  # the same document: only the hash changes …
    again.requests.clear()
    again.page.reload()  # … so load it again, as a link or a reload opens it
    again.page.wait_for_selector("body[data-ready]")
    assert again.position() == 6 and again.page.evaluate("document.body.classList.contains('presenter')")
    assert again.page.evaluate("[tinygradLive.value('Δ'), tinygradLive.value('W[0,1]')]") == [0.2, 0.5]
    assert again.page.evaluate("Array.from(tinygradLive.state.grad)") == view.page.evaluate("Array.from(tinygradLive.state.grad)")
    again.page.evaluate("tinygradLive.reset()")  # (presenting: the live box stays on the desk)
    assert again.page.evaluate("tinygradLive.value('Δ')") == 1.0
    assert "delta" not in again.page.evaluate("tinygradLive.flush(), location.hash")


@pytest.mark.parametrize(
    ("build", "leaf", "value", "says"),
    [
        (lambda: (Parameter(2.0, "x").log()), "x", -1.0, "cannot compute log(x) for 'x' (data=-1): log needs x > 0"),
        (lambda: Parameter(1.0, "a") / Parameter(2.0, "b"), "b", 0.0, "cannot compute a/b for 'a' (data=1), 'b' (data=0): division by zero"),
        (lambda: Parameter(1.0, "x").tanh(), "x", "abc", "is not a number"),
        (lambda: Parameter(1.0, "x").exp(), "x", 1000.0, "the result overflows a float"),
    ],
)
def test_a_refused_edit_shows_the_engines_message_and_keeps_the_last_good_state(open_viewer, tmp_path, build, leaf, value, says):
    root = build()
    view = open_live(open_viewer, root, tmp_path / "bad.html")
    assert view.page.evaluate("([n, v]) => tinygradLive.set(n, 0.5)", [leaf, 0]) is True
    before = view.page.evaluate("tinygradLive.flush(), [Array.from(tinygradLive.state.val), Array.from(tinygradLive.state.grad), location.hash]")
    view.page.select_option("#live-leaf", leaf)
    view.page.fill("#live-value", str(value))
    view.page.dispatch_event("#live-value", "change")
    error = view.text("#live-error")
    assert says in error and "keeps the last values that worked" in error, error
    after = view.page.evaluate("tinygradLive.flush(), [Array.from(tinygradLive.state.val), Array.from(tinygradLive.state.grad), location.hash]")
    assert after == before
    assert "NaN" not in view.text("#panel") and "Infinity" not in view.text("#panel")
    with pytest.raises(Exception) as engine:  # the engine says the same thing on the same input
        rebuild(root, {leaf: value if isinstance(value, float) else math.nan})
    if isinstance(value, float):
        assert says.split(": ", 1)[-1] in str(engine.value) or says in str(engine.value)


def test_where_live_cannot_serve_the_page_says_so_in_one_line(open_viewer, tmp_path, monkeypatch):
    from tinygrad_mm.views import live

    monkeypatch.setattr(live, "MAX_LIVE_NODES", 3)
    x = Parameter(0.5, "x")
    view = open_viewer(to_html((x * x).tanh() + x, tmp_path / "off.html"))
    assert "Live editing is off" in view.text("#live-off") and view.page.evaluate("!window.tinygradLive")
    view.page.keyboard.press("ArrowRight")  # and it is still the step-through page
    assert view.position() == 1


def test_the_cli_writes_a_link_that_opens_at_a_step_in_presenter_mode(open_viewer, tmp_path):
    done = cli("html", "--small", "--out", str(tmp_path / "p.html"), "--open-at", "12", "--present")
    assert done.returncode == 0, done.stderr
    link = done.stdout.splitlines()[-1].removeprefix("open: ")
    assert link == (tmp_path / "p.html").resolve().as_uri() + "#step=12&present"
    view = open_viewer(tmp_path / "p.html")
    view.page.goto(link)
    view.requests.clear()
    view.page.reload()
    view.page.wait_for_selector("body[data-ready]")
    assert view.position() == 12 and view.page.evaluate("document.body.classList.contains('presenter')")
    assert_one_line_error(cli("html", "--small", "--out", str(tmp_path / "q.html"), "--open-at", "x"), 2, "--open-at", "'x'")
    snapshot = cli("html", "--small", "--out", str(tmp_path / "s.html"), "--no-live")
    assert snapshot.returncode == 0 and "\ntgmm.live.start(" not in (tmp_path / "s.html").read_text(encoding="utf-8")


def test_the_pages_numbers_read_as_pythons(open_viewer, tmp_path):
    """The script formats recomputed numbers itself: it must write them as views/text.number does."""
    rng = random.Random(7)
    xs = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-5, -1.2345e-7, 123456.0, 1e21, -3.75e-300, 99999.5, 0.00012345, math.inf, -math.inf]
    xs += [rng.uniform(-1, 1) * 10 ** rng.randint(-12, 12) for _ in range(300)]
    view = open_live(open_viewer, Parameter(0.5, "x").tanh(), tmp_path / "num.html")
    for digits in (2, 4, 6):
        shown = view.page.evaluate("([xs, d]) => xs.map(x => x === null ? '' : fmtG(x, d, '−'))", [[x if math.isfinite(x) else None for x in xs], digits])
        inf = view.page.evaluate("d => [fmtG(Infinity, d, '−'), fmtG(-Infinity, d, '−')]", digits)
        expected = [number(x, digits) for x in xs]
        got = [s if math.isfinite(x) else inf[x < 0] for s, x in zip(shown, xs, strict=True)]
        assert got == expected


def test_the_quiz_asks_about_the_edited_numbers(open_viewer, tmp_path):
    """views/quiz.py's questions (the gate, its local derivatives, a shared weight per branch, each gradient) get the
    answers of the edited graph."""
    example = notes_example(small=True, active=False)  # met as made: the gate is closed, ∂J/∂s = 0
    view = open_viewer(to_html(example.J, tmp_path / "quiz.html", quiz=True))
    before = view.page.evaluate("tgmm.data.questions")
    assert view.page.evaluate("tinygradLive.set('Δ', 2)") is True  # violated now: ∂J/∂s = −1, ∂J/∂s_c = +1
    view.page.evaluate("tinygradLive.ensureAll()")
    after = view.page.evaluate("tgmm.data.questions")
    asked = {q["id"]: q for questions in after.values() for q in questions}
    was = {q["id"]: q for questions in before.values() for q in questions}
    gate = next(q for key, q in asked.items() if key.startswith("gate"))
    assert was[gate["id"]]["answer"] is False and gate["answer"] is True and "> 0: the margin is violated" in gate["explain"]
    locals_ = sorted(q["answer"] for key, q in asked.items() if key.startswith("local"))
    assert locals_ == [-1.0, 1.0]
    nodes = rebuild(example.J, {}, {(graph_model(example.J).root_index, "delta"): 2.0})
    for key, q in asked.items():
        if key.startswith("branch"):  # what a shared weight receives via s, from the engine's recorded pass
            i = int(key.removeprefix("branch"))
            model = graph_model(nodes[graph_model(example.J).root_index], gradients=True)
            assert math.isclose(q["answer"], sorted(model.contributions(i))[0][1], rel_tol=1e-12, abs_tol=1e-15)
    view.page.evaluate("document.activeElement.blur()")
    view.page.keyboard.press("ArrowRight")
    assert view.page.is_visible("#quiz")


def test_collapsed_boxes_show_the_edited_gradients_when_done(open_viewer, tmp_path):
    """The notes' example with both branches collapsed (as the CLI writes the full one): after an edit, every final
    gradient on the drawing is the engine's on the edited graph."""
    example = notes_example(small=True)
    branches = ["s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"]
    view = open_viewer(to_html(example.J, tmp_path / "boxes.html", collapse=branches))
    assert view.page.evaluate("tinygradLive.set('W[1,0]', -0.4)") is True
    view.page.evaluate("document.activeElement.blur()")
    view.page.keyboard.press("End")
    nodes = rebuild(example.J, {"W[1,0]": -0.4})
    grads = record(nodes[graph_model(example.J).root_index]).grads
    shown = view.badges()
    assert shown
    for slot, (_text, exact) in shown.items():
        if slot.startswith("v") and exact is not None:
            assert math.isclose(exact, grads.get(nodes[int(slot[1:])], 0.0), rel_tol=1e-12, abs_tol=1e-15), slot


def test_a_label_that_tries_to_run_code_stays_text_in_the_live_box(open_viewer, tmp_path):
    evil = '</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
    x = Parameter(0.5, evil)
    view = open_live(open_viewer, (x * x).log(), tmp_path / "evil.html")
    assert view.page.evaluate("([n]) => tinygradLive.set(n, 0)", [evil]) is False  # log(0): refused, in words
    assert "cannot compute log(x) for an unlabelled '*' node (data=0)" in view.text("#live-error")  # the engine's words
    assert view.page.eval_on_selector("#live-leaf", "e => e.value") == evil  # the label, as text
    assert view.page.evaluate("window.pwned === undefined")


GRID = (-2.0, -0.5, 0.0, 0.5, 2.0)


def test_each_ops_javascript_computes_what_the_engine_computes_on_a_grid(open_viewer, tmp_path):
    """Every op class's JavaScript (printed from its statement) against the engine's forward and local_grads."""
    x, y = Parameter(0.5, "x"), Parameter(1.5, "y")
    parts = [x + y, x - y, x * y, x / y, -x, x**2, x**-1.0, x**0.5, y**x, x.relu(), x.tanh(), x.sigmoid(), x.exp(),
             y.log(), sum_values([x, y]), dot([x, y], [y, x]), max_margin_loss(x, y, 1.0), max_margin_loss(x, y, 0.5, expanded=True)]  # fmt: skip
    view = open_live(open_viewer, sum_values(parts), tmp_path / "ops.html")
    names = view.page.evaluate("tgmm.data.live.opNames")
    classes = {f"{type(v).__module__}:{type(v).__qualname__}": type(v) for v in graph_model(sum_values(parts)).nodes if isinstance(v, Op)}
    assert set(names) == set(classes) and len(names) >= 16
    compared, refused = 0, 0
    for index, name in enumerate(names):
        cls = classes[name]
        width = len(cls.operand_fields) if cls.nary else (1 if cls.operand_fields == ("x",) else 2)
        constants = [[]] if not cls.constant_fields else [[c] for c in (2.0, 0.5, -1.0, 1.0)]
        for const in constants:
            for values in itertools.product(GRID, repeat=width):
                got = view.page.evaluate(
                    """([k, xs, cs]) => { const op = tinygradLive.ops[k];
                        try { const out = op.forward(...xs, ...cs); return [out, op.grads(...xs, out, ...cs),
                              op.gate ? op.gate(...xs, out, ...cs) : null]; }
                        catch (e) { if (e instanceof OpRefusal) return [e.message]; throw e; } }""",
                    [index, list(values), const],
                )
                node = _node(cls, values, const)
                if isinstance(node, str):  # the engine refuses: so must the page, in the same words
                    assert len(got) == 1 and got[0] in node, (cls, values, got, node)
                    refused += 1
                    continue
                if len(got) == 1 or not math.isfinite(node.data):
                    continue
                assert math.isclose(got[0], node.data, rel_tol=1e-12, abs_tol=1e-300), (cls, values)
                gate = node.gate()
                assert got[2] == gate, (cls, values)
                local = node.local_grads()
                expected = local if gate is not False else None
                if expected is not None:
                    for a, b in zip(got[1], expected, strict=True):
                        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300), (cls, values, got[1], local)
                compared += 1
    assert compared > 250 and refused > 20, (compared, refused)  # every class, most of the grid; the refusals too


def _node(cls: type, values: tuple[float, ...], constants: list[float]) -> Op | str:
    """A node of ``cls`` on these operand values (one term of an n-ary op), or the engine's reason to refuse."""
    from tinygrad_mm.engine import DomainError

    leaves = [Value(v) for v in values]
    keywords = dict(zip(cls.constant_fields.values(), constants, strict=False))
    try:
        return cls.apply(*leaves, **keywords)
    except DomainError as err:
        return str(err)


@pytest.mark.parametrize("quiz", [False, True])
def test_after_an_edit_the_page_folds_the_same_state_as_python_on_the_edited_graph(open_viewer, tmp_path, quiz):
    """The live page recomputes each step's changes (views/step_state.step_changes, in viewer-live.js): after an edit,
    window.tinygradSteps must be Python's fold on the graph built with the edited value, in every view."""
    from test_step_state import python_states, scopes_in

    example = notes_example(small=True)
    collapse = scopes_in(example.J, 1)
    view = open_viewer(to_html(example.J, tmp_path / "fold.html", collapse=collapse, quiz=quiz))
    root = graph_model(example.J).root_index
    assert view.page.evaluate("tinygradLive.set('Δ', 0.0) && tinygradLive.set('U[1]', 3.0)") is True
    view.page.evaluate("tinygradLive.ensureAll()")
    python = python_states(rebuild(example.J, {"U[1]": 3.0}, {(root, "delta"): 0.0})[root], collapse, quiz)
    page = [view.page.evaluate(f"window.tinygradSteps({k})") for k in range(len(python))]
    assert len(python) > 1
    assert python == page  # the badges' texts too: final gradients written as views/text.places_to_add_up writes them


def page_texts(view) -> dict:
    """Every text the page's data holds for the backward pass: each step's panel words, the summary, the quiz's
    questions, each view's records (their badges and words)."""
    view.page.evaluate("window.tinygradLive && tinygradLive.ensureAll()")
    return view.page.evaluate(
        "({steps: tgmm.data.steps, summary: tgmm.data.summary, questions: tgmm.data.questions || null, views: tgmm.data.views.map(V => V.steps)})"
    )


def differences(a, b, path: str = "") -> list[tuple[str, object, object]]:
    """Where two JSON values differ: [(path, a's, b's)]."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for key in sorted(set(a) | set(b)) for d in differences(a.get(key), b.get(key), f"{path}.{key}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for k, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{k}]")]
    return [] if a == b else [(path, a, b)]


GRAPHS = {"notes": lambda: notes_example(small=True).J, "notes, relu": lambda: build_example(ExampleSpec(activation="relu")).J,
          "expanded hinge": lambda: max_margin_loss(Parameter(0.3, "s") * Parameter(1.5, "w"), Parameter(-0.2, "s_c"), 1.0, expanded=True)}  # fmt: skip


@pytest.mark.parametrize("delta", [3.0, 0.0])  # the hinge violated (gradient flows), then met (nothing does)
@pytest.mark.parametrize("graph", [*GRAPHS, *range(6)])
def test_after_an_edit_every_text_reads_as_a_page_made_from_the_edited_graph(open_viewer, tmp_path, graph, delta):
    """After an edit the page rewrites its words itself: each step's chain-rule lines (the gradient with enough digits
    to read as the sum of what the node received, views/text.places_to_add_up, ported to viewer-live-digits.js), the
    local-derivative sentence with its numbers, each gate's sentence in its op's own words (views/gate_words.py: the
    hinge's "Δ + s_c − s = … > 0: the margin is violated, …"), what each node received, the quiz's questions and
    hints, the summary with its per-branch sums, every badge. All of it must equal, character for character, the
    page Python writes for the edited graph, on the notes' example, with relu, an expanded hinge and random graphs."""
    root = GRAPHS[graph]() if isinstance(graph, str) else random_graph(graph)
    view = open_viewer(to_html(root, tmp_path / "edited.html", quiz=True))
    targets = view.page.evaluate("Object.keys(tinygradLive.targets)")
    leaf = "W[1,0]" if "W[1,0]" in targets else [n for n in targets if n != "Δ"][-1]
    assert view.page.evaluate("([n, v]) => tinygradLive.set(n, v)", [leaf, -0.4]) is True
    constants = {}
    if "Δ" in targets:
        assert view.page.evaluate("d => tinygradLive.set('Δ', d)", delta) is True
        constants = {(graph_model(root).root_index, "delta"): delta}
    edited = rebuild(root, {leaf: -0.4}, constants)[graph_model(root).root_index]
    made = page_texts(open_viewer(to_html(edited, tmp_path / "made.html", quiz=True)))
    assert differences(page_texts(view), made) == []
    assert any(step["gate"] for step in made["steps"])  # a gate's sentence was compared


def test_the_pages_decimal_places_are_pythons(open_viewer, tmp_path):
    """viewer-live-digits.js against views/text.py: Python's round (half to even on the exact binary value, negative
    places too), the fixed-places text, ⌊log₁₀⌋, and `places_to_add_up`, on ties, near-ties and random sums."""
    from tinygrad_mm.views.text import decimal_exponent, places_format, places_to_add_up

    rng = random.Random(11)
    ties = [0.5, 1.5, 2.5, -2.5, 0.125, 0.375, -0.0625, 1234.5, 2.675, 1e-7, 999.9999999999999, 1e15 + 0.5, 123456789.0]
    xs = ties + [rng.uniform(-1, 1) * 10 ** rng.randint(-9, 9) for _ in range(400)]
    xs += [round(rng.uniform(-9, 9), rng.randint(0, 6)) for _ in range(200)]  # short decimals: the ties of rounding
    view = open_live(open_viewer, Parameter(0.5, "x").tanh(), tmp_path / "digits.html")
    for places in (-3, -1, 0, 1, 2, 3, 4, 6, 9, 12):
        got = view.page.evaluate("([xs, p]) => xs.map(x => [roundPlaces(x, p), placesText(x, p, 4)])", [xs, places])
        for x, (rounded, text) in zip(xs, got, strict=True):
            assert rounded == round(x, places) and text == places_format(places, 4)(x), (x, places, rounded, text)
    exponents = view.page.evaluate("xs => xs.map(decimalExponent)", [abs(x) for x in xs if x])
    assert exponents == [decimal_exponent(abs(x)) for x in xs if x]
    sums = []
    for _ in range(300):
        terms = [rng.uniform(-1, 1) * 10 ** rng.randint(-6, 2) for _ in range(rng.randint(2, 5))]
        if rng.random() < 0.3:
            terms.append(-terms[0] * (1 + rng.uniform(-1e-6, 1e-6)))  # nearly cancels: many places needed
        total = 0.0
        for term in terms:
            total += term
        sums.append((terms, total))
    got = view.page.evaluate("cases => cases.map(([ts, t]) => placesToAddUp(ts, t, 4))", [list(c) for c in sums])
    expected = [places_to_add_up(terms, total, 4) for terms, total in sums]
    assert got == expected
    assert len(set(expected)) > 5  # many different places, not one answer for all
