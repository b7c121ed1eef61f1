"""The CS224N window scorer: s = Uᵀ f(Wx + b), one set of parameters shared by every window scored.

Scoring the true window x and the corrupted window x_c with the *same*
`WindowScorer` reuses the same parameter `Value`s, so W, b and U fan out into
both branches and, after ``J.backward()``, hold the sum of what flows back
through s and through s_c.

Words become vectors through a `Vocabulary`: either drawn one after another from
one seeded generator (the toy NER data), or, with ``per_word=True``, each derived
from the seed and the word alone (`word_embedding`), so any word works.

The notes' example built from them (J over one or k corrupted windows) is in ``cs224n.py``,
which also re-exports everything here.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Sequence

from ..engine import Parameter, Value, dot, operand, scope
from .nn import Module

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

    Embeddings are drawn from U(−1, 1) with ``seed``: one generator for the words in
    order, or with ``per_word=True`` one per word (`word_embedding`: the same word,
    seed and d always give the same vector, whatever else is in the vocabulary).  With ``trainable=True``
    each entry is a `Parameter` labelled ``L[word][k]`` and a window *is* those
    parameters, so ``J.backward()`` also gives ∂J/∂L (a word in both windows
    receives the sum from both branches); otherwise a window is fresh input leaves
    labelled ``x[j]`` (or ``x_c[j]``) holding copies of the embeddings.
    """

    def __init__(
        self, words: Sequence[str], dim: int, seed: int = 0, trainable: bool = False, *, per_word: bool = False
    ) -> None:
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
        self.L = {
            w: [leaf(v, f"L[{w}][{k}]") for k, v in enumerate(
                word_embedding(w, dim, seed) if per_word else [rng.uniform(-1.0, 1.0) for _ in range(dim)]
            )]
            for w in self.words
        }  # fmt: skip

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


def word_embedding(word: str, dim: int, seed: int = 0) -> list[float]:
    """``word``'s d entries, each from U(−1, 1), drawn by a generator seeded with the seed and the word itself.

    Deterministic across runs and machines (``random.Random`` hashes a str seed with SHA-512,
    not with Python's per-process ``hash``).
    """
    rng = random.Random(f"tinygrad_mm embedding · seed {seed} · {word}")
    return [rng.uniform(-1.0, 1.0) for _ in range(dim)]


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
