"""The synthesis before an assembly: every submitted local meeting's positions per agenda item, with
sums by region and by college, attendance, questions and amendments, and the meetings not yet
reported. Local positions are advisory: this module never touches a consultation's ballots.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from agora.i18n.formatting import to_brussels
from agora.meetings import room
from agora.meetings.models import CHOICES, AgendaItem, Assembly, Meeting, MeetingNote, MeetingStatus, NoteKind
from agora.meetings.services import agenda_of, items_of, meetings_of_assembly
from agora.people.models import COLLEGE_KEYS


def _zero() -> dict[str, int]:
    return dict.fromkeys(CHOICES, 0)


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for choice in CHOICES:
        into[choice] += counts.get(choice, 0)


@dataclass
class LocalEntry:
    meeting_id: str
    region: str
    date: str
    attendance: int
    counts: dict[str, int]
    by_college: dict[str, dict[str, int]]

    def as_json(self) -> dict[str, Any]:
        return {"meeting_id": self.meeting_id, "region": self.region, "date": self.date,
                "attendance": self.attendance, "counts": self.counts, "by_college": self.by_college}


@dataclass
class ItemSynthesis:
    item: AgendaItem
    local_meetings: list[LocalEntry] = field(default_factory=list)
    by_region: dict[str, dict[str, int]] = field(default_factory=dict)
    by_college: dict[str, dict[str, int]] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=_zero)
    questions: list[MeetingNote] = field(default_factory=list)
    amendments: list[MeetingNote] = field(default_factory=list)


@dataclass
class Synthesis:
    assembly: Assembly
    items: list[ItemSynthesis]
    reported: list[Meeting]
    not_reported: list[Meeting]
    attendance: dict[str, int]  # by region slug
    regions: list[str]  # slugs of the regions with a submitted meeting, sorted

    @property
    def total_attendance(self) -> int:
        return sum(self.attendance.values())


def meeting_date(meeting: Meeting) -> str:
    return to_brussels(meeting.starts_at).date().isoformat()


def build(db: Session, assembly: Assembly) -> Synthesis:
    agenda = agenda_of(db, assembly.id)
    meetings = meetings_of_assembly(db, assembly.id)
    reported = [m for m in meetings if m.status == MeetingStatus.SUBMITTED]
    items = {item.id: ItemSynthesis(item) for item in agenda}
    attendance: dict[str, int] = defaultdict(int)
    for meeting in reported:
        present = room.attendance_count(db, meeting.id)
        attendance[meeting.region.slug] += present
        _add_meeting(db, meeting, present, items)
    for entry in items.values():
        entry.by_region = dict(sorted(entry.by_region.items()))
        entry.by_college = {key: entry.by_college[key] for key in COLLEGE_KEYS if key in entry.by_college}
    return Synthesis(assembly, [items[item.id] for item in agenda], reported,
                     [m for m in meetings if m.status != MeetingStatus.SUBMITTED], dict(sorted(attendance.items())),
                     sorted({m.region.slug for m in reported}))


def _add_meeting(db: Session, meeting: Meeting, present: int, items: dict[str, ItemSynthesis]) -> None:
    positions = room.positions(db, meeting.id)
    meeting_items = items_of(db, meeting.id)
    local_to_agenda = {item.id: item.agenda_item_id for item in meeting_items}
    for item in meeting_items:
        if item.agenda_item_id not in items or not positions.get(item.ref, {}).get("total"):
            continue  # no position stated on this item in this meeting
        position = positions[item.ref]
        target = items[item.agenda_item_id]
        target.local_meetings.append(LocalEntry(meeting.id, meeting.region.slug, meeting_date(meeting), present,
                                                dict(position["counts"]), {k: dict(v) for k, v in
                                                                           position["by_college"].items()}))
        _add(target.by_region.setdefault(meeting.region.slug, _zero()), position["counts"])
        for college, counts in position["by_college"].items():
            _add(target.by_college.setdefault(college, _zero()), counts)
        _add(target.total, position["counts"])
    for note in room.notes_of(db, meeting.id):
        agenda_id = local_to_agenda.get(note.item_id or "")
        if agenda_id in items:
            bucket = items[agenda_id].questions if note.kind == NoteKind.QUESTION else items[agenda_id].amendments
            bucket.append(note)
