"""Run ONE benchmark on ONE engine in this process and print the result as one JSON line.

    python benchmarks/worker.py ENGINE BENCHMARK SPEC.json

``compare.py`` starts one of these per measurement, so engines never share a
process (no shared caches, garbage or allocator state).  The result holds the
measured ``value`` and, for the honesty checks, what the engine computed.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import subprocess
import sys
import time
import tracemalloc
from statistics import median
from types import ModuleType
from typing import Any

from workloads import learning_rate, sum_inputs

ENGINES = {
    "float": "bench_float",
    "micrograd": "bench_micrograd",
    "tinygrad_mm": "bench_tinygrad",
    "tinygrad_mm/binary": "bench_tinygrad_binary",
    "tinygrad_mm/compiled": "bench_compiled",
    "tinygrad_mm/compiled-mg": "bench_compiled_micrograd",
}


def moons(engine: ModuleType, spec: dict[str, Any]) -> dict[str, Any]:
    """ms per training step (median over the steps), and the first ``moons_steps`` steps' losses (the check).

    An engine whose first step takes under `FAST_STEP` seconds trains ``moons_fast_steps`` steps instead: the same
    trajectory, so every fast engine is timed on the same steps, and a median of 4 steps of a millisecond or two
    is too easily moved by one collection of the garbage collector or a busy neighbour."""
    step = engine.moons_trainer(spec)
    times, losses = [], []
    steps = spec["moons_steps"]
    k = 0
    while k < steps:
        start = time.perf_counter()
        losses.append(step(learning_rate(k)))
        times.append(time.perf_counter() - start)
        if k == 0 and times[0] < FAST_STEP:
            steps = max(steps, spec.get("moons_fast_steps", steps))
        k += 1
    return {"value": median(times) * 1e3, "check": losses[: spec["moons_steps"]]}


FAST_STEP = 0.05  # seconds: a first step faster than this is timed over moons_fast_steps steps


def chain(engine: ModuleType, spec: dict[str, Any], size_key: str = "chain") -> dict[str, Any]:
    """µs per multiplication node to build the chain and backpropagate it (median over ``chain_reps`` runs)."""
    n = spec[size_key]
    reps = max(1, spec["chain_ops_per_process"] // n)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        result = engine.chain(n)
        times.append(time.perf_counter() - start)
    return {"value": median(times) / n * 1e6, "check": list(result)}


def chain_backward(engine: ModuleType, spec: dict[str, Any]) -> dict[str, Any]:
    """µs per multiplication node for the backward pass alone (the chain is built before the clock starts)."""
    n = spec["chain"]
    graph = engine.chain_graph(n)
    start = time.perf_counter()
    result = engine.chain_backward(graph)
    return {"value": (time.perf_counter() - start) / n * 1e6, "check": list(result)}


def short_chain(engine: ModuleType, spec: dict[str, Any]) -> dict[str, Any]:
    """The chain benchmark at a depth micrograd can backpropagate."""
    return chain(engine, spec, "short_chain")


def memory(engine: ModuleType, spec: dict[str, Any]) -> dict[str, Any]:
    """Bytes held per node by the chain graph right after its forward pass (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    graph = engine.chain_graph(spec["memory"])
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    nodes = engine.count_nodes(graph)
    return {"value": held / nodes, "check": [nodes]}


def sum_products(engine: ModuleType, spec: dict[str, Any]) -> dict[str, Any]:
    """ms for s = Σ xᵢ·wᵢ forward + backward from existing leaves (median over ``sum_reps`` runs)."""
    leaves = engine.sum_setup(*sum_inputs(spec["sum"], spec["seed"]))
    times = []
    for _ in range(spec["sum_reps"]):
        engine.sum_reset(leaves)
        start = time.perf_counter()
        result = engine.sum_run(leaves)
        times.append(time.perf_counter() - start)
    return {"value": median(times) * 1e3, "check": engine.sum_check(leaves, result)}


def chain_step(engine: ModuleType, spec: dict[str, Any]) -> dict[str, Any]:
    """µs per node of a training step on the chain: a compiled step's call (traced off the clock), or build + backward."""
    n = spec["chain"]
    run = engine.chain_stepper(n) if hasattr(engine, "chain_stepper") else (lambda: engine.chain(n))
    times = []
    for _ in range(3):  # the median of three calls: one call is at the mercy of a busy machine
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return {"value": median(times) / n * 1e6, "check": list(result)}


def first_call(engine: ModuleType, spec: dict[str, Any]) -> dict[str, Any]:
    """Seconds for a new compiled step's first call, cold: trace, generate and compile the code (no disk cache)."""
    seconds, check = engine.moons_first_call(spec, cache=False)
    return {"value": seconds, "check": check}


def cached_call(engine: ModuleType, spec: dict[str, Any]) -> dict[str, Any]:
    """Seconds for the first call in a new process whose disk cache an earlier process filled (trace + load)."""
    os.environ["XDG_CACHE_HOME"] = _cache_home(spec)
    entries = os.path.join(_cache_home(spec), "tinygrad_mm", "compiled")
    if not (os.path.isdir(entries) and os.listdir(entries)):  # the earlier process: fill the cache
        subprocess.run([sys.executable, __file__, sys.argv[1], "fill_cache", sys.argv[3]], check=True,
                       capture_output=True, env={**os.environ})  # fmt: skip
    seconds, check = engine.moons_first_call(spec, cache=True)
    return {"value": seconds, "check": check}


def _cache_home(spec: dict[str, Any]) -> str:
    """This engine's own disk cache (each compiled engine fills its own)."""
    return os.path.join(spec["cache_dir"], sys.argv[1].replace("/", "_"))


def fill_cache(engine: ModuleType, spec: dict[str, Any]) -> dict[str, Any]:
    os.environ["XDG_CACHE_HOME"] = _cache_home(spec)
    seconds, check = engine.moons_first_call(spec, cache=True)
    return {"value": seconds, "check": check}


BENCHMARKS = {
    "moons": moons, "chain": chain, "chain_backward": chain_backward, "short_chain": short_chain, "memory": memory,
    "sum": sum_products, "chain_step": chain_step, "first_call": first_call, "cached_call": cached_call,
    "fill_cache": fill_cache,
}  # fmt: skip


def run(engine_name: str, benchmark: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The result of one benchmark; a RecursionError (micrograd's recursive backward) is reported, not raised."""
    engine = importlib.import_module(ENGINES[engine_name])
    try:
        return BENCHMARKS[benchmark](engine, spec)
    except RecursionError:
        limit = engine.backward_depth_limit() if hasattr(engine, "backward_depth_limit") else None
        return {"error": "RecursionError", "depth_limit": limit}


def main(argv: list[str]) -> int:
    engine_name, benchmark, spec_path = argv
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    print(json.dumps(run(engine_name, benchmark, spec)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
