"""How the reports' notifications read, in the reader's language."""

from __future__ import annotations

from typing import Any

from agora.i18n import current_language
from agora.i18n import gettext as _
from agora.notifications.texts import register_text
from agora.reports.render import labels


def _title(data: dict[str, Any]) -> str:
    titles = data.get("title") or {}
    return str(titles.get(current_language()) or next(iter(titles.values()), ""))


def _answered(data: dict[str, Any]) -> str:
    decision = labels()["decision"].get(data.get("decision", ""), data.get("decision", ""))
    return _("The board answered the report “%(title)s”: %(decision)s.") % {"title": _title(data),
                                                                           "decision": decision}


register_text("report_answered", _answered)
