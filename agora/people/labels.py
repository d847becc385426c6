"""The colleges' short names, in the reader's language (results, reports, meeting counts)."""

from __future__ import annotations

from agora.i18n import gettext as _


def college_names() -> dict[str, str]:
    return {"members": _("Members"), "permanents": _("Permanents"), "clients": _("Clients"),
            "partners": _("Partners")}
