"""What the consultation services refuse, with the HTTP status the API gives it.

`Refused` is a `Problem`, so that a handler that does not catch it answers with the right status and
message (JSON for the API, the error page for pages); forms catch it to show the message in place.
"""

from __future__ import annotations

from typing import Any

from agora.consultations.definition import DefinitionError
from agora.i18n import gettext as _
from agora.web.endpoint import Problem


class Refused(Problem):
    def __init__(self, status: int, code: str, message: str, **detail: Any) -> None:
        super().__init__(status, code, message, detail=detail)


def invalid(error: DefinitionError) -> Refused:
    return Refused(422, "invalid", error.message, field=error.field)


def locked() -> Refused:
    return Refused(409, "locked", _("This consultation is open or closed: nothing in it can change any more."))


def not_open() -> Refused:
    return Refused(409, "not_open", _("This consultation is not open for voting."))


def already_voted() -> Refused:
    return Refused(409, "already_voted", _(
        "You have already voted in this consultation, and it does not allow changing a vote."
    ))


def not_closed() -> Refused:
    return Refused(409, "not_closed", _(
        "The results are published when the consultation closes; nobody sees them before, administrators included."
    ))
