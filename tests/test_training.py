"""The datasets and both training demos: they must really learn."""

from __future__ import annotations

import math

import pytest

from tinygrad_mm.models.datasets import LOCATIONS, NON_LOCATIONS, make_moons, toy_ner
from tinygrad_mm.models.nn import MLP
from tinygrad_mm.models.train import best_threshold, final_accuracy, moons_loss, train_moons, train_ner

# ---- two moons ----


def test_make_moons_shapes_labels_and_determinism() -> None:
    X, y = make_moons(100, noise=0.1, seed=1337)
    assert len(X) == len(y) == 100
    assert all(len(p) == 2 and all(isinstance(v, float) for v in p) for p in X)
    assert sorted(set(y)) == [-1, 1] and y.count(1) == y.count(-1) == 50
    assert make_moons(100, noise=0.1, seed=1337) == (X, y)
    assert make_moons(100, noise=0.1, seed=1)[0] != X
    assert y[:10] != sorted(y[:10]) or y[10:20] != sorted(y[10:20])  # shuffled


def test_noise_free_moons_lie_on_their_half_circles() -> None:
    X, y = make_moons(31, noise=0.0, seed=0)
    assert y.count(-1) == 15 and y.count(1) == 16
    for (px, py), label in zip(X, y, strict=True):
        if label == -1:  # upper moon: the unit half circle
            assert math.hypot(px, py) == pytest.approx(1.0) and py >= -1e-12
        else:  # lower moon: centred at (1, 0.5), below its centre
            assert math.hypot(px - 1.0, py - 0.5) == pytest.approx(1.0) and py <= 0.5 + 1e-12


def test_make_moons_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="n_samples must be an int >= 2"):
        make_moons(1)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        make_moons(10, noise=-0.1)


def test_moons_loss_is_micrograds_svm_loss() -> None:
    import random

    X, y = [[0.5, 0.2], [-1.0, 0.3]], [1, -1]
    model = MLP(2, [3, 1], rng=random.Random(0))
    loss, accuracy = moons_loss(model, X, y, alpha=1e-4)
    scores = [model(x).data for x in X]
    expected = sum(max(0.0, 1 - yi * s) for yi, s in zip(y, scores, strict=True)) / 2
    expected += 1e-4 * sum(p.data**2 for p in model.parameters())
    assert loss.data == pytest.approx(expected, rel=1e-12)
    assert accuracy == sum((yi > 0) == (s > 0) for yi, s in zip(y, scores, strict=True)) / 2


def test_moons_demo_reaches_100_percent_training_accuracy() -> None:
    steps = []
    run = train_moons(on_step=lambda k, loss, acc: steps.append(k))  # the demo as specified: 100 steps
    assert steps == list(range(100))
    assert len(run.X) == 100 and len(run.model.parameters()) == 337
    assert run.accuracies[0] < 0.9  # it starts far from done...
    assert final_accuracy(run.model, run.X, run.y) == 1.0  # ...and really learns
    assert run.losses[-1] < run.losses[0] / 10


# ---- toy NER ----


def test_toy_ner_is_deterministic_and_split_into_unseen_sentences() -> None:
    data = toy_ner()
    assert data == toy_ner()
    train, heldout = {w.words for w in data.train}, {w.words for w in data.heldout}
    assert not train & heldout
    assert len(heldout) == round(0.25 * (len(train) + len(heldout)))
    assert all(len(words) == 5 for words in train | heldout)
    for window in data.train + data.heldout:
        assert window.is_location == (window.words[2] in LOCATIONS)
        assert window.words[2] in (LOCATIONS if window.is_location else NON_LOCATIONS)
    seen = {word for words in train for word in words}
    assert {word for words in heldout for word in words} <= seen  # new sentences, known words
    assert set(data.vocabulary) == seen | {word for words in heldout for word in words}
    assert toy_ner(seed=1).heldout != data.heldout
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        toy_ner(heldout_fraction=1.0)


def test_ner_training_learns_well_above_chance() -> None:
    epochs = []
    run = train_ner(epochs=10, on_epoch=lambda k, loss: epochs.append((k, loss)))
    assert [k for k, _ in epochs] == list(range(10)) and [loss for _, loss in epochs] == run.losses
    assert run.losses[0] > 0.5 and run.losses[-1] < run.losses[0] / 5
    assert run.chance < 0.6
    assert run.heldout_accuracy >= 0.9  # chance is ~0.54
    assert run.heldout_ranking >= 0.9  # chance is 0.5


def test_ner_training_with_fixed_embeddings_leaves_them_alone() -> None:
    run = train_ner(epochs=3, lr=0.5, trainable_embeddings=False)
    assert run.vocabulary.parameters() == []
    fresh = train_ner(epochs=1, lr=0.0, trainable_embeddings=False).vocabulary
    assert [v.data for v in run.vocabulary.embedding("Paris")] == [v.data for v in fresh.embedding("Paris")]
    assert run.losses[-1] < run.losses[0]


def test_ner_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        train_ner(epochs=0)
    with pytest.raises(ValueError, match="activation must be one of"):
        train_ner(epochs=1, activation="gelu")
    with pytest.raises(ValueError, match="steps must be a positive int"):
        train_moons(steps=0)


def test_best_threshold_separates_and_maximises_accuracy() -> None:
    scored = [(0.1, False), (0.4, False), (0.5, True), (0.9, True)]
    assert best_threshold(scored) == pytest.approx(0.45)
    assert best_threshold([(0.0, True), (1.0, True)]) < 0.0  # everything above: all called True
    noisy = [(0.1, False), (0.3, True), (0.35, False), (0.6, True), (0.8, True)]
    theta = best_threshold(noisy)
    assert sum((s > theta) == label for s, label in noisy) == 4


# ---- compiled steps: the same runs ----


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """Compiled code goes to a temporary cache directory, never the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.mark.usefixtures("private_cache")
def test_compiled_moons_training_gives_the_same_losses_bit_for_bit() -> None:
    eager, compiled = train_moons(steps=12), train_moons(steps=12, compile=True)
    assert compiled.losses == eager.losses and compiled.accuracies == eager.accuracies
    assert [p.data for p in compiled.model.parameters()] == [p.data for p in eager.model.parameters()]


@pytest.mark.usefixtures("private_cache")
@pytest.mark.parametrize(("activation", "trainable"), [("sigmoid", True), ("relu", False)])
def test_compiled_ner_training_gives_the_same_losses_bit_for_bit(activation, trainable) -> None:
    eager = train_ner(epochs=2, activation=activation, trainable_embeddings=trainable)
    compiled = train_ner(epochs=2, activation=activation, trainable_embeddings=trainable, compile=True)
    assert compiled.losses == eager.losses
    assert (compiled.heldout_accuracy, compiled.threshold) == (eager.heldout_accuracy, eager.threshold)
    assert [p.data for p in compiled.vocabulary.parameters()] == [p.data for p in eager.vocabulary.parameters()]
