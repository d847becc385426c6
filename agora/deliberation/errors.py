"""The one error the deliberation services raise: a refusal with an HTTP status, a code and a message."""

from __future__ import annotations

from agora.i18n import gettext as _


class Refused(Exception):
    """A domain rule refuses an act. `message` is in the reader's language; `field` names the form field."""

    def __init__(self, status: int, code: str, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def not_found() -> Refused:
    return Refused(404, "not_found", _("This page does not exist, or you are not allowed to see it."))


def sign_in_first() -> Refused:
    return Refused(401, "unauthenticated", _("Sign in to take part."))
