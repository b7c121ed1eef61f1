"""Is the engine slower than it was?  Two versions of tinygrad_mm side by side: ``python benchmarks/versions.py REV``.

REV (a git revision, e.g. ``HEAD~5`` or a commit) is checked out into a temporary folder with
``git archive``; the working tree is the other version.  Each measurement runs in a fresh process
that imports tinygrad_mm from one version and runs the same workloads (``workloads.py``: the moons
step with the engine's own ``nn.MLP``, and a chain of multiplications built and backpropagated);
the versions are interleaved repetition by repetition, so background load hits both alike.  With
``--instructions`` each workload also runs once under valgrind's callgrind, whose instruction
counts do not depend on what else the machine is doing.

Prints the fastest process of each version (each process: the median of its repetitions) and the
ratio new / old; the target of the structure and reliability issues is a ratio ≤ 1.10.  The fastest,
not the median, as in compare.py: on this machine a whole process runs either fast or about 1.5×
slower, whichever the version, so a median of processes can compare a fast one with a slow one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# Runs in a fresh process: argv = [version folder, workload, repetitions, benchmarks folder]; prints the median.
PROBE = r"""
import json, sys, time
root, workload, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root)
sys.path.insert(0, sys.argv[4])
from workloads import ALPHA, MOONS_SIZES, load_weights, seeded_weights
from tinygrad_mm import Value, dot, sum_values
from tinygrad_mm.models.nn import MLP
from tinygrad_mm.models.datasets import make_moons

def moons():
    X, y = make_moons(100, 0.1, 0)
    model = MLP(MOONS_SIZES[0], list(MOONS_SIZES[1:]))
    load_weights(model.layers, seeded_weights(MOONS_SIZES, 0))
    params = model.parameters()
    def step():
        scores = [model(x) for x in X]
        losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
        loss = sum_values(losses) * (1.0 / len(losses)) + ALPHA * dot(params, params)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= 0.5 * p.grad
    step()
    return step

def chain():
    def step():
        x, c = Value(1.0), Value(1.0 + 1e-7)
        y = x
        for _ in range(100_000):
            y = y * c
        y.backward()
    return step

step = {"moons": moons, "chain": chain}[workload]()
times = []
for _ in range(reps):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
print(json.dumps(sorted(times)[len(times) // 2] if times else 0.0))
"""
UNITS = {"moons": ("moons step, nn.MLP, 100 points", 1e3, "ms"), "chain": ("chain of 100,000 mul, fwd+bwd", 10.0, "µs/node")}


def checkout(rev: str, into: Path) -> Path:
    """``rev`` of this repository, as files in ``into`` (nothing is changed in the working tree)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run(version: Path, workload: str, reps: int, valgrind: bool = False) -> float:
    command = [sys.executable, "-c", PROBE, str(version), workload, str(reps), str(HERE)]
    if valgrind:
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command]
    done = subprocess.run(command, capture_output=True, text=True, cwd=HERE)
    if done.returncode != 0:
        raise RuntimeError(f"{workload} on {version} failed:\n{done.stderr[-2000:]}")
    if valgrind:
        return float(done.stderr.split("Collected : ")[1].split()[0])
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the old version: a git revision of this repository")
    parser.add_argument("--repeats", type=int, default=5, help="processes per version and workload (default 5)")
    parser.add_argument("--instructions", action="store_true", help="also count instructions with valgrind (slow)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        old = checkout(args.rev, Path(tmp))
        print(f"old: {args.rev} (in {old}), new: the working tree {REPO}\n")
        print("| workload | old | new | new / old |\n|---|---:|---:|---:|")
        for workload, (title, scale, unit) in UNITS.items():
            times: dict[str, list[float]] = {"old": [], "new": []}
            for _ in range(args.repeats):
                for name, version in (("old", old), ("new", REPO)):
                    times[name].append(run(version, workload, 5) * scale)
            o, n = min(times["old"]), min(times["new"])  # the fastest process of each (see the module docstring)
            print(f"| {title} ({unit}) | {o:.3g} | {n:.3g} | {n / o:.3f} |")
            if args.instructions and shutil.which("valgrind"):  # one step, minus the same process without it
                o, n = (run(v, workload, 1, valgrind=True) - run(v, workload, 0, valgrind=True) for v in (old, REPO))
                print(f"| {title} (instructions, callgrind) | {o / 1e6:.0f} M | {n / 1e6:.0f} M | {n / o:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
