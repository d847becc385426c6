"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), against the live server of
tests/realtime (uvicorn in a thread on a loopback port).

Never `playwright install`: the browser is /usr/bin/chromium, installed by `make setup`
(scripts/system-packages.sh). Every wait is bounded by TIMEOUT_MS.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser as ChromiumBrowser
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Playwright, expect, sync_playwright

from tests.realtime.conftest import Browser, LiveServer, browsers, live_server  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 10_000  # the longest any single navigation, click or expected change may take
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Reports CSP violations to the test: `securitypolicyviolation` is fired for every refused load or inline code.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.agoraTestCspViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
                               " on " + event.documentURI);
});
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last. Playwright's sync API leaves its event loop marked as running in the main
    thread between calls (upstream behaviour); with the browser shared by the whole session, any later test
    that calls asyncio.run() would fail for that reason only."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[ChromiumBrowser]:
    """One headless Chromium for the whole session. A missing Chromium is a failure, never a skip."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make setup` (it installs Debian's chromium package through "
                    "scripts/system-packages.sh). The browser tests need it.", pytrace=False)
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
    yield browser
    browser.close()


@dataclass
class Watched:
    """What a browser context did that a test must check: errors in the console, refused loads, and
    every URL it asked for."""

    page: Page
    context: BrowserContext
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)

    def assert_clean(self, server_url: str) -> None:
        assert self.console_errors == [], f"errors in the browser console: {self.console_errors}"
        assert self.csp_violations == [], f"Content-Security-Policy violations: {self.csp_violations}"
        assert self.requests, "the browser made no request at all"
        elsewhere = [url for url in self.requests if not url.startswith(server_url + "/")]
        assert elsewhere == [], f"requests that left {server_url}: {elsewhere}"
        ws_origin = "ws" + server_url.removeprefix("http") + "/"
        elsewhere_ws = [url for url in self.websockets if not url.startswith(ws_origin)]
        assert elsewhere_ws == [], f"websockets to another host than {ws_origin}: {elsewhere_ws}"


@pytest.fixture
def watched_page(chromium: ChromiumBrowser) -> Iterator[Watched]:
    """A fresh context (no cookies, no storage) per test, 1280×800, with its console, CSP violations,
    requests and websockets recorded."""
    # The browser asks for English, which agora does not offer: pages start in the default, French.
    context = chromium.new_context(viewport=DESKTOP, locale="en-US", timezone_id="Europe/Brussels")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    watched = Watched(page, context)

    def on_console(message: ConsoleMessage) -> None:
        text, url = message.text, message.location.get("url", "")
        if message.type == "error" or "Refused to" in text:
            watched.console_errors.append(f"{text} ({url}:{message.location.get('lineNumber')})")
        if "Content Security Policy" in text or "Refused to" in text:
            watched.csp_violations.append(text)

    def on_csp_violation(report: str) -> None:
        watched.csp_violations.append(report)

    context.expose_function("agoraTestCspViolation", on_csp_violation)
    context.add_init_script(_CSP_LISTENER)
    context.on("console", on_console)
    context.on("weberror", lambda error: watched.console_errors.append(f"uncaught: {error.error}"))
    context.on("request", lambda request: watched.requests.append(request.url))
    page.on("websocket", lambda websocket: watched.websockets.append(websocket.url))
    yield watched
    context.close()


def screenshot(page: Page, name: str) -> list[Path]:
    """The page at desktop (1280×800) and phone (360×740) widths, whole length, into
    test-artifacts/screenshots/<name>-desktop.png and <name>-phone.png; the viewport is restored."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size or DESKTOP
    saved = []
    for label, size in [("desktop", DESKTOP), ("phone", PHONE)]:
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        saved.append(path)
    page.set_viewport_size(before)
    return saved
