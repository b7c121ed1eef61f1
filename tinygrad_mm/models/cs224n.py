"""The CS224N window scorer: s = Uᵀ f(Wx + b), one set of parameters shared by every window scored.

Scoring the true window x and the corrupted window x_c with the *same*
`WindowScorer` reuses the same parameter `Value`s, so W, b and U fan out into
both branches and, after ``J.backward()``, hold the sum of what flows back
through s and through s_c.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..engine import Parameter, Value, count_uses, dot, operand, scope, uses_of
from .losses import max_margin_loss
from .nn import Module, sgd

ACTIVATIONS = ("sigmoid", "tanh", "relu")


class WindowScorer(Module):
    """s = Uᵀ f(Wx + b) with W (H × n), b (H), U (H); f is sigmoid (the notes' choice), tanh or relu."""

    def __init__(self, n: int, hidden: int, activation: str = "sigmoid", seed: int = 0) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        for name, size in (("n", n), ("hidden", hidden)):
            if not isinstance(size, int) or size < 1:
                raise ValueError(f"{name} must be a positive int, got {size!r}")
        rng = random.Random(seed)
        bound = 1.0 / n**0.5
        self.n, self.hidden, self.activation = n, hidden, activation
        self.W = [[Parameter(rng.uniform(-bound, bound), f"W[{i},{j}]") for j in range(n)] for i in range(hidden)]
        self.b = [Parameter(0.0, f"b[{i}]") for i in range(hidden)]
        self.U = [Parameter(rng.uniform(-1.0, 1.0), f"U[{i}]") for i in range(hidden)]

    def parameters(self) -> list[Parameter]:
        """W (row by row), then b, then U."""
        return [w for row in self.W for w in row] + self.b + self.U

    def score(self, x: Sequence[Value | float], name: str = "s") -> Value:
        """The score of window ``x`` (n values), labelled ``name``; ``name="s_c"`` labels the corrupted branch.

        Nodes are labelled z[i], a[i] (or z_c[i], a_c[i]) and grouped in scopes
        ``z = Wx + b``, ``a = f(z)``, ``s = U·a`` inside ``s = Uᵀf(Wx + b)``.
        """
        if len(x) != self.n:
            raise ValueError(f"window {name!r} must have n = {self.n} values, got {len(x)}")
        x = [operand(v, "score") for v in x]
        sub = name[1:]  # "" for s, "_c" for s_c
        with scope(f"{name} = Uᵀf(Wx{sub} + b)"):
            with scope(f"z{sub} = Wx{sub} + b"):
                z = []
                for i, (row, b_i) in enumerate(zip(self.W, self.b, strict=True)):
                    z_i = dot(row, x) + b_i
                    z_i.label = f"z{sub}[{i}]"
                    z.append(z_i)
            with scope(f"a{sub} = f(z{sub})"):
                a = []
                for i, z_i in enumerate(z):
                    a_i = getattr(z_i, self.activation)()
                    a_i.label = f"a{sub}[{i}]"
                    a.append(a_i)
            with scope(f"{name} = U·a{sub}"):
                s = dot(self.U, a)
                s.label = name
        return s


# ---- words in, windows out ----


class Vocabulary(Module):
    """Words → d-dimensional embeddings, the columns of the notes' matrix L.

    Embeddings are drawn from U(−1, 1) with ``seed``.  With ``trainable=True``
    each entry is a `Parameter` labelled ``L[word][k]`` and a window *is* those
    parameters, so ``J.backward()`` also gives ∂J/∂L (a word in both windows
    receives the sum from both branches); otherwise a window is fresh input leaves
    labelled ``x[j]`` (or ``x_c[j]``) holding copies of the embeddings.
    """

    def __init__(self, words: Sequence[str], dim: int, seed: int = 0, trainable: bool = False) -> None:
        if not isinstance(dim, int) or dim < 1:
            raise ValueError(f"embedding size d must be a positive int, got {dim!r}")
        for word in words:
            if not isinstance(word, str) or not word or word != word.strip():
                raise ValueError(f"vocabulary words must be non-empty strings without spaces at the ends, got {word!r}")
        self.words = tuple(dict.fromkeys(words))
        if not self.words:
            raise ValueError("a Vocabulary needs at least one word")
        self.dim, self.trainable = dim, trainable
        rng = random.Random(seed)
        leaf = Parameter if trainable else Value
        self.L = {w: [leaf(rng.uniform(-1.0, 1.0), f"L[{w}][{k}]") for k in range(dim)] for w in self.words}

    def __contains__(self, word: object) -> bool:
        return word in self.L

    def __len__(self) -> int:
        return len(self.words)

    def embedding(self, word: str) -> list[Value]:
        """The d entries of ``word``'s embedding (Parameters if trainable)."""
        if word not in self.L:
            close = difflib.get_close_matches(str(word), self.words, n=3)
            hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
            raise ValueError(
                f"unknown word {word!r}: it is not in the vocabulary of {len(self.words)} words; "
                f"{hint}add it to the Vocabulary or fix the spelling"
            )
        return self.L[word]

    def parameters(self) -> list[Parameter]:
        """Every embedding entry, word by word, if trainable; [] otherwise."""
        return [e for w in self.words for e in self.L[w]] if self.trainable else []

    def window(self, words: Sequence[str], name: str = "x") -> list[Value]:
        """The window vector x ∈ ℝ^(d·len(words)): the words' embeddings stacked, first word first."""
        if isinstance(words, str):
            raise TypeError(f"a window is a sequence of words, got the string {words!r}; use {tuple(words.split())!r}")
        vector = [e for word in words for e in self.embedding(word)]
        if self.trainable:
            return vector
        return [Value(e.data, f"{name}[{j}]") for j, e in enumerate(vector)]


def corrupt(words: Sequence[str], replacement: str) -> tuple[str, ...]:
    """The notes' corrupted window: ``words`` with its centre word replaced by ``replacement``."""
    if len(words) % 2 == 0:
        raise ValueError(f"a window needs a centre word, so an odd number of words; got {len(words)}: {tuple(words)}")
    centre = len(words) // 2
    return (*words[:centre], replacement, *words[centre + 1 :])


def window_vector(scorer: WindowScorer, vocabulary: Vocabulary, words: Sequence[str], name: str = "x") -> list[Value]:
    """The window of ``words`` as the scorer's input, checking that the shapes match."""
    if scorer.n % vocabulary.dim:
        raise ValueError(
            f"the scorer reads n = {scorer.n} values, which is not a whole number of d = {vocabulary.dim} "
            "embeddings; make n = d·(window length)"
        )
    size = scorer.n // vocabulary.dim
    if len(words) != size:
        raise ValueError(
            f"window {name!r} must have {size} words (n = {scorer.n} values of d = {vocabulary.dim}), "
            f"got {len(words)}: {tuple(words)}"
        )
    return vocabulary.window(words, name)


# ---- the notes' example ----


@dataclass
class MarginExample:
    """One true window, its corrupted version, and J = max(0, Δ + s_c − s), forward built."""

    J: Value
    s: Value
    s_c: Value
    scorer: WindowScorer
    vocabulary: Vocabulary
    x: list[Value]
    x_c: list[Value]
    words: tuple[str, ...]
    corrupt_words: tuple[str, ...]
    delta: float
    trained_steps: int = 0  # SGD steps taken on this pair before it was built (the inactive example)

    @property
    def active(self) -> bool:
        """True while the margin is violated (Δ + s_c − s > 0): only then does any gradient flow."""
        return self.J.active

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
    """Score ``words`` (s) and ``corrupt_words`` (s_c) with the same scorer and build J."""
    x = window_vector(scorer, vocabulary, words, "x")
    x_c = window_vector(scorer, vocabulary, corrupt_words, "x_c")
    s, s_c = scorer.score(x, "s"), scorer.score(x_c, "s_c")
    J = max_margin_loss(s, s_c, delta)
    return MarginExample(J, s, s_c, scorer, vocabulary, x, x_c, tuple(words), tuple(corrupt_words), J.delta)


NOTES_WINDOW = ("museums", "in", "Paris", "are", "amazing")
NOTES_CORRUPTION = "bread"
NOTES_VOCABULARY = (*NOTES_WINDOW, NOTES_CORRUPTION, "London", "music")
SMALL_WINDOW, SMALL_CORRUPTION = ("Paris",), "bread"  # n = 2: one word of d = 2


def notes_example(
    active: bool = True, small: bool = False, activation: str = "sigmoid", trainable_embeddings: bool = False
) -> MarginExample:
    """The notes' example, forward built and not yet backpropagated.

    Default: "museums in Paris are amazing" against "museums in bread are
    amazing" (d = 4, n = 20, H = 8) with freshly initialised parameters, where
    the margin is violated (J > 0).  ``active=False``: the same scorer after SGD
    on this pair until s ≥ s_c + Δ + ½, so the margin is met and J = 0.
    ``small=True``: the one-word window "Paris" against "bread" (d = 2, n = 2, H = 2).
    """
    words, replacement, dim, hidden = (
        (SMALL_WINDOW, SMALL_CORRUPTION, 2, 2) if small else (NOTES_WINDOW, NOTES_CORRUPTION, 4, 8)
    )
    corrupt_words = corrupt(words, replacement)
    vocabulary = Vocabulary(NOTES_VOCABULARY, dim, seed=1, trainable=trainable_embeddings)
    scorer = WindowScorer(len(words) * dim, hidden, activation, seed=0)
    steps = 0 if active else train_pair_until_margin_met(scorer, vocabulary, words, corrupt_words, slack=0.5)
    example = margin_example(scorer, vocabulary, words, corrupt_words)
    example.trained_steps = steps
    return example


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
    """SGD on the scorer's W, b, U with J = max(0, Δ + slack + s_c − s) until J = 0; returns the steps taken."""
    for step in range(max_steps):
        example = margin_example(scorer, vocabulary, words, corrupt_words, delta + slack)
        if not example.active:
            return step
        example.J.backward()
        sgd(scorer.parameters(), lr)
        vocabulary.zero_grad()  # the embeddings stay fixed here
    raise RuntimeError(f"the margin was still violated after {max_steps} SGD steps; raise lr or max_steps")


def branch_contributions(example: MarginExample, parameter: Value) -> dict[str, float]:
    """What ``parameter`` received through the s branch and through the s_c branch (after ``J.backward()``).

    Read off the edges of the backward pass: every node of a branch that uses
    ``parameter`` sent it ``node.grad · ∂node/∂parameter``.  The two add up to
    ``parameter.grad`` — that sum is the whole answer to "s and s_c share W".
    """
    return {
        name: sum((user.grad * user.local_grads()[k] for user, k in uses_of(parameter, count_uses(root))), 0.0)
        for name, root in (("s", example.s), ("s_c", example.s_c))
    }
