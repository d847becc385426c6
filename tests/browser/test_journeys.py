"""Journeys in Debian's Chromium on the demo site, one per person of DESIGN.md "Who uses it" that exists
so far, with screenshots (desktop and 360 px phone) for the README's tour; the same core steps with the
keyboard only (skip link, visible focus, no trap) and with JavaScript switched off.

Screenshots go to test-artifacts/tour/; with AGORA_UPDATE_TOUR=1 (`make tour`) to docs/tour/, committed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.audit import BLOCKING, describe, overflow_at_phone_width, run_axe
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.site import Site, demo_site
from tests.deliberation_support import tr

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
TOUR = ROOT / ("docs/tour" if os.environ.get("AGORA_UPDATE_TOUR") == "1" else "test-artifacts/tour")
DEMO_PASSWORD = "demo-agora-2026"
CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$")


@pytest.fixture(scope="module")
def site(template_database: str, tmp_path_factory: pytest.TempPathFactory, chromium) -> Iterator[Site]:
    with demo_site(template_database, tmp_path_factory.mktemp("journeys"), chromium) as built:
        yield built


def audit_step(page: Page, name: str) -> None:
    blocking = [describe(v) for v in run_axe(page) if v["impact"] in BLOCKING]
    assert blocking == [], f"{name}: " + "\n".join(blocking)
    assert overflow_at_phone_width(page) is None, f"{name}: {overflow_at_phone_width(page)}"


def tour(page: Page, name: str, at: str | None = None) -> None:
    """The screen of a desktop (1280 × 800) and of a 360 px phone, at the top of the page or scrolled to
    the element `at` (what one sees at that step). Each step is audited as the pages of the audit are:
    some states (a ballot, its errors, a tracking code) only show to a voter in the middle of a journey."""
    audit_step(page, name)
    TOUR.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size or DESKTOP
    for label, size in [("desktop", DESKTOP), ("phone", PHONE)]:
        page.set_viewport_size(size)
        if at:
            page.locator(at).first.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(TOUR / f"{name}-{label}.png"), animations="disabled", scale="css")
    page.set_viewport_size(before)


# --- keyboard ------------------------------------------------------------------------------------

FOCUS_SHOWN = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) { return null; }
    const style = getComputedStyle(el);
    const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== "none";
    const box = el.getBoundingClientRect();
    return {ring: ring, tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
            text: (el.textContent || el.value || "").trim().slice(0, 40), onscreen: box.width > 0 && box.height > 0};
}"""


def tab(page: Page, *, back: bool = False) -> dict | None:
    """One press of Tab (or Shift+Tab); what has the focus now, and whether the focus is visible."""
    page.keyboard.press("Shift+Tab" if back else "Tab")
    focused = page.evaluate(FOCUS_SHOWN)
    if focused is not None:
        assert focused["ring"], f"no visible focus on {focused}"
        assert focused["onscreen"], f"the focus is on something not shown: {focused}"
    return focused


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Tab forward until `selector` has the focus; fails if it is never reached (unreachable or a trap)."""
    for _ in range(limit):
        tab(page)
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def assert_no_trap(page: Page, limit: int = 400) -> None:
    """Tab goes through every focusable element of the page and then out of it: nothing holds the focus."""
    focusable = page.evaluate("""() => [...document.querySelectorAll(
        'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, [tabindex="0"]')]
        .filter(el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden").length""")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    seen = 0
    for _ in range(limit):
        if tab(page) is None:  # past the last element: the focus left the page
            break
        seen += 1
    else:
        raise AssertionError(f"the focus never left the page in {limit} presses of Tab")
    radios_grouped = page.evaluate("""() => {
        const names = [...document.querySelectorAll('input[type=radio]')].map(r => r.name);
        return names.length - new Set(names).size;
    }""")  # a radio group is one stop of Tab
    assert seen >= focusable - radios_grouped, f"only {seen} of {focusable - radios_grouped} elements take the focus"


def test_skip_link_goes_to_the_content(site: Site):
    page = site.page("nl", signed_in=True)
    page.goto(site.url + "/proposals")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    first = tab(page)
    assert first is not None and first["tag"] == "a"
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the skip link is off screen when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    focused = tab(page)
    assert focused is not None
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_voting_with_the_keyboard_only(site: Site):
    cid = site.open_consultation("Au clavier : un local de répétition partagé ?")
    page = site.signed_in_as("member.nl@demo.agora.coop")
    page.goto(f"{site.url}/consultations/{cid}")
    assert_no_trap(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab_to(page, 'input[name="answer-q1"]')
    page.keyboard.press("ArrowDown")  # within the group: from "yes" to "no", checked as it moves
    expect(page.locator('input[name="answer-q1"][value="no"]')).to_be_checked()
    tab_to(page, "#rank-q2-thu")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#rank-q2-thu")).to_have_value("1")
    tab_to(page, '#ballot button[type="submit"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".tracking-code-large")).to_have_text(CODE)


def test_posting_with_the_keyboard_only(site: Site):
    page = site.signed_in_as("member.de@demo.agora.coop")
    page.goto(site.url + "/forums")
    tab_to(page, "main a[href^='/forums/']:not([href='/forums/spaces/new'])")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "main a[href^='/forums/threads/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_no_trap(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab_to(page, "textarea[name='body']")
    page.keyboard.type("Mit der Tastatur geschrieben.")
    tab_to(page, "form:has(textarea[name='body']) button[type='submit']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Mit der Tastatur geschrieben.")


def _planned_meeting(site: Site) -> str:
    """The demo's next planned meeting (Antwerpen), open to every member's registration."""
    from sqlalchemy import select

    from agora.meetings.models import Meeting, MeetingStatus

    with site.database.session(write=False) as db:
        return db.execute(select(Meeting.id).where(Meeting.status == MeetingStatus.PLANNED)
                          .order_by(Meeting.starts_at)).scalars().first()


def test_registering_for_a_meeting_with_the_keyboard_only(site: Site):
    mid = _planned_meeting(site)
    page = site.signed_in_as("member.nl@demo.agora.coop", locale="nl-BE")
    page.goto(site.url + "/meetings")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab(page)
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")  # over the navigation, into the content
    assert page.evaluate("() => document.activeElement.id") == "main"
    tab_to(page, f"main a[href='/meetings/{mid}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_no_trap(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab_to(page, "#registration button[type='submit']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#my-registration")).to_have_text(tr("You are registered.", "nl"))
    tab_to(page, "#registration button[type='submit']")  # the same place now cancels
    expect(page.locator("#registration button[type='submit']")).to_have_text(tr("Cancel my registration", "nl"))


# --- live regions ------------------------------------------------------------------------------

def test_live_announcements_are_polite_and_never_a_flood(site: Site):
    page = site.page("fr", signed_in=True)
    page.goto(site.url + "/")
    region = page.locator("#live-announcer")
    expect(region).to_have_attribute("aria-live", "polite")
    page.evaluate("() => ['un', 'deux', 'trois'].forEach(window.agora.announce)")  # a burst of three events
    expect(region).to_have_text("trois")  # said once, the latest
    page.evaluate("() => window.agora.announce('quatre')")
    page.wait_for_timeout(1500)
    expect(region).to_have_text("trois")  # too soon after the last one: it waits
    expect(region).to_have_text("quatre", timeout=6000)


# --- without JavaScript --------------------------------------------------------------------------

def test_read_vote_post_and_support_without_javascript(site: Site):
    cid = site.open_consultation("Sans JavaScript : un local de répétition partagé ?")
    page = site.signed_in_as("member.fr@demo.agora.coop", java_script_enabled=False)
    assert page.evaluate("() => 1") == 1  # evaluate still runs: the page's own scripts do not
    page.goto(f"{site.url}/consultations/{cid}")
    assert page.evaluate("() => window.agoraSocket === undefined && typeof window.htmx === 'undefined'")
    page.locator('input[name="answer-q1"][value="yes"]').check()
    page.locator("#rank-q2-wed").select_option("1")
    with page.expect_navigation():
        page.locator('#ballot button[type="submit"]').click()
    expect(page.locator(".tracking-code-large")).to_have_text(CODE)

    page.goto(site.url + "/proposals")
    with page.expect_navigation():
        page.get_by_role("link", name="Un fonds pour le matériel de scène partagé").click()
    count = int(page.locator("#supports-count").get_attribute("data-supports") or "0")
    with page.expect_navigation():
        page.get_by_role("button", name=tr("Support this proposal")).click()
    expect(page.locator("#supports-count")).to_have_attribute("data-supports", str(count + 1))
    expect(page.locator("#supports")).to_contain_text(tr("You support this proposal."))

    page.goto(site.url + "/forums")
    page.locator("main a[href^='/forums/']").first.click()
    page.locator("main a[href^='/forums/threads/']").first.click()
    page.locator("textarea[name='body']").fill("Écrit sans JavaScript.")
    with page.expect_navigation():
        page.locator("form:has(textarea[name='body']) button[type='submit']").click()
    expect(page.locator("main")).to_contain_text("Écrit sans JavaScript.")


def test_registering_for_a_meeting_without_javascript(site: Site):
    mid = _planned_meeting(site)
    page = site.signed_in_as("member.de@demo.agora.coop", locale="de-BE", java_script_enabled=False)
    page.goto(site.url + "/meetings")
    assert page.evaluate("() => window.agoraSocket === undefined && typeof window.htmx === 'undefined'")
    with page.expect_navigation():
        page.locator(f"main a[href='/meetings/{mid}']").first.click()
    with page.expect_navigation():
        page.get_by_role("button", name=tr("Register", "de")).click()
    expect(page.locator("#my-registration")).to_have_text(tr("You are registered.", "de"))
    with page.expect_navigation():
        page.get_by_role("button", name=tr("Cancel my registration", "de")).click()
    expect(page.locator("#my-registration")).to_have_count(0)
    expect(page.get_by_role("button", name=tr("Register", "de"))).to_be_visible()


# --- journeys with screenshots -------------------------------------------------------------------

def test_cooperator_from_invitation_to_vote_to_tracking_code(site: Site):
    cid = site.open_consultation("Un local de répétition partagé à Liège ?")
    page = site.new_context().new_page()
    page.goto(f"{site.url}/invitation/{site.invitation}")
    expect(page.locator("h1")).to_contain_text("Nouvelle Venue")
    page.locator("#password").fill("un mot de passe solide")
    page.locator("#confirmation").fill("un mot de passe different")
    page.get_by_role("button", name=tr("Save my password")).click()
    expect(page.locator("#password")).to_have_attribute("aria-describedby", "password-error")
    expect(page.locator("#password-error")).to_have_attribute("role", "alert")
    tour(page, "1-invitation-error")
    page.locator("#password").fill("un mot de passe solide")
    page.locator("#confirmation").fill("un mot de passe solide")
    with page.expect_navigation():
        page.get_by_role("button", name=tr("Save my password")).click()
    tour(page, "2-home")

    with page.expect_navigation():
        page.locator(f'main a[href="/consultations/{cid}"]').click()
    page.wait_for_function("() => window.agoraSocket !== undefined && window.agoraSocket.connected")
    tour(page, "3-ballot")
    page.get_by_role("link", name=tr("Go to my ballot")).click()  # phone first: one tap to the ballot
    expect(page).to_have_url(re.compile("#vote-title$"))
    tour(page, "3-ballot-form", at="#vote-title")
    with page.expect_navigation():  # nothing chosen: the errors are tied to their questions
        page.locator('#ballot button[type="submit"]').click()
    expect(page.locator("#question-q1")).to_have_attribute("aria-describedby", "error-q1")
    expect(page.locator("#error-q1")).to_have_attribute("role", "alert")
    audit_step(page, "ballot with errors")
    page.locator('input[name="answer-q1"][value="yes"]').check()
    page.locator("#rank-q2-mon").select_option("1")
    page.locator("#rank-q2-thu").select_option("2")
    with page.expect_navigation():
        page.locator('#ballot button[type="submit"]').click()
    code = page.locator(".tracking-code-large").inner_text()
    assert CODE.match(code)
    tour(page, "4-voted")

    site.close_consultation(cid)
    page.goto(f"{site.url}/consultations/{cid}/results")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    tour(page, "5-results", at=".question-result")
    page.goto(f"{site.url}/consultations/{cid}/tracking-codes")
    page.locator("#code").fill(code)
    with page.expect_navigation():
        page.locator('form[role="search"] button').click()
    expect(page.locator("table.tracking-codes tbody tr")).to_have_count(1)
    expect(page.locator("table.tracking-codes tbody tr").first).to_contain_text(code)
    tour(page, "6-tracking-code")


def test_moderator_handles_a_flag(site: Site):
    reader = site.signed_in_as("member.fr@demo.agora.coop")
    reader.goto(site.url + "/forums")
    reader.get_by_role("link", name=re.compile("Entraide")).first.click()
    reader.get_by_role("link", name="Un atelier de réparation d'outils ?").click()
    flag_link = reader.locator("a[href^='/moderation/flag?type=forum_post']").last
    with reader.expect_navigation():
        flag_link.click()
    reader.locator("#reason").fill("Hors sujet : ce message parle d'autre chose.")
    with reader.expect_navigation():
        reader.locator("main form button[type='submit']").click()

    page = site.signed_in_as("moderator@demo.agora.coop", locale="nl-BE")
    page.goto(site.url + "/moderation")
    reported = page.locator("#flagged-title").locator("..")
    expect(reported).to_contain_text("Hors sujet")
    tour(page, "7-moderation-queue")
    with page.expect_navigation():
        reported.get_by_role("link", name=tr("Hide", "nl")).first.click()
    page.locator("#reason").fill("Niet over het onderwerp van deze draad.")
    tour(page, "8-moderation-act")
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    page.goto(site.url + "/moderation/log")
    expect(page.locator("main")).to_contain_text("Niet over het onderwerp van deze draad.")
    tour(page, "9-moderation-log")


def test_relay_from_a_new_meeting_to_its_report(site: Site):
    """A relay creates a meeting, checks people in at the door, moves the room through the agenda, enters
    the room's counts, writes the minutes and submits the report; each step audited."""
    from datetime import timedelta

    from agora.db import utcnow
    from agora.i18n.formatting import to_brussels

    page = site.signed_in_as("relay.liege@demo.agora.coop")
    page.goto(site.url + "/meetings")
    with page.expect_navigation():
        page.locator("main a[href='/meetings/new']").click()
    start = to_brussels(utcnow() + timedelta(days=3)).replace(hour=19, minute=0, second=0, microsecond=0)
    page.locator("#assembly").select_option(index=1)
    page.locator("#title").fill("Pré-AG à Verviers")
    page.locator("#starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#ends_at").fill(start.replace(hour=17).strftime("%Y-%m-%dT%H:%M"))  # before it starts
    page.locator("#address").fill("Maison des associations, Verviers")
    page.locator("#quorum").fill("3")
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    expect(page.locator("#ends_at")).to_have_attribute("aria-describedby", "form-error")
    expect(page.locator("#form-error")).to_have_attribute("role", "alert")
    tour(page, "10-meeting-form-error", at="#form-error")
    page.locator("#ends_at").fill(start.replace(hour=21).strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.locator("main form button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/meetings/\w+/run$"))

    for name, college in [("Léa Dupont", "members"), ("Karim Haddad", "members"), ("Sofie Maes", "clients")]:
        page.locator("#walkin-name").fill(name)
        page.locator("#walkin-college").select_option(college)
        with page.expect_navigation():
            page.get_by_role("button", name=tr("Check in the walk-in")).click()
    expect(page.locator("#attendance-count")).to_have_text("3")
    tour(page, "11-meeting-check-in")
    with page.expect_navigation():
        page.locator("#item-r1 form[action$='/current'] button").click()
    expect(page.locator("#item-r1")).to_have_attribute("aria-current", "step")
    page.locator("#item-r1 summary").click()
    page.locator("#counts-r1-members-for").fill("3")  # one more than the members present: refused
    with page.expect_navigation():
        page.locator("#item-r1 form.counts-form button[type='submit']").click()
    expect(page.locator("#counts-r1-members-for")).to_have_attribute("aria-describedby", "counts-error-r1")
    audit_step(page, "counts refused")
    page.locator("#counts-r1-members-for").fill("1")
    page.locator("#counts-r1-members-against").fill("1")
    page.locator("#counts-r1-clients-for").fill("1")
    with page.expect_navigation():
        page.locator("#item-r1 form.counts-form button[type='submit']").click()
    expect(page.locator('table[data-counts="r1"] tr[data-total] td[data-choice="for"]')).to_have_text("2")
    expect(page.locator("#counts-chart-r1")).to_be_visible()
    tour(page, "12-meeting-counts", at="#item-r1")
    page.locator("#minutes-text").fill("**Pré-AG de Verviers** : trois présents, les comptes approuvés à deux voix.")
    with page.expect_navigation():
        page.get_by_role("button", name=tr("Save the minutes")).click()
    with page.expect_navigation():
        page.get_by_role("button", name=tr("Submit the meeting report")).click()
    expect(page.locator("#report-locked")).to_be_visible()
    tour(page, "13-meeting-report", at="#report")
