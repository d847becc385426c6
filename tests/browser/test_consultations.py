"""A remote consultation seen through Chromium: a voter votes, watches participation move live,
changes their vote, the scheduler closes the consultation on time, and they find their tracking code
in the published list with their final answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import update

from agora.consultations import schedule
from agora.consultations.models import Consultation
from agora.db import utcnow
from agora.i18n import gettext, language
from tests.browser.conftest import Watched, screenshot
from tests.consultations.support import ANSWERS, caller, definition
from tests.realtime.conftest import WAIT, LiveServer, people

pytestmark = pytest.mark.browser
API = "/api/v1/consultations"


@pytest.fixture
def fast_ticks(monkeypatch):
    monkeypatch.setattr(schedule, "TICK_SECONDS", 0.2)


def _api(server: LiveServer, method: str, path: str, who, json=None):
    response = requests.request(method, f"{server.url}{API}{path}", json=json, headers=who.headers, timeout=WAIT)
    assert response.status_code < 300, response.text
    return response.json()


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/signin")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill("correct horse battery")
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()


def _fill_ballot(page: Page, q1: str) -> None:
    page.locator(f'input[name="answer-q1"][value="{q1}"]').check()
    page.locator('input[name="answer-q2"][value="b"]').check()
    page.locator('input[name="answer-q3"][value="a"]').check()
    page.locator('input[name="answer-q3"][value="c"]').check()
    page.locator("#rank-q4-c").select_option("1")
    page.locator("#rank-q4-a").select_option("2")
    page.locator("#rank-q4-b").select_option("3")
    page.locator("#amount-q5-a").fill("60")
    page.locator("#amount-q5-b").fill("40")


def test_vote_change_close_and_find_the_tracking_code(fast_ticks, live_server: LiveServer, watched_page: Watched):
    database, url, page = live_server.database, live_server.url, watched_page.page
    (voter,) = people(database, [])
    admin, other, neighbour = caller(database, roles=["admin"]), caller(database, roles=["admin"]), caller(database)
    cid = _api(live_server, "POST", "", admin, definition(allow_change=True))["id"]
    _api(live_server, "POST", f"/{cid}/approve", other)
    _api(live_server, "POST", f"/{cid}/open", admin)

    _sign_in(page, url, voter.email)
    home = page.locator("#consultations-title").locator("..")
    expect(home.locator(f'a[href="/consultations/{cid}"]')).to_be_visible()
    home.locator(f'a[href="/consultations/{cid}"]').click()
    expect(page.locator("main h1")).to_contain_text("Affectation du résultat")
    page.wait_for_function("() => window.agoraSocket !== undefined && window.agoraSocket.connected")
    voters_count = page.locator('#participation [data-count="voters"]')
    expect(voters_count).to_have_text("0")
    _api(live_server, "POST", f"/{cid}/ballot", neighbour, {"answers": ANSWERS})
    expect(voters_count).to_have_text("1")  # live, without reloading
    expect(page.locator('#participation tr[data-college="members"] [data-count="college"]')).to_have_text("1")
    bar = page.locator('#participation svg[role=img] g[data-key="members"] rect[data-bar]')
    expect(bar).not_to_have_attribute("width", "0")  # the picture moves with the table (agora/charts)
    expect(page.locator("#participation svg desc")).to_contain_text("%")
    screenshot(page, "consultation-ballot")

    _fill_ballot(page, "yes")
    with page.expect_navigation():
        page.locator("#ballot button[type=submit]").click()
    code = page.locator(".tracking-code-large").inner_text()
    assert len(code) == 19
    screenshot(page, "consultation-voted")

    page.goto(f"{url}/consultations/{cid}")
    expect(page.locator("main")).to_contain_text(code)
    expect(page.locator('input[name="answer-q1"][value="yes"]')).to_be_checked()
    page.locator('input[name="answer-q1"][value="no"]').check()
    with page.expect_navigation():
        page.locator("#ballot button[type=submit]").click()
    expect(page.locator(".tracking-code-large")).to_have_text(code)

    # The close happens on time, by the scheduler, while the voter is looking at the page.
    page.goto(f"{url}/consultations/{cid}")
    page.wait_for_function("() => window.agoraSocket !== undefined && window.agoraSocket.connected")
    with database.transaction() as db:
        db.execute(update(Consultation).where(Consultation.id == cid)
                   .values(closes_at=utcnow() + timedelta(milliseconds=300)))
    expect(page.locator("#participation [data-live-status]")).to_be_visible()

    page.goto(f"{url}/consultations/{cid}/results")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    screenshot(page, "consultation-results")
    page.goto(f"{url}/consultations/{cid}/tracking-codes")
    page.locator("#code").fill(code.lower())
    with page.expect_navigation():
        page.locator('form[role="search"] button').click()
    rows = page.locator("table.tracking-codes tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(code)
    with language("fr"):
        final = gettext("no")
    expect(rows.first.locator("td").first).to_have_text(final)  # the changed answer, not the first one
    screenshot(page, "consultation-tracking-codes")
    watched_page.assert_clean(url)
