"""The notes' model: words → windows, the shared scorer, notes_example, and where the gradient of W comes from."""

from __future__ import annotations

import pytest

from tinygrad_mm import Parameter, Value
from tinygrad_mm.engine import count_uses
from tinygrad_mm.models.closed_form import embedding_gradients, for_example
from tinygrad_mm.models.cs224n import (
    ACTIVATIONS,
    NOTES_CORRUPTION,
    NOTES_WINDOW,
    Vocabulary,
    WindowScorer,
    branch_contributions,
    corrupt,
    margin_example,
    notes_example,
    train_pair_until_margin_met,
    window_vector,
)


def labels(root: Value) -> set[str]:
    return {node.label for node in count_uses(root)}


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_notes_example_default_is_the_notes_window(activation: str) -> None:
    ex = notes_example(activation=activation)
    assert ex.words == ("museums", "in", "Paris", "are", "amazing")
    assert ex.corrupt_words == ("museums", "in", "bread", "are", "amazing")
    assert (ex.scorer.n, ex.scorer.hidden, ex.vocabulary.dim, ex.scorer.activation) == (20, 8, 4, activation)
    assert [v.label for v in ex.x] == [f"x[{j}]" for j in range(20)]
    assert [v.label for v in ex.x_c] == [f"x_c[{j}]" for j in range(20)]
    assert all(not v.parents and v.kind == "input" for v in ex.x + ex.x_c)
    assert (ex.s.label, ex.s_c.label, ex.J.label) == ("s", "s_c", "J")
    assert ex.J.parents == (ex.s, ex.s_c)
    assert ex.active and ex.J.data > 0
    assert ex.J.data == pytest.approx(1.0 + ex.s_c.data - ex.s.data, rel=1e-15)
    # the corruption changed exactly the centre word's d = 4 inputs
    changed = [j for j in range(20) if ex.x[j].data != ex.x_c[j].data]
    assert changed == [8, 9, 10, 11]
    assert [v.data for v in ex.x[8:12]] == [v.data for v in ex.vocabulary.embedding("Paris")]
    assert all(node.grad == 0.0 for node in count_uses(ex.J))  # forward built, NOT backpropagated


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("small", [False, True])
def test_inactive_example_has_the_margin_clearly_met(activation: str, small: bool) -> None:
    ex = notes_example(active=False, small=small, activation=activation)
    assert not ex.active and ex.J.data == 0.0
    assert ex.s.data - ex.s_c.data >= ex.delta + 0.5  # well away from the kink
    assert ex.trained_steps > 0
    ex.J.backward()
    assert all(p.grad == 0.0 for p in ex.parameters())
    assert (ex.s.grad, ex.s_c.grad) == (0.0, 0.0)


def test_notes_example_is_deterministic() -> None:
    a, b = notes_example(active=False), notes_example(active=False)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert (a.s.data, a.s_c.data) == (b.s.data, b.s_c.data)


def test_small_example_has_two_inputs_and_two_hidden_units() -> None:
    ex = notes_example(small=True)
    assert (ex.scorer.n, ex.scorer.hidden, len(ex.x), len(ex.x_c)) == (2, 2, 2, 2)
    assert (ex.words, ex.corrupt_words) == (("Paris",), ("bread",))
    assert {"W[1,1]", "b[1]", "U[1]", "z[1]", "a[1]", "z_c[0]", "a_c[1]", "x[1]", "x_c[1]"} <= labels(ex.J)
    assert ex.active


def test_every_node_has_a_meaningful_label_and_scope() -> None:
    ex = notes_example()
    names = labels(ex.J)
    for i in range(8):
        assert {f"z[{i}]", f"a[{i}]", f"z_c[{i}]", f"a_c[{i}]", f"b[{i}]", f"U[{i}]"} <= names
    assert {f"W[{i},{j}]" for i in range(8) for j in range(20)} <= names
    assert ex.s.scope == ("s = Uᵀf(Wx + b)", "s = U·a")
    a0 = ex.s.parents[8]  # s = dot(U, a): parents U[0..7], a[0..7]
    assert a0.label == "a[0]" and a0.scope == ("s = Uᵀf(Wx + b)", "a = f(z)")


def test_the_same_parameter_objects_feed_both_branches() -> None:
    ex = notes_example()
    true_nodes, corrupt_nodes = set(count_uses(ex.s)), set(count_uses(ex.s_c))
    shared = true_nodes & corrupt_nodes
    assert shared == set(ex.scorer.parameters())  # W, b, U — and nothing else is shared
    assert all(isinstance(p, Parameter) for p in shared)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_branch_contributions_sum_to_grad_and_match_separate_backprops(activation: str) -> None:
    ex = notes_example(activation=activation)
    ex.J.backward()
    grads = {p: p.grad for p in ex.scorer.parameters()}
    parts = {p: branch_contributions(ex, p) for p in ex.scorer.parameters()}
    for p, g in grads.items():
        assert parts[p]["s"] + parts[p]["s_c"] == g
    # the same split, computed another way: ∂J/∂s · ∂s/∂p from backpropagating s alone (and s_c alone)
    for branch, sign in (("s", -1.0), ("s_c", 1.0)):
        fresh = notes_example(activation=activation)
        getattr(fresh, branch).backward()
        for p, q in zip(ex.scorer.parameters(), fresh.scorer.parameters(), strict=True):
            assert parts[p][branch] == pytest.approx(sign * q.grad, rel=1e-12, abs=1e-300)
    nonzero = [p for p in grads if parts[p]["s"] and parts[p]["s_c"]]
    assert nonzero  # both branches really reach the shared weights


def test_trainable_embeddings_give_dJ_dL_summed_over_both_windows() -> None:
    ex = notes_example(trainable_embeddings=True)
    assert ex.x[8:12] == ex.vocabulary.embedding("Paris")  # the window IS the embedding parameters
    assert ex.x[:4] == ex.x_c[:4]  # "museums" is in both windows: one set of parameters, two branches
    ex.J.backward()
    closed = for_example(ex)
    expected = embedding_gradients(ex.words, ex.corrupt_words, closed.x, closed.x_c)
    for word, grads in expected.items():
        got = [v.grad for v in ex.vocabulary.embedding(word)]
        assert got == pytest.approx(grads, rel=1e-9, abs=1e-15)
    assert any(v.grad for v in ex.vocabulary.embedding("Paris"))
    assert any(v.grad for v in ex.vocabulary.embedding("bread"))
    assert all(v.grad == 0.0 for v in ex.vocabulary.embedding("London"))  # not in either window
    assert len(ex.parameters()) == len(ex.scorer.parameters()) + 8 * 4


def test_trainable_embeddings_of_the_inactive_example_get_no_gradient() -> None:
    ex = notes_example(active=False, trainable_embeddings=True)
    ex.J.backward()
    assert not ex.active
    assert all(p.grad == 0.0 for p in ex.parameters())


def test_corrupt_replaces_the_centre_word() -> None:
    assert corrupt(NOTES_WINDOW, NOTES_CORRUPTION) == ("museums", "in", "bread", "are", "amazing")
    assert corrupt(("Paris",), "bread") == ("bread",)
    with pytest.raises(ValueError, match="odd number of words; got 4"):
        corrupt(("a", "b", "c", "d"), "x")


def test_vocabulary_errors_are_clear() -> None:
    vocab = Vocabulary(NOTES_WINDOW, 4)
    with pytest.raises(ValueError, match=r"unknown word 'Pariss'.*did you mean 'Paris'\?"):
        vocab.window(("museums", "in", "Pariss", "are", "amazing"))
    with pytest.raises(TypeError, match="sequence of words, got the string"):
        vocab.window("museums in Paris are amazing")
    with pytest.raises(ValueError, match="positive int"):
        Vocabulary(NOTES_WINDOW, 0)
    with pytest.raises(ValueError, match="non-empty strings"):
        Vocabulary(["ok", " spaced"], 2)
    with pytest.raises(ValueError, match="at least one word"):
        Vocabulary([], 2)
    assert "Paris" in vocab and "Rome" not in vocab and len(vocab) == 5


def test_window_shape_errors_name_what_was_expected() -> None:
    vocab = Vocabulary(NOTES_WINDOW, 4)
    scorer = WindowScorer(20, 8)
    with pytest.raises(ValueError, match=r"window 'x' must have 5 words \(n = 20 values of d = 4\), got 4"):
        window_vector(scorer, vocab, NOTES_WINDOW[:4])
    with pytest.raises(ValueError, match="n = 18 values, which is not a whole number of d = 4"):
        window_vector(WindowScorer(18, 8), vocab, NOTES_WINDOW)
    with pytest.raises(ValueError, match="window 's' must have n = 20 values, got 3"):
        scorer.score([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="delta must be >= 0"):
        margin_example(scorer, vocab, NOTES_WINDOW, NOTES_WINDOW, delta=-1.0)
    with pytest.raises(ValueError, match="activation must be one of"):
        WindowScorer(20, 8, activation="softmax")


def test_training_a_pair_stops_exactly_when_the_margin_is_met() -> None:
    vocab = Vocabulary(NOTES_WINDOW + ("bread",), 4, seed=1)
    scorer = WindowScorer(20, 8, seed=0)
    words, bad = NOTES_WINDOW, corrupt(NOTES_WINDOW, "bread")
    steps = train_pair_until_margin_met(scorer, vocab, words, bad)
    ex = margin_example(scorer, vocab, words, bad)
    assert steps > 0 and not ex.active
    assert all(p.grad == 0.0 for p in scorer.parameters())  # no leftover gradient
    with pytest.raises(RuntimeError, match="still violated after 1 SGD steps"):
        train_pair_until_margin_met(WindowScorer(20, 8, seed=3), vocab, words, bad, max_steps=1)
