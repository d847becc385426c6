"""The journeys of the ethics committee and of the board, in Debian's Chromium on the demo site, with the
helpers of test_journeys.py: at each step axe-core (no serious or critical violation), the 360 px check
and, at the steps the README's tour shows, a desktop and a phone screenshot (docs/tour/ethics-* and
board-* under `make tour`). Answering a report is also done with the keyboard only."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from agora.ethics_committee import services as ethics
from agora.ethics_committee.models import Referral
from agora.people.models import Person
from agora.reports import services as reports
from agora.web.endpoint import load_principal
from tests.browser.site import Site, demo_site
from tests.browser.test_journeys import assert_no_trap, audit_step, tab, tab_to, tour
from tests.deliberation_support import tr

pytestmark = pytest.mark.browser
CHAIR, BOARD = "ethics@demo.agora.coop", "board@demo.agora.coop"


@pytest.fixture(scope="module")
def site(template_database: str, tmp_path_factory: pytest.TempPathFactory, chromium) -> Iterator[Site]:
    with demo_site(template_database, tmp_path_factory.mktemp("committees"), chromium) as built:
        yield built


def _click(page: Page, name: str, language: str = "fr", step: str | None = None) -> None:
    """Presses a button of the page by its name, then audits the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=tr(name, language), exact=True).click()
    audit_step(page, step or name)


def _principal(db, email: str):  # type: ignore[no-untyped-def]
    return load_principal(db, db.execute(select(Person).where(Person.email == email)).scalar_one())


def _the_rest_of_the_committee_votes_for(site: Site, referral_id: str) -> None:
    with site.database.transaction() as db:
        referral = db.get(Referral, referral_id)
        chair = _principal(db, CHAIR).id
        for person_id in ethics.eligible_voters(db, referral):
            if person_id != chair:
                ethics.cast(db, load_principal(db, db.get(Person, person_id)), referral, "for")


def _report_on_the_desk(site: Site, title: str) -> str:
    """A closed consultation reported to the board by the secretariat: submitted, waiting on the desk."""
    cid = site.open_consultation(title)
    site.close_consultation(cid)
    with site.database.transaction() as db:
        report = reports.create(db, _principal(db, "admin@demo.agora.coop"), "consultation", cid, "fr",
                                {"fr": "Les membres sont partagés ; le CA doit trancher."})
        reports.submit(db, _principal(db, "admin@demo.agora.coop"), report)
        return report.id


def test_ethics_member_from_a_referral_to_the_published_summary(site: Site):
    referrer = site.signed_in_as("member.fr@demo.agora.coop")
    referrer.goto(site.url + "/ethics/referrals/new")
    referrer.locator("#subject").fill("Un client qui impose des heures non déclarées")
    referrer.locator("#question").fill("Un client de la coopérative me demande de travailler au noir le week-end. "
                                       "Que dois-je faire ?")
    tour(referrer, "ethics-1-referral")
    with referrer.expect_navigation():
        referrer.get_by_role("button", name=tr("Send the referral")).click()
    referral_id = referrer.url.rsplit("/", 1)[1]

    page = site.signed_in_as(CHAIR)
    page.goto(f"{site.url}/ethics/referrals/{referral_id}")
    expect(page.locator("#question")).to_contain_text("travailler au noir")
    tour(page, "ethics-2-received")
    _click(page, "Acknowledge receipt")
    expect(page.get_by_role("radio", name=tr("Admissible"), exact=True)).to_be_checked()
    _click(page, "Record the decision")
    _click(page, "Appoint the rapporteur")
    _click(page, "Start the examination")
    page.locator("#draft-text").fill("Le travail non déclaré imposé par un client est contraire à la charte.")
    page.locator("#draft-recommendations").fill("Refuser la demande.\nEn parler au relais de sa région.")
    tour(page, "ethics-3-draft", at="#draft-text")
    _click(page, "Save the draft")
    _click(page, "Open the committee vote")
    _click(page, "For")
    _the_rest_of_the_committee_votes_for(site, referral_id)
    page.reload()
    tour(page, "ethics-4-vote", at="#vote-progress")
    _click(page, "Close the vote")
    expect(page.locator("#vote-result")).to_contain_text(tr("Adopted."))
    _click(page, "Send the opinion to the referrer")
    page.locator("#summary-title").fill("Travail non déclaré demandé par un client")
    page.locator("#summary-text").fill("Un membre a demandé comment répondre à un client qui exige du travail non "
                                       "déclaré. Le comité rappelle que la charte l'interdit.")
    page.locator("#summary-recommendations").fill("Refuser la demande.")
    _click(page, "Save the summary")
    _click(page, "Approve the anonymised summary")
    expect(page.locator("#summary-approved")).to_be_visible()
    tour(page, "ethics-5-approved", at="#opinion-title")
    _click(page, "Publish in the register")
    expect(page.locator("#status")).to_contain_text(tr("summary published"))

    reader = site.signed_in_as("member.nl@demo.agora.coop", locale="nl-BE")
    reader.goto(site.url + "/ethics/register")
    with reader.expect_navigation():
        reader.get_by_role("link", name="Travail non déclaré demandé par un client").click()
    expect(reader.locator("#summary")).to_contain_text("la charte l'interdit")
    expect(reader.locator("main")).not_to_contain_text("week-end")  # the referral itself stays confidential
    tour(reader, "ethics-6-register")


def test_board_member_from_the_desk_to_the_answer_seen_by_members(site: Site):
    report_id = _report_on_the_desk(site, "Een gedeelde repetitieruimte in Gent?")
    page = site.signed_in_as(BOARD, locale="nl-BE")
    page.goto(site.url + "/")
    with page.expect_navigation():
        page.locator('nav a[href="/reports/desk"]').click()
    expect(page.locator(f'#awaiting-acknowledgement tr[data-report="{report_id}"]')).to_be_visible()
    tour(page, "board-1-desk")
    with page.expect_navigation():
        page.locator(f'#awaiting-acknowledgement a[href="/reports/{report_id}"]').click()
    tour(page, "board-2-report")
    _click(page, "Acknowledge receipt", "nl")
    page.locator('#answer-form input[name="decision"][value="postponed"]').check()
    with page.expect_navigation():  # no justification: the refusal is said at the fields, and announced
        page.locator("#answer-form button[type=submit]").click()
    expect(page.locator("#answer-nl")).to_have_attribute("aria-describedby", "form-error")
    expect(page.locator("#answer-nl")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#answer-form #form-error")).to_have_attribute("role", "alert")
    expect(page.locator('#answer-form input[name="decision"][value="postponed"]')).to_be_checked()  # kept
    tour(page, "board-3-answer-error", at="#board-title")
    page.locator("#answer-nl").fill("De raad beslist in juni, na het advies van de regio's.")
    _click(page, "Publish the board's answer", "nl", "answered")
    expect(page.locator("#report-status")).to_have_attribute("class", "status status-answered")

    member = site.signed_in_as("member.fr@demo.agora.coop")
    member.goto(site.url + "/")
    with member.expect_navigation():
        member.locator('nav a[href="/reports"]').click()
    card = member.locator(f'#answered-reports li.card[data-report="{report_id}"]')
    expect(card).to_contain_text("De raad beslist in juni")
    tour(member, "board-4-public-list")
    with member.expect_navigation():
        card.locator("a").click()
    expect(member.locator(".board-response")).to_contain_text("De raad beslist in juni")
    tour(member, "board-5-answer", at=".board-response")


def test_answering_a_report_with_the_keyboard_only(site: Site):
    report_id = _report_on_the_desk(site, "Au clavier : un local partagé à Mons ?")
    page = site.signed_in_as(BOARD, locale="nl-BE")
    page.goto(site.url + "/reports/desk")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab(page)
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    tab_to(page, f'main a[href="/reports/{report_id}"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_no_trap(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab_to(page, "#acknowledge-form button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, 'input[name="decision"]')
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # within the group: the next decision, chosen as it moves
    expect(page.locator('input[name="decision"]:checked')).to_have_count(1)
    chosen = page.locator('input[name="decision"]:checked').get_attribute("value")
    tab_to(page, "#answer-nl")
    page.keyboard.type("Met het toetsenbord beantwoord.")
    tab_to(page, "#answer-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#report-status")).to_have_attribute("class", "status status-answered")
    expect(page.locator(".board-response")).to_contain_text("Met het toetsenbord beantwoord.")
    with site.database.transaction() as db:
        report = reports.get(db, report_id)
        assert report is not None and report.decision is not None and report.decision.value == chosen
    assert re.search(r"/reports/[0-9a-f-]+$", page.url)
