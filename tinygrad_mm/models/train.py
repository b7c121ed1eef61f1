"""The two training demos: micrograd's two moons, and the CS224N window scorer on toy NER.

Both use plain SGD (`nn.sgd`) on a max-margin objective:

- moons:  L = mean_i max(0, 1 − yᵢ·score(xᵢ)) + α Σ p²,  the SVM hinge of micrograd's demo;
- NER:    J = max(0, Δ + s_c − s) per window, s the true window, s_c the same window
          with its centre word replaced by a random non-location (the notes' corrupted window).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..engine import Value, sum_values
from .cs224n import Vocabulary, WindowScorer, corrupt, margin_example, window_vector
from .datasets import NerWindow, ToyNer, make_moons, toy_ner
from .losses import max_margin_loss
from .nn import MLP, sgd

# ---- moons ----


@dataclass
class MoonsRun:
    """A finished moons run: the model, its data, and loss / training accuracy per step."""

    model: MLP
    X: list[list[float]]
    y: list[int]
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)


def moons_loss(model: MLP, X: Sequence[Sequence[float]], y: Sequence[int], alpha: float = 1e-4) -> tuple[Value, float]:
    """The SVM max-margin loss of micrograd's demo and the accuracy: mean relu(1 − y·score) + α Σ p²."""
    loss, scores = moons_objective(model, [[Value(a, "x0"), Value(b, "x1")] for a, b in X], y, alpha)
    return loss, _accuracy(y, [score.data for score in scores])


def moons_objective(
    model: MLP, X: Sequence[Sequence[Value | float]], y: Sequence[Value | float], alpha: float = 1e-4
) -> tuple[Value, list[Value]]:
    """L = mean relu(1 − yᵢ·score(xᵢ)) + α Σ p², and the scores: the graph `moons_loss` and the compiled step share."""
    scores = [model(x) for x in X]
    hinges = [(1 - yi * score).relu() for yi, score in zip(y, scores, strict=True)]
    data_loss = sum_values(hinges) * (1.0 / len(hinges))
    reg_loss = alpha * sum_values(p * p for p in model.parameters())
    return data_loss + reg_loss, scores


def train_moons(
    steps: int = 100,
    n_samples: int = 100,
    noise: float = 0.1,
    seed: int = 1337,
    alpha: float = 1e-4,
    on_step: Callable[[int, float, float], None] | None = None,
    *,
    compile: bool = False,  # noqa: A002 (the option's name: tinygrad-mm train moons --compile)
) -> MoonsRun:
    """micrograd's demo: MLP(2, [16, 16, 1]) on two moons, full-batch SGD with lr = 1 − 0.9·k/steps.

    ``on_step(k, loss, accuracy)`` is called after each step (the loss and
    accuracy are those of the parameters *before* the step, as in micrograd).
    ``compile=True`` runs each step as compiled Python (`tinygrad_mm.compile`): the
    same losses, bit for bit, several times faster once the first step has compiled.
    """
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    X, y = make_moons(n_samples, noise, seed)
    run = MoonsRun(MLP(2, [16, 16, 1], rng=random.Random(seed)), X, y)
    step = _compiled(lambda X, y: moons_objective(run.model, X, y, alpha)) if compile else None
    for k in range(steps):
        if step is None:
            graph, accuracy = moons_loss(run.model, X, y, alpha)
            run.model.zero_grad()
            graph.backward()
            loss = graph.data
        else:
            run.model.zero_grad()
            loss, scores = step(X, y)
            accuracy = _accuracy(y, scores)
        sgd(run.model.parameters(), 1.0 - 0.9 * k / steps)
        run.losses.append(loss)
        run.accuracies.append(accuracy)
        if on_step:
            on_step(k, loss, accuracy)
    return run


def _compiled(fn: Callable[..., object]) -> Callable[..., object]:
    from ..compiled import compile as compile_step

    return compile_step(fn)


def final_accuracy(model: MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    """Training accuracy of the model as it is now (after the last step)."""
    return _accuracy(y, [model(x).data for x in X])


def _accuracy(y: Sequence[int], scores: Sequence[float]) -> float:
    """The fraction of points whose score has the sign of their label (±1)."""
    return sum((yi > 0) == (score > 0) for yi, score in zip(y, scores, strict=True)) / len(y)


# ---- toy NER ----


@dataclass
class NerRun:
    """A finished NER run: model, data, mean J per epoch, and the held-out results."""

    scorer: WindowScorer
    vocabulary: Vocabulary
    data: ToyNer
    losses: list[float] = field(default_factory=list)
    threshold: float = 0.0  # windows scoring above it are called locations (fit on the training windows)
    heldout_accuracy: float = 0.0  # location vs not, on held-out windows, with that threshold
    heldout_ranking: float = 0.0  # fraction of held-out location windows scoring above their corrupted version
    chance: float = 0.0  # the held-out accuracy of always answering the majority class


def train_ner(
    epochs: int = 15,
    lr: float = 0.02,
    dim: int = 4,
    hidden: int = 8,
    activation: str = "sigmoid",
    seed: int = 0,
    trainable_embeddings: bool = True,
    on_epoch: Callable[[int, float], None] | None = None,
    *,
    compile: bool = False,  # noqa: A002 (the option's name: tinygrad-mm train ner --compile)
) -> NerRun:
    """SGD on J = max(0, 1 + s_c − s) over the training location windows, each against a fresh corruption.

    The embeddings L are trained with W, b, U (as in the notes) unless
    ``trainable_embeddings=False``, which keeps them at their random start.

    ``on_epoch(epoch, mean_J)`` is called after each epoch.  Afterwards the
    threshold on s that best separates the training windows is fitted, and the
    held-out windows are classified with it.  ``compile=True`` runs each window's
    forward and backward as compiled Python (`tinygrad_mm.compile`): the same losses, bit for bit.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    data = toy_ner(seed=seed)
    rng = random.Random(seed)
    vocabulary = Vocabulary(data.vocabulary, dim, seed=seed, trainable=trainable_embeddings)
    scorer = WindowScorer(5 * dim, hidden, activation, seed=seed)
    run = NerRun(scorer, vocabulary, data)
    parameters = scorer.parameters() + vocabulary.parameters()
    positives = [w for w in data.train if w.is_location]
    step = _compiled(lambda x, x_c: max_margin_loss(scorer.score(x, "s"), scorer.score(x_c, "s_c"))) if compile else None
    for epoch in range(epochs):
        rng.shuffle(positives)
        total = 0.0
        for window in positives:
            corrupt_words = corrupt(window.words, rng.choice(data.corruptions))
            if step is None:
                example = margin_example(scorer, vocabulary, window.words, corrupt_words)
                J, active = example.J.data, example.active
                if active:
                    example.J.backward()
            else:  # the windows' embeddings are the step's Value arguments: L gets its gradient as above
                x = window_vector(scorer, vocabulary, window.words, "x")
                J = step(x, window_vector(scorer, vocabulary, corrupt_words, "x_c"))
                active = J > 0.0  # J = max(0, Δ + s_c − s) > 0 exactly while the margin is violated
            total += J
            if active:
                sgd(parameters, lr)
        run.losses.append(total / len(positives))
        if on_epoch:
            on_epoch(epoch, run.losses[-1])
    _evaluate(run, rng)
    return run


def window_score(scorer: WindowScorer, vocabulary: Vocabulary, words: Sequence[str]) -> float:
    """s for one window of words (forward only)."""
    return scorer.score(window_vector(scorer, vocabulary, words)).data


def _evaluate(run: NerRun, rng: random.Random) -> None:
    score = lambda window: window_score(run.scorer, run.vocabulary, window.words)  # noqa: E731
    run.threshold = best_threshold([(score(w), w.is_location) for w in run.data.train])
    heldout = run.data.heldout
    run.heldout_accuracy = sum((score(w) > run.threshold) == w.is_location for w in heldout) / len(heldout)
    locations = [w for w in heldout if w.is_location]
    run.heldout_ranking = sum(
        score(w) > window_score(run.scorer, run.vocabulary, corrupt(w.words, rng.choice(run.data.corruptions)))
        for w in locations
    ) / len(locations)
    run.chance = max(len(locations), len(heldout) - len(locations)) / len(heldout)


def best_threshold(scored: Sequence[tuple[float, bool]]) -> float:
    """The cut θ maximising the accuracy of "label = (score > θ)": a midpoint between two sorted scores."""
    ordered = sorted(scored)
    correct = sum(label for _, label in ordered)  # θ below every score: everything called True
    best, best_correct = ordered[0][0] - 1.0, correct
    for k, (value, label) in enumerate(ordered):
        correct += -1 if label else 1  # this window is now below θ, i.e. called False
        nxt = ordered[k + 1][0] if k + 1 < len(ordered) else value + 2.0
        if correct > best_correct and nxt > value:
            best, best_correct = (value + nxt) / 2.0, correct
    return best


__all__ = [
    "MoonsRun",
    "NerRun",
    "NerWindow",
    "best_threshold",
    "final_accuracy",
    "moons_loss",
    "moons_objective",
    "train_moons",
    "train_ner",
    "window_score",
]
