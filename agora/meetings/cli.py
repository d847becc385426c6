"""`agora meetings remind`: notify the people registered for a meeting that starts within 24 hours
(once per meeting). The app does the same in the background; this is for cron or a manual run."""

from __future__ import annotations

import argparse
from typing import Any

from agora import cli


@cli.extend
def register(sub: Any) -> None:
    meetings = sub.add_parser("meetings", help="local meetings")
    actions = meetings.add_subparsers(dest="meetings_action", required=True)
    remind = actions.add_parser("remind", help="remind registered people of tomorrow's meetings (once each)")
    remind.set_defaults(func=cmd_remind)


def cmd_remind(args: argparse.Namespace) -> int:
    from agora.db import Database
    from agora.meetings import reminders
    from agora.settings import load_settings

    database = Database(load_settings().database_url)
    try:
        meetings, people, _events = reminders.remind_due(database)
    finally:
        database.dispose()
    print(f"{meetings} meetings reminded, {people} people notified")
    return 0
