"""Slides and frames: a title page and one PDF page per backward step, every page and frame the same size (pypdf
reads them), frames that never move a node, the page's colours, the missing extra named, and the ``slides`` command."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from test_drawing_support import SVG, bbox

from tinygrad_mm import Value
from tinygrad_mm.engine import record, topological_order
from tinygrad_mm.files import OutputPathError
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views import dot
from tinygrad_mm.views.drawing import scopes_in
from tinygrad_mm.views.drawing_style import STEP_COLOURS
from tinygrad_mm.views.pdf_pages import join_pdfs, page_count, page_sizes
from tinygrad_mm.views.slides import step_sources, write_frames, write_slides


@pytest.fixture(scope="module")
def small():
    return notes_example(small=True)


def pages_in(pdf: bytes) -> int:
    """Pages counted without the reader under test: page objects, and the page tree's /Count."""
    objects = len(re.findall(rb"/Type\s*/Page\b", pdf))
    (count,) = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    assert objects == count
    return count


def test_a_title_page_then_one_pdf_page_per_step_all_the_same_size(tmp_path, small):
    path = write_slides(small.J, tmp_path / "steps.pdf", "The notes' small example")
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF") and pages_in(pdf) == page_count(pdf) == len(record(small.J).steps) + 1 == 28
    (size,) = set(page_sizes(pdf))  # every page, the title page too (it holds the legend: no page of its own)
    assert size[0] / size[1] == pytest.approx(16 / 9, abs=0.01)
    full = notes_example()
    collapsed = write_slides(full.J, tmp_path / "full.pdf", collapse=scopes_in(full.J, 1), aspect="4:3").read_bytes()
    assert pages_in(collapsed) == 8 + 1  # the title; J, the two branches (one step each), the leaf groups W, b, U, x, x_c
    (size,) = set(page_sizes(collapsed))
    assert size[0] / size[1] == pytest.approx(4 / 3, abs=0.01)
    assert all(node.grad == 0.0 for node in topological_order(full.J))  # looking changed no gradient
    with pytest.raises(ValueError, match="aspect must be one of 16:9, 4:3"):
        write_slides(small.J, tmp_path / "x.pdf", aspect="1:1")


def test_frames_keep_every_node_in_place_and_colour_the_step(tmp_path, small):
    frames = write_frames(small.J, tmp_path / "frames", "svg")
    steps = record(small.J).steps
    nodes = topological_order(small.J)
    assert [f.name for f in frames] == [f"step-{k:03d}.svg" for k in range(1, len(steps) + 1)]
    drawn = [{g.get("id"): g for g in ElementTree.parse(f).getroot().iter(f"{SVG}g") if g.get("class") == "node"} for f in frames]
    tops = [ElementTree.parse(f).getroot().get("viewBox").split() for f in frames]
    assert all(top == tops[0] for top in tops)  # every frame the same size: the caption has its own band
    placed = [{k: (round(b[0], 2), round(b[1] + float(top[3]), 2)) for k, b in ((k, bbox(g)) for k, g in nodes_of.items())}
              for nodes_of, top in zip(drawn, tops, strict=True)]  # fmt: skip
    assert all(p == placed[0] for p in placed)  # measured from the top left, no node ever moves
    for k in (0, 5, len(steps) - 1):
        current = f"v{nodes.index(steps[k].node)}"
        fills = {shape.get("fill") for shape in drawn[k][current].iter() if shape.get("fill")}
        assert STEP_COLOURS["current"] in fills
    root = f"v{len(nodes) - 1}"
    assert STEP_COLOURS["final"] in {s.get("stroke") for s in drawn[3][root].iter()}  # J: processed, final
    texts = [t.text for t in drawn[0][root].iter(f"{SVG}text")]
    assert "grad 1" in texts


def test_a_caption_says_what_the_page_says(small):
    sources = list(step_sources(small.J))
    assert "Step 1 of 27: J (max(0,·))" in sources[0] and "the margin is violated" in sources[0]
    assert "∂J/∂s += ∂J/∂J · (−1) = 1 · (−1) = −1" in sources[0]


def test_frames_never_replace_a_file_they_did_not_write(tmp_path, small):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "step-001.png").write_bytes(b"my holiday photo")
    with pytest.raises(OutputPathError, match="already exists and was not written as a frame here"):
        write_frames(small.J, folder)
    assert (folder / "step-001.png").read_bytes() == b"my holiday photo"
    again = write_frames(small.J, tmp_path / "frames")
    assert write_frames(small.J, tmp_path / "frames") == again  # its own frames: replaced
    assert again[0].read_bytes().startswith(b"\x89PNG")
    assert len({struct.unpack(">II", f.read_bytes()[16:24]) for f in again}) == 1  # one size for every PNG frame
    with pytest.raises(ValueError, match="frames are png or svg"):
        write_frames(small.J, tmp_path / "x", "gif")


def test_joining_keeps_every_page_in_order():
    pdfs = [dot.render(f'digraph {{ a{k} -> b; label="page {k} ü" }}', "pdf") for k in range(3)]
    joined = join_pdfs(pdfs)
    assert pages_in(joined) == page_count(joined) == 3
    assert page_sizes(joined) == [page_sizes(pdf)[0] for pdf in pdfs]


NO_PYPDF = """
import sys
sys.modules["pypdf"] = None  # as if the slides extra were not installed
from tinygrad_mm.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_without_pypdf_slides_name_the_extra_and_frames_still_work(tmp_path):
    done = subprocess.run([sys.executable, "-c", NO_PYPDF, "slides", "--small", "--out", "s.pdf"], capture_output=True,
                          text=True, cwd=tmp_path, check=False)  # fmt: skip
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "needs the pypdf package: pip install \"tinygrad-mm[slides]\"" in done.stderr and not (tmp_path / "s.pdf").exists()
    done = subprocess.run([sys.executable, "-c", NO_PYPDF, "slides", "--small", "--frames", "f", "--frame-format", "svg"],
                          capture_output=True, text=True, cwd=tmp_path, check=False)  # fmt: skip
    assert done.returncode == 0 and len(list((tmp_path / "f").glob("step-*.svg"))) == 27, done.stderr


def run_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinygrad_mm", *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_the_slides_command(tmp_path):
    done = run_cli("slides", "--small", "--out", "steps.pdf", "--fontsize", "16", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "wrote steps.pdf: 28 pages, a title page (with the legend), then one per backward step\n"
    assert pages_in((tmp_path / "steps.pdf").read_bytes()) == 28
    done = run_cli("slides", "--small", "--out", "square.pdf", "--aspect", "4:3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (size,) = set(page_sizes((tmp_path / "square.pdf").read_bytes()))
    assert size[0] / size[1] == pytest.approx(4 / 3, abs=0.01)
    done = run_cli("slides", "--small", "--frames", "frames", "--frame-format", "svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "frames").glob("step-*.svg"))) == 27 and not (tmp_path / "out").exists()
    for args, message in (
        (["--out", "steps.png"], "tinygrad-mm slides: --out steps.png: slides are a PDF; name the file FILE.pdf"),
        (["--collapse", "nope"], "tinygrad-mm slides: collapse: unknown scope ['nope']"),
        (["--expand"], "tinygrad-mm slides: the drawing of 'J' would have 267 nodes, more than max_nodes=300"),
    ):
        done = run_cli("slides", *args, "--max-nodes", "300" if args != ["--expand"] else "100", cwd=tmp_path)
        assert done.returncode == 2 and done.stderr.startswith(message.replace("300", "100") if args == ["--expand"] else message)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_graph_without_scopes_makes_slides_too(tmp_path):
    x = Value(0.5, "x")
    y = (x * x).tanh()
    y.label = "y"
    assert page_count(write_slides(y, tmp_path / "y.pdf", fontsize=18, scale=1.5).read_bytes()) == 4  # title; y, x·x, x


def test_the_readme_screenshots_script_takes_every_picture(tmp_path):
    """docs/screenshots.py: one picture per mode of the page, and a slide (the README shows them)."""
    script = Path(__file__).resolve().parents[1] / "docs" / "screenshots.py"
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    written = {Path(line.removeprefix("wrote ")).name for line in done.stdout.splitlines()}
    assert written == {f"viewer-{mode}.png" for mode in ("collapsed", "expanded", "hinge", "hinge-inactive", "quiz",
                                                          "presenter", "forward", "summary", "matrix", "matrix-met")} | {
        "slide-step-3.png", "matrix-W.png",  # a slide; the matrix lens of W
        "live-hinge-met.png", "live-hinge-flipped.png"}  # the live page: the hinge before and after Δ is typed as 2  # fmt: skip
    sizes = {name: struct.unpack(">II", (tmp_path / name).read_bytes()[16:24]) for name in written}
    assert sizes["viewer-presenter.png"] == (1024, 768) and sizes["viewer-quiz.png"] == (1600, 900)
