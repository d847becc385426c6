"""The XSS detector of the browser tests: a Chromium page with the Content-Security-Policy bypassed (so
that the sanitising and the escaping are tested on their own, not hidden behind the CSP) that records
every dialog and script error, and, once watching, every request its context makes. Each detector
proves itself on a canary before it is trusted: a detector that cannot fail would pass anything."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.conftest import TIMEOUT_MS
from tests.conftest import PASSWORD

CANARY_MARKUP = "<img src=x onerror=\"alert('canary')\">"


class XssDetector:
    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.page: Page = context.new_page()
        self.ran: list[str] = []  # "url: dialog message" or "url: error …"
        self.requests: list[str] = []
        self.page.on("dialog", lambda dialog: (self.ran.append(f"{self.page.url}: {dialog.message}"),
                                               dialog.dismiss()))
        self.page.on("pageerror", lambda error: self.ran.append(f"{self.page.url}: error {error}"))

    def prove_dialogs(self) -> None:
        """A payload that runs is seen: the canary's alert must be recorded (then forgotten)."""
        self.page.set_content(CANARY_MARKUP)
        self.page.wait_for_timeout(200)
        assert [entry.split(": ", 1)[1] for entry in self.ran] == ["canary"], self.ran
        self.ran.clear()

    def watch_requests(self, server_url: str) -> None:
        """From now on every request of the context is recorded; a canary fetch proves it."""
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page.evaluate("() => fetch('/canary-request').catch(() => null)")
        self.page.wait_for_timeout(200)
        assert self.unasked(server_url, set()) == [server_url + "/canary-request"], self.requests
        self.requests.clear()

    def visit(self, server_url: str, path: str) -> None:
        """Opens the page and moves the mouse across it (hover payloads, onmouseover, get their chance)."""
        self.page.goto(server_url + path, wait_until="load")
        self.page.mouse.move(5, 5)
        self.page.mouse.move(400, 300)

    def unasked(self, server_url: str, visited: set[str]) -> list[str]:
        """Requests that are neither a page the test opened, nor a static file or socket of this server."""
        own = urlsplit(server_url).netloc
        wrong = []
        for seen in self.requests:
            parts = urlsplit(seen)
            if parts.scheme in ("data", "about", "blob"):
                continue
            if parts.netloc != own or not (parts.path in visited
                                           or parts.path.startswith(("/static/", "/socket.io/"))):
                wrong.append(seen)
        return wrong


@contextmanager
def xss_detector(chromium: Browser) -> Iterator[XssDetector]:
    """A fresh French-speaking context with the CSP bypassed, its detector already proven on dialogs."""
    context = chromium.new_context(bypass_csp=True, locale="fr-BE")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        detector = XssDetector(context)
        detector.prove_dialogs()
        yield detector
    finally:
        context.close()


def sign_in(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(url + "/signin")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()
