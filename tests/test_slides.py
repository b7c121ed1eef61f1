"""Slides and frames: one PDF page per backward step (pages counted), frames that never move a node, the page's
colours, the pure-Python page joining (classic and PDF 1.5 object-stream files), and the ``slides`` command."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest
from test_drawing_support import SVG, bbox

from tinygrad_mm import Value
from tinygrad_mm.engine import record, topological_order
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views import dot
from tinygrad_mm.views.drawing import scopes_in
from tinygrad_mm.views.drawing_style import STEP_COLOURS
from tinygrad_mm.views.files import OutputPathError
from tinygrad_mm.views.pdf_pages import PDFError, join_pdfs, page_count, read_objects
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


def test_one_pdf_page_per_step(tmp_path, small):
    path = write_slides(small.J, tmp_path / "steps.pdf")
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF") and pages_in(pdf) == page_count(pdf) == len(record(small.J).steps) == 27
    full = notes_example()
    collapsed = write_slides(full.J, tmp_path / "full.pdf", collapse=scopes_in(full.J, 1)).read_bytes()
    assert pages_in(collapsed) == 8  # J, the two branches (one step each), the leaf groups W, b, U, x, x_c
    assert all(node.grad == 0.0 for node in topological_order(full.J))  # looking changed no gradient


def test_frames_keep_every_node_in_place_and_colour_the_step(tmp_path, small):
    frames = write_frames(small.J, tmp_path / "frames", "svg")
    steps = record(small.J).steps
    nodes = topological_order(small.J)
    assert [f.name for f in frames] == [f"step-{k:03d}.svg" for k in range(1, len(steps) + 1)]
    drawn = [{g.get("id"): g for g in ElementTree.parse(f).getroot().iter(f"{SVG}g") if g.get("class") == "node"} for f in frames]
    tops = [ElementTree.parse(f).getroot().get("viewBox").split() for f in frames]  # the caption's height varies
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
    with pytest.raises(ValueError, match="frames are png or svg"):
        write_frames(small.J, tmp_path / "x", "gif")


def test_joining_counts_pages_and_keeps_references_whole():
    pdfs = [dot.render(f'digraph {{ a{k} -> b; label="page {k} ü" }}', "pdf") for k in range(3)]
    joined = join_pdfs(pdfs)
    assert pages_in(joined) == page_count(joined) == 3
    objects, root = read_objects(joined)
    for body in objects.values():
        for number in re.findall(rb"(\d+) 0 R", body.split(b"stream")[0]):
            assert int(number) in objects  # every reference points at an object of the file
    starts = re.search(rb"xref\n0 (\d+)\n(.*?)trailer", joined, re.S)
    for number, line in enumerate(starts.group(2).splitlines()):
        if line.endswith(b" n "):
            assert joined[int(line[:10]) :].startswith(b"%d 0 obj" % number)


def object_stream_pdf(pdf: bytes) -> bytes:
    """The same document written as PDF 1.5 with an object stream and a cross-reference stream (as newer cairo does)."""
    objects, root = read_objects(pdf)
    plain = {n: b for n, b in objects.items() if b"stream" not in b}
    streams = {n: b for n, b in objects.items() if n not in plain}
    holder, xref = max(objects) + 1, max(objects) + 2
    header = b" ".join(b"%d %d" % (n, sum(len(plain[m]) + 1 for m in sorted(plain) if m < n)) for n in sorted(plain)) + b"\n"
    packed = zlib.compress(header + b"".join(plain[n] + b"\n" for n in sorted(plain)))
    out = bytearray(b"%PDF-1.5\n")
    offsets = {}
    for number, body in [*sorted(streams.items()), (holder, b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
                                                      % (len(plain), len(header), len(packed)) + packed + b"\nendstream")]:  # fmt: skip
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = []
    index = {n: k for k, n in enumerate(sorted(plain))}
    for number in range(xref + 1):
        if number in offsets:
            table.append(bytes([1]) + offsets[number].to_bytes(4, "big") + bytes(2))
        elif number in index:
            table.append(bytes([2]) + holder.to_bytes(4, "big") + index[number].to_bytes(2, "big"))
        elif number == xref:
            table.append(bytes([1]) + len(out).to_bytes(4, "big") + bytes(2))
        else:
            table.append(bytes(7))
    rows, previous = bytearray(), bytes(7)
    for row in table:  # PNG "Up" predictor: each byte minus the one above it
        rows += bytes([2]) + bytes((a - b) & 0xFF for a, b in zip(row, previous, strict=True))
        previous = row
    data = zlib.compress(bytes(rows))
    start = len(out)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Filter /FlateDecode "
            b"/DecodeParms << /Columns 7 /Predictor 12 >> /Length %d >>\nstream\n" % (xref, xref + 1, root, len(data)))  # fmt: skip
    out += data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start
    return bytes(out)


def test_joining_reads_pdf_15_object_streams_too():
    classic = dot.render("digraph { x -> y }", "pdf")
    modern = object_stream_pdf(classic)
    assert b"/ObjStm" in modern and b"\nxref\n" not in modern
    assert page_count(modern) == 1
    joined = join_pdfs([modern, classic, modern])
    assert pages_in(joined) == page_count(joined) == 3
    for bad, why in ((b"hello", "not a PDF"), (classic.replace(b"/Root", b"/Encrypt 1 0 R /Root"), "encrypted")):
        with pytest.raises(PDFError, match=why):
            read_objects(bad)


def run_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinygrad_mm", *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_the_slides_command(tmp_path):
    done = run_cli("slides", "--small", "--out", "steps.pdf", "--fontsize", "16", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "wrote steps.pdf: 27 pages, one per backward step\n"
    assert pages_in((tmp_path / "steps.pdf").read_bytes()) == 27
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
    assert page_count(write_slides(y, tmp_path / "y.pdf", fontsize=18, scale=1.5).read_bytes()) == 3  # y, x·x, x


def test_the_readme_screenshots_script_takes_every_picture(tmp_path):
    """docs/screenshots.py: one picture per mode of the page, and a slide (the README shows them)."""
    script = Path(__file__).resolve().parents[1] / "docs" / "screenshots.py"
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    written = {Path(line.removeprefix("wrote ")).name for line in done.stdout.splitlines()}
    assert written == {f"viewer-{mode}.png" for mode in ("collapsed", "expanded", "hinge", "hinge-inactive", "quiz",
                                                          "presenter", "forward", "summary")} | {"slide-step-3.png"}  # fmt: skip
    sizes = {name: struct.unpack(">II", (tmp_path / name).read_bytes()[16:24]) for name in written}
    assert sizes["viewer-presenter.png"] == (1024, 768) and sizes["viewer-quiz.png"] == (1600, 900)
