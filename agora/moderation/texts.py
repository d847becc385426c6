"""How moderation notifications read, and how each kind of content is named in the public log."""

from __future__ import annotations

from typing import Any

from agora.i18n import gettext as _
from agora.moderation import registry
from agora.notifications.texts import register_text


def kind_label(name: str) -> str:
    kind = registry.get(name)
    return kind.label() if kind is not None else name


def _hidden(data: dict[str, Any]) -> str:
    return _("Moderation hid something you wrote (%(what)s). Reason: %(reason)s") % {
        "what": kind_label(data.get("what", "")), "reason": data.get("reason", "")}


def _restored(data: dict[str, Any]) -> str:
    return _("Moderation restored something you wrote (%(what)s). Reason: %(reason)s") % {
        "what": kind_label(data.get("what", "")), "reason": data.get("reason", "")}


def _approved(data: dict[str, Any]) -> str:
    return _("Moderation published something you wrote that was waiting for review (%(what)s).") % {
        "what": kind_label(data.get("what", ""))}


def _rejected(data: dict[str, Any]) -> str:
    return _("Moderation refused something you wrote that was waiting for review (%(what)s). Reason: %(reason)s") % {
        "what": kind_label(data.get("what", "")), "reason": data.get("reason", "")}


register_text("moderation_hide", _hidden)
register_text("moderation_restore", _restored)
register_text("moderation_approve", _approved)
register_text("moderation_reject", _rejected)
