"""The README's pictures of class mode: the teacher's page with a live histogram, and a student's phone.

    .venv/bin/python docs/class_screenshot.py            # writes docs/img/class-teacher.png, class-student.png
    .venv/bin/python docs/class_screenshot.py OUT_DIR

It runs ``tinygrad-mm class --small`` on 127.0.0.1, opens the teacher's page and one student's page in
headless Chromium, lets 23 simulated students answer over HTTP (some right, some with the sign flipped,
some wrong), and photographs both pages before the reveal and the student's after it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from class_load import post, start_class  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def until(page, expression: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        page.wait_for_timeout(50)


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    room = start_class("--small", "--joins-per-address", "60")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            teacher = browser.new_page(viewport={"width": 1500, "height": 860})
            teacher.goto(room.teacher_url)
            teacher.wait_for_selector("body[data-ready]")
            student = browser.new_page(viewport={"width": 400, "height": 780}, device_scale_factor=2)
            student.goto(room.student_url)
            student.wait_for_selector("body[data-ready]")
            until(teacher, "document.getElementById('class-connected').textContent === '1'")
            for _ in range(4):
                teacher.keyboard.press("ArrowRight")
            teacher.click("#class-ask-step")
            right = teacher.evaluate("tgmm.full(tgmm.V().steps[tgmm.done()]).grad_exact")
            until(student, "!document.getElementById('class-form').hidden")
            number = 1
            given = [right] * 13 + [-right] * 5 + [right * 2] * 3 + [0.5, 1]
            for value in given:
                token = post(room.port, "/api/join", {"code": room.code})[1]["student"]
                post(room.port, "/api/answer", {"student": token, "question": number, "answer": f"{value:.4g}"})
            student.fill("#class-answer", f"{right:.4g}")
            student.press("#class-answer", "Enter")
            until(teacher, f"document.getElementById('class-answered').textContent.indexOf('{len(given) + 1} of') === 0")
            teacher.screenshot(path=str(out / "class-teacher.png"))
            teacher.click("#class-reveal")
            until(student, "document.getElementById('class-form').hidden")
            student.screenshot(path=str(out / "class-student.png"))
            browser.close()
    finally:
        room.stop()
    print(f"wrote {out / 'class-teacher.png'} and {out / 'class-student.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img")
