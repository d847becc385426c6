"""How each kind of notification reads, in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agora.i18n import current_language
from agora.i18n import gettext as _
from agora.notifications.models import Notification


def _region_name(data: dict[str, Any]) -> str:
    names = data.get("region_names") or {}
    return str(names.get(current_language()) or names.get("fr") or data.get("scope", ""))


def _role_granted(data: dict[str, Any]) -> str:
    return _("You now have the role “%(role)s”.") % {"role": role_label(data.get("role", ""), _region_name(data))}


def _role_removed(data: dict[str, Any]) -> str:
    return _("The role “%(role)s” was removed from your account.") % {
        "role": role_label(data.get("role", ""), _region_name(data))}


def role_label(role: str, region: str = "") -> str:
    labels = {
        "admin": _("administrator (secretariat)"),
        "moderator": _("moderator"),
        "relay": _("regional relay"),
        "ethics_member": _("ethics committee member"),
        "board_member": _("board member"),
        "delegated_administrator": _("delegated administrator"),
    }
    label = labels.get(role, role)
    return _("%(role)s for %(region)s") % {"role": label, "region": region} if region else label


TEXTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "role_granted": _role_granted,
    "role_removed": _role_removed,
}


def register_text(kind: str, text: Callable[[dict[str, Any]], str]) -> None:
    TEXTS[kind] = text


def text_of(note: Notification) -> str:
    render = TEXTS.get(note.kind)
    return render(note.data) if render else _("Something new concerns you.")
