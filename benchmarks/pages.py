"""The pages' and the class's timings, in the same ``make bench`` run as the engine table.

    .venv/bin/python benchmarks/pages.py --markdown benchmarks/RESULTS.md

Runs each page benchmark in its own process, as a user would run it — the live page's recompute
(live_page.py), the step-through page's load (viewer_load.py), the matrix lens (matrix_lens.py), a
simulated class of 300 students (class_load.py) — prints each report, and with ``--markdown`` puts
them under "## Pages and class mode" in that file (replacing the section an earlier run wrote; the
engine table above it, written by compare.py, is kept).  A benchmark that cannot run here (no
Chromium, no Playwright) is reported as such in one line; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tinygrad_mm.files import write_atomic  # noqa: E402

HEADING = "## Pages and class mode"
RUNS = (  # (what it measures, script and its arguments)
    ("the live page: recompute + repaint per edit (headless Chromium)", ["live_page.py", "--live-off"]),
    ("the step-through page: load time by size (headless Chromium)", ["viewer_load.py", "--baseline", "none"]),
    ("the matrix lens: building the grids and the formula check (s); live in the page (ms)", ["matrix_lens.py", "--live"]),
    ("class mode: 300 students over HTTP on 127.0.0.1", ["class_load.py"]),
)


def run(script: list[str]) -> tuple[bool, str]:
    """Run one benchmark script in a fresh process: (did it succeed, its report)."""
    done = subprocess.run([sys.executable, str(HERE / script[0]), *script[1:]], capture_output=True, text=True, cwd=ROOT)
    if done.returncode == 0:
        return True, done.stdout.strip()
    lines = (done.stderr or done.stdout).strip().splitlines() or ["(no output)"]
    return False, f"could not run (exit {done.returncode}): {lines[-1]}"


def with_section(markdown: str, section: str) -> str:
    """``markdown`` with its pages section (from HEADING to the end) replaced by ``section``."""
    kept = markdown.split(HEADING, 1)[0].rstrip()
    return f"{kept}\n\n{section}\n" if kept else f"{section}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", metavar="PATH", help="also put the reports under a section of PATH")
    args = parser.parse_args(argv)
    parts, failed = [HEADING], 0
    for title, script in RUNS:
        ok, report = run(script)
        failed += not ok
        print(f"{title}\n{report}\n", flush=True)
        parts.append(f"{title} (`python benchmarks/{' '.join(script)}`):\n\n```\n{report}\n```")
    if args.markdown:
        path = Path(args.markdown)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        write_atomic(path, with_section(old, "\n\n".join(parts)))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
