"""What the report services refuse, with the HTTP status the API gives it (a `Problem`)."""

from __future__ import annotations

from typing import Any

from agora.i18n import gettext as _
from agora.web.endpoint import Problem


class Refused(Problem):
    def __init__(self, status: int, code: str, message: str, **detail: Any) -> None:
        super().__init__(status, code, message, detail=detail)


def frozen() -> Refused:
    return Refused(409, "frozen", _("This report was submitted: it can no longer change. Make a correction "
                                    "(a new version) instead."))


def not_board() -> Refused:
    return Refused(403, "not_board", _("Only members of the board can acknowledge or answer a report."))


def may_not_build() -> Refused:
    return Refused(403, "forbidden", _("You are not allowed to build a report from this source."))


def wrong_status(message: str) -> Refused:
    return Refused(409, "wrong_status", message)


def invalid(field: str, message: str) -> Refused:
    return Refused(422, "invalid", message, field=field)
