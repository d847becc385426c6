"""A referral to the ethics committee seen through Debian's Chromium, from submission to the published
anonymised summary: the referrer submits with an attachment, is told live when the committee acts, and
the chair takes the referral through the workflow by clicking, up to the register."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from agora.ethics_committee import committee, services
from agora.ethics_committee.models import Referral
from agora.people.models import Person
from agora.web.endpoint import load_principal
from tests.browser.conftest import Watched, screenshot
from tests.deliberation_support import tr
from tests.realtime.conftest import LiveServer, people

pytestmark = pytest.mark.browser


def _sign_in(page: Page, url: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(url + "/signin")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill("correct horse battery")
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()


def _click(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=tr(name)).click()


def _committee(live_server: LiveServer) -> tuple[object, ...]:
    admin, chair, member, other, referrer = people(live_server.database, ["admin"], [], [], [], [])
    with live_server.database.transaction() as db:
        principal = load_principal(db, db.get(Person, admin.id))  # type: ignore[arg-type]
        for someone, category in ((chair, "members"), (member, "permanents"), (other, "clients")):
            appointed = committee.appoint(db, principal, someone.email, category)
            if someone is chair:
                committee.make_chair(db, principal, appointed.id)
    return chair, member, referrer


def test_from_submission_to_a_published_summary(live_server: LiveServer, watched_page: Watched, browsers,
                                                tmp_path) -> None:
    url, page = live_server.url, watched_page.page
    chair, member, referrer = _committee(live_server)

    # the referrer submits, with an attachment
    _sign_in(page, url, referrer.email)  # type: ignore[attr-defined]
    page.goto(url + "/ethics")
    expect(page.locator("#representation-warning")).to_be_visible()  # partners are missing
    page.get_by_role("link", name=tr("Refer a question to the committee")).click()
    page.locator("#subject").fill("Travail gratuit pour un client")
    page.locator("#question").fill("Un client me demande une journée d'essai non payée. Est-ce acceptable ?")
    document = tmp_path / "contexte.txt"
    document.write_text("Le client s'appelle Dupont SA.", encoding="utf-8")
    page.locator("#attachment").set_input_files(str(document))
    screenshot(page, "ethics-referral-form")
    _click(page, "Send the referral")
    expect(page.locator("#status")).to_contain_text(tr("received"))
    expect(page.get_by_role("link", name="contexte.txt")).to_be_visible()
    referral_id = page.url.rsplit("/", 1)[1]
    page.wait_for_function("() => window.agoraSocket !== undefined && window.agoraSocket.connected")

    # the chair acknowledges from another browser: the referrer's page says so, live
    chair_http = browsers(url)
    chair_http.sign_in(chair.email)  # type: ignore[attr-defined]
    path = f"/ethics/referrals/{referral_id}"
    assert chair_http.post(f"{path}/acknowledge", {}, from_page=path).status_code == 303
    expect(page.locator("#live-notice")).to_be_visible()

    # the chair takes it through the workflow in Chromium
    _sign_in(page, url, chair.email)  # type: ignore[attr-defined]
    page.goto(url + path)
    expect(page.locator("#question")).to_contain_text("journée d'essai")
    _click(page, "Record the decision")
    _click(page, "Appoint the rapporteur")
    _click(page, "Start the examination")
    page.locator("#note-body").fill("Vérifier la charte, article 4.")
    _click(page, "Add the note")
    page.locator("#draft-text").fill("Le travail d'essai utilisé par un client doit être rémunéré.")
    page.locator("#draft-recommendations").fill("Rémunérer toute journée d'essai.")
    _click(page, "Save the draft")
    _click(page, "Open the committee vote")
    page.get_by_role("button", name=tr("For"), exact=True).click()
    page.wait_for_load_state()
    with live_server.database.transaction() as db:  # a second member votes (a majority of the three)
        referral = db.get(Referral, referral_id)
        services.cast(db, load_principal(db, db.get(Person, member.id)), referral, "for")  # type: ignore[arg-type, attr-defined]
    page.reload()
    expect(page.locator("#vote-progress")).to_contain_text("2")
    _click(page, "Close the vote")
    expect(page.locator("#vote-result")).to_contain_text(tr("Adopted."))
    _click(page, "Send the opinion to the referrer")
    _click(page, "Publish in the register")  # before the chair approved a summary: refused, with the reason
    expect(page.locator(".form-error")).to_contain_text(
        tr("The chair has not approved the anonymised summary yet: it cannot be published."))
    page.goto(url + path)
    page.locator("#summary-title").fill("Journées d'essai non rémunérées")
    page.locator("#summary-text").fill("Un membre a demandé si un client pouvait exiger une journée d'essai "
                                       "gratuite. Le comité estime que tout travail utilisé doit être payé.")
    page.locator("#summary-recommendations").fill("Rémunérer toute journée d'essai.")
    _click(page, "Save the summary")
    _click(page, "Approve the anonymised summary")
    screenshot(page, "ethics-referral-chair")
    _click(page, "Publish in the register")
    expect(page.locator("#status")).to_contain_text(tr("summary published"))

    # the register shows the anonymised position to any signed-in cooperator, and nothing confidential
    _sign_in(page, url, member.email)  # type: ignore[attr-defined]
    page.goto(url + "/ethics/register")
    page.get_by_role("link", name="Journées d'essai non rémunérées").click()
    expect(page.locator("#summary")).to_contain_text("tout travail utilisé doit être payé")
    expect(page.locator("main")).not_to_contain_text("Dupont")
    expect(page.locator("main")).not_to_contain_text("journée d'essai non payée")
    screenshot(page, "ethics-register-entry")
    with live_server.database.transaction() as db:
        assert db.execute(select(Referral.status).where(Referral.id == referral_id)).scalar_one().value == "published"
    # the one refusal above is expected: Chromium reports any 4xx page load in its console
    expected = [e for e in watched_page.console_errors if "409 (Conflict)" in e and f"{path}/publish" in e]
    assert len(expected) == 1
    watched_page.console_errors = [e for e in watched_page.console_errors if e not in expected]
    watched_page.assert_clean(url)
