"""Worksheets: the graph with numbered blank gradient slots and a second file with the answer key, on fixed paper."""

from __future__ import annotations

import re
import subprocess
import sys
from xml.etree import ElementTree

import pytest
from cli_helpers import assert_one_line_error, cli
from test_drawing_support import SVG

from tinygrad_mm.engine import record, topological_order
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views import dot
from tinygrad_mm.views.pdf_pages import page_count, page_sizes
from tinygrad_mm.views.worksheet import worksheet_sources, write_worksheet


def drawn_texts(source: str) -> list[str]:
    svg = ElementTree.fromstring(dot.render(source, "svg"))
    return [" ".join((t.text or "").split()) for t in svg.iter(f"{SVG}text")]


def test_the_sheet_has_numbered_blank_slots_and_the_key_fills_them(tmp_path):
    example = notes_example(small=True)
    sheet, key = worksheet_sources(example.J, title="The notes' small example")
    blank, answers = drawn_texts(sheet), drawn_texts(key)
    slots = sorted(int(m.group(1)) for t in blank if (m := re.fullmatch(r"\((\d+)\) _+", t)))
    steps = record(example.J).steps
    assert slots == list(range(1, len(steps) + 1))  # one numbered slot per gradient, in backprop's order
    assert not [t for t in blank if t.startswith("(") and "grad" in t] and "Worksheet — The notes' small example" in blank
    assert "(1) grad 1" in answers and "(2) grad −1" in answers  # ∂J/∂J, then ∂J/∂s: the order backprop finds them
    assert any(t.startswith("∂J/∂U[0] = −0.53") and "(via s)" in t and "(via s_c)" in t for t in answers)
    assert all(node.grad == 0.0 for node in topological_order(example.J))  # looking changed no gradient


@pytest.mark.parametrize(("paper", "size"), [("a4", (842.0, 595.0)), ("letter", (792.0, 612.0))])
def test_both_files_are_one_page_of_the_paper(tmp_path, paper, size):
    sheet, key = write_worksheet(notes_example(small=True).J, tmp_path / "sheet.pdf", paper=paper)
    assert key.name == "sheet-key.pdf"
    for pdf in (sheet.read_bytes(), key.read_bytes()):
        assert pdf.startswith(b"%PDF") and page_count(pdf) == 1 and page_sizes(pdf) == [size]
    with pytest.raises(ValueError, match="paper must be one of a4, letter"):
        write_worksheet(notes_example(small=True).J, tmp_path / "x.pdf", paper="a3")


def test_the_worksheet_command(tmp_path):
    done = cli("worksheet", "--out", "sheet.pdf", cwd=tmp_path)  # the full example, its branches collapsed
    assert done.returncode == 0, done.stderr
    assert done.stdout == "wrote sheet.pdf (the worksheet) and sheet-key.pdf (its answer key): one A4 page each\n"
    assert page_sizes((tmp_path / "sheet-key.pdf").read_bytes()) == [(842.0, 595.0)]
    done = cli("worksheet", "--small", "--out", "s.png", cwd=tmp_path)
    assert_one_line_error(done, 2, "tinygrad-mm worksheet: --out s.png: a worksheet is a PDF")
    done = cli("worksheet", "--small", "--out", "s.pdf", "--key", "s.pdf", cwd=tmp_path)
    assert_one_line_error(done, 2, "tinygrad-mm worksheet: the worksheet and its answer key would both be")
    script = 'import sys; sys.modules["pypdf"] = None; from tinygrad_mm.cli import main; sys.exit(main(sys.argv[1:]))'
    done = subprocess.run([sys.executable, "-c", script, "worksheet", "--small", "--out", "w.pdf"], capture_output=True,
                          text=True, cwd=tmp_path, check=False)  # fmt: skip
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and 'pip install "tinygrad-mm[slides]"' in done.stderr
