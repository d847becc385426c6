"""JSON shapes of assemblies, meetings and the synthesis (the API's answers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from agora.meetings import registrations, room, services
from agora.meetings.models import Assembly, Meeting
from agora.meetings.synthesis import Synthesis
from agora.permissions import Principal


def assembly_json(db: Session, assembly: Assembly, *, agenda: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {"id": assembly.id, "title": assembly.titles, "starts_at": assembly.starts_at.isoformat(),
                            "places": assembly.places, "convocation": assembly.convocations,
                            "url": f"/assemblies/{assembly.id}"}
    if agenda:
        data["items"] = [{"ref": item.ref, "decision_type": item.decision_type.value, "title": item.titles,
                          "text": item.texts} for item in services.agenda_of(db, assembly.id)]
        data["documents"] = [{"id": document.id, "title": document.title, "filename": stored.filename,
                              "size": stored.size, "sha256": stored.sha256,
                              "url": f"/assemblies/{assembly.id}/documents/{document.id}"}
                             for document, stored in services.documents_of(db, assembly.id)]
    return data


def _status(status: Any) -> str | None:
    return status.value if status is not None else None


def meeting_json(db: Session, principal: Principal, meeting: Meeting, *, brief: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": meeting.id, "kind": meeting.kind.value, "status": meeting.status.value, "title": meeting.title,
        "region": meeting.region.slug, "assembly": meeting.assembly_id,
        "college": meeting.college.value if meeting.college else None,
        "starts_at": meeting.starts_at.isoformat(), "ends_at": meeting.ends_at.isoformat(),
        "address": meeting.address, "online_url": meeting.online_url, "languages": meeting.language_list,
        "capacity": meeting.capacity, "waiting_list": meeting.waiting_list, "quorum": meeting.quorum,
        "registered": registrations.registered_count(db, meeting.id),
        "my_registration": _status(registrations.status_of(db, meeting.id, principal.id)),
        "url": f"/meetings/{meeting.id}", "ics": f"/meetings/{meeting.id}.ics",
    }
    if brief:
        return data
    current = next((i for i in services.items_of(db, meeting.id) if i.id == meeting.current_item_id), None)
    data.update({
        "description": meeting.description, "publish_at": meeting.publish_at.isoformat(),
        "items": [{"ref": item.ref, "title": item.titles, "decision_type": item.decision_type.value,
                   "mode": item.mode.value, "agenda_item": item.agenda_item_id}
                  for item in services.items_of(db, meeting.id)],
        "current_item": current.ref if current else None,
        "attendance": room.attendance_count(db, meeting.id),
        "positions": room.positions(db, meeting.id),
        "minutes_html": meeting.minutes_html,
        "submitted_at": meeting.submitted_at.isoformat() if meeting.submitted_at else None,
        "addenda": [{"id": a.id, "text_html": a.text_html, "created_at": a.created_at.isoformat()}
                    for a in room.addenda_of(db, meeting.id)],
        "proposals": [{"id": p.id, "title": p.title, "url": f"/proposals/{p.id}"}
                      for p in room.proposals_of(db, meeting.id)],
    })
    return data


def synthesis_json(found: Synthesis) -> dict[str, Any]:
    return {
        "assembly": found.assembly.id,
        "attendance": {"total": found.total_attendance, "by_region": found.attendance},
        "items": [{
            "ref": entry.item.ref, "title": entry.item.titles, "decision_type": entry.item.decision_type.value,
            "total": entry.total, "by_region": entry.by_region, "by_college": entry.by_college,
            "local_meetings": [local.as_json() for local in entry.local_meetings],
            "questions": [{"text": n.text, "language": n.language, "meeting": n.meeting_id} for n in entry.questions],
            "amendments": [{"text": n.text, "language": n.language, "meeting": n.meeting_id} for n in entry.amendments],
        } for entry in found.items],
        "reported": [{"id": m.id, "region": m.region.slug, "title": m.title, "starts_at": m.starts_at.isoformat()}
                     for m in found.reported],
        "not_reported": [{"id": m.id, "region": m.region.slug, "title": m.title, "starts_at": m.starts_at.isoformat(),
                          "status": m.status.value} for m in found.not_reported],
    }
