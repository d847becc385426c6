"""Live state of a meeting, in the room `meeting:<id>` (joinable by whoever may read the meeting).

One event, `meeting_state`, carries what every screen of the room shows (attendees' phones, the
projector, the relay's view): the current item, the attendance and the live counts of every item.
Local positions are indicative and stated openly in the room, so everyone in it may see them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from agora.permissions import Principal
from agora.realtime import outbox, rooms
from agora.realtime.server import room_rule

room = rooms.meeting


@dataclass(frozen=True)
class MeetingState:
    name: ClassVar[str] = "meeting_state"
    meeting: str
    status: str
    current_item: str | None
    current_titles: dict[str, str]
    attendance: int
    quorum: int | None
    positions: dict[str, Any]  # ref -> {"mode", "counts", "by_college", "total"}


def state_changed(db: Session, meeting_id: str) -> None:
    from agora.meetings.room import live_state

    state = live_state(db, meeting_id)
    outbox.queue(db, room(meeting_id), state.name, asdict(state))


@room_rule("meeting")
def _may_join(db: Session, principal: Principal, meeting_id: str) -> bool:
    from agora.meetings.models import Meeting
    from agora.meetings.services import may_read, with_region

    meeting = db.get(Meeting, meeting_id) if len(meeting_id) <= 32 else None
    if meeting is None:
        return False
    with_region(db, meeting)
    return may_read(principal, meeting)
