"""One agora filled with the demo data (`agora demo`), served by uvicorn for a whole test module, and
browser pages on it that are reused from test to test: signed out or signed in, in French, Dutch or
German. The accessibility audit and the journeys run on it, so that the data is built once (argon2 and
the demo's ballots are slow on purpose) and each page type costs one navigation."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import uvicorn
from playwright.sync_api import Browser as ChromiumBrowser
from playwright.sync_api import BrowserContext, Page
from sqlalchemy import select

import agora.consultations.demo
import agora.deliberation.demo
import agora.ethics_committee.demo
import agora.meetings.demo
import agora.reports.demo  # noqa: F401 - registers the demo loaders; reports last: they are built from their sources
from agora import demo
from agora.accounts.models import LinkPurpose
from agora.accounts.services import create_link
from agora.app import create_app
from agora.db import Database
from agora.ethics_committee import committee
from agora.ethics_committee import services as ethics
from agora.forums import services as forums
from agora.forums.models import ForumThread
from agora.people.accounts_admin import create_user
from agora.people.models import Person
from agora.settings import Settings
from agora.web.endpoint import load_principal
from tests.browser.conftest import DESKTOP, TIMEOUT_MS
from tests.conftest import PG_URL, TEST_SECRET, _empty_postgres
from tests.realtime.conftest import WAIT, session_cookie

LANGUAGES = ("fr", "nl", "de")
DEMO_PEOPLE = 60  # besides the demo accounts; enough for every page to have rows


@dataclass
class Site:
    url: str
    database: Database
    chromium: ChromiumBrowser
    auditors: dict[str, str]  # language -> id of a signed-in person (admin and moderator) in that language
    invitation: str  # a one-time invitation token, for the invitation page (of "newcomer@example.org")
    settings: Settings
    _pages: dict[tuple[str, bool, bool], Page] = field(default_factory=dict)
    _contexts: list[BrowserContext] = field(default_factory=list)

    def page(self, language: str, *, signed_in: bool, javascript: bool = True) -> Page:
        """The shared page of this language and state (created on first use, kept for the module)."""
        key = (language, signed_in, javascript)
        if key not in self._pages:
            context = self.chromium.new_context(viewport=DESKTOP, locale=f"{language}-BE",
                                                timezone_id="Europe/Brussels", java_script_enabled=javascript)
            context.set_default_timeout(TIMEOUT_MS)
            context.set_default_navigation_timeout(TIMEOUT_MS)
            if signed_in:
                name, value = session_cookie(self.database, self.auditors[language]).split("=", 1)
                context.add_cookies([{"name": name, "value": value, "url": self.url}])
            self._contexts.append(context)
            self._pages[key] = context.new_page()
        return self._pages[key]

    def new_context(self, **options: Any) -> BrowserContext:
        """A fresh context of its own (closed with the site), for journeys that sign in through the form."""
        context = self.chromium.new_context(**{"viewport": DESKTOP, "locale": "fr-BE",
                                               "timezone_id": "Europe/Brussels", **options})
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        return context

    def signed_in_as(self, email: str, **options: Any) -> Page:
        """A page of a fresh context with a session of this person (no sign-in form)."""
        with self.database.session(write=False) as db:
            person_id = db.execute(select(Person.id).where(Person.email == email)).scalar_one()
        context = self.new_context(**options)
        name, value = session_cookie(self.database, person_id).split("=", 1)
        context.add_cookies([{"name": name, "value": value, "url": self.url}])
        return context.new_page()

    def open_consultation(self, title: str) -> str:
        """A new advisory consultation (the demo's, retitled), open now for every account that exists now."""
        from agora.consultations import lifecycle, services
        from agora.consultations.definition import parse
        from agora.consultations.demo import ADVISORY
        from agora.db import utcnow

        now = utcnow().replace(microsecond=0)
        data = {**ADVISORY, "title": {"fr": title, "nl": title, "de": title},
                "opens_at": (now - timedelta(minutes=5)).isoformat(),
                "closes_at": (now + timedelta(days=7)).isoformat()}
        with self.database.transaction() as db:
            admin = db.execute(select(Person).where(Person.email == "admin@demo.agora.coop")).scalar_one()
            other = db.execute(select(Person).where(Person.email == "admin2@demo.agora.coop")).scalar_one()
            made = services.create(db, parse(data, services.defaults(db, self.settings)), admin, self.settings)
            services.approve(db, made, other, now - timedelta(minutes=10))
            lifecycle.open_now(db, made.id, None, now - timedelta(minutes=5))
            return made.id

    def close_consultation(self, consultation_id: str) -> None:
        from agora.consultations import lifecycle
        from agora.db import utcnow

        with self.database.transaction() as db:  # the secretariat's "close now"
            admin = db.execute(select(Person.id).where(Person.email == "admin@demo.agora.coop")).scalar_one()
            lifecycle.close_now(db, consultation_id, admin, utcnow())

    def close(self) -> None:
        for context in self._contexts:
            context.close()


def _database_url(template_database: str, directory: Path) -> str:
    if PG_URL:
        _empty_postgres(template_database)
        return template_database
    target = directory / "site.db"
    shutil.copyfile(template_database.removeprefix("sqlite:///"), target)
    return f"sqlite:///{target}"


def _fill(database: Database) -> tuple[dict[str, str], str]:
    """The demo data, one auditor (admin and moderator) per language, and an invitation link."""
    with mock.patch.dict(os.environ, {"AGORA_SECRET_KEY": TEST_SECRET}):
        demo.load(database, people=DEMO_PEOPLE)
    with database.transaction() as db:
        demo_hash = db.execute(select(Person.password_hash).where(Person.email == demo.DEMO_ACCOUNTS[0][0])
                               ).scalar_one()
        auditors = {}
        for language in LANGUAGES:
            someone = create_user(db, f"audit.{language}@example.org", f"Audit {language.upper()}",
                                  ["admin", "moderator"], None, language=language, region="brussels",
                                  voting_college="members", shares=1, categories="members")
            someone.password_hash = demo_hash
            auditors[language] = someone.id
        newcomer = create_user(db, "newcomer@example.org", "Nouvelle Venue", [], None, language="fr",
                               region="liege", voting_college="members", shares=1, categories="members")
        db.flush()
        token = create_link(db, newcomer, LinkPurpose.INVITATION, timedelta(days=7))
        thread_id = db.execute(select(ForumThread.id).order_by(ForumThread.created_at)).scalars().first()
        for auditor in auditors.values():  # each auditor has a post of their own to edit
            principal = load_principal(db, db.get(Person, auditor))
            forums.reply(db, principal, forums.access_thread(db, principal, thread_id, for_update=True),
                         "Une réponse à relire, *avec* une **mise en forme**.")
        _ethics(db, auditors)
        _meeting_in_progress(db, list(auditors.values()))
    return auditors, token


def _ethics(db: Any, auditors: dict[str, str]) -> None:
    """Each auditor sits on the ethics committee and has a referral under examination: its page shows
    every part a committee member sees (the referral's page is 404 to anyone else)."""
    def demo_principal(email: str) -> Any:
        return load_principal(db, db.execute(select(Person).where(Person.email == email)).scalar_one())

    admin, chair = demo_principal("admin@demo.agora.coop"), demo_principal("ethics@demo.agora.coop")
    for language, auditor in auditors.items():
        person = db.get(Person, auditor)
        committee.appoint(db, admin, person.email, "members")
        principal = load_principal(db, person)
        referral = ethics.submit(db, principal, subject="Une question d'éthique", question="Est-ce acceptable ?",
                                 language=language)
        ethics.send_message(db, principal, referral, "Un message au comité.")
        ethics.acknowledge(db, chair, referral)
        ethics.decide_admissibility(db, chair, referral, "yes", "")
        ethics.assign_rapporteur(db, chair, referral, auditor)
        ethics.start_examination(db, chair, referral)
        ethics.add_note(db, principal, referral, "Une note confidentielle.")


RUNNING_MEETING = "Vorversammlung in Eupen"  # the demo's; the audit finds it in progress


def _meeting_in_progress(db: Any, auditors: list[str]) -> None:
    """The demo's Eupen meeting in progress: the auditors registered and checked in with a walk-in, the
    room on its first agenda item; so the live view shows its vote buttons and the relay's view its counts."""
    from agora.meetings import registrations, room, services
    from agora.meetings.models import Meeting

    relay = load_principal(db, db.execute(select(Person).where(Person.email == "relay.eupen@demo.agora.coop")
                                          ).scalar_one())
    meeting_id = db.execute(select(Meeting.id).where(Meeting.title == RUNNING_MEETING)).scalar_one()
    meeting = services.access_meeting(db, relay, meeting_id, run=True)
    for person_id in auditors:
        registrations.register(db, load_principal(db, db.get(Person, person_id)), meeting)
        room.check_in(db, relay, meeting, person_id=person_id)
    room.check_in(db, relay, meeting, name="Walter Ohne-Anmeldung", college="clients")
    room.set_current(db, relay, meeting, services.items_of(db, meeting.id)[0])


@contextmanager
def serve(settings: Settings, database: Database, sock: Any) -> Iterator[None]:
    server = uvicorn.Server(uvicorn.Config(create_app(settings, database), log_level="warning",
                                           access_log=False, timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-site", daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("uvicorn did not start for the demo site")
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "uvicorn did not stop within 10 s"


@contextmanager
def demo_site(template_database: str, directory: Path, chromium: ChromiumBrowser) -> Iterator[Site]:
    import socket

    url = _database_url(template_database, directory)
    database = Database(url)
    auditors, invitation = _fill(database)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(database_url=url, secret_key=TEST_SECRET, base_url=base, var_dir=directory / "var",
                        redis_url=None)
    site = Site(base, database, chromium, auditors, invitation, settings)
    try:
        with serve(settings, database, sock):
            yield site
            site.close()
    finally:
        sock.close()
        database.dispose()
