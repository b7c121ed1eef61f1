"""Opening the step-through page in headless Chromium (Playwright), with every network request blocked.

    pytest_plugins = ("browser_support",)      # in a test module: the fixtures below

    def test_x(open_viewer, tmp_path):
        view = open_viewer(to_html(J, tmp_path / "p.html"))   # closed after the test: no page error, no request

CI installs Chromium (Debian package ``chromium``); without it these tests fail, saying how to install it.
"""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the HTML viewer's browser tests need it. "
            "Install the Debian package: sudo apt-get install chromium (or: bash scripts/system-deps.sh chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install playwright (never `playwright install`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Viewer:
    """One page of the viewer, opened with all network access blocked and every request, error and dialog recorded.

    ``clock=True`` gives the page a paused fake clock (``viewer.page.clock.run_for(ms)``) for the player.
    """

    def __init__(self, browser, path, width: int = 1600, height: int = 900, clock: bool = False) -> None:
        self.url = path.resolve().as_uri()
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.requests, self.errors, self.dialogs = [], [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        if clock:
            self.page.clock.install(time=0)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready]")
        if clock:
            self.page.clock.pause_at(60_000)  # from now on time moves only with page.clock.run_for(ms)

    def _route(self, route) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def position(self) -> int:
        return int(self.page.eval_on_selector("#scrub", "e => e.value"))

    def current(self) -> list[str]:
        """The units being processed, without the op node drawn beside a value (``v3op``: current with its value)."""
        ids = self.page.eval_on_selector_all("#graph g.node.current", "els => els.map(e => e.id)")
        return [i for i in ids if not i.endswith("op")]

    def text(self, selector: str) -> str:
        return self.page.text_content(selector) or ""

    def badges(self) -> dict[str, tuple[str, float]]:
        """Every visible gradient on the drawing: slot id (v3, leaves0) → (text, exact value or None if hidden)."""
        shown = self.page.eval_on_selector_all(
            "#graph .grad-badge.shown text",
            "els => els.map(e => [e.parentNode.id, e.textContent, e.getAttribute('data-exact')])",
        )
        return {badge_id.removesuffix("-grad"): (text, None if exact is None else float(exact)) for badge_id, text, exact in shown}

    def ids(self, selector: str) -> list[str]:
        return self.page.eval_on_selector_all(selector, "els => els.map(e => e.id)")

    def close(self) -> None:
        assert self.errors == [], f"errors in the page: {self.errors}"
        assert self.requests == [self.url], f"the page tried to reach the network: {self.requests[1:]}"
        self.context.close()


@pytest.fixture
def open_viewer(browser):
    """``open_viewer(path, width=1600, height=900, clock=False) -> Viewer``; after the test every page opened is
    closed, checking that it logged no error and requested nothing from any network."""
    opened: list[Viewer] = []

    def open_page(path, **options) -> Viewer:
        opened.append(Viewer(browser, path, **options))
        return opened[-1]

    yield open_page
    for view in opened:
        view.close()
