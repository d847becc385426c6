"""Proposals and forums seen through Debian's Chromium: a person goes from a forum thread to a proposal
that reaches its threshold while they watch, and new posts appear live in the thread (agora/static/js/
deliberation.js). The XSS corpus in proposals, threads and every other field: test_xss_everywhere.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watched, screenshot
from tests.deliberation_support import (
    make_proposal,
    make_space,
    make_thread,
    people,
    set_threshold,
    tr,
)
from tests.realtime.conftest import LiveServer

pytestmark = pytest.mark.browser


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/signin")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill("correct horse battery")
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()


def _joined(page: Page, room: str) -> None:
    """Connected, and the page's room joined (a second join is acknowledged after the page's own)."""
    page.wait_for_function("() => window.agoraSocket !== undefined && window.agoraSocket.connected")
    answer = page.evaluate("room => new Promise(done => window.agoraSocket.emit('join', {room: room}, done))", room)
    assert answer == {"ok": True, "room": room}


def test_from_a_thread_to_a_proposal_that_reaches_its_threshold(live_server: LiveServer, watched_page: Watched,
                                                                browsers):
    database, url, page = live_server.database, live_server.url, watched_page.page
    set_threshold(database, absolute=3)
    alice, bob, *supporters = people(database, [], [], [], [], [])
    make_space(database, names={"fr": "Entraide"})
    make_proposal(database, bob, title="Un atelier vélo dans chaque région")
    thread_id = make_thread(database, bob, title="Un atelier de réparation de vélos", body="Réparons nos vélos.")

    _sign_in(page, url, alice.email)
    page.goto(f"{url}/forums")
    page.get_by_role("link", name="Entraide").click()
    page.get_by_role("link", name="Un atelier de réparation de vélos").click()
    _joined(page, f"thread:{thread_id}")
    bob_http = browsers(url)  # someone else, in another browser
    bob_http.sign_in(bob.email)
    thread_path = f"/forums/threads/{thread_id}"
    assert bob_http.post(f"{thread_path}/reply", {"body": "Je peux **prêter des outils**."},
                         from_page=thread_path).status_code == 303
    expect(page.locator("#post-2")).to_contain_text("prêter des outils")  # live, without reloading
    expect(page.locator("#post-2 .rich strong")).to_have_text("prêter des outils")
    screenshot(page, "forum-thread")

    with page.expect_navigation():
        page.get_by_role("link", name=tr("Turn this thread into a proposal")).click()
    expect(page.locator("#title")).to_have_value("Un atelier de réparation de vélos")
    page.locator("#title").fill("Un atelier vélo partagé")
    expect(page.locator("#similar")).to_contain_text("Un atelier vélo dans chaque région")  # htmx, while typing
    page.locator("#body").fill("Un atelier vélo partagé, un samedi par mois.")
    screenshot(page, "proposal-form")
    with page.expect_navigation():
        page.get_by_role("button", name=tr("Publish")).click()
    proposal_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#proposal-title")).to_have_text("Un atelier vélo partagé")
    expect(page.locator(f'a[href="/forums/threads/{thread_id}"]')).to_be_visible()
    _joined(page, f"proposal:{proposal_id}")

    for count, who in enumerate(supporters, start=1):
        supporter = browsers(url)
        supporter.sign_in(who.email)
        path = f"/proposals/{proposal_id}"
        assert supporter.post(f"{path}/support", {}, from_page=path).status_code == 303
        expect(page.locator("#supports-count")).to_have_text(str(count))  # live
    expect(page.locator("#unread-count")).to_have_text("1")  # the threshold notification, live
    page.reload()
    expect(page.locator("#proposal-status")).to_have_text(tr("Threshold reached"))
    screenshot(page, "proposal-threshold")
    page.goto(f"{url}/forums/threads/{thread_id}")
    expect(page.locator(f'a[href="/proposals/{proposal_id}"]')).to_be_visible()
    watched_page.assert_clean(url)
