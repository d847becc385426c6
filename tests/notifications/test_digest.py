"""The email digest of unread notifications, against a real SMTP server (aiosmtpd on a loopback port)."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from starlette.testclient import TestClient

from agora.app import create_app
from agora.cli import main
from agora.db import utcnow
from agora.notifications import digest
from agora.notifications.models import DigestRun, Notification
from agora.notifications.services import notify
from agora.people.models import Person
from agora.settings import PROJECT_ROOT, SmtpSettings
from tests.conftest import PASSWORD, TEST_SECRET, post_form, sign_in
from tests.factories import person as make_person


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """What the SMTP server received; recipients in `refuse` are answered 550."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    _controller, box = smtp_server
    box.messages.clear()
    box.refuse.clear()
    return box


def _smtp(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, username=None, password=None, sender="agora@example.org",
                        starttls=False)


@pytest.fixture
def mail_settings(settings, smtp_server):
    controller, _box = smtp_server
    return dataclasses.replace(settings, smtp=_smtp(controller.port))


def _people(database, *languages: str, password: str | None = None) -> list[tuple[str, str]]:
    with database.transaction() as db:  # no password by default: hashing one is slow
        return [(p.id, p.email) for p in (make_person(db, language=code, password=password) for code in languages)]


def _notify(database, person_id: str, kind: str = "forum_reply", data=None, url: str = "/forums/threads/t1#post-2"):
    with database.transaction() as db:
        return notify(db, person_id, kind, data if data is not None else {"title": "Budget 2027"}, url).id


def _mailed(database, *ids: str) -> list[bool]:
    with database.session(write=False) as db:
        found = dict(db.execute(select(Notification.id, Notification.mailed_at).where(Notification.id.in_(ids))).all())
    return [found[i] is not None for i in ids]


def _body(message: EmailMessage) -> str:
    return message.get_content()


def test_each_person_gets_one_digest_in_their_language_with_absolute_links(database, mail_settings, mailbox):
    (fr, fr_email), (nl, nl_email), (de, de_email), (other, other_email) = _people(database, "fr", "nl", "de", "fr")
    fr_ids = [_notify(database, fr), _notify(database, fr, "role_granted", {"role": "moderator", "scope": ""},
                                             "/account")]
    nl_ids = [_notify(database, nl)]
    de_ids = [_notify(database, de), _notify(database, de, "no_such_kind", {}, "")]
    read = _notify(database, other)
    with database.transaction() as db:
        db.execute(update(Notification).where(Notification.id == read).values(read_at=utcnow()))

    report = digest.run(mail_settings, database, force=True)

    assert (report.status, report.sent, report.refused) == ("done", 3, 0)
    assert len(mailbox.messages) == 3
    assert mailbox.to(other_email) == []  # their only notification was read in the app

    [fr_mail] = mailbox.to(fr_email)
    assert fr_mail["Subject"] == "2 nouvelles notifications sur agora"
    assert fr_mail["From"] == "agora@example.org"
    assert fr_mail["Auto-Submitted"] == "auto-generated"
    body = _body(fr_mail)
    assert "Nouvelle réponse dans la discussion «\u00a0Budget 2027\u00a0»." in body
    assert "Vous avez désormais le rôle «\u00a0modérateur ou modératrice\u00a0»." in body
    assert "http://testserver/forums/threads/t1#post-2" in body
    assert "http://testserver/account" in body
    assert "<script>" in body  # the (hostile) name as typed: plain text, nothing to escape

    [nl_mail] = mailbox.to(nl_email)
    assert nl_mail["Subject"] == "1 nieuwe melding op agora"
    assert "Nieuw antwoord in de discussie ‘Budget 2027’." in _body(nl_mail)
    assert "U hebt 1 ongelezen melding op agora:" in _body(nl_mail)

    [de_mail] = mailbox.to(de_email)
    assert de_mail["Subject"] == "2 neue Benachrichtigungen auf agora"
    assert "Neue Antwort in der Diskussion „Budget 2027“." in _body(de_mail)
    assert "Es gibt etwas Neues für Sie." in _body(de_mail)  # a kind without its own text
    assert "http://testserver/notifications" in _body(de_mail)  # no url: the notifications page

    assert all(_mailed(database, *fr_ids, *nl_ids, *de_ids))
    assert _mailed(database, read) == [False]


def test_nothing_is_mailed_twice(database, mail_settings, mailbox):
    [(person_id, address)] = _people(database, "fr")
    first = _notify(database, person_id, data={"title": "Premier"})
    assert digest.run(mail_settings, database, force=True).sent == 1

    assert digest.run(mail_settings, database, force=True).sent == 0
    assert len(mailbox.messages) == 1

    second = _notify(database, person_id, data={"title": "Second"})
    assert digest.run(mail_settings, database, force=True).sent == 1
    latest = _body(mailbox.to(address)[-1])
    assert "Second" in latest and "Premier" not in latest
    assert _mailed(database, first, second) == [True, True]


def test_one_run_per_period_and_never_two_at_once(database, mail_settings, mailbox):
    people = _people(database, "fr", "nl", "de", "fr", "nl")
    for person_id, _email in people:
        _notify(database, person_id)

    # Several processes (threads here) at the same moment: each person gets exactly one digest.
    reports: list[digest.Report] = []
    threads = [threading.Thread(target=lambda: reports.append(digest.run(mail_settings, database)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(m["To"] for m in mailbox.messages) == sorted(address for _id, address in people)
    assert sum(r.sent for r in reports) == len(people)
    assert [r.status for r in reports].count("done") == 1

    # The period runs from the last start: not due before AGORA_DIGEST_HOURS, due after.
    _notify(database, people[0][0])
    assert digest.run(mail_settings, database).status == "not_due"
    assert len(mailbox.messages) == len(people)
    with database.session(write=False) as db:
        started = db.get(DigestRun, digest.RUN_ID).last_started_at
    period = timedelta(hours=mail_settings.digest_hours)
    assert digest.claim(database, started + period - timedelta(minutes=1), period) is None
    assert digest.claim(database, started + period, period) is not None


def test_a_run_in_progress_elsewhere_blocks_even_the_command(database, mail_settings, mailbox):
    [(person_id, _address)] = _people(database, "fr")
    note = _notify(database, person_id)
    owner = digest.claim(database, utcnow(), None)
    assert owner is not None
    assert digest.run(mail_settings, database, force=True).status == "busy"
    assert mailbox.messages == [] and _mailed(database, note) == [False]
    # A crashed run's lease expires.
    with database.transaction() as db:
        db.execute(update(DigestRun).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert digest.run(mail_settings, database, force=True).sent == 1


def test_people_who_turned_the_digest_off_get_nothing(client, database, mail_settings, mailbox):
    (off, _off_email), (on, on_email) = _people(database, "fr", "fr", password=PASSWORD)
    with database.session(write=False) as db:
        off_login = db.get(Person, off).email
    sign_in(client, off_login)
    page = client.get("/account")
    assert 'name="email_digest" type="checkbox" value="1" aria-describedby="email-digest-help" checked' in page.text
    response = post_form(client, "/account/digest", {}, from_page="/account")  # the box unticked
    assert response.status_code == 200
    assert "Votre choix a été enregistré." in response.text
    assert "aria-describedby=\"email-digest-help\" checked" not in response.text
    off_note, on_note = _notify(database, off), _notify(database, on)

    assert digest.run(mail_settings, database, force=True).sent == 1
    assert [m["To"] for m in mailbox.messages] == [on_email]
    assert _mailed(database, off_note, on_note) == [False, True]

    assert post_form(client, "/account/digest", {"email_digest": "1"}, from_page="/account").status_code == 200
    with database.session(write=False) as db:
        assert db.get(Person, off).email_digest is True
    assert digest.run(mail_settings, database, force=True).sent == 1
    assert mailbox.messages[-1]["To"] == off_login


def test_the_digest_setting_needs_a_signed_in_person_and_a_csrf_token(client, database):
    assert post_form(client, "/account/digest", {"email_digest": "1"}).status_code == 401
    [(person_id, address)] = _people(database, "fr", password=PASSWORD)
    sign_in(client, address)
    assert client.post("/account/digest", data={}, follow_redirects=False).status_code == 403
    with database.session(write=False) as db:
        assert db.get(Person, person_id).email_digest is True


def test_without_smtp_nothing_is_attempted(database, settings, mailbox, monkeypatch):
    [(person_id, _address)] = _people(database, "fr")
    note = _notify(database, person_id)
    assert settings.smtp is None
    assert digest.run(settings, database, force=True).status == "no_smtp"
    with database.session(write=False) as db:
        assert db.get(DigestRun, digest.RUN_ID) is None  # not even the guard row
    assert mailbox.messages == [] and _mailed(database, note) == [False]

    monkeypatch.setattr(digest, "TICK_SECONDS", 0.01)
    with TestClient(create_app(settings, database)):
        time.sleep(0.3)
    assert mailbox.messages == [] and _mailed(database, note) == [False]


def test_smtp_down_breaks_nothing_and_the_notifications_wait(database, settings, mailbox, caplog):
    people = _people(database, "fr", "nl")
    notes = [_notify(database, person_id) for person_id, _email in people]
    down = dataclasses.replace(settings, smtp=_smtp(_free_port()))  # nothing listens there

    started = time.monotonic()
    report = digest.run(down, database, force=True)
    assert time.monotonic() - started < 5
    assert (report.status, report.sent) == ("smtp_down", 0)
    assert _mailed(database, *notes) == [False, False]
    assert "mail server unavailable" in caplog.text
    # The lease is released: the next run may go ahead as soon as the server is back.
    with database.session(write=False) as db:
        assert db.get(DigestRun, digest.RUN_ID).lease_owner is None


def test_a_refused_recipient_does_not_stop_the_others(database, mail_settings, mailbox):
    (refused, refused_email), (fine, fine_email) = _people(database, "fr", "de")
    mailbox.refuse.add(refused_email)
    notes = [_notify(database, refused), _notify(database, fine)]
    report = digest.run(mail_settings, database, force=True)
    assert (report.status, report.sent, report.refused) == ("done", 1, 1)
    assert [m["To"] for m in mailbox.messages] == [fine_email]
    assert _mailed(database, *notes) == [False, True]  # tried again next period


def test_a_long_digest_lists_the_newest_and_counts_the_rest(database, mail_settings, mailbox):
    [(person_id, address)] = _people(database, "fr")
    for n in range(digest.MAX_LISTED + 2):
        _notify(database, person_id, data={"title": f"Fil {n:03d}"})
    assert digest.run(mail_settings, database, force=True).sent == 1
    body = _body(mailbox.to(address)[0])
    assert body.count("Nouvelle réponse dans la discussion") == digest.MAX_LISTED
    assert "Fil 051" in body and "Fil 000" not in body
    assert "Et 2 notifications plus anciennes." in body
    assert digest.run(mail_settings, database, force=True).sent == 0  # all 52 marked


def test_the_background_task_sends_from_a_worker_thread(database, mail_settings, mailbox):
    [(person_id, address)] = _people(database, "nl")
    note = _notify(database, person_id)

    async def scenario() -> None:
        loop_ticks = 0
        async with digest.running(mail_settings, database, interval=0.01):
            for _ in range(300):
                await asyncio.sleep(0.01)
                loop_ticks += 1  # the event loop keeps turning while the digest is sent
                if mailbox.messages and _mailed(database, note) == [True]:
                    break
        assert loop_ticks > 0

    asyncio.run(scenario())
    assert [m["To"] for m in mailbox.messages] == [address]
    assert _mailed(database, note) == [True]


def test_the_app_starts_the_background_task_when_smtp_is_set(database, mail_settings, mailbox, monkeypatch):
    [(person_id, address)] = _people(database, "de")
    _notify(database, person_id)
    monkeypatch.setattr(digest, "TICK_SECONDS", 0.01)
    with TestClient(create_app(mail_settings, database)):
        for _ in range(300):
            if mailbox.messages:
                break
            time.sleep(0.01)
    assert [m["To"] for m in mailbox.messages] == [address]


@pytest.fixture
def command_env(monkeypatch, settings, tmp_path):
    monkeypatch.setenv("AGORA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("AGORA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("AGORA_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("AGORA_BASE_URL", "https://agora.example")
    monkeypatch.setenv("AGORA_SMTP_FROM", "agora@example.org")
    monkeypatch.setenv("AGORA_SMTP_STARTTLS", "0")
    for name in ("AGORA_SMTP_HOST", "AGORA_SMTP_PORT", "AGORA_REDIS_URL", "AGORA_DIGEST_HOURS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_command_sends_now_and_says_so(database, command_env, smtp_server, mailbox, capsys):
    controller, _box = smtp_server
    [(person_id, address)] = _people(database, "fr")
    note = _notify(database, person_id)

    assert main(["digest", "send"]) == 2  # no SMTP configured
    assert "AGORA_SMTP_HOST is not set" in capsys.readouterr().err
    assert mailbox.messages == []

    command_env.setenv("AGORA_SMTP_HOST", "127.0.0.1")
    command_env.setenv("AGORA_SMTP_PORT", str(_free_port()))
    assert main(["digest", "send"]) == 1  # the server is down
    assert "could not be reached" in capsys.readouterr().err
    assert _mailed(database, note) == [False]

    command_env.setenv("AGORA_SMTP_PORT", str(controller.port))
    assert main(["digest", "send"]) == 0
    assert "1 digests sent" in capsys.readouterr().out
    [message] = mailbox.to(address)
    assert "https://agora.example/forums/threads/t1#post-2" in _body(message)
    assert main(["digest", "send", "--if-due"]) == 0
    assert "not due yet" in capsys.readouterr().out
    assert len(mailbox.messages) == 1


def test_the_texts_of_every_feature_are_loaded_without_the_views():
    code = ("from agora.notifications import digest, texts; digest.load_texts(); "
            "assert {'forum_reply', 'proposal_threshold', 'moderation_hide'} <= set(texts.TEXTS), texts.TEXTS")
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True, timeout=60)
