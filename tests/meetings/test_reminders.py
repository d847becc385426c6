"""Reminders the day before: once per meeting, to registered people only, from the command line too."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from agora import cli
from agora.db import utcnow
from agora.meetings import reminders
from agora.notifications.models import Notification
from agora.notifications.texts import text_of
from tests.meetings.support import caller, meeting


def _notes(database, person_id: str) -> list[Notification]:
    with database.transaction() as db:
        return list(db.execute(select(Notification).where(Notification.person_id == person_id,
                                                          Notification.kind == "meeting_reminder")).scalars())


def test_registered_people_are_reminded_once_the_day_before(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    registered, waiting, later = caller(database), caller(database), caller(database)
    start = utcnow() + timedelta(hours=20)
    tomorrow = meeting(client, relay, capacity=1, starts_at=start.isoformat(),
                       ends_at=(start + timedelta(hours=2)).isoformat())["id"]
    next_week = meeting(client, relay)["id"]  # in more than 24 hours: not yet
    client.post(f"/api/v1/meetings/{tomorrow}/registration", headers=registered.headers)
    client.post(f"/api/v1/meetings/{tomorrow}/registration", headers=waiting.headers)
    client.post(f"/api/v1/meetings/{next_week}/registration", headers=later.headers)

    meetings, people, events = reminders.remind_due(database)
    assert (meetings, people) == (1, 1)
    assert [event.room for event in events] == [f"person:{registered.id}"]
    notes = _notes(database, registered.id)
    assert len(notes) == 1 and notes[0].url == f"/meetings/{tomorrow}"
    assert "Pré-AG" in text_of(notes[0])
    assert _notes(database, waiting.id) == [] and _notes(database, later.id) == []
    assert reminders.remind_due(database)[:2] == (0, 0)  # once only
    assert reminders.remind_due(database, utcnow() + timedelta(days=1, hours=1))[:2] == (1, 1)  # next week's, later


def test_the_command_reminds(client, database, settings, monkeypatch, capsys):
    relay = caller(database, ["relay:liege"], region="liege")
    person = caller(database)
    start = utcnow() + timedelta(hours=3)
    mid = meeting(client, relay, starts_at=start.isoformat(), ends_at=(start + timedelta(hours=1)).isoformat())["id"]
    client.post(f"/api/v1/meetings/{mid}/registration", headers=person.headers)
    monkeypatch.setenv("AGORA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("AGORA_SECRET_KEY", settings.secret_key)
    assert cli.main(["meetings", "remind"]) == 0
    assert "1 meetings reminded, 1 people notified" in capsys.readouterr().out
    assert len(_notes(database, person.id)) == 1
