"""Packaging: the wheel builds and carries the viewer templates and py.typed; a bare install needs no Python
package and still runs the demo (pictures and pages); `make test` installs everything the suite uses.

The wheel is built from a copy of the sources in a temporary directory (the checkout stays untouched) with
``pip wheel --no-build-isolation`` (setuptools comes with the test extra, so nothing is fetched).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import tinygrad_mm

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tinygrad_mm"


def run(*command: str | Path, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A copy of what the wheel is built from (pyproject, README, LICENSE and the package)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / "tinygrad_mm", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return source


@pytest.fixture(scope="module")
def wheel(source, tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation", "--quiet", "-w", dist)
    (built,) = dist.glob("*.whl")
    return built


def test_the_wheel_carries_every_module_the_templates_and_py_typed(wheel, source):
    assert wheel.name == f"tinygrad_mm-{tinygrad_mm.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        templates = sorted((source / "tinygrad_mm" / "views" / "templates").iterdir())
        assert {t.name for t in templates} >= {"viewer.html", "viewer.css"}
        for template in templates:
            assert archive.read(f"tinygrad_mm/views/templates/{template.name}") == template.read_bytes()
        assert archive.read("tinygrad_mm/py.typed") == b""
        info = f"tinygrad_mm-{tinygrad_mm.__version__}.dist-info"
        meta = archive.read(f"{info}/METADATA").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    modules = {path.relative_to(source).as_posix() for path in (source / "tinygrad_mm").rglob("*.py")}
    assert modules <= names
    assert {name.split("/")[0] for name in names} == {"tinygrad_mm", info}  # no tests, scripts or notebooks
    requirements = re.findall(r"^Requires-Dist: (.*)$", meta, flags=re.MULTILINE)
    assert requirements and all("extra ==" in r for r in requirements)  # `pip install tinygrad-mm` pulls nothing
    assert set(re.findall(r"^Provides-Extra: (.*)$", meta, flags=re.MULTILINE)) == {"draw", "plot", "notebook", "bench", "oracle", "slides", "test"}
    assert any(r.startswith("graphviz") and 'extra == "draw"' in r for r in requirements)
    assert any(r.startswith("pypdf") and 'extra == "slides"' in r for r in requirements)  # slides/worksheet join pages
    assert re.search(r"^tinygrad-mm = tinygrad_mm\.cli:main$", entry_points, flags=re.MULTILINE)


def test_a_bare_install_has_nothing_but_tinygrad_mm_and_runs_the_demo(wheel, tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--quiet", wheel)  # fails if it needs anything
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip())
    assert {p.name for p in site.iterdir()} - {"__pycache__"} == {"tinygrad_mm", f"tinygrad_mm-{tinygrad_mm.__version__}.dist-info"}
    (tmp_path / "out").mkdir()
    done = run(venv / "bin" / "tinygrad-mm", "demo", "--out", tmp_path / "out", cwd=tmp_path)
    assert "✗" not in done.stdout and done.stderr == ""
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"margin-loss-active.svg", "margin-loss-active.png", "backprop-steps.html", "backprop-steps-small.html"} <= written
    assert (tmp_path / "out" / "backprop-steps-small.html").read_text(encoding="utf-8").count("<svg") >= 1
    drawn = subprocess.run(
        [python, "-c", "from tinygrad_mm import Value, draw_dot; draw_dot(Value(1.0, 'x') * 2)"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert drawn.returncode == 1 and "pip install 'tinygrad-mm[draw]'" in drawn.stderr.splitlines()[-1]


def makefile_test_extras() -> list[str]:
    found = re.search(r"^TEST_EXTRAS \?= (\S+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert found, "the Makefile sets TEST_EXTRAS"
    return found[1].split(",")


def test_the_test_environment_has_every_test_dependency():
    """Tests that need an optional package skip without it; this test makes sure none of them is missing."""
    from packaging.requirements import Requirement

    extras = makefile_test_extras()
    missing = []
    for text in metadata.requires("tinygrad-mm") or []:
        requirement = Requirement(text)
        if not any(requirement.marker and requirement.marker.evaluate({"extra": extra}) for extra in extras):
            continue
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            missing.append(f"{requirement} (not installed)")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            missing.append(f"{requirement} (found {version})")
    assert not missing, f"make test installs these, missing here: {missing}; run: make test"
    assert {"oracle", "draw", "bench", "slides", "test"} <= set(extras)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("demo", ["-m pip --quiet --disable-pip-version-check install -e .\n", "tinygrad-mm demo"]),
        ("test", ['install -e ".[test,oracle,draw,plot,bench,slides]"', "system-deps.sh graphviz chromium", "ruff check", "-m pytest"]),
        ("notebook", ['install -e ".[notebook]"', "jupyter lab visualize/cs224n_backprop.ipynb"]),
        ("bench", ['install -e ".[bench]"', "benchmarks/compare.py"]),
    ],
)
def test_each_make_target_installs_only_what_it_uses(tmp_path, target, expected):
    plan = run("make", "-n", target, f"VENV={tmp_path / 'venv'}", cwd=ROOT).stdout
    for command in expected:
        assert command in plan
    if target == "demo":
        assert "[" not in plan.split("install -e", 1)[1].split("\n", 1)[0]  # no extras for the demo
