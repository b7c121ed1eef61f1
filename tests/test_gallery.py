"""The classroom pictures: what each one shows, and the visualize/ scripts that write them."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_drawing_support import by_id, texts, words

from tinygrad_mm import topological_order
from tinygrad_mm.cli import main
from tinygrad_mm.models.cs224n import ExampleSpec
from tinygrad_mm.views import gallery as gallery_module
from tinygrad_mm.views.gallery import PICTURES, Gallery, draw_picture, write_gallery

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gallery(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("gallery")
    paths = write_gallery(out)
    assert [p.name for p in paths] == [f"{name}.{fmt}" for name in PICTURES for fmt in ("svg", "png")]
    assert all(p.parent == out and p.stat().st_size > 1000 for p in paths)
    return {p.name: p for p in paths}


def test_active_picture(gallery):
    svg = ET.parse(gallery["margin-loss-active.svg"]).getroot()
    text = words(svg)
    assert "∂J/∂s = −1" in text and "∂J/∂s_c = +1" in text
    assert sum("nodes (collapsed)" in t for t in text) == 2
    for name in ("W", "b", "U"):
        assert f"∂J/∂{name} = (via s) + (via s_c), element by element" in text
    assert gallery["margin-loss-active.png"].read_bytes().startswith(b"\x89PNG")


def test_inactive_picture(gallery):
    text = words(ET.parse(gallery["margin-loss-inactive.svg"]).getroot())
    assert "margin met — no gradient" in text and "∂J/∂s = 0" in text and "∂J/∂s_c = 0" in text
    assert any(t.startswith("J = max(0, Δ + s_c − s) = 0 ") and "SGD steps" in t for t in text)
    assert any(t.startswith("Δ + s_c − s = 1 + ") and "≤ 0: J = 0 is flat here" in t for t in text)
    assert sorted(t for t in text if t.startswith("‖")) == sorted(
        [f"‖∂J/∂{name}‖ = 0" for name in ("W", "b", "U", "x", "x_c")]
        + [f"‖∂J/∂{name} via {branch}‖ = 0" for name in ("W", "b", "U") for branch in ("s", "s_c")]
        + ["‖∂J/∂x via s‖ = 0", "‖∂J/∂x_c via s_c‖ = 0"]
    )


def test_small_expanded_picture_draws_every_node_with_branch_sums(gallery):
    svg = ET.parse(gallery["small-expanded.svg"]).getroot()
    root = Gallery.of().examples["small"].J
    nodes = topological_order(root)
    elements = by_id(svg)
    assert all(f"v{i}" in elements for i in range(len(nodes))) and len(nodes) == 27
    shared = [t for t in words(svg) if "(via s) " in t and "(via s_c)" in t]
    assert len(shared) == 4 + 2 + 2  # W, b, U of the n = 2, H = 2 scorer
    assert sum(el.get("class") == "cluster" for el in elements.values()) == 8


def test_full_collapsed_picture_keeps_branch_clusters_around_six_boxes(gallery):
    elements = by_id(ET.parse(gallery["full-collapsed.svg"]).getroot())
    boxes = [el for el in elements.values() if el.get("class") == "node" and "(collapsed)" in " ".join(texts(el))]
    assert sorted(texts(b)[0] for b in boxes) == sorted(
        ["z = Wx + b", "a = f(z)", "s = U·a", "z_c = Wx_c + b", "a_c = f(z_c)", "s_c = U·a_c"]
    )
    clusters = [texts(el)[0] for el in elements.values() if el.get("class") == "cluster"]
    assert clusters == ["s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"]


def test_draw_picture_and_unknown_names():
    assert "∂J/∂s = −1" in draw_picture("small-expanded").source
    with pytest.raises(ValueError, match="no gallery picture named 'nope'; the pictures are: margin-loss-active"):
        draw_picture("nope")


def test_visualize_scripts_write_and_say_where(tmp_path):
    scripts = sorted((REPO / "visualize").glob("*.py"))
    assert {s.name for s in scripts} >= {"margin_loss.py", "small_expanded.py", "full_collapsed.py", "gallery.py"}
    result = subprocess.run([sys.executable, str(REPO / "visualize" / "margin_loss.py"), str(tmp_path)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = [line.removeprefix("wrote ") for line in result.stdout.splitlines()]
    assert [Path(p).name for p in written] == [
        "margin-loss-active.svg", "margin-loss-active.png", "margin-loss-inactive.svg", "margin-loss-inactive.png",
    ]  # fmt: skip
    assert all(Path(p).exists() for p in written)
    bad = subprocess.run([sys.executable, str(REPO / "visualize" / "small_expanded.py"), str(tmp_path / "missing")],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "does not exist; create it first" in bad.stderr


def test_one_way_to_make_the_pictures_the_command_the_scripts_and_the_demo(tmp_path, capsys, monkeypatch):
    """`tinygrad-mm pictures` writes them; each visualize/ script is that command with its pictures named."""
    for script in sorted((REPO / "visualize").glob("*.py")):
        assert 'main(["pictures"' in script.read_text(encoding="utf-8"), script.name
    assert main(["pictures", "small-expanded", "--out", str(tmp_path), "--format", "svg", "--corrupt", "bread", "music"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {tmp_path / 'small-expanded.svg'}"
    assert "s_c2" in " ".join(words(ET.parse(tmp_path / "small-expanded.svg").getroot()))  # the options choose the example
    assert main(["pictures", "nope", "--out", str(tmp_path)]) == 2
    assert "no picture named 'nope'; the pictures are: margin-loss-active" in capsys.readouterr().err
    monkeypatch.setattr(gallery_module, "MAX_NODES", 40)  # a picture past the limit is skipped with a note
    gallery = Gallery.of(ExampleSpec.notes(corrupt_words=["bread", "music", "London"]))
    written = gallery.write(tmp_path, ["small-expanded", "margin-loss-active"], ["svg"])
    assert [p.name for p in written] == ["margin-loss-active.svg"]  # every node of 4 branches: too many here
    assert gallery.notes[-1].startswith("small-expanded not drawn: the drawing of 'J' would have")
