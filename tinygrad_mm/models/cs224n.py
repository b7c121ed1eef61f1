"""The CS224N notes' max-margin example: one true window against k corrupted ones, all scored by ONE network.

    s = Uᵀf(Wx + b),   s_c⁽ᵏ⁾ = Uᵀf(Wx_c⁽ᵏ⁾ + b)   (the same W, b, U every time)
    J = max(0, Δ + s_c − s)                    for one corrupted window (k = 1: the notes' picture)
    J = Σₖ max(0, Δ + s_c⁽ᵏ⁾ − s)              for k corrupted windows (the notes' objective over k negatives)

W, b and U fan out into all k + 1 branches, so after ``J.backward()`` each holds the
SUM of what flows back through s and through every s_c⁽ᵏ⁾ (`branch_contributions`
reads the parts off the edges).  Labels: ``s``, ``s_c`` (k = 1) or ``s_c1``, ``s_c2``, …;
the hinges ``J_1``, ``J_2``, … when k ≥ 2; each branch in its own scope.

`ExampleSpec` says what to build (window, corrupted windows, Δ, H, d, f, seed) and
`build_example` builds it; `notes_example` is the notes' own choice.  The network and the
words → windows part (`WindowScorer`, `Vocabulary`, `corrupt`, …) are in ``window_scorer.py``
and re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..engine import Parameter, Value, count_uses, record, sum_values, uses_of
from ..engine.errors import finite_float
from .losses import max_margin_loss
from .nn import sgd
from .window_scorer import ACTIVATIONS, Vocabulary, WindowScorer, corrupt, window_vector, word_embedding

NOTES_WINDOW = ("museums", "in", "Paris", "are", "amazing")
NOTES_CORRUPTION = "bread"
NOTES_VOCABULARY = (*NOTES_WINDOW, NOTES_CORRUPTION, "London", "music")
SMALL_WINDOW, SMALL_CORRUPTION = ("Paris",), "bread"  # n = 2: one word of d = 2
MAX_SIZE = 10**6  # (k + 1)·H·n: the example refuses to be larger (it is for looking at, not for training)


@dataclass(frozen=True)
class ExampleSpec:
    """What the example is built from; the defaults are the notes' (5 words, d = 4, H = 8, Δ = 1, sigmoid).

    ``corruptions`` holds k ≥ 1 corrupted windows, each as long as ``window``.  Embeddings
    depend only on (seed, word) and the scorer's initialisation on the seed, so any word works.
    """

    window: tuple[str, ...] = NOTES_WINDOW
    corruptions: tuple[tuple[str, ...], ...] = (corrupt(NOTES_WINDOW, NOTES_CORRUPTION),)
    delta: float = 1.0
    hidden: int = 8
    dim: int = 4
    activation: str = "sigmoid"
    seed: int = 0
    expanded_hinge: bool = False  # each hinge as m = Δ + s_c − s, then max(0, m) (losses.max_margin_loss)

    def __post_init__(self) -> None:
        object.__setattr__(self, "window", _words(self.window, "the window"))
        object.__setattr__(self, "corruptions", tuple(_words(w, "a corrupted window") for w in self.corruptions))
        if not self.corruptions:
            raise ValueError("the example needs at least one corrupted window")
        for bad in self.corruptions:
            if len(bad) != len(self.window):
                raise ValueError(
                    f"the corrupted window {' '.join(bad)!r} has {len(bad)} words but the window "
                    f"{' '.join(self.window)!r} has {len(self.window)}: give windows of the same length"
                )
        object.__setattr__(self, "delta", finite_float(self.delta, "delta (Δ, the margin)"))
        if self.delta < 0:
            raise ValueError(f"delta (Δ, the required margin) must be >= 0, got {self.delta:g}")
        for name, size in (("hidden (H)", self.hidden), ("dim (d)", self.dim)):
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ValueError(f"{name} must be a positive whole number, got {size!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be a whole number, got {self.seed!r}")
        if not isinstance(self.expanded_hinge, bool):
            raise ValueError(f"expanded_hinge must be True or False, got {self.expanded_hinge!r}")
        size = (len(self.corruptions) + 1) * self.hidden * self.dim * len(self.window)
        if size > MAX_SIZE:
            raise ValueError(
                f"the example would have (k + 1)·H·n = {size:,} weighted inputs (k = {len(self.corruptions)}, "
                f"H = {self.hidden}, n = {self.dim * len(self.window)}), more than {MAX_SIZE:,}: "
                "use fewer or shorter windows, or a smaller H or d"
            )

    @classmethod
    def notes(
        cls,
        small: bool = False,
        window: Sequence[str] | None = None,
        corrupt_words: Sequence[str] = (),
        corrupt_windows: Sequence[Sequence[str]] = (),
        **numbers: object,
    ) -> ExampleSpec:
        """The notes' example with some parts replaced; None or empty means "the notes' choice".

        ``corrupt_words``: one corrupted window per word, the window's centre word replaced by it.
        ``small``: keep only the centre word (of the window and of each corruption), with d = H = 2
        unless given: the whole graph fits in one picture.  ``numbers``: delta, hidden, dim, activation, seed,
        expanded_hinge.
        """
        if corrupt_words and corrupt_windows:
            raise ValueError("give the corrupted windows either as centre words or as whole windows, not both")
        window = tuple(window) if window else NOTES_WINDOW
        if corrupt_windows:
            corruptions = tuple(tuple(w) for w in corrupt_windows)
        else:
            corruptions = tuple(corrupt(window, word) for word in (corrupt_words or (NOTES_CORRUPTION,)))
        numbers = {k: v for k, v in numbers.items() if v is not None}
        spec = cls(window, corruptions, **numbers)
        if small:
            spec = replace(spec.centre_words(), **{k: v for k, v in numbers.items() if k in ("dim", "hidden")})
        return spec

    def centre_words(self) -> ExampleSpec:
        """The same example cut to the centre word of every window, with d = H = 2: every node fits in one picture.

        A one-word example is returned as it is.
        """
        if len(self.window) == 1:
            return self
        return replace(self, window=_centre(self.window), corruptions=tuple(_centre(w) for w in self.corruptions),
                       dim=2, hidden=2)  # fmt: skip

    @property
    def words(self) -> tuple[str, ...]:
        """Every word used, once, in order of first appearance."""
        return tuple(dict.fromkeys(w for window in (self.window, *self.corruptions) for w in window))


def _words(window: object, what: str) -> tuple[str, ...]:
    if isinstance(window, str):
        raise TypeError(f"{what} is a sequence of words, got the string {window!r}; use {tuple(window.split())!r}")
    words = tuple(window)  # type: ignore[call-overload]
    if not words:
        raise ValueError(f"{what} needs at least one word")
    for word in words:
        if not isinstance(word, str) or not word.strip() or word != word.strip():
            raise ValueError(f"{what} has the word {word!r}: words are non-empty, without spaces at the ends")
    return words


def _centre(window: tuple[str, ...]) -> tuple[str, ...]:
    if len(window) % 2 == 0:
        raise ValueError(f"keeping only the centre word (--small) needs a window of an odd number of words; got {window}")
    return (window[len(window) // 2],)


@dataclass(frozen=True)
class Negative:
    """One corrupted window: its words, its inputs x_c, its score s_c and its hinge max(0, Δ + s_c − s)."""

    words: tuple[str, ...]
    x: list[Value]
    s: Value
    hinge: Value


@dataclass
class MarginExample:
    """One true window, k ≥ 1 corrupted ones, and J = Σₖ max(0, Δ + s_c⁽ᵏ⁾ − s), forward built."""

    J: Value
    s: Value
    scorer: WindowScorer
    vocabulary: Vocabulary
    x: list[Value]
    words: tuple[str, ...]
    negatives: tuple[Negative, ...]
    delta: float
    trained_steps: int = 0  # SGD steps taken on these windows before it was built (the inactive example)
    spec: ExampleSpec | None = field(default=None, compare=False)

    # the first corrupted window (the only one when k = 1), under the notes' names
    @property
    def s_c(self) -> Value:
        return self.negatives[0].s

    @property
    def x_c(self) -> list[Value]:
        return self.negatives[0].x

    @property
    def corrupt_words(self) -> tuple[str, ...]:
        return self.negatives[0].words

    @property
    def k(self) -> int:
        """The number of corrupted windows."""
        return len(self.negatives)

    @property
    def active(self) -> bool:
        """True while some margin is violated (Δ + s_c⁽ᵏ⁾ − s > 0): only then does any gradient flow."""
        return any(negative.hinge.active for negative in self.negatives)

    @property
    def branches(self) -> dict[str, Value]:
        """Each branch's score by its label: ``s``, then ``s_c`` (or ``s_c1``, ``s_c2``, …)."""
        return {self.s.label: self.s} | {n.s.label: n.s for n in self.negatives}

    def parameters(self) -> list[Parameter]:
        """The scorer's W, b, U, then the embeddings if they are trainable."""
        return self.scorer.parameters() + self.vocabulary.parameters()


def margin_example(
    scorer: WindowScorer,
    vocabulary: Vocabulary,
    words: Sequence[str],
    corrupt_words: Sequence[str],
    delta: float = 1.0,
) -> MarginExample:
    """Score ``words`` (s) and ``corrupt_words`` (s_c) with the same scorer and build J = max(0, Δ + s_c − s)."""
    return negatives_example(scorer, vocabulary, words, [corrupt_words], delta)


def negatives_example(
    scorer: WindowScorer,
    vocabulary: Vocabulary,
    words: Sequence[str],
    corrupt_windows: Sequence[Sequence[str]],
    delta: float = 1.0,
    expanded_hinge: bool = False,
) -> MarginExample:
    """Score ``words`` (s) and each corrupted window (s_c⁽ᵏ⁾) with the same scorer; J = Σₖ max(0, Δ + s_c⁽ᵏ⁾ − s).

    k = 1 gives exactly the notes' graph (J is the hinge itself, the branch is ``s_c``); k ≥ 2
    labels the branches ``s_c1``, ``s_c2``, … and J is one sum node over the hinges ``J_1``, ``J_2``, ….
    ``expanded_hinge``: each hinge as the margin ``m`` (``m_1``, …) from ordinary ops, then max(0, m).
    """
    if not corrupt_windows:
        raise ValueError("give at least one corrupted window")
    x = window_vector(scorer, vocabulary, words, "x")
    s = scorer.score(x, "s")
    suffixes = ["_c"] if len(corrupt_windows) == 1 else [f"_c{k}" for k in range(1, len(corrupt_windows) + 1)]
    negatives = []
    for suffix, bad in zip(suffixes, corrupt_windows, strict=True):
        x_c = window_vector(scorer, vocabulary, bad, f"x{suffix}")
        s_c = scorer.score(x_c, f"s{suffix}")
        hinge = max_margin_loss(s, s_c, delta, expanded=expanded_hinge)
        if len(corrupt_windows) > 1:
            hinge.label = f"J_{suffix[2:]}"
            if expanded_hinge:
                hinge.parents[0].label = f"m_{suffix[2:]}"
        negatives.append(Negative(tuple(bad), x_c, s_c, hinge))
    J = negatives[0].hinge if len(negatives) == 1 else sum_values([n.hinge for n in negatives])
    J.label = "J"
    return MarginExample(J, s, scorer, vocabulary, x, tuple(words), tuple(negatives), finite_float(delta, "delta"))


def build_example(spec: ExampleSpec, active: bool = True, trainable_embeddings: bool = False) -> MarginExample:
    """The example ``spec`` describes, forward built and not yet backpropagated.

    ``active=False``: the same scorer after SGD on these windows until every margin is met
    with ½ to spare (s ≥ s_c⁽ᵏ⁾ + Δ + ½), so J = 0 and no gradient flows.
    """
    vocabulary = Vocabulary(spec.words, spec.dim, seed=spec.seed, trainable=trainable_embeddings, per_word=True)
    scorer = WindowScorer(len(spec.window) * spec.dim, spec.hidden, spec.activation, seed=spec.seed)
    steps = 0
    if not active:
        steps = train_until_margins_met(scorer, vocabulary, spec.window, spec.corruptions, spec.delta, slack=0.5)
    example = negatives_example(scorer, vocabulary, spec.window, spec.corruptions, spec.delta, spec.expanded_hinge)
    example.trained_steps, example.spec = steps, spec
    return example


def notes_example(
    active: bool = True,
    small: bool = False,
    activation: str = "sigmoid",
    trainable_embeddings: bool = False,
    expanded_hinge: bool = False,
) -> MarginExample:
    """The notes' example, forward built and not yet backpropagated.

    Default: "museums in Paris are amazing" against "museums in bread are
    amazing" (d = 4, n = 20, H = 8) with freshly initialised parameters, where
    the margin is violated (J > 0).  ``active=False``: the same scorer after SGD
    on this pair until s ≥ s_c + Δ + ½, so the margin is met and J = 0.
    ``small=True``: the one-word window "Paris" against "bread" (d = 2, n = 2, H = 2).
    ``expanded_hinge=True``: J as m = Δ + s_c − s, then max(0, m) (two nodes instead of one).
    """
    spec = replace(ExampleSpec.notes(small=small), activation=activation, expanded_hinge=expanded_hinge)
    return build_example(spec, active, trainable_embeddings)


def train_until_margins_met(
    scorer: WindowScorer,
    vocabulary: Vocabulary,
    words: Sequence[str],
    corrupt_windows: Sequence[Sequence[str]],
    delta: float = 1.0,
    slack: float = 0.0,
    lr: float = 0.5,
    max_steps: int = 10_000,
) -> int:
    """SGD on W, b, U with J = Σₖ max(0, Δ + slack + s_c⁽ᵏ⁾ − s) until J = 0; returns the steps taken."""
    for bad in corrupt_windows:
        if tuple(bad) == tuple(words) and delta + slack > 0:
            raise RuntimeError(
                f"the corrupted window {' '.join(bad)!r} is the true window, so s_c = s and the margin "
                f"Δ = {delta + slack:g} can never be met by training"
            )
    for step in range(max_steps):
        example = negatives_example(scorer, vocabulary, words, corrupt_windows, delta + slack)
        if not example.active:
            return step
        example.J.backward()
        sgd(scorer.parameters(), lr)
        vocabulary.zero_grad()  # the embeddings stay fixed here
    raise RuntimeError(
        f"the margin was still violated after {max_steps} SGD steps (Δ = {delta:g}); raise lr or max_steps, "
        "lower Δ, or pick other windows"
    )


def train_pair_until_margin_met(
    scorer: WindowScorer,
    vocabulary: Vocabulary,
    words: Sequence[str],
    corrupt_words: Sequence[str],
    delta: float = 1.0,
    slack: float = 0.0,
    lr: float = 0.5,
    max_steps: int = 10_000,
) -> int:
    """`train_until_margins_met` for one corrupted window: SGD until max(0, Δ + slack + s_c − s) = 0."""
    return train_until_margins_met(scorer, vocabulary, words, [corrupt_words], delta, slack, lr, max_steps)


def branch_contributions(example: MarginExample, parameter: Value) -> dict[str, float]:
    """What ``parameter`` received through each branch of ``J``'s backward pass: ``s``, then ``s_c`` (or ``s_c1``, …).

    Read off the recorded pass (``engine.record``; no ``.grad`` changes): every node of a
    branch that uses ``parameter`` sent it ``node.grad · ∂node/∂parameter``.  The parts add
    up to ∂J/∂parameter — that sum is the whole answer to "s and s_c share W".
    """
    steps = record(example.J).step_of()
    return {
        name: sum((steps[user].contributions[k] for user, k in uses_of(parameter, count_uses(root))), 0.0)
        for name, root in example.branches.items()
    }


__all__ = [
    "ACTIVATIONS", "MAX_SIZE", "NOTES_CORRUPTION", "NOTES_VOCABULARY", "NOTES_WINDOW", "SMALL_CORRUPTION",
    "SMALL_WINDOW", "ExampleSpec", "MarginExample", "Negative", "Vocabulary", "WindowScorer", "branch_contributions",
    "build_example", "corrupt", "margin_example", "negatives_example", "notes_example", "train_pair_until_margin_met",
    "train_until_margins_met", "window_vector", "word_embedding",
]  # fmt: skip
