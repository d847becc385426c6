"""How proposal notifications read, in the reader's language."""

from __future__ import annotations

from typing import Any

from agora.i18n import gettext as _
from agora.notifications.texts import register_text


def decision_label(decision: str) -> str:
    labels = {
        "accepted": _("accepted"),
        "rejected": _("rejected"),
        "partly_accepted": _("partly accepted"),
        "postponed": _("postponed"),
    }
    return labels.get(decision, decision)


def _title(data: dict[str, Any]) -> str:
    return str(data.get("title", ""))


register_text("proposal_threshold", lambda d: _("The proposal “%(title)s” has reached its threshold of "
                                                "%(threshold)s supports.") % {"title": _title(d),
                                                                              "threshold": d.get("threshold", "")})
register_text("proposal_on_agenda", lambda d: _("The proposal “%(title)s” is on the agenda: %(note)s")
              % {"title": _title(d), "note": d.get("note", "")})
register_text("proposal_sent_to_board", lambda d: _("The proposal “%(title)s” was sent to the board: %(note)s")
              % {"title": _title(d), "note": d.get("note", "")})
register_text("proposal_answered", lambda d: _("The board answered the proposal “%(title)s”: %(decision)s.")
              % {"title": _title(d), "decision": decision_label(str(d.get("decision", "")))})
register_text("proposal_withdrawn", lambda d: _("The proposal “%(title)s” was withdrawn by its author.")
              % {"title": _title(d)})
register_text("proposal_amendment", lambda d: _("Someone proposed an amendment to your proposal “%(title)s”.")
              % {"title": _title(d)})
register_text("amendment_accepted", lambda d: _("Your amendment to “%(title)s” was accepted.") % {"title": _title(d)})
register_text("amendment_declined", lambda d: _("Your amendment to “%(title)s” was declined: %(reason)s")
              % {"title": _title(d), "reason": d.get("reason", "")})
register_text("proposal_comment", lambda d: _("New comment on the proposal “%(title)s”.") % {"title": _title(d)})
