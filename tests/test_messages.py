"""Messages that say what went wrong where the user can act on it: number_format's fill, render's --help."""

from __future__ import annotations

import pytest
from cli_helpers import cli

from tinygrad_mm import Value, draw_dot


@pytest.mark.parametrize("fill", ["<", "&", ">"])
@pytest.mark.parametrize("align", ["<", ">", "^", "="])
def test_a_fill_character_graphviz_cannot_hold_is_a_number_format_error(fill, align):
    x = Value(2.0, "x")
    with pytest.raises(ValueError, match=rf"number_format '{fill}\{align}10\.3f' pads numbers with '{fill}'.*another fill"):
        draw_dot(x * 3, number_format=f"{fill}{align}10.3f")


@pytest.mark.parametrize("spec", ["<10.3f", ">10.3f", "*^12.3f", " >9.2f", "0>8.3f", ".4g"])
def test_every_other_format_spec_still_draws(spec):
    x = Value(2.0, "x")
    svg = draw_dot(x * 3, number_format=spec).pipe(format="svg").decode()
    assert format(6.0, spec).strip() in svg


def test_render_help_names_scripts_and_formulas_not_only_the_example():
    top = cli("--help")
    assert top.returncode == 0
    line = " ".join(top.stdout.split("render", 1)[1].split("pictures", 1)[0].split())
    assert "your script" in line and "formula" in line, line
    own = " ".join(cli("render", "--help").stdout.split())
    assert "SCRIPT.py" in own and "formula (-e)" in own, own
