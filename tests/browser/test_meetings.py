"""A local meeting seen through Chromium: a relay runs it from check-in to the submitted report while
two attendees, each in their own browser session, follow the current item, vote from their phones
and watch the live counts move (agora/static/js/meeting.js over Socket.IO)."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PHONE, TIMEOUT_MS, Watched, screenshot
from tests.conftest import PASSWORD
from tests.deliberation_support import tr
from tests.meetings.support import caller, meeting_body
from tests.realtime.conftest import WAIT, LiveServer, people

pytestmark = pytest.mark.browser


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/signin")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()


def _phone(chromium) -> tuple[BrowserContext, Page]:
    context = chromium.new_context(viewport=PHONE, locale="fr-BE", timezone_id="Europe/Brussels")
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _connected(page: Page) -> None:
    page.wait_for_function("() => window.agoraSocket !== undefined && window.agoraSocket.connected")


def _total(page: Page, choice: str):
    return page.locator(f'table[data-counts] tr[data-total] td[data-choice="{choice}"]')


def test_a_relay_runs_a_meeting_while_two_attendees_vote(live_server: LiveServer, watched_page: Watched, chromium):
    database, url, relay_page = live_server.database, live_server.url, watched_page.page
    relay = caller(database, ["relay:liege"], password=PASSWORD, region="liege")
    alice, bob = people(database, [], [])
    answer = requests.post(f"{url}/api/v1/meetings", json=meeting_body(local_topics=["Le local de Liège"], quorum=3),
                           headers=relay.headers, timeout=WAIT)
    assert answer.status_code == 201, answer.text
    mid = answer.json()["id"]
    phones = []
    try:
        for who in (alice, bob):  # each registers from their own session
            context, page = _phone(chromium)
            phones.append((context, page))
            _sign_in(page, url, who.email)
            page.goto(f"{url}/meetings/{mid}")
            with page.expect_navigation():
                page.get_by_role("button", name=tr("Register")).click()
            expect(page.locator("#my-registration")).to_have_text(tr("You are registered."))
        (_alice_context, alice_page), (_bob_context, bob_page) = phones

        _sign_in(relay_page, url, relay.email)
        relay_page.goto(f"{url}/meetings/{mid}/run")
        for who in (alice, bob):  # check-in at the door
            with relay_page.expect_navigation():
                relay_page.locator(f'form:has(input[name="person"][value="{who.id}"]) button').click()
        expect(relay_page.locator("#attendance-count")).to_have_text("2")

        for page in (alice_page, bob_page):
            page.goto(f"{url}/meetings/{mid}/live")
            expect(page.locator("#live-notice")).to_be_visible()
            _connected(page)
        expect(alice_page.locator("#quorum")).to_have_text(tr("quorum: %(quorum)s", quorum="3"))
        relay_page.locator("#walkin-name").fill("Zoé Sans-Inscription")
        with relay_page.expect_navigation():
            relay_page.get_by_role("button", name=tr("Check in the walk-in")).click()
        for page in (alice_page, bob_page):  # attendance and quorum, live
            expect(page.locator("#attendance-count")).to_have_text("3")
            expect(page.locator("#quorum")).to_have_text(tr("quorum reached (%(quorum)s)", quorum="3"))
        # said once through the page's one polite region; the attendance itself changes silently
        expect(alice_page.locator("[aria-live]")).to_have_count(1)
        expect(alice_page.locator("#live-announcer")).to_have_attribute("aria-live", "polite")
        expect(alice_page.locator("#live-announcer")).to_have_text(tr("quorum reached (%(quorum)s)", quorum="3"))
        _connected(relay_page)
        with relay_page.expect_navigation():
            relay_page.locator('#item-local-1 form[action$="/current"] button').click()
        for page in (alice_page, bob_page):  # their pages follow the room to the item, without a click
            expect(page.locator("#current-item")).to_have_text("Le local de Liège")
            expect(page.locator("#live-announcer")).to_have_text(  # and say where it is, once
                tr("The room moved on to: %(title)s", title="Le local de Liège"))
        _connected(relay_page)

        _connected(alice_page)
        with alice_page.expect_navigation():
            alice_page.get_by_role("button", name=tr("For")).click()
        expect(_total(alice_page, "for")).to_have_text("1")
        _connected(alice_page)
        expect(_total(bob_page, "for")).to_have_text("1")  # live on Bob's phone
        expect(_total(relay_page, "for")).to_have_text("1")  # and on the relay's view
        with bob_page.expect_navigation():
            bob_page.get_by_role("button", name=tr("Against")).click()
        expect(_total(alice_page, "against")).to_have_text("1")  # live on Alice's phone
        expect(_total(relay_page, "against")).to_have_text("1")
        for page in (alice_page, relay_page):  # the picture beside the counts follows them, silently
            bar = page.locator('[id^="counts-chart-"] g[data-key="members"]')
            expect(bar.locator("rect[data-bar]")).to_have_attribute("width", "118")  # half of 236: one for of two
            expect(page.locator('[id^="counts-chart-"] desc')).to_contain_text(
                f"{tr('For')} 1, {tr('Against')} 1, {tr('Abstain')} 0")
        expect(alice_page.locator("#live-announcer")).not_to_contain_text("1")  # counts are never announced
        screenshot(alice_page, "meeting-live")
        screenshot(relay_page, "meeting-run")

        with relay_page.expect_navigation():
            relay_page.get_by_role("button", name=tr("Submit the meeting report")).click()
        expect(relay_page.locator("#report-locked")).to_be_visible()
        for page in (alice_page, bob_page):  # the phones learn that the meeting is over
            expect(page.locator("#live-notice")).to_have_text(tr("The meeting is over and its report was submitted."))
        watched_page.assert_clean(url)
    finally:
        for context, _page in phones:
            context.close()
