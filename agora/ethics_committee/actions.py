"""Every act on a referral, by name: the same table serves the pages and the API.

Each act takes the referral already fetched *and* authorised by `access.access_referral`, and the
request's fields through `Args` (a form or a JSON object).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from agora.ethics_committee import services
from agora.ethics_committee.models import Referral
from agora.permissions import Principal


class Args(Protocol):
    def get(self, name: str) -> str: ...

    def lines(self, name: str) -> list[str]: ...

    def upload(self, name: str) -> UploadFile | None: ...


class JsonArgs:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def get(self, name: str) -> str:
        value = self.data.get(name, "")
        return str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""

    def lines(self, name: str) -> list[str]:
        value = self.data.get(name, [])
        if isinstance(value, str):
            return value.splitlines()
        return [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def upload(self, name: str) -> UploadFile | None:
        return None


Act = Callable[[Session, Principal, Referral, Args], object]

ACTIONS: dict[str, Act] = {
    "acknowledge": lambda db, p, r, a: services.acknowledge(db, p, r),
    "admissibility": lambda db, p, r, a: services.decide_admissibility(db, p, r, a.get("admissible"), a.get("reason")),
    "rapporteur": lambda db, p, r, a: services.assign_rapporteur(db, p, r, a.get("rapporteur")),
    "examine": lambda db, p, r, a: services.start_examination(db, p, r),
    "note": lambda db, p, r, a: services.add_note(db, p, r, a.get("body")),
    "hearing": lambda db, p, r, a: services.schedule_hearing(db, p, r, a.get("when"), a.get("body")),
    "message": lambda db, p, r, a: services.send_message(db, p, r, a.get("body")),
    "attach": lambda db, p, r, a: services.attach(db, p, r, a.upload("attachment")),
    "recuse": lambda db, p, r, a: services.recuse(db, p, r, a.get("reason")),
    "draft": lambda db, p, r, a: services.save_draft(db, p, r, a.get("text"), a.lines("recommendations")),
    "open-vote": lambda db, p, r, a: services.open_vote(db, p, r),
    "vote": lambda db, p, r, a: services.cast(db, p, r, a.get("choice")),
    "close-vote": lambda db, p, r, a: services.close_vote(db, p, r),
    "send": lambda db, p, r, a: services.send_opinion(db, p, r),
    "summary": lambda db, p, r, a: services.write_summary(
        db, p, r, title=a.get("title"), summary=a.get("summary"), recommendations=a.lines("recommendations"),
        language=a.get("language")),
    "approve-summary": lambda db, p, r, a: services.approve_summary(db, p, r),
    "publish": lambda db, p, r, a: services.publish(db, p, r),
}
