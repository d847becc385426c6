"""Proposals and forums seen through Debian's Chromium: a person goes from a forum thread to a proposal
that reaches its threshold while they watch, new posts appear live in the thread (agora/static/js/
deliberation.js), and no XSS payload of the corpus runs, even with the Content-Security-Policy bypassed
(so that the sanitising and the escaping are tested on their own, not hidden behind the CSP)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, TIMEOUT_MS, Watched, screenshot
from tests.deliberation_support import (
    make_proposal,
    make_space,
    make_thread,
    moderation_settings,
    people,
    reply_as,
    set_threshold,
    tr,
)
from tests.realtime.conftest import LiveServer
from tests.xss_corpus import PAYLOADS

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


def test_no_payload_runs_in_chromium_even_without_the_csp(live_server: LiveServer, chromium):
    database, url = live_server.database, live_server.url
    moderation_settings(database, rate_limit_posts=1000)
    author, reader = people(database, [], [])
    make_space(database)
    for n, payload in enumerate(PAYLOADS):
        title = " ".join(payload.split())[:200]
        make_proposal(database, author, title=title if len(title) >= 3 else f"{title} {n}", body=payload)
        thread_id = make_thread(database, author, title=title if len(title) >= 3 else f"{title} {n}", body=payload)
        reply_as(database, reader, thread_id, payload)
    assert CHROMIUM.exists()
    context = chromium.new_context(bypass_csp=True, locale="fr-BE")
    context.set_default_timeout(TIMEOUT_MS)
    ran: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda dialog: (ran.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: ran.append(f"{page.url}: error {error}"))
    try:
        page.set_content("<img src=x onerror=\"alert('canary')\">")  # the detector itself can fail
        page.wait_for_timeout(200)
        assert [entry.split(": ", 1)[1] for entry in ran] == ["canary"]
        ran.clear()
        _sign_in(page, url, reader.email)
        from sqlalchemy import select

        from agora.forums.models import ForumThread
        from agora.proposals.models import Proposal

        with database.session(write=False) as db:
            proposal_ids = list(db.execute(select(Proposal.id)).scalars())
            thread_ids = list(db.execute(select(ForumThread.id)).scalars())
        paths = ["/proposals", "/proposals?page=2", "/forums/general", "/notifications", "/moderation/log",
                 *[f"/proposals/{i}" for i in proposal_ids], *[f"/forums/threads/{i}" for i in thread_ids]]
        for path in paths:
            page.goto(url + path, wait_until="load")
            page.mouse.move(5, 5)
            page.mouse.move(400, 300)  # hover payloads (onmouseover) get their chance
        assert len(paths) >= 2 * len(PAYLOADS)
    finally:
        context.close()
    assert ran == []
