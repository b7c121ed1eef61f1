"""tinygrad_mm vs micrograd vs hand-written floats, side by side: ``make bench`` (or ``python benchmarks/compare.py``).

Every measurement runs in a fresh process (``worker.py``); the engines are
interleaved repetition by repetition so background load hits them alike, and
the table shows the fastest process of each and ratios (this machine runs a
whole process either fast or about 1.5× slower, for every engine alike, also
with a fixed hash seed: a median of 5 then compares a fast process of one
engine with a slow one of another).  Before any number is shown, the honesty
checks confirm every engine computed the same thing: the same moons losses step
by step (to 1e-9), the same chain and Σ xᵢwᵢ values and gradients, the same
node count for the memory graph.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workloads import MOONS_SIZES, seeded_weights

from tinygrad_mm.files import write_atomic

HERE = Path(__file__).resolve().parent
WORKER = HERE / "worker.py"
ENGINES = ("float", "micrograd", "tinygrad_mm", "tinygrad_mm/binary", "tinygrad_mm/compiled", "tinygrad_mm/compiled-mg")
BENCHMARKS = ("moons", "first_call", "cached_call", "chain", "chain_step", "chain_backward", "short_chain", "memory", "sum")
TOLERANCE = 1e-9
COMPILED = "tinygrad_mm/compiled"
COMPILED_MG = "tinygrad_mm/compiled-mg"  # micrograd's idiom (its nn.py, sum(), p*p) compiled
RUNS_ON = {  # benchmarks not every engine runs (the others run everywhere)
    "first_call": (COMPILED, COMPILED_MG), "cached_call": (COMPILED, COMPILED_MG),  # only compiled steps have one
    "chain_step": ("float", "micrograd", "tinygrad_mm", COMPILED),  # eager engines: a step is build + backward
    "chain": ("float", "micrograd", "tinygrad_mm", "tinygrad_mm/binary"),  # compiled: see chain_step
    "chain_backward": ("float", "micrograd", "tinygrad_mm", "tinygrad_mm/binary"),
    "short_chain": ("float", "micrograd", "tinygrad_mm", "tinygrad_mm/binary"),
    "memory": ("float", "micrograd", "tinygrad_mm", "tinygrad_mm/binary"),
    "sum": ("float", "micrograd", "tinygrad_mm", "tinygrad_mm/binary", COMPILED),
}  # fmt: skip
SAME_AS = {"first_call": "moons", "cached_call": "moons"}  # their loss must be the moons benchmark's first

FULL = {"moons_points": 100, "moons_steps": 4, "moons_fast_steps": 40, "chain": 1_000_000, "short_chain": 500,
        "chain_ops_per_process": 1_000_000, "memory": 100_000, "sum": 100_000, "sum_reps": 5}  # fmt: skip
QUICK = {"moons_points": 8, "moons_steps": 2, "chain": 2_000, "short_chain": 50,
         "chain_ops_per_process": 2_000, "memory": 1_000, "sum": 2_000, "sum_reps": 2}  # fmt: skip


class HonestyError(AssertionError):
    """Two engines disagree on what a benchmark computed, so their timings would not be comparable."""


def make_spec(sizes: dict[str, int], seed: int = 0) -> dict[str, Any]:
    """Everything the workers need: sizes, the moons data and the seeded MLP weights (identical for all)."""
    from tinygrad_mm.models.datasets import make_moons  # the data only; the workers import the engines

    X, y = make_moons(n_samples=sizes["moons_points"], noise=0.1, seed=seed)
    return {**sizes, "seed": seed, "X": X, "y": y, "weights": seeded_weights(MOONS_SIZES, seed), "cache_dir": ""}


def run_worker(engine: str, benchmark: str, spec_path: str) -> dict[str, Any]:
    """One measurement in a fresh Python process."""
    done = subprocess.run(
        [sys.executable, str(WORKER), engine, benchmark, spec_path], capture_output=True, text=True, cwd=HERE
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {engine} {benchmark} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def measure(
    spec: dict[str, Any],
    repeats: int,
    engines: tuple[str, ...] = ENGINES,
    benchmarks: tuple[str, ...] = BENCHMARKS,
    log: Callable[[str], None] = print,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """results[benchmark][engine] = list of worker results, engines interleaved within each repetition.

    An engine that fails a benchmark (micrograd's RecursionError) is not run again on it.
    """
    results: dict[str, dict[str, list[dict[str, Any]]]] = {
        b: {e: [] for e in engines if e in RUNS_ON.get(b, engines)} for b in benchmarks
    }
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = os.path.join(tmp, "spec.json")
        with open(spec_path, "w", encoding="utf-8") as f:
            json.dump({**spec, "cache_dir": os.path.join(tmp, "cache")}, f)  # the compiled steps' disk cache
        for rep in range(repeats):
            order = engines[rep % len(engines) :] + engines[: rep % len(engines)]  # rotate who goes first
            for benchmark in benchmarks:
                for engine in order:
                    if engine not in results[benchmark]:
                        continue
                    runs = results[benchmark][engine]
                    if runs and ("error" in runs[0] or benchmark == "memory"):
                        continue  # a failure repeats identically, and so does a memory count
                    runs.append(run_worker(engine, benchmark, spec_path))
            log(f"repetition {rep + 1}/{repeats} done")
    return results


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def check_honesty(results: dict) -> None:
    """Raise `HonestyError` unless every engine that ran a benchmark computed the same numbers as the floats."""
    for benchmark, by_engine in results.items():
        reference = None
        first = results.get(SAME_AS.get(benchmark, ""), {}).get("float")
        if first:  # a first call computes the first step's loss
            reference = ("float (moons, first step)", first[0]["check"][:1])
        for engine, runs in by_engine.items():
            for run in runs:
                if "error" in run:
                    continue
                if reference is None:
                    reference = (engine, run["check"])
                ref_engine, expected = reference
                got = run["check"]
                if len(got) != len(expected) or not all(map(_close, got, expected)):
                    raise HonestyError(
                        f"{benchmark}: {engine} computed {got} but {ref_engine} computed {expected} "
                        f"(tolerance {TOLERANCE}); the timings would not compare the same work"
                    )


def summarise(results: dict) -> dict[str, dict[str, Any]]:
    """summary[benchmark][engine] = the fastest process's value (see the module docstring), or the failure as a string."""
    summary: dict[str, dict[str, Any]] = {}
    for benchmark, by_engine in results.items():
        summary[benchmark] = {}
        for engine, runs in by_engine.items():
            if not runs:
                continue
            if "error" in runs[0]:
                limit = runs[0].get("depth_limit")
                summary[benchmark][engine] = f"fails: {runs[0]['error']}" + (f" beyond depth {limit}" if limit else "")
            else:
                summary[benchmark][engine] = min(run["value"] for run in runs)
    return summary


@dataclass(frozen=True)
class Row:
    """One line of the table: a benchmark, the tinygrad_mm variant shown, and the issue's target for it."""

    title: str
    benchmark: str
    variant: str
    target: str = ""
    met: Callable[[float, Any, Any], bool] | None = None  # (tinygrad value, float value, micrograd value)
    within: tuple[str, float] | None = None  # and at most this factor × another variant's value on the benchmark


def _ratio(a: Any, b: Any) -> float | None:
    return a / b if isinstance(a, float) and isinstance(b, float) and b > 0 else None


ROWS = (
    Row("moons step, tinygrad_mm `nn.MLP` (ms)", "moons", "tinygrad_mm", "≤ 3× floats",
        lambda t, f, m: t <= 3 * f),
    Row("moons step, micrograd's graph (ms)", "moons", "tinygrad_mm/binary", "≥ 5× faster than micrograd",
        lambda t, f, m: isinstance(m, float) and m >= 5 * t),
    Row("moons step, compiled `tinygrad_mm.compile` (ms)", "moons", COMPILED,
        "≤ 1.0× floats (stretch 0.7×), ≥ 300× faster than micrograd",
        lambda t, f, m: t <= f and isinstance(m, float) and m >= 300 * t),
    Row("moons step, compiled, micrograd's idiom: its nn.py, sum(), p*p (ms)", "moons", COMPILED_MG,
        "≤ 0.5× floats, ≥ 300× faster than micrograd, ≤ 1.2× the compiled nn.MLP step",
        lambda t, f, m: t <= 0.5 * f and isinstance(m, float) and m >= 300 * t, within=(COMPILED, 1.2)),
    Row("moons, compiled step's first call: trace + compile (s)", "first_call", COMPILED, "≤ 1.0 s",
        lambda t, f, m: t <= 1.0),
    Row("moons, micrograd's idiom compiled, first call: trace + compile (s)", "first_call", COMPILED_MG, "≤ 1.0 s",
        lambda t, f, m: t <= 1.0),
    Row("moons, first call in a new process, from the disk cache (s)", "cached_call", COMPILED, "≤ 0.2 s",
        lambda t, f, m: t <= 0.2),
    Row("moons, micrograd's idiom, first call from the disk cache (s)", "cached_call", COMPILED_MG, "≤ 0.2 s",
        lambda t, f, m: t <= 0.2),
    Row("chain, {chain:,} ops, fwd+bwd (µs/node)", "chain", "tinygrad_mm", "≤ 1.5 µs/node",
        lambda t, f, m: t <= 1.5),
    Row("chain, {chain:,} ops, backward alone (µs/node)", "chain_backward", "tinygrad_mm"),
    Row("chain, {chain:,} ops, compiled step on the tape (µs/node)", "chain_step", COMPILED, "≤ 0.3 µs/node",
        lambda t, f, m: t <= 0.3),
    Row("chain, {short_chain:,} ops, fwd+bwd (µs/node)", "short_chain", "tinygrad_mm"),
    Row("memory, {memory:,}-op chain (bytes/node)", "memory", "tinygrad_mm", "≤ 150 bytes/node",
        lambda t, f, m: t <= 150),
    Row("Σ xᵢ·wᵢ, {sum:,} terms, `dot` (ms)", "sum", "tinygrad_mm", "≤ 25× floats",
        lambda t, f, m: t <= 25 * f),
    Row("Σ xᵢ·wᵢ, {sum:,} terms, micrograd's graph (ms)", "sum", "tinygrad_mm/binary"),
    Row("Σ xᵢ·wᵢ, {sum:,} terms, compiled `dot` on the tape (ms)", "sum", COMPILED),
)  # fmt: skip


def break_even(summary: dict) -> str:
    """After how many moons steps compiling has paid for itself: the first call against eager steps saved."""
    moons, first = summary.get("moons", {}), summary.get("first_call", {}).get(COMPILED)
    eager, compiled = moons.get("tinygrad_mm"), moons.get(COMPILED)
    if not all(isinstance(v, float) for v in (first, eager, compiled)) or eager <= compiled:
        return ""
    steps = math.ceil((first * 1e3 - compiled) / (eager - compiled))  # k·eager ≥ first + (k − 1)·compiled
    return (
        f"Break-even: the compiled step's first call ({first:.2g} s) costs as much as {first * 1e3 / eager:.0f} eager steps; "
        f"from step {max(steps, 1)} on, a compiled run is ahead of an eager one ({eager:.3g} ms vs {compiled:.3g} ms per step)."
    )


def _fmt(value: Any) -> str:
    if not isinstance(value, float):
        return "—" if value is None else str(value)
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def table(summary: dict, spec: dict[str, Any]) -> list[list[str]]:
    """Header + one row per `ROWS` entry whose benchmark was run."""
    rows = [["benchmark", "floats", "micrograd", "tinygrad_mm", "tinygrad_mm / floats", "micrograd / tinygrad_mm", "target"]]
    for row in ROWS:
        if row.benchmark not in summary:
            continue
        values = summary[row.benchmark]
        t, f, m = values.get(row.variant), values.get("float"), values.get("micrograd")
        over_float, under_micrograd = _ratio(t, f), _ratio(m, t)
        verdict = ""
        if row.met and isinstance(t, float):
            other = values.get(row.within[0]) if row.within else None
            near = row.within is None or (isinstance(other, float) and t <= row.within[1] * other)
            verdict = f"{row.target}: {'met' if row.met(t, f, m) and near else 'NOT met'}"
        rows.append([
            row.title.format(**spec), _fmt(f), _fmt(m), _fmt(t),
            f"{over_float:.2g}×" if over_float else "—",
            f"{under_micrograd:.3g}×" if under_micrograd else "—",
            verdict,
        ])  # fmt: skip
    return rows


def as_text(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def as_markdown(rows: list[list[str]], footnote: str) -> str:
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    numeric = range(1, len(rows[0]) - 1)  # the first (names) and last (targets) columns are text
    lines.insert(1, "|" + "|".join("---:" if i in numeric else "---" for i in range(len(rows[0]))) + "|")
    return "\n".join(lines) + "\n\n" + footnote + "\n"


def footnote(spec: dict[str, Any], repeats: int, load: tuple[float, float] | None = None) -> str:
    busy = f", load average {load[0]:.1f} before and {load[1]:.1f} after the run" if load else ""
    return (
        f"The fastest of {repeats} runs, each engine in its own process, interleaved (a whole process runs either fast or "
        "about 1.5× slower here, every engine alike; a median would compare a fast one with a slow one); "
        f"Python {platform.python_version()} on {platform.machine()} ({os.cpu_count()} cores{busy}). "
        f"Moons: MLP(2, [16, 16, 1]) on {spec['moons_points']} points, median of {spec['moons_steps']} steps "
        f"({spec.get('moons_fast_steps', spec['moons_steps'])} for an engine whose first step takes under 50 ms: "
        "floats and compiled; the same training steps), "
        "same seeded weights, losses checked equal to 1e-9. "
        "Chain: y ← y·c from leaf x with one shared leaf c (n mul nodes + 2 leaves). "
        "Memory: tracemalloc, bytes held after the forward pass ÷ nodes. "
        "Σ xᵢ·wᵢ: leaves exist before the clock starts. Compiled (`tinygrad_mm.compile`): the step is traced and "
        "compiled before the clock starts, except in the first-call rows (from compile(fn) to the first loss, in a "
        "fresh process that has imported tinygrad_mm; the disk-cache row's process finds the code an earlier one "
        "compiled); the chain row times one call of a step over the whole chain, the median of three (the other "
        "engines' step: build + backward). "
        "Python's garbage collector is on, as users run it."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="processes per engine and benchmark (default 5)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the machinery works")
    parser.add_argument("--markdown", metavar="PATH", help="also write the table as Markdown to PATH")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS), help="benchmarks to run")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("micrograd") is None:
        parser.error("micrograd is not installed: pip install -e '.[bench]' (it pins micrograd==0.1.0)")
    spec = make_spec(QUICK if args.quick else FULL)
    before = os.getloadavg()[0]  # a busy machine inflates every time alike; the ratios stay comparable
    results = measure(spec, args.repeats, benchmarks=tuple(args.only), log=lambda msg: print(msg, file=sys.stderr))
    load = (before, os.getloadavg()[0])
    check_honesty(results)
    summary = summarise(results)
    rows = table(summary, spec)
    print(as_text(rows))
    note = "\n\n".join(filter(None, [footnote(spec, args.repeats, load), break_even(summary)]))
    print("\n" + note)
    if args.markdown:
        write_atomic(args.markdown, as_markdown(rows, note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
