"""``tinygrad-mm demo`` and ``tinygrad-mm train``: what they print and write."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import demo_table

from tinygrad_mm.cli import main
from tinygrad_mm.cli.demo import run_demo
from tinygrad_mm.cli.train import Progress
from tinygrad_mm.models.cs224n import notes_example

PNG = b"\x89PNG\r\n\x1a\n"


def number(text: str, pattern: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found in:\n{text}"
    return float(match.group(1))


def test_demo_prints_the_notes_numbers(capsys, tmp_path: Path) -> None:
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    ex = notes_example()
    assert "museums in Paris are amazing" in out and "museums in bread are amazing" in out
    assert "d = 4, n = 20, H = 8" in out
    assert number(out, r"s   = Uᵀf\(Wx \+ b\)\s+= (\S+)") == pytest.approx(ex.s.data, abs=1e-6)
    assert number(out, r"s_c = Uᵀf\(Wx_c \+ b\)\s+= (\S+)") == pytest.approx(ex.s_c.data, abs=1e-6)
    assert number(out, r"J   = max\(0, Δ \+ s_c − s\) = (\S+)") == pytest.approx(ex.J.data, abs=1e-6)
    assert "∂J/∂s   = -1" in out and "∂J/∂s_c = +1" in out
    assert "hinge is active" in out
    rows = demo_table(out)
    assert set(rows) == {"U[0]", "W[0,8]"}  # one U and one W entry reading the centre word
    ex.J.backward()
    for label, (via_s, via_s_c, total, grad, closed) in rows.items():
        assert via_s != 0 and via_s_c != 0  # both branches really contribute
        assert via_s + via_s_c == pytest.approx(total, abs=2e-6)  # the printed values have 6 digits
        assert total == grad == pytest.approx(closed)
        weight = next(p for p in ex.scorer.parameters() if p.label == label)
        assert grad == pytest.approx(weight.grad, rel=1e-5)
    assert "MISMATCH" not in out


def test_demo_inactive_shows_no_update_when_the_margin_is_met(capsys, tmp_path: Path) -> None:
    assert run_demo(tmp_path, active=False) == 0
    out = capsys.readouterr().out
    assert number(out, r"J   = max\(0, Δ \+ s_c − s\) = (\S+)") == 0.0
    assert "∂J/∂s   = 0" in out and "∂J/∂s_c = 0" in out
    assert "no update when the margin is met" in out
    assert "SGD steps on this pair" in out
    assert all(values == [0.0] * 5 for values in demo_table(out).values())


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_demo_other_activations_and_small(capsys, tmp_path: Path, activation: str) -> None:
    assert main(["demo", "--activation", activation, "--small", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"f = {activation}, d = 2, n = 2, H = 2" in out
    assert len(demo_table(out)) == 2


def test_train_ner_prints_a_line_per_epoch_and_the_heldout_accuracy(capsys) -> None:
    assert main(["train", "ner", "--epochs", "3"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    losses = [number(line, r"mean J (\S+)") for line in lines]
    assert losses[-1] < losses[0]
    assert number(out, r"held-out accuracy (\S+)%") > 50
    assert "\r" not in out  # not a terminal: plain lines


def test_train_moons_writes_both_pngs(capsys, tmp_path: Path) -> None:
    assert main(["train", "moons", "--steps", "4", "--plot", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert sum(line.startswith("step") for line in out.splitlines()) == 4
    assert "final training accuracy" in out
    for name in ("moons_loss.png", "moons_boundary.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 5000
        assert f"wrote {tmp_path / name}" in out


def test_train_ner_plot_writes_the_loss_curve(capsys, tmp_path: Path) -> None:
    assert main(["train", "ner", "--epochs", "2", "--plot", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "ner_loss.png").read_bytes().startswith(PNG)
    assert [p.name for p in tmp_path.iterdir()] == ["ner_loss.png"]  # written atomically: no temporary file left


def test_missing_matplotlib_is_a_clear_message_before_training(capsys, monkeypatch, tmp_path: Path) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    assert main(["train", "moons", "--plot", "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "pip install 'tinygrad-mm[plot]'" in captured.err
    assert "step" not in captured.out  # no time was spent training
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "ner", "--epochs", "0"], "--epochs must be > 0"),
        (["train", "ner", "--lr", "-1"], "--lr must be > 0"),
        (["train", "moons", "--steps", "0"], "--steps must be > 0"),
    ],
)
def test_bad_training_options(capsys, argv: list[str], message: str) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_train_needs_a_demo_name(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train"])
    assert "ner" in capsys.readouterr().err


def test_progress_line_is_rewritten_in_place_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(4, stream, live=True)
    for k in range(1, 5):
        progress.update(k, f"step {k}/4  loss {1.0 / k:.4f}")
    progress.close()
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n") and text.count("\n") == 1
    assert "[####################] step 4/4  loss 0.2500" in text
    plain = io.StringIO()
    Progress(2, plain, live=False).update(1, "step 1/2")
    assert plain.getvalue() == "step 1/2\n"


def test_the_installed_command_runs_the_demo() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_mm", "demo"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "∂J/∂s   = -1" in result.stdout


@pytest.mark.parametrize("demo, count", [("moons", "--steps"), ("ner", "--epochs")])
def test_train_compile_prints_the_same_losses_as_eager(capsys, demo: str, count: str) -> None:
    """`train … --compile` runs each step as compiled Python: the same numbers, line for line."""
    assert main(["train", demo, count, "3"]) == 0
    eager = capsys.readouterr().out
    assert main(["train", demo, count, "3", "--compile"]) == 0
    assert capsys.readouterr().out == eager
