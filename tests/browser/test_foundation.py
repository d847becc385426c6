"""The foundation seen through Chromium: sign in through the form, the interface in French, Dutch and
German from the compiled catalogues, a notification counted and announced live, and read in German."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from agora.i18n import gettext, language
from agora.notifications.models import Notification
from agora.notifications.texts import text_of
from tests.browser.conftest import Watched, screenshot
from tests.conftest import PASSWORD
from tests.factories import person
from tests.realtime.conftest import Browser, LiveServer

pytestmark = pytest.mark.browser

# Interface strings that must show in the page: (CSS selector, English msgid). Each one reads differently
# from English in French, Dutch and German (except the pairs in SAME_AS_ENGLISH), so that an untranslated
# catalogue fails the test instead of passing on English.
SAME_AS_ENGLISH = {("fr", "Notifications")}
HOME_STRINGS = [
    ("header .notifications-link", "Notifications"),
    ("header button.link-button", "Sign out"),
    ("#consultations-title", "Open consultations"),
    ("#meetings-title", "Meetings in my region"),
    ("main .lead", "Here is what is happening for you in the cooperative."),
]
LANGUAGE_BUTTONS = {"fr": "Français", "nl": "Nederlands", "de": "Deutsch"}


def translated(code: str, msgid: str) -> str:
    with language(code):
        return gettext(msgid)


def assert_interface_in(page: Page, code: str, *, name: str) -> None:
    """The page is in `code`: <html lang>, the switcher's pressed button, and the visible strings are the
    catalogue's."""
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.locator(f'.language-switcher button[value="{code}"]')).to_have_attribute("aria-pressed", "true")
    for selector, msgid in HOME_STRINGS:
        expected = translated(code, msgid)
        if (code, msgid) not in SAME_AS_ENGLISH:
            assert expected != msgid, f"the {code} catalogue does not translate {msgid!r}: translate it and " \
                                      "run `make translations`"
        expect(page.locator(selector)).to_contain_text(expected)
    with language(code):
        greeting = gettext("Hello %(name)s") % {"name": name}
    expect(page.locator("main h1")).to_have_text(greeting)
    expect(page).to_have_title(f"{translated(code, 'Home')} · agora")


def switch_language(page: Page, code: str) -> None:
    with page.expect_navigation():
        page.locator(".language-switcher").get_by_role("button", name=LANGUAGE_BUTTONS[code]).click()


def test_sign_in_switch_language_and_get_a_live_notification(live_server: LiveServer, browsers, watched_page: Watched):
    with live_server.database.transaction() as db:
        cooperator = person(db, name="Camille Dubois", email="camille@example.org", roles=[])
        person(db, name="Jan Peeters", email="jan@example.org", roles=["admin"])
        cooperator_id = cooperator.id
    page = watched_page.page

    # Signing in through the real form, in French: the browser asks for English, which agora does not
    # offer, and the cooperator's language is French.
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("header").get_by_role("link", name=translated("fr", "Sign in")).click()
    expect(page).to_have_url(live_server.url + "/signin")
    page.get_by_label(translated("fr", "Email address")).fill("camille@example.org")
    page.get_by_label(translated("fr", "Password")).fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=translated("fr", "Sign in")).click()
    expect(page).to_have_url(live_server.url + "/")
    assert_interface_in(page, "fr", name="Camille Dubois")
    expect(page.locator("body")).to_have_attribute("data-person", cooperator_id)

    # The language switcher, to Dutch then German.
    switch_language(page, "nl")
    expect(page).to_have_url(live_server.url + "/")
    assert_interface_in(page, "nl", name="Camille Dubois")
    switch_language(page, "de")
    assert_interface_in(page, "de", name="Camille Dubois")

    # The page stays open and its socket is connected; an admin grants the cooperator a role elsewhere.
    page.wait_for_function("() => window.agoraSocket !== undefined && window.agoraSocket.connected")
    badge = page.locator("#unread-count")
    expect(badge).to_have_text("0")
    expect(page.locator("#live-announcer")).to_be_empty()
    page.evaluate("() => { window.agoraTestSamePage = true; }")  # gone if the page reloads

    admin_http: Browser = browsers(live_server.url)
    admin_http.sign_in("jan@example.org")
    admin_http.grant(cooperator_id, "moderator")

    expect(badge).to_have_text("1")
    expect(badge).to_have_attribute("data-unread", "1")
    expect(page.locator("#live-announcer")).to_have_text(translated("de", "You have a new notification."))
    assert translated("de", "You have a new notification.") != "You have a new notification."
    assert page.evaluate("() => window.agoraTestSamePage") is True, "the page was reloaded"
    screenshot(page, "home")

    # The notifications page, in German.
    with live_server.database.session(write=False) as db:
        note = db.execute(select(Notification).where(Notification.person_id == cooperator_id)).scalar_one()
        assert note.kind == "role_granted"
        with language("de"):
            text = text_of(note)
    msgid = "You now have the role “%(role)s”."
    assert translated("de", msgid) != msgid, "the German catalogue does not translate the notification"
    page.locator("header .notifications-link").click()
    expect(page).to_have_url(live_server.url + "/notifications")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("main h1")).to_have_text(translated("de", "Notifications"))
    items = page.locator("ul.notifications li")
    expect(items).to_have_count(1)
    expect(items.first).to_have_class("unread")
    expect(items.first).to_contain_text(text)
    expect(badge).to_have_text("1")
    screenshot(page, "notifications")

    watched_page.assert_clean(live_server.url)
