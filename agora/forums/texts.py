"""How forum notifications read, in the reader's language."""

from __future__ import annotations

from typing import Any

from agora.i18n import current_language
from agora.i18n import gettext as _
from agora.notifications.texts import register_text


def _space_name(data: dict[str, Any]) -> str:
    names = data.get("space") or {}
    return str(names.get(current_language()) or names.get("fr") or next(iter(names.values()), ""))


register_text("forum_reply", lambda d: _("New reply in the thread “%(title)s”.") % {"title": d.get("title", "")})
register_text("forum_thread", lambda d: _("New thread “%(title)s” in the space “%(space)s”.")
              % {"title": d.get("title", ""), "space": _space_name(d)})
