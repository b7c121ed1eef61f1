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
    ExampleSpec,
    Vocabulary,
    WindowScorer,
    branch_contributions,
    build_example,
    corrupt,
    margin_example,
    notes_example,
    train_pair_until_margin_met,
    window_vector,
    word_embedding,
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
    assert set(ex.vocabulary.words) == {*ex.words, *ex.corrupt_words}  # the windows' 6 words, each once
    assert len(ex.parameters()) == len(ex.scorer.parameters()) + 6 * 4


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


# ---- any word, k corrupted windows (ExampleSpec, build_example) ----


def test_embeddings_depend_only_on_the_seed_and_the_word() -> None:
    one = Vocabulary(["zebra", "Paris"], 3, seed=7, per_word=True)
    other = Vocabulary(["Paris", "quux", "zebra"], 3, seed=7, per_word=True)
    assert [v.data for v in one.embedding("zebra")] == [v.data for v in other.embedding("zebra")] == word_embedding("zebra", 3, 7)
    assert word_embedding("zebra", 3, 7) != word_embedding("zebra", 3, 8)
    assert word_embedding("zebra", 3, 7) != word_embedding("zebrA", 3, 7)
    assert all(-1.0 <= x <= 1.0 for x in word_embedding("any word at all", 50))
    # the same across processes (a str seed is hashed with SHA-512, not with PYTHONHASHSEED's hash)
    import subprocess
    import sys

    code = "from tinygrad_mm.models.cs224n import word_embedding; print(repr(word_embedding('zebra', 3, 7)))"
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed, "PATH": ""})  # fmt: skip
        assert done.stdout.strip() == repr(word_embedding("zebra", 3, 7))


def test_any_window_and_corruption_word_work() -> None:
    spec = ExampleSpec.notes(window=["the", "ocelot", "sleeps"], corrupt_words=["xylophone"], hidden=3, dim=5, seed=4)
    ex = build_example(spec)
    assert ex.words == ("the", "ocelot", "sleeps") and ex.corrupt_words == ("the", "xylophone", "sleeps")
    assert (ex.scorer.n, ex.scorer.hidden, ex.vocabulary.dim) == (15, 3, 5)
    assert [v.data for v in ex.x[5:10]] == word_embedding("ocelot", 5, 4)
    assert [v.data for v in ex.x_c[5:10]] == word_embedding("xylophone", 5, 4)
    assert ex.J.data == max(0.0, 1.0 + ex.s_c.data - ex.s.data)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_k_corrupted_windows_build_the_notes_objective(activation: str) -> None:
    spec = ExampleSpec.notes(corrupt_words=["bread", "music", "London"], activation=activation, delta=2.0)
    ex = build_example(spec)
    assert ex.k == 3 and [n.words[2] for n in ex.negatives] == ["bread", "music", "London"]
    assert list(ex.branches) == ["s", "s_c1", "s_c2", "s_c3"]
    assert [n.hinge.label for n in ex.negatives] == ["J_1", "J_2", "J_3"] and ex.J.label == "J"
    assert ex.J.parents == tuple(n.hinge for n in ex.negatives)  # one sum node over the hinges
    assert all(n.hinge.parents == (ex.s, n.s) for n in ex.negatives)
    assert ex.J.data == sum(max(0.0, 2.0 + n.s.data - ex.s.data) for n in ex.negatives)
    assert [v.label for v in ex.negatives[1].x][:2] == ["x_c2[0]", "x_c2[1]"]
    assert ex.negatives[2].s.scope == ("s_c3 = Uᵀf(Wx_c3 + b)", "s_c3 = U·a_c3")
    assert {n.label for n in count_uses(ex.J)} >= {"z_c1[0]", "a_c2[7]", "z_c3[4]"}
    # W, b, U and nothing else feed every branch; each weight's gradient is the sum over the k + 1 branches
    branch_nodes = [set(count_uses(root)) for root in ex.branches.values()]
    assert set.intersection(*branch_nodes) == set(ex.scorer.parameters())
    ex.J.backward()
    assert ex.s.grad == -3.0 and all(n.s.grad == 1.0 for n in ex.negatives)  # Δ = 2: every hinge is active here
    for p in ex.scorer.parameters():
        parts = branch_contributions(ex, p)
        assert list(parts) == ["s", "s_c1", "s_c2", "s_c3"]
        assert sum(parts.values()) == pytest.approx(p.grad, rel=1e-12, abs=1e-15)


def test_k_windows_inactive_meets_every_margin() -> None:
    ex = build_example(ExampleSpec.notes(small=True, corrupt_words=["bread", "music"]), active=False)
    assert not ex.active and ex.J.data == 0.0 and ex.trained_steps > 0
    assert all(ex.s.data >= n.s.data + ex.delta + 0.5 for n in ex.negatives)
    ex.J.backward()
    assert all(p.grad == 0.0 for p in ex.parameters())


def test_small_keeps_the_centre_words_and_explicit_sizes() -> None:
    spec = ExampleSpec.notes(small=True, corrupt_words=["bread", "music"])
    assert (spec.window, spec.corruptions, spec.dim, spec.hidden) == (("Paris",), (("bread",), ("music",)), 2, 2)
    assert ExampleSpec.notes(small=True, hidden=3).hidden == 3
    assert ExampleSpec.notes(small=True) == ExampleSpec.notes().centre_words()
    assert notes_example(small=True).words == ("Paris",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": ["a", "b"], "corrupt_words": ["x"]}, "odd number of words; got 2"),
        ({"window": ["a", "b", "c"], "corrupt_windows": [["a", "b"]]}, "has 2 words but the window 'a b c' has 3"),
        ({"corrupt_words": ["x"], "corrupt_windows": [["a"]]}, "either as centre words or as whole windows"),
        ({"delta": -1.0}, "must be >= 0"),
        ({"delta": float("inf")}, "must be finite"),
        ({"hidden": 0}, "hidden \\(H\\) must be a positive whole number"),
        ({"dim": 2.5}, "dim \\(d\\) must be a positive whole number"),
        ({"activation": "gelu"}, "activation must be one of"),
        ({"seed": "1"}, "seed must be a whole number"),
        ({"hidden": 1000, "dim": 1000}, "more than 1,000,000"),
        ({"window": []}, None),  # empty means the notes' window
    ],
)
def test_example_spec_errors_name_what_is_wrong(kwargs: dict, message: str | None) -> None:
    if message is None:
        assert ExampleSpec.notes(**kwargs).window == NOTES_WINDOW
        return
    with pytest.raises(ValueError, match=message):
        ExampleSpec.notes(**kwargs)


def test_example_spec_refuses_bad_words() -> None:
    with pytest.raises(ValueError, match="words are non-empty"):
        ExampleSpec(window=("a", " b", "c"))
    with pytest.raises(TypeError, match="sequence of words, got the string"):
        ExampleSpec(window="museums in Paris")
    with pytest.raises(ValueError, match="at least one corrupted window"):
        ExampleSpec(corruptions=())
