"""A quiz about the question: the gates (is the margin violated? ∂J/∂s, ∂J/∂s_c), sums at shared weights, gradients.

The questions are found from the graph and the op classes (views/quiz.py), never from the model's names;
the page's flows (answer, skip by End or the scrubber, the final summary) run in headless Chromium.
"""

from __future__ import annotations

import pytest
from cli_helpers import cli

from tinygrad_mm import Value
from tinygrad_mm.cli.sources import example_source
from tinygrad_mm.models.cs224n import ExampleSpec, branch_contributions, build_example, notes_example
from tinygrad_mm.views.graph import graph_model
from tinygrad_mm.views.page_data import StepText
from tinygrad_mm.views.quiz import quiz_questions
from tinygrad_mm.views.viewer import to_html

pytest_plugins = ("browser_support",)


def questions(root: Value, which: str = "all") -> list[dict]:
    model = graph_model(root, gradients=True)
    by_step = quiz_questions(model, StepText(model), which)
    return [q for t in sorted(by_step) for q in by_step[t]]


@pytest.mark.parametrize("active", [True, False])
def test_the_seeds_question_is_asked_at_the_hinge_found_by_its_gate(active):
    example = notes_example(small=True, active=active)
    seeds = questions(example.J, "seeds")
    assert [q["kind"] for q in seeds] == ["yesno", "number", "number"]
    gate, ds, ds_c = seeds
    assert gate["answer"] is active and "margin met — no gradient" in gate["question"]  # the op's own words
    assert ("the margin is violated" if active else "J = 0 is flat here") in gate["explain"]  # the op's gate sentence
    assert "∂J/∂s here?" in ds["question"] and "∂J/∂s_c here?" in ds_c["question"]
    assert (ds["answer"], ds_c["answer"]) == ((-1.0, 1.0) if active else (0.0, 0.0))
    everything = questions(example.J)
    assert everything[:3] == seeds and all(q["id"].startswith("branch") for q in everything[3:])


def test_k_windows_and_the_expanded_hinge_ask_at_every_gate():
    k2 = build_example(ExampleSpec.notes(small=True, corrupt_words=["bread", "music"]))
    gates = [q for q in questions(k2.J, "seeds") if q["kind"] == "yesno"]
    assert len(gates) == 2 and "J_1 = max(0, 1 + s_c1 − s)" in gates[0]["question"]
    expanded = build_example(ExampleSpec.notes(small=True, expanded_hinge=True))
    seeds = questions(expanded.J, "seeds")
    assert [q["answer"] for q in seeds] == [True, 1.0] and "∂J/∂m here?" in seeds[1]["question"]


def test_what_a_shared_weight_receives_via_each_branch_comes_from_the_graph():
    example = build_example(ExampleSpec.notes(small=True, corrupt_words=["bread", "music"]))
    by_id = {q["id"]: q for q in questions(example.J)}
    branch = [q for q in by_id.values() if q["id"].startswith("branch")]
    assert [q["question"].split(" is used")[0] for q in branch] == ["U[0]", "W[0,0]", "b[0]"]
    example.J.backward()
    U0 = example.scorer.U[0]
    assert branch[0]["question"] == "U[0] is used in 3 branches (s, s_c1, s_c2): what does it receive via s?"
    assert branch[0]["answer"] == pytest.approx(branch_contributions(example, U0)["s"], rel=1e-12)
    # any graph: x feeds a and b, each labelled; no gate anywhere
    x = Value(3.0, "x")
    a, b = x * 2.0, x + 1.0
    a.label, b.label = "a", "b"
    out = a * b
    (q,) = questions(out)
    assert q["question"] == "x is used in 2 branches (a, b): what does it receive via a?" and q["answer"] == 8.0
    assert questions(out, "seeds") == []
    relu = (Value(-1.0, "x") * Value(2.0, "w")).relu()
    (gate,) = questions(relu, "seeds")[:1]
    assert gate["answer"] is False and "flat here — no gradient" in gate["question"]


def quiz_page(open_viewer, tmp_path, quiz, **kwargs):
    example = notes_example(small=True)
    return open_viewer(to_html(example.J, tmp_path / "quiz.html", quiz=quiz, **kwargs), width=1600, height=900)


def answer(view, text: str) -> None:
    view.page.fill("#quiz-answer", text)
    view.page.keyboard.press("Enter")


def test_the_gate_questions_then_skipping_with_end_counts_and_the_summary_lists_everything(open_viewer, tmp_path):
    view = quiz_page(open_viewer, tmp_path, True)
    page = view.page
    page.keyboard.press("ArrowRight")
    assert "is the gate open" in view.text("#quiz-question") and "“margin met — no gradient”" in view.text("#quiz-question")
    answer(view, "maybe")
    assert view.text("#quiz-feedback") == "Type y (yes) or n (no)."
    answer(view, "n")  # wrong: one try for yes/no
    assert view.text("#quiz-feedback").startswith("✗ wrong: yes — Δ + s_c − s = ")
    assert "∂J/∂s here?" in view.text("#quiz-question")
    answer(view, "-1")
    page.keyboard.press("Escape")  # ∂J/∂s_c: revealed
    assert view.position() == 1 and view.text("#quiz-score") == "Score 1 / 3"
    lines = view.text("#quiz-result").split("\n")
    assert lines[0].startswith("✗ wrong: yes") and lines[1].startswith("✓ right: ∂J/∂s = −1, because Δ + s_c − s")
    assert lines[2].startswith("✗ revealed: ∂J/∂s_c = +1")
    total = page.evaluate("tgmm.total()")
    page.keyboard.press("End")  # every question passed over is skipped, and counted
    asked = page.evaluate("""() => { const d = tgmm.data; let n = 0;
        for (const s of d.views[0].steps) { if (s.t === undefined) continue;
            n += (d.questions[String(s.t)] || []).length + (d.steps[s.t].quiz ? 1 : 0); } return n; }""")
    assert view.position() == total
    assert view.text("#quiz-score") == f"Score 1 / {asked} · {asked - 3} skipped"
    summary = view.text("#quiz-summary h3")
    assert summary == f"Quiz done: 1 of {asked} right, 1 wrong, 1 revealed, {asked - 3} skipped"
    items = page.eval_on_selector_all("#quiz-summary li", "els => els.map(e => e.textContent)")
    assert len(items) == asked and items[0].startswith("✗ wrong — At J = max(0, 1 + s_c − s): is the gate open")
    assert sum(item.startswith("✗ skipped") for item in items) == asked - 3


def test_the_scrubber_skips_and_the_branch_question_at_a_shared_weight(open_viewer, tmp_path):
    view = quiz_page(open_viewer, tmp_path, True)
    page = view.page
    t = page.evaluate("Object.keys(tgmm.data.questions).map(Number).find(t => tgmm.data.questions[t][0].id.startsWith('branch'))")
    q = page.evaluate(f"tgmm.data.questions['{t}'][0]")
    page.eval_on_selector("#scrub", f"(e) => {{ e.value = {t}; e.dispatchEvent(new Event('input')); }}")
    skipped = int(view.text("#quiz-score").split(" · ")[1].split()[0])
    assert view.position() == t and skipped >= 3  # the gate questions and the gradients passed over
    page.keyboard.press("ArrowRight")
    assert view.text("#quiz-question") == f"Step {t + 1}: U[0] is used in 2 branches (s, s_c): what does it receive via s?"
    answer(view, q["shown"])
    assert view.text("#quiz-question").startswith(f"Step {t + 1}: what does backprop find for ∂J/∂U[0] = ?")
    assert view.text("#quiz-feedback").startswith("✓ right: ∂J/∂U[0] = −0.531 (via s) + 0.5975 (via s_c)")


def test_quiz_seeds_is_the_short_version_on_the_full_example(open_viewer, tmp_path):
    example = notes_example()
    source = example_source(example)
    path = to_html(example.J, tmp_path / "seeds.html", collapse=source.collapse, quiz="seeds")
    view = open_viewer(path, width=1600, height=900)
    page = view.page
    page.keyboard.press("ArrowRight")
    for text in ("y", "-1", "+1"):
        answer(view, text)
    assert view.position() == 1 and view.text("#quiz-score") == "Score 3 / 3"
    page.keyboard.press("End")
    assert view.text("#quiz-score") == "Score 3 / 3"  # nothing else is asked in the short version
    assert view.text("#quiz-summary h3") == "Quiz done: 3 of 3 right"
    done = cli("html", "--small", "--quiz", "seeds", "--out", str(tmp_path / "s.html"))
    assert done.returncode == 0, done.stderr
    done = cli("html", "--small", "--quiz", "nonsense", "--out", str(tmp_path / "s.html"))
    assert done.returncode == 2 and "invalid choice: 'nonsense'" in done.stderr
