"""Pictures for projection or print: ``fontsize``, ``dpi`` and ``scale`` in draw_dot, the gallery and ``render``;
and the ``html`` command's options (collapse/expand, quiz, forward, limits), run as a subprocess."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys

import pytest
from test_drawing_support import SVG, small_example, svg_of

from tinygrad_mm import draw_dot
from tinygrad_mm.views.drawing import dot_source
from tinygrad_mm.views.gallery import write_picture


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def font_sizes(svg) -> set[float]:
    return {float(t.get("font-size")) for t in svg.iter(f"{SVG}text")}


def test_fontsize_scales_every_text_of_the_drawing():
    J = small_example().J
    normal, big = svg_of(draw_dot(J)), svg_of(draw_dot(J, fontsize=18))
    assert max(font_sizes(normal)) == 18 and 12 in font_sizes(normal)  # the title is 18 points, nodes 12
    assert max(font_sizes(big)) == 27 and 18 in font_sizes(big) and min(font_sizes(big)) == 1.5 * min(font_sizes(normal))


def test_dpi_and_scale_set_the_size_of_the_png():
    J = small_example().J
    default = png_size(draw_dot(J).pipe(format="png"))
    double = png_size(draw_dot(J, scale=2.0).pipe(format="png"))
    print_ready = png_size(draw_dot(J, dpi=192).pipe(format="png"))
    assert double == pytest.approx((2 * default[0], 2 * default[1]), abs=3) and print_ready == double
    assert "dpi=" not in dot_source(J)  # no option, no change: Graphviz's own default size
    for bad in ({"fontsize": 0}, {"scale": -1}, {"dpi": float("nan")}, {"fontsize": True}):
        with pytest.raises(ValueError, match=f"{next(iter(bad))} must be a number from"):
            dot_source(J, **bad)


def test_the_gallery_takes_the_size_options(tmp_path):
    (normal,) = write_picture("small-expanded", tmp_path / "a", ("png",))
    (big,) = write_picture("small-expanded", tmp_path / "b", ("png",), fontsize=18, scale=1.5)
    w0, h0 = png_size(normal.read_bytes())
    w1, h1 = png_size(big.read_bytes())
    assert w1 > 1.5 * w0 and h1 > 1.5 * h0  # larger text and a larger picture


def run_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinygrad_mm", *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_render_takes_dpi_scale_and_fontsize(tmp_path):
    assert run_cli("render", "--small", "--out", "a.png", cwd=tmp_path).returncode == 0
    done = run_cli("render", "--small", "--out", "b.png", "--dpi", "150", "--scale", "2", "--fontsize", "16", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (w0, h0), (w1, h1) = png_size((tmp_path / "a.png").read_bytes()), png_size((tmp_path / "b.png").read_bytes())
    assert w1 > 3 * w0 and h1 > 3 * h0  # 150/96 × 2 × the larger font
    done = run_cli("render", "--small", "--out", "c.png", "--dpi", "0", cwd=tmp_path)
    assert done.returncode == 2 and "argument --dpi: 0 is out of range" in done.stderr


def page_data(path) -> dict:
    html = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="tgmm-data">(.*?)</script>', html, re.S).group(1))


def test_the_html_command(tmp_path):
    done = run_cli("html", "--out", "page.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"wrote page\.html \(\d+ KiB\): open it in a browser; .*\n", done.stdout)
    data = page_data(tmp_path / "page.html")
    assert data["views"][0]["collapsed"] == ["s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"]  # the full example, collapsed
    assert len(data["steps"]) == 267 and not data["quiz"] and not data["forward"]
    done = run_cli("html", "--small", "--quiz", "--forward", "--digits", "6", "--out", "quiz.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = page_data(tmp_path / "quiz.html")
    assert data["quiz"] and data["forward"] and data["views"][0]["forward"] and data["root_data"].count(".") == 1
    assert run_cli("html", "--collapse", "z = Wx + b", "z_c = Wx_c + b", "--out", "z.html", cwd=tmp_path).returncode == 0
    assert page_data(tmp_path / "z.html")["views"][0]["collapsed"] == ["z = Wx + b", "z_c = Wx_c + b"]
    listed = run_cli("html", "--list-scopes", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.splitlines()[:2] == ["s = Uᵀf(Wx + b)", "z = Wx + b"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--collapse", "nope"], "tinygrad-mm html: collapse: unknown scope ['nope']; the scopes in this graph are: "),
        (["--expand", "--max-nodes", "100"], "tinygrad-mm html: the drawing of 'J' would have 267 nodes, more than max_nodes=100: "
                       "collapse scopes, e.g. collapse=['s = Uᵀf(Wx + b)', 's_c = Uᵀf(Wx_c + b)'] (CLI: --collapse SCOPE …)"),
        (["--expand", "--collapse", "z = Wx + b"], "tinygrad-mm html: use either --collapse SCOPE ... or --expand, not both"),
        (["--digits", "0"], "tinygrad-mm html: argument --digits: 0 is out of range"),
    ],
)  # fmt: skip
def test_html_mistakes_are_one_line(tmp_path, args, message):
    done = run_cli("html", *args, "--out", "x.html", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith(message), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.html").exists()
    if "--max-nodes" in args:
        assert "raise max_nodes (CLI: --max-nodes)" in done.stderr
