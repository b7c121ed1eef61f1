"""The animated export: the slides' frames as one looping SVG (SMIL, no script), played in headless Chromium."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from cli_helpers import assert_one_line_error, cli

from tinygrad_mm.engine import record
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.animation import animated_svg, write_animation

pytest_plugins = ("browser_support",)
SVG = "{http://www.w3.org/2000/svg}"


def test_each_step_is_shown_in_its_own_second_and_the_animation_loops(browser, tmp_path):
    example = notes_example(small=True)
    path = write_animation(example.J, tmp_path / "steps.svg", seconds=1.0)
    steps = len(record(example.J).steps)
    svg = ElementTree.parse(path).getroot()
    frames = [g for g in svg if g.tag == f"{SVG}g"]
    assert len(frames) == steps and not list(svg.iter(f"{SVG}script"))
    ids = [e.get("id") for e in svg.iter() if e.get("id")]
    assert len(ids) == len(set(ids))  # every frame's ids prefixed: unique in the one document
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.resolve().as_uri())
    page.evaluate("document.documentElement.pauseAnimations()")
    for t, shown in ((0.5, 1), (1.5, 2), (steps - 0.5, steps), (steps + 0.5, 1), (steps + 2.5, 3)):
        visible = page.evaluate(f"""() => {{ document.documentElement.setCurrentTime({t});
            return [...document.querySelectorAll('svg > g')].map((g, k) => getComputedStyle(g).visibility === 'visible' ? k + 1 : 0)
                .filter(Boolean); }}""")
        assert visible == [shown], (t, visible)
    assert errors == []
    page.context.close()


def test_the_animate_option_and_its_mistakes(tmp_path):
    done = cli("slides", "--small", "--animate", "a.svg", "--seconds", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "wrote a.svg: the steps as one looping animated SVG, 2 s each\n" and not (tmp_path / "out").exists()
    assert_one_line_error(cli("slides", "--small", "--animate", "a.gif", cwd=tmp_path), 2, "--animate a.gif: the animation is an SVG")
    with pytest.raises(ValueError, match="seconds per step must be from 0.05 to 600"):
        animated_svg([b"<svg xmlns='http://www.w3.org/2000/svg'/>"], 0.0)
