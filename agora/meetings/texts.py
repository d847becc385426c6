"""How the meetings' notifications read, in the reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agora.i18n import gettext as _
from agora.i18n.formatting import format_datetime
from agora.notifications.texts import register_text


def _moved_up(data: dict[str, Any]) -> str:
    return _("A seat freed up: you are now registered for the meeting “%(title)s”.") % {"title": data.get("title", "")}


def _reminder(data: dict[str, Any]) -> str:
    try:
        when = format_datetime(datetime.fromisoformat(str(data.get("starts_at", ""))), "short")
    except ValueError:
        when = ""
    return _("Reminder: the meeting “%(title)s” is tomorrow, %(when)s.") % {"title": data.get("title", ""),
                                                                            "when": when}


register_text("meeting_moved_up", _moved_up)
register_text("meeting_reminder", _reminder)
