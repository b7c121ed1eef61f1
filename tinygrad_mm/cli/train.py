"""``tinygrad-mm train {ner,moons}``: run a training demo with a live progress line, optionally saving plots."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ..models.cs224n import ACTIVATIONS
from .errors import UserError, one_line
from .options import output_dir

MAX_LR, MAX_EPOCHS, MAX_STEPS = 10.0, 100_000, 10_000_000  # beyond these an option is a typo, not a plan
PLOT_HINT = "saving plots needs matplotlib: pip install 'tinygrad-mm[plot]' (or pip install matplotlib)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a model with SGD on a max-margin loss (toy NER or two moons)",
        description="Train one of the demos, showing the loss as it goes.",
    )
    demos = parser.add_subparsers(dest="demo", required=True, metavar="{ner,moons}")

    ner = demos.add_parser(
        "ner",
        help="the CS224N window scorer on toy NER: is the centre word a location?",
        description="SGD on J = max(0, 1 + s_c - s): each training window whose centre word is a location "
        "must outscore, by 1, the same window with its centre word replaced by a random non-location. "
        "Reports mean J per epoch and the accuracy on held-out windows.",
    )
    ner.add_argument("--epochs", type=int, default=15, help="passes over the training windows (default 15)")
    ner.add_argument("--lr", type=float, default=0.02, help=f"SGD learning rate, > 0 and at most {MAX_LR:g} (default 0.02)")
    ner.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid", help="f (default sigmoid)")
    ner.add_argument("--fixed-embeddings", action="store_true", help="keep the word embeddings L at their random start")
    ner.add_argument("--seed", type=int, default=0, help="data split, initialisation and corruptions (default 0)")
    _add_output_arguments(ner, "ner_loss.png")
    ner.set_defaults(func=run_ner)

    moons = demos.add_parser(
        "moons",
        help="micrograd's demo: MLP(2, [16, 16, 1]) on 100 two-moons points",
        description="Full-batch SGD on mean(relu(1 - y·score)) + 1e-4·Σp², lr = 1 - 0.9·k/steps.",
    )
    moons.add_argument("--steps", type=int, default=100, help="SGD steps (default 100)")
    moons.add_argument("--seed", type=int, default=1337, help="data and initialisation (default 1337)")
    _add_output_arguments(moons, "moons_loss.png and moons_boundary.png")
    moons.set_defaults(func=run_moons)


def _add_output_arguments(parser: argparse.ArgumentParser, files: str) -> None:
    parser.add_argument(
        "--compile", action="store_true",
        help="run each step as compiled Python over floats (tinygrad_mm.compile): the same losses, several times faster",
    )  # fmt: skip
    parser.add_argument("--plot", action="store_true", help=f"save {files} under --out (needs matplotlib)")
    parser.add_argument(
        "--out", type=output_dir, default=Path("out"), help="an existing directory for the plots (default: out/, created)"
    )


class Progress:
    """One status line: rewritten in place with a carriage return on a terminal, one plain line per update otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, live: bool | None = None) -> None:
        self.total, self.stream = total, stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.width = 0

    def update(self, done: int, text: str) -> None:
        if self.live:
            filled = round(20 * done / self.total)
            line = f"[{'#' * filled}{'.' * (20 - filled)}] {text}"
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()


def _check_range(name: str, value: float, high: float) -> str | None:
    """None if 0 < value <= high (so not NaN or infinite), else what is wrong."""
    def shown(x: float) -> str:
        return f"{x:,}" if isinstance(x, int) else f"{x:g}"

    return None if 0 < value <= high else f"{name} must be > 0 and at most {shown(high)}, got {shown(value)}"


def _pyplot(wanted: bool):
    """matplotlib.pyplot with a file-only backend, or None if plots were not asked for; raises ImportError."""
    if not wanted:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _start(args: argparse.Namespace, checks: list[str | None]):
    """Validate options and load matplotlib before any training starts; (pyplot or None, error code or None)."""
    for problem in checks:
        if problem:
            print(f"tinygrad-mm train {args.demo}: {problem}", file=sys.stderr)
            return None, 2
    try:
        return _pyplot(args.plot), None
    except ImportError:
        print(f"tinygrad-mm train {args.demo}: {PLOT_HINT}", file=sys.stderr)
        return None, 2


def run_ner(args: argparse.Namespace) -> int:
    from ..models.train import train_ner

    plt, error = _start(args, [_check_range("--epochs", args.epochs, MAX_EPOCHS), _check_range("--lr", args.lr, MAX_LR)])
    if error:
        return error
    progress = Progress(args.epochs)
    embeddings = "fixed" if args.fixed_embeddings else "trained"
    print(
        f"toy NER: window scorer f = {args.activation}, d = 4, n = 20, H = 8, embeddings {embeddings}, lr = {args.lr:g}"
    )
    with diverging(f"--lr {args.lr:g}"):
        run = train_ner(
            epochs=args.epochs,
            lr=args.lr,
            activation=args.activation,
            seed=args.seed,
            trainable_embeddings=not args.fixed_embeddings,
            on_epoch=lambda k, loss: progress.update(k + 1, f"epoch {k + 1:>3}/{args.epochs}  mean J {loss:.4f}"),
            compile=args.compile,
        )
    progress.close()
    heldout = len(run.data.heldout)
    print(
        f"held-out accuracy {run.heldout_accuracy:.1%} on {heldout} windows (chance {run.chance:.1%}; "
        f"location iff s > {run.threshold:.3f}); held-out location windows beating their corruption: "
        f"{run.heldout_ranking:.1%}"
    )
    if plt:
        path = _loss_plot(
            plt, run.losses, "epoch", "mean J = max(0, 1 + s_c − s)", "toy NER", args.out / "ner_loss.png"
        )
        print(f"wrote {path}")
    return 0


def run_moons(args: argparse.Namespace) -> int:
    from ..models.train import final_accuracy, train_moons

    plt, error = _start(args, [_check_range("--steps", args.steps, MAX_STEPS)])
    if error:
        return error
    progress = Progress(args.steps)
    print("two moons: MLP(2, [16, 16, 1]), 100 points, SVM max-margin loss + 1e-4 L2, SGD")
    with diverging("the learning rate"):
        run = train_moons(
            steps=args.steps,
            seed=args.seed,
            on_step=lambda k, loss, acc: progress.update(
                k + 1, f"step {k + 1:>3}/{args.steps}  loss {loss:.4f}  accuracy {acc:.0%}"
            ),
            compile=args.compile,
        )
    progress.close()
    accuracy = final_accuracy(run.model, run.X, run.y)
    print(f"final training accuracy {accuracy:.0%} ({round(accuracy * len(run.y))}/{len(run.y)} points)")
    if plt:
        title = "two moons"
        print(f"wrote {_loss_plot(plt, run.losses, 'step', 'loss', title, args.out / 'moons_loss.png')}")
        print(f"wrote {_boundary_plot(plt, run, args.out / 'moons_boundary.png')}")
    return 0


@contextmanager
def diverging(what: str) -> Iterator[None]:
    """Training that overflowed (the engine refuses an inf or NaN parameter or gradient): one line, not a traceback."""
    from ..engine import DomainError, GradientError

    try:
        yield
    except (GradientError, DomainError, OverflowError) as err:
        raise UserError(f"training diverged ({one_line(str(err), 300)}); {what} is probably too large", 1) from None
    except ValueError as err:
        if "must be finite" not in str(err):  # only a parameter update to inf/NaN is the training's fault
            raise
        raise UserError(f"training diverged ({one_line(str(err), 300)}); {what} is probably too large", 1) from None


def _save(plt, fig, path: Path) -> Path:
    """Render the figure to PNG bytes in memory, then write them atomically (Ctrl-C never leaves half a file)."""
    from ..files import write_atomic

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return write_atomic(path, buffer.getvalue())


def _loss_plot(plt, losses: list[float], xlabel: str, ylabel: str, title: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(losses) + 1), losses, marker="." if len(losses) <= 30 else None)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=f"{title}: training loss")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(plt, fig, path)


def _boundary_plot(plt, run, path: Path, step: float = 0.05) -> Path:
    """The sign of the model's score over a grid around the data, with the points on top (as micrograd's demo)."""
    xs, ys = [p[0] for p in run.X], [p[1] for p in run.X]
    gx = [min(xs) - 0.5 + k * step for k in range(int((max(xs) - min(xs) + 1.0) / step) + 1)]
    gy = [min(ys) - 0.5 + k * step for k in range(int((max(ys) - min(ys) + 1.0) / step) + 1)]
    Z = [[1.0 if run.model([a, b]).data > 0 else -1.0 for a in gx] for b in gy]
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contourf(gx, gy, Z, levels=[-2, 0, 2], cmap=plt.cm.Spectral, alpha=0.8)
    ax.scatter(xs, ys, c=run.y, s=40, cmap=plt.cm.Spectral, edgecolors="k")
    ax.set(xlim=(gx[0], gx[-1]), ylim=(gy[0], gy[-1]), title="two moons: decision boundary of MLP(2, [16, 16, 1])")
    fig.tight_layout()
    return _save(plt, fig, path)
