"""From a closed consultation to the board's answer, seen by a member, through Chromium: the secretariat
builds and submits the report, a board member acknowledges and answers it from the desk, a member who
voted is notified and reads the answer in the public list."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, Watched, screenshot
from tests.consultations.support import ANSWERS, caller, definition
from tests.realtime.conftest import WAIT, LiveServer

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def _api(server: LiveServer, path: str, who, json=None):
    response = requests.post(f"{server.url}/api/v1{path}", json=json, headers=who.headers, timeout=WAIT)
    assert response.status_code < 300, response.text
    return response.json()


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/signin")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()


def _sign_out(page: Page) -> None:
    with page.expect_navigation():
        page.locator('form[action="/signout"] button').click()


def test_from_a_closed_consultation_to_the_boards_answer(live_server: LiveServer, watched_page: Watched):
    database, url, page = live_server.database, live_server.url, watched_page.page
    admin = caller(database, roles=["admin"], password=PASSWORD)
    approver = caller(database, roles=["admin"])
    board = caller(database, roles=["board_member"], password=PASSWORD)
    member = caller(database, password=PASSWORD)
    cid = _api(live_server, "/consultations", admin, definition())["id"]
    _api(live_server, f"/consultations/{cid}/approve", approver)
    _api(live_server, f"/consultations/{cid}/open", admin)
    _api(live_server, f"/consultations/{cid}/ballot", member, {"answers": ANSWERS})
    _api(live_server, f"/consultations/{cid}/close", admin)

    # The secretariat builds the report, writes its summary and submits it.
    _sign_in(page, url, admin.email)
    page.goto(f"{url}/reports/new?kind=consultation&source={cid}")
    with page.expect_navigation():
        page.locator("#new-report-form button[type=submit]").click()
    expect(page.locator("#report-status")).to_have_attribute("class", "status status-draft")
    expect(page.locator('table.counts[data-item="q1"] tr[data-option="yes"] td[data-total]')).to_have_text("1")
    page.locator("#summary-fr").fill("Les membres approuvent l'affectation.")
    with page.expect_navigation():
        page.locator("#draft-form button[type=submit]").click()
    with page.expect_navigation():
        page.locator("#submit-form button[type=submit]").click()
    expect(page.locator("#report-status")).to_have_attribute("class", "status status-submitted")
    report_url = page.url
    digest = page.locator("#report-sha256").inner_text()
    assert len(digest) == 64
    _sign_out(page)

    # A board member finds it on the desk, acknowledges it and answers.
    _sign_in(page, url, board.email)
    page.locator('nav a[href="/reports/desk"]').click()
    page.locator(f'#awaiting-acknowledgement a[href="{report_url.removeprefix(url)}"]').click()
    with page.expect_navigation():
        page.locator("#acknowledge-form button").click()
    page.locator('#answer-form input[name="decision"][value="accepted"]').check()
    page.locator("#answer-fr").fill("Le CA suit la position des membres.")
    screenshot(page, "report-board-answer")
    with page.expect_navigation():
        page.locator("#answer-form button[type=submit]").click()
    expect(page.locator("#report-status")).to_have_attribute("class", "status status-answered")
    expect(page.locator("#report-sha256")).to_have_text(digest)  # the answer does not move the hash
    _sign_out(page)

    # The member who voted is told, and reads the answer among "what the board did with our positions".
    _sign_in(page, url, member.email)
    expect(page.locator("#unread-count")).to_have_text("1")
    page.locator('nav a[href="/reports"]').click()
    card = page.locator("#answered-reports li.card").first
    expect(card).to_be_visible()
    with page.expect_navigation():
        card.locator("a").click()
    expect(page.locator(".board-response")).to_contain_text("Le CA suit la position des membres.")
    expect(page.locator(".board-response")).to_contain_text("Accepté")
    screenshot(page, "report-answered")
    page.set_viewport_size(PHONE)  # the report's wide tables scroll inside the page, the page does not
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    watched_page.assert_clean(url)
