"""Rules for user-written text: trimmed, not empty, not oversized, Markdown cleaned once on the way in."""

from __future__ import annotations

from dataclasses import dataclass

from agora.i18n import gettext as _
from agora.sanitize import render_markdown

TITLE_MAX = 200
BODY_MAX = 20_000
COMMENT_MAX = 5_000
REASON_MAX = 1_000


class TextError(ValueError):
    """A text that cannot be accepted; `field` names the form field, the message is translated."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Rich:
    """Markdown as written, and the HTML cleaned by agora.sanitize (stored side by side)."""

    markdown: str
    html: str


def _normalise(value: str) -> str:
    # Windows line ends and NUL characters never reach the database (PostgreSQL refuses NUL).
    return value.replace("\r\n", "\n").replace("\x00", "").strip()


def title(value: str, field: str = "title", *, minimum: int = 3, maximum: int = TITLE_MAX) -> str:
    value = " ".join(_normalise(value).split())
    if not value:
        raise TextError(field, _("The title must not be empty."))
    if len(value) < minimum:
        raise TextError(field, _("The title is too short (at least %(min)s characters).") % {"min": minimum})
    if len(value) > maximum:
        raise TextError(field, _("The title is too long (%(length)s characters; at most %(max)s).")
                        % {"length": len(value), "max": maximum})
    return value


def rich(value: str, field: str = "body", *, maximum: int = BODY_MAX) -> Rich:
    value = _normalise(value)
    if not value:
        raise TextError(field, _("The text must not be empty."))
    if len(value) > maximum:
        raise TextError(field, _("The text is too long (%(length)s characters; at most %(max)s).")
                        % {"length": len(value), "max": maximum})
    html = render_markdown(value)
    if not html.strip():
        raise TextError(field, _("The text must not be empty."))
    return Rich(value, html)


def reason(value: str, field: str = "reason", *, required: bool = True, maximum: int = REASON_MAX) -> str:
    value = _normalise(value)
    if required and not value:
        raise TextError(field, _("Please give a reason."))
    if len(value) > maximum:
        raise TextError(field, _("The reason is too long (%(length)s characters; at most %(max)s).")
                        % {"length": len(value), "max": maximum})
    return value


def plain_excerpt(markdown: str, length: int = 160) -> str:
    """A one-line plain excerpt of a Markdown text (for lists and moderation queues; escaped when shown)."""
    flat = " ".join(markdown.replace("#", " ").replace("*", " ").replace(">", " ").split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
