"""Live updates of a referral, in the room `ethics_referral:<id>` (joinable by whoever may read it).

Everyone in the room may read the referral, but not every part of it (the referrer never sees the
committee's notes), so the payload says only that the referral changed and its status: the page
reloads what its reader may see.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

from sqlalchemy.orm import Session

from agora.ethics_committee.models import Referral
from agora.realtime import outbox, rooms


@dataclass(frozen=True)
class ReferralChanged:
    name: ClassVar[str] = "ethics_referral_changed"
    referral: str
    status: str


def referral_changed(db: Session, referral: Referral) -> None:
    event = ReferralChanged(referral.id, referral.status.value)
    outbox.queue(db, rooms.ethics_referral(referral.id), event.name, asdict(event))
