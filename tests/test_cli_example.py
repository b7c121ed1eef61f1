"""The notes' example, configurable from every graph command and ``demo``: windows, k corrupted windows, Δ, H, d, f, seed."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, cli, demo_table, files_in, svg_words

from tinygrad_mm.cli import main
from tinygrad_mm.models.cs224n import ExampleSpec, build_example

K2 = ["--corrupt", "bread", "music"]


def test_demo_with_two_corrupted_windows(tmp_path: Path) -> None:
    done = cli("demo", *K2, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "f = sigmoid, d = 4, n = 20, H = 8, Δ = 1, k = 2 corrupted windows" in out
    assert "x_c1 = museums in bread are amazing" in out and "x_c2 = museums in music are amazing" in out
    assert "J    = Σₖ max(0, Δ + s_cₖ − s), k = 1…2 = " in out
    assert "∂J/∂s    = -2" in out and "∂J/∂s_c1 = +1" in out and "∂J/∂s_c2 = +1" in out
    assert re.search(r"weight\s+via s\s+via s_c1\s+via s_c2\s+sum\s+\.grad\s+closed form", out)
    rows = demo_table(out)
    assert set(rows) == {"U[0]", "W[0,8]"} and "MISMATCH" not in out
    example = build_example(ExampleSpec.notes(corrupt_words=["bread", "music"]))
    example.J.backward()
    for label, (via_s, via_1, via_2, total, grad, closed) in rows.items():
        assert via_s and via_1 and via_2  # all three branches reach the shared weight
        assert via_s + via_1 + via_2 == pytest.approx(total, abs=3e-6) and total == grad == pytest.approx(closed)
        weight = next(p for p in example.scorer.parameters() if p.label == label)
        assert grad == pytest.approx(weight.grad, rel=1e-5)
    drawn = svg_words(tmp_path / "margin-loss-active.svg")
    assert {"s = Uᵀf(Wx + b)", "s_c1 = Uᵀf(Wx_c1 + b)", "s_c2 = Uᵀf(Wx_c2 + b)"} <= set(drawn)  # k + 1 boxes
    assert any('"museums in Paris are amazing" vs "museums in bread are amazing" vs "museums in music are amazing"' in w
               for w in drawn)  # fmt: skip
    small = svg_words(tmp_path / "small-expanded.svg")
    assert {"s_c1", "s_c2", "J_1", "J_2", "z_c2[1]"} <= set(small)
    assert "backprop-steps-small.html" in files_in(tmp_path)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_demo_pictures_follow_the_activation(tmp_path: Path, capsys, activation: str) -> None:
    assert main(["demo", "--activation", activation, "--out", str(tmp_path)]) == 0
    assert f"f = {activation}," in capsys.readouterr().out
    symbol = {"tanh": "tanh", "relu": "relu", "sigmoid": "σ"}[activation]
    words = set(svg_words(tmp_path / "small-expanded.svg"))  # every node drawn: the ops a = f(z) show f
    assert symbol in words and not ({"tanh", "relu", "σ"} - {symbol}) & words
    page = (tmp_path / "backprop-steps-small.html").read_text(encoding="utf-8")
    assert (">σ<" in page) == (activation == "sigmoid") and (">tanh<" in page) == (activation == "tanh")


def test_demo_other_windows_sizes_and_seed(tmp_path: Path, capsys) -> None:
    args = ["demo", "--window", "the cat sat", "--corrupt", "dog", "--hidden", "3", "--dim", "2", "--seed", "5",
            "--delta", "0.5", "--out", str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "d = 2, n = 6, H = 3, Δ = 0.5" in out and "x_c = the dog sat   (centre word replaced)" in out
    assert len(demo_table(out)) == 2
    assert main(args) == 0 and capsys.readouterr().out == out  # deterministic
    assert main([*args[:-4], "--seed", "6", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out != out


def test_demo_with_a_whole_corrupted_window(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--window", "a b c", "--corrupt-window", "x b c", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "x_c = x b c\n" in out  # not the centre word: no "(centre word replaced)"
    assert "W[0,0]" in demo_table(out)  # the W entry shown reads the changed word


def test_render_trace_and_explain_with_k_windows(tmp_path: Path, capsys) -> None:
    assert main(["render", "--list-scopes", *K2]) == 0
    assert capsys.readouterr().out.splitlines()[::4] == ["s = Uᵀf(Wx + b)", "s_c1 = Uᵀf(Wx_c1 + b)", "s_c2 = Uᵀf(Wx_c2 + b)"]
    assert main(["trace", *K2, "--follow", "s"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[1].split()[:2] == ["2", "J_1"] and any(r.split()[-4:] == ["s", "0", "→", "-1"] for r in rows)
    assert any(r.split()[-4:] == ["s", "-1", "→", "-2"] for r in rows)  # the second hinge adds its −1
    assert main(["explain", "U[0]", *K2]) == 0
    out = capsys.readouterr().out
    assert "the sum over 4 paths from J to U[0]" in out
    for route in ("J → J_1 → s → U[0]", "J → J_1 → s_c1 → U[0]", "J → J_2 → s → U[0]", "J → J_2 → s_c2 → U[0]"):
        assert route in out
    assert main(["explain", "U[0]", *K2, "--edges"]) == 0
    assert "the sum over its 3 direct uses" in capsys.readouterr().out
    out_file = tmp_path / "k3.svg"
    assert main(["render", "--corrupt", "bread", "music", "London", "--out", str(out_file)]) == 0
    assert "s_c3 = Uᵀf(Wx_c3 + b)" in svg_words(out_file)


def test_explain_errors_are_one_line(tmp_path: Path) -> None:
    assert_one_line_error(cli("explain", "U[99]", cwd=tmp_path), 2, "no node named 'U[99]'", "did you mean")
    (tmp_path / "doubling.py").write_text(
        "from tinygrad_mm import Value\n\ndef doubled(v, n):\n    for _ in range(n):\n        v = v + v\n    return v\n\n"
        "x = Value(1.0)\nloss = doubled(x, 12)\n"
    )  # 2^12 paths from loss down to x
    done = cli("explain", "x", "doubling.py", "--max-paths", "100", cwd=tmp_path)
    assert_one_line_error(done, 2, "4,096 paths", "more than max_paths=100", "--edges", "raise --max-paths")
    done = cli("explain", "x", "doubling.py", "--edges", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("∂loss/∂x = 4096, the sum over its 2 direct uses")
    done = cli("explain", "x", "doubling.py", "--max-paths", "5000", cwd=tmp_path)
    assert done.returncode == 0 and "the sum over 4096 paths" in done.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--window", "the cat sat on"], ("a window needs a centre word", "got 4")),
        (["--window", "a b c", "--corrupt-window", "a b"], ("has 2 words but the window 'a b c' has 3",)),
        (["--corrupt", "x", "--corrupt-window", "a b c d e"], ("either as centre words or as whole windows",)),
        (["--window", "a b c d", "--corrupt-window", "a x c d", "--small"], ("needs a window of an odd number",)),
        (["--hidden", "1000", "--dim", "1000"], ("more than 1,000,000",)),
        (["--window", "  "], ("--window needs words",)),
    ],
)
def test_example_option_mistakes(tmp_path: Path, args: list[str], fragments: tuple[str, ...]) -> None:
    assert_one_line_error(cli("trace", *args, cwd=tmp_path), 2, *fragments)
    assert_one_line_error(cli("demo", *args, "--out", str(tmp_path), cwd=tmp_path), 2, *fragments)
    assert files_in(tmp_path) == []


def test_inactive_that_cannot_be_reached_is_one_line(tmp_path: Path) -> None:
    done = cli("trace", "--inactive", "--window", "a b c", "--corrupt-window", "a b c", cwd=tmp_path)
    assert_one_line_error(done, 1, "--inactive: the corrupted window 'a b c' is the true window", "never be met")


@pytest.mark.parametrize("corrupt", [["bread"], ["bread", "music"]], ids=["k=1", "k=2"])
def test_the_expanded_hinge_from_the_command_line(tmp_path: Path, capsys, corrupt: list[str]) -> None:
    """--expanded-hinge: m = Δ + s_c − s and J = max(0, m) as two nodes; the same gradients as the one-node hinge."""
    from tinygrad_mm.engine import gradients_of
    from tinygrad_mm.models.closed_form import for_example

    assert main(["trace", "--small", "--expanded-hinge", "--corrupt", *corrupt, "--limit", "4"]) == 0
    table = capsys.readouterr().out
    m = "m" if len(corrupt) == 1 else "m_1"
    assert re.search(rf"→ {m}\b", table), table  # J's step sends ∂J/∂m = 1 to the margin node
    one, two = (build_example(ExampleSpec.notes(small=True, corrupt_words=corrupt, expanded_hinge=e)) for e in (False, True))
    g1, g2 = gradients_of(one.J), gradients_of(two.J)
    closed = for_example(two)
    for a, b in zip(one.scorer.parameters(), two.scorer.parameters(), strict=True):
        assert g2[b] == pytest.approx(g1[a], rel=1e-12, abs=1e-15)
    assert [g2[w] for row in two.scorer.W for w in row] == pytest.approx([v for row in closed.W for v in row], rel=1e-9)
    out = tmp_path / "hinge.svg"
    assert main(["render", "--small", "--expanded-hinge", "--corrupt", *corrupt, "--out", str(out)]) == 0
    words = svg_words(out)
    assert any(w.startswith("m =") or w == m for w in words) and "max(0,·)" in words


def test_demo_check_tolerates_rounding_in_the_branch_sum(tmp_path: Path) -> None:
    """The branch parts are added in another order than backward() adds them: one ulp apart is no mismatch."""
    from tinygrad_mm.cli.demo import adds_up

    parts = [-1.0619399999999999, 0.597457, 0.561751]
    assert adds_up(parts, sum(parts)) and adds_up(parts, math.nextafter(sum(parts), 1.0))
    assert not adds_up(parts, sum(parts) + 1e-9) and adds_up([0.0, 0.0], 0.0) and not adds_up([0.0], 1e-300)
    done = cli("demo", "--small", "--expanded-hinge", *K2, "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr  # printed ✗ MISMATCH and exited 1 for equal numbers
    assert "MISMATCH" not in done.stdout and done.stdout.count("✓") == 2
