"""Report builders (agora/reports/builders.py): one submitted meeting (`meeting`), and the synthesis
of every submitted local meeting before an assembly (`pre_assembly_synthesis`).

Local positions go into each item's `local_meetings`, never into `remote`: they are advisory and
are reported beside binding results, not added into them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agora import i18n
from agora.i18n import gettext as _
from agora.i18n import lazy_gettext
from agora.meetings import room, synthesis
from agora.meetings.models import (
    CHOICES,
    Assembly,
    Attendance,
    DecisionType,
    Meeting,
    MeetingItem,
    MeetingNote,
    MeetingStatus,
    NoteKind,
)
from agora.meetings.services import is_admin, items_of, may_run, meetings_of_assembly, with_region
from agora.people.models import COLLEGE_KEYS, CollegeKey, Person, Region
from agora.permissions import Principal
from agora.reports.builders import SourceNotFound, SourceNotReady, report_builder
from agora.settings import LANGUAGES

OPTION_LABELS = {"for": lazy_gettext("For"), "against": lazy_gettext("Against"), "abstain": lazy_gettext("Abstain")}
GENERAL_TITLE = lazy_gettext("Other questions and suggestions")


def _in_each_language(message: Any) -> dict[str, str]:
    """A lazily translated message in French, Dutch and German."""
    texts = {}
    for code in LANGUAGES:
        with i18n.language(code):
            texts[code] = str(message)
    return texts


def options() -> list[dict[str, Any]]:
    return [{"key": key, "label": _in_each_language(OPTION_LABELS[key])} for key in CHOICES]


def _statement(note: MeetingNote, meeting_id: str) -> dict[str, Any]:
    return {"text": note.text, "language": note.language, "source": f"meeting:{meeting_id}"}


def _decision(decision: DecisionType) -> dict[str, str]:
    return {} if decision == DecisionType.INFORMATION else {"decision_type": decision.value}


def _load_meeting(db: Session, meeting_id: str) -> Meeting:
    meeting = db.get(Meeting, meeting_id) if meeting_id and len(meeting_id) <= 32 else None
    if meeting is None:
        raise SourceNotFound(meeting_id)
    with_region(db, meeting)
    return meeting


def _attendees(db: Session, meeting_ids: Iterable[str]) -> list[str]:
    ids = list(meeting_ids)
    if not ids:
        return []
    return sorted(set(db.execute(select(Attendance.person_id).where(
        Attendance.meeting_id.in_(ids), Attendance.person_id.is_not(None))).scalars()))  # type: ignore[arg-type]


def _proposals_json(db: Session, meeting_ids: Iterable[str]) -> list[dict[str, Any]]:
    found = []
    for meeting_id in meeting_ids:
        for proposal in room.proposals_of(db, meeting_id):
            found.append({"id": proposal.id, "title": {proposal.language: proposal.title},
                          "supports": proposal.supports_count, "status": proposal.status.value})
    return found


def _electorate(db: Session, region_ids: list[str] | None, college: CollegeKey | None) -> dict[str, Any]:
    """Who could have taken part: everyone active with a voting college (of `region_ids` and `college`
    when given); the figures per region count those who have a region."""
    statement = (select(Person.voting_college, Region.slug, func.count())
                 .outerjoin(Region, Region.id == Person.region_id)
                 .where(Person.active.is_(True), Person.voting_college.is_not(None))
                 .group_by(Person.voting_college, Region.slug))
    if region_ids is not None:
        statement = statement.where(Person.region_id.in_(region_ids))
    if college is not None:
        statement = statement.where(Person.voting_college == college)
    by_college = dict.fromkeys(COLLEGE_KEYS, 0)
    by_region: dict[str, int] = {}
    for voting_college, slug, count in db.execute(statement).all():
        by_college[voting_college.value] += int(count)
        if slug is not None:
            by_region[slug] = by_region.get(slug, 0) + int(count)
    return {"eligible": sum(by_college.values()), "by_college": by_college,
            "by_region": dict(sorted(by_region.items()))}


def _participation(db: Session, meetings: list[Meeting], eligible: int) -> dict[str, Any]:
    by_college = dict.fromkeys(COLLEGE_KEYS, 0)
    by_region: dict[str, int] = {}
    for meeting in meetings:
        for college, count in room.attendance_by_college(db, meeting.id).items():
            by_college[college] += count
            by_region[meeting.region.slug] = by_region.get(meeting.region.slug, 0) + count
    voters = sum(by_college.values())
    # Walk-ins may come from outside the register: the rate never passes 1.
    return {"voters": voters, "rate": min(1.0, voters / eligible) if eligible else 0.0,
            "by_college": by_college, "by_region": dict(sorted(by_region.items()))}


# --- one meeting -----------------------------------------------------------------------------------

def _may_build_meeting(principal: Principal, db: Session, meeting_id: str) -> bool:
    meeting = db.get(Meeting, meeting_id) if meeting_id and len(meeting_id) <= 32 else None
    if meeting is None or principal.person is None:
        return False
    with_region(db, meeting)
    return may_run(principal, meeting)


def _meeting_participants(db: Session, meeting_id: str) -> list[str]:
    return _attendees(db, [meeting_id])


def _meeting_item(item: MeetingItem, entry: dict[str, Any] | None, notes: list[MeetingNote],
                  meeting_id: str) -> dict[str, Any]:
    return {
        "ref": item.ref, "title": dict(item.titles), **_decision(item.decision_type), "question_type": "agenda_item",
        "options": options() if item.asks_position else [],
        "local_meetings": [entry] if entry is not None else [],
        "questions_raised": [_statement(n, meeting_id) for n in notes if n.kind == NoteKind.QUESTION],
        "amendments_suggested": [_statement(n, meeting_id) for n in notes if n.kind == NoteKind.AMENDMENT],
    }


@report_builder("meeting", may_build=_may_build_meeting, participants=_meeting_participants)
def build_meeting(db: Session, meeting_id: str, language: str) -> dict[str, Any]:
    meeting = _load_meeting(db, meeting_id)
    if meeting.status != MeetingStatus.SUBMITTED:
        with i18n.language(language):
            raise SourceNotReady(_("The meeting's report is not submitted yet."))
    present = room.attendance_count(db, meeting.id)
    positions = room.positions(db, meeting.id)
    notes = room.notes_of(db, meeting.id)
    date = synthesis.meeting_date(meeting)
    items = []
    for item in items_of(db, meeting.id):
        entry = None
        if positions.get(item.ref, {}).get("total"):
            position = positions[item.ref]
            entry = {"meeting_id": meeting.id, "region": meeting.region.slug, "date": date, "attendance": present,
                     "counts": position["counts"], "by_college": position["by_college"]}
        items.append(_meeting_item(item, entry, [n for n in notes if n.item_id == item.id], meeting.id))
    general = [n for n in notes if n.item_id is None]
    if general:
        items.append({"ref": "general", "title": _in_each_language(GENERAL_TITLE),
                      "question_type": "agenda_item", "options": [], "local_meetings": [],
                      "questions_raised": [_statement(n, meeting.id) for n in general if n.kind == NoteKind.QUESTION],
                      "amendments_suggested": [_statement(n, meeting.id) for n in general
                                               if n.kind == NoteKind.AMENDMENT]})
    electorate = _electorate(db, [meeting.region_id], meeting.college)
    with i18n.language(language):
        title = _("Local meeting “%(title)s”, %(region)s, %(date)s") % {
            "title": meeting.title, "region": meeting.region.name(language), "date": date}
    sources = [{"type": "meeting", "id": meeting.id, "url": f"/meetings/{meeting.id}"}]
    if meeting.assembly_id:
        sources.append({"type": "assembly", "id": meeting.assembly_id, "url": f"/assemblies/{meeting.assembly_id}"})
    return {"title": {language: title}, "sources": sources, "items": items, "electorate": electorate,
            "participation": _participation(db, [meeting], electorate["eligible"]),
            "proposals": _proposals_json(db, [meeting.id])}


# --- the synthesis before an assembly --------------------------------------------------------------

def _may_build_synthesis(principal: Principal, db: Session, assembly_id: str) -> bool:
    """The secretariat sends the synthesis to the board (relays report their own meetings)."""
    if not is_admin(principal) or not assembly_id or len(assembly_id) > 32:
        return False
    return db.get(Assembly, assembly_id) is not None


def _synthesis_participants(db: Session, assembly_id: str) -> list[str]:
    return _attendees(db, [m.id for m in meetings_of_assembly(db, assembly_id) if m.status == MeetingStatus.SUBMITTED])


@report_builder("pre_assembly_synthesis", may_build=_may_build_synthesis, participants=_synthesis_participants)
def build_synthesis(db: Session, assembly_id: str, language: str) -> dict[str, Any]:
    assembly = db.get(Assembly, assembly_id) if assembly_id and len(assembly_id) <= 32 else None
    if assembly is None:
        raise SourceNotFound(assembly_id)
    found = synthesis.build(db, assembly)
    if not found.reported:
        with i18n.language(language):
            raise SourceNotReady(_("No local meeting of this assembly has submitted its report yet."))
    items = [{
        "ref": entry.item.ref, "title": dict(entry.item.titles), **_decision(entry.item.decision_type),
        "question_type": "agenda_item", "options": options() if entry.item.decision_type != DecisionType.INFORMATION
        else [], "local_meetings": [local.as_json() for local in entry.local_meetings],
        "questions_raised": [_statement(n, n.meeting_id) for n in entry.questions],
        "amendments_suggested": [_statement(n, n.meeting_id) for n in entry.amendments],
    } for entry in found.items]
    electorate = _electorate(db, None, None)
    with i18n.language(language):
        title = _("Synthesis of the local meetings before “%(assembly)s”") % {"assembly": assembly.title(language)}
    sources = ([{"type": "assembly", "id": assembly.id, "url": f"/assemblies/{assembly.id}"}]
               + [{"type": "meeting", "id": m.id, "url": f"/meetings/{m.id}"} for m in found.reported]
               + [{"type": "meeting_not_reported", "id": m.id, "url": f"/meetings/{m.id}"} for m in found.not_reported])
    return {"title": {language: title}, "sources": sources, "items": items, "electorate": electorate,
            "participation": _participation(db, found.reported, electorate["eligible"]),
            "proposals": _proposals_json(db, [m.id for m in found.reported])}
