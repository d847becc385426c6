"""Assemblies and meetings: who may do what, creating them, reading them. Never commits.

Relays act for their own region only (`Principal.relay_regions()`); admins for any. A meeting is
visible to signed-in people once its publication time has come, and always to those who run it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from starlette.datastructures import UploadFile

from agora import audit
from agora.db import utcnow
from agora.deliberation.errors import Refused, not_found, sign_in_first
from agora.files import services as files
from agora.files.models import StoredFile
from agora.i18n import gettext as _
from agora.meetings.inputs import AssemblyInput, MeetingInput
from agora.meetings.models import (
    AgendaItem,
    Assembly,
    AssemblyDocument,
    DecisionType,
    Meeting,
    MeetingItem,
    MeetingKind,
    MeetingStatus,
)
from agora.people.models import CollegeKey, Person, Region, Role
from agora.permissions import Principal

MAX_DOCUMENT_BYTES = 10 * files.MEGABYTE


def is_admin(principal: Principal) -> bool:
    return principal.has_role(Role.ADMIN)


def may_manage_region(principal: Principal, region_slug: str) -> bool:
    return is_admin(principal) or region_slug in principal.relay_regions()


def may_create_meetings(principal: Principal) -> bool:
    """The secretariat, and the relays (each for their own region: `create_meeting` checks which)."""
    return is_admin(principal) or bool(principal.relay_regions())


def may_run(principal: Principal, meeting: Meeting) -> bool:
    return may_manage_region(principal, meeting.region.slug)


def may_see_synthesis(principal: Principal) -> bool:
    """The secretariat, the relays and the board read the synthesis before an assembly."""
    return (is_admin(principal) or bool(principal.relay_regions()) or principal.has_role(Role.BOARD_MEMBER)
            or principal.has_role(Role.DELEGATED_ADMINISTRATOR))


def may_read(principal: Principal, meeting: Meeting, now: datetime | None = None) -> bool:
    if principal.person is None or not principal.person.active:
        return False
    return meeting.publish_at <= (now or utcnow()) or may_run(principal, meeting)


def _signed_in(principal: Principal) -> Person:
    if principal.person is None or not principal.person.active:
        raise sign_in_first()
    return principal.person


# --- assemblies ----------------------------------------------------------------------------------

def create_assembly(db: Session, principal: Principal, data: AssemblyInput) -> Assembly:
    person = _signed_in(principal)
    if not is_admin(principal):
        raise Refused(403, "forbidden", _("Only the secretariat prepares a General Assembly."))
    assembly = Assembly(titles=data.titles, convocations=data.convocations, starts_at=data.starts_at,
                        places=data.places, created_by_id=person.id)
    db.add(assembly)
    db.flush()
    for position, item in enumerate(data.items):
        db.add(AgendaItem(assembly_id=assembly.id, ref=item.ref, position=position,
                          decision_type=item.decision_type, titles=item.titles, texts=item.texts))
    db.flush()
    audit.record(db, "assembly.create", actor_id=person.id, target_type="assembly", target_id=assembly.id,
                 items=len(data.items))
    return assembly


def get_assembly(db: Session, principal: Principal, assembly_id: str) -> Assembly:
    _signed_in(principal)
    assembly = db.get(Assembly, assembly_id) if assembly_id and len(assembly_id) <= 32 else None
    if assembly is None:
        raise not_found()
    return assembly


def list_assemblies(db: Session) -> list[Assembly]:
    return list(db.execute(select(Assembly).order_by(Assembly.starts_at.desc())).scalars())


def agenda_of(db: Session, assembly_id: str) -> list[AgendaItem]:
    return list(db.execute(select(AgendaItem).where(AgendaItem.assembly_id == assembly_id)
                           .order_by(AgendaItem.position)).scalars())


def documents_of(db: Session, assembly_id: str) -> list[tuple[AssemblyDocument, StoredFile]]:
    rows = db.execute(select(AssemblyDocument, StoredFile).join(StoredFile, StoredFile.id == AssemblyDocument.file_id)
                      .where(AssemblyDocument.assembly_id == assembly_id).order_by(AssemblyDocument.created_at))
    return [(document, stored) for document, stored in rows]


def attach_document(db: Session, principal: Principal, assembly: Assembly, upload: UploadFile | None,
                    title: str) -> AssemblyDocument:
    """Raises `files.UploadRejected` (translated) for a wrong type, size or missing file."""
    person = _signed_in(principal)
    if not is_admin(principal):
        raise not_found()
    stored = files.accept(db, upload, allowed=(files.PDF,), max_bytes=MAX_DOCUMENT_BYTES, uploaded_by=person.id)
    document = AssemblyDocument(assembly_id=assembly.id, file_id=stored.id,
                                title=(title.strip() or stored.filename)[:200])
    db.add(document)
    db.flush()
    audit.record(db, "assembly.document", actor_id=person.id, target_type="assembly", target_id=assembly.id,
                 file=stored.id, sha256=stored.sha256)
    return document


def document_file(db: Session, principal: Principal, assembly: Assembly, document_id: str) -> StoredFile:
    _signed_in(principal)
    document = db.get(AssemblyDocument, document_id) if len(document_id) <= 32 else None
    if document is None or document.assembly_id != assembly.id:
        raise not_found()
    stored = db.get(StoredFile, document.file_id)
    if stored is None:
        raise not_found()
    return stored


# --- meetings ------------------------------------------------------------------------------------

def _region(db: Session, slug: str) -> Region:
    region = db.execute(select(Region).where(Region.slug == slug, Region.active.is_(True))).scalar_one_or_none()
    if region is None:
        raise Refused(422, "invalid", _("Unknown region: %(region)s.") % {"region": slug}, "region")
    return region


def create_meeting(db: Session, principal: Principal, data: MeetingInput) -> Meeting:
    person = _signed_in(principal)
    region = _region(db, data.region)
    if not may_manage_region(principal, region.slug):
        raise Refused(403, "outside_region", _(
            "You can create meetings for your own region only (%(regions)s).")
            % {"regions": ", ".join(sorted(principal.relay_regions())) or "—"}, "region")
    assembly = None
    if data.assembly_id is not None:
        assembly = db.get(Assembly, data.assembly_id) if len(data.assembly_id) <= 32 else None
        if assembly is None:
            raise Refused(422, "invalid", _("This General Assembly does not exist."), "assembly")
    meeting = Meeting(
        kind=data.kind, assembly_id=assembly.id if assembly else None, region_id=region.id, region=region,
        college=CollegeKey(data.college) if data.college else None, title=data.title,
        description=data.description, starts_at=data.starts_at, ends_at=data.ends_at, address=data.address,
        online_url=data.online_url, languages=",".join(data.languages), capacity=data.capacity,
        waiting_list=data.waiting_list, quorum=data.quorum, publish_at=data.publish_at or utcnow(),
        created_by_id=person.id, status=MeetingStatus.PLANNED,
    )
    db.add(meeting)
    db.flush()
    _add_items(db, meeting, agenda_of(db, assembly.id) if assembly else [], data.local_topics)
    audit.record(db, "meeting.create", actor_id=person.id, target_type="meeting", target_id=meeting.id,
                 region=region.slug, kind=data.kind.value)
    return meeting


def _add_items(db: Session, meeting: Meeting, agenda: Sequence[AgendaItem], topics: Sequence[str]) -> None:
    position = 0
    for item in agenda:
        db.add(MeetingItem(meeting_id=meeting.id, ref=item.ref, position=position, agenda_item_id=item.id,
                           titles=dict(item.titles), decision_type=item.decision_type))
        position += 1
    for number, topic in enumerate(topics, start=1):
        db.add(MeetingItem(meeting_id=meeting.id, ref=f"local-{number}", position=position,
                           titles={meeting.language_list[0]: topic}, decision_type=DecisionType.ORDINARY))
        position += 1
    db.flush()


def access_meeting(db: Session, principal: Principal, meeting_id: str, *, run: bool = False,
                   for_update: bool = False) -> Meeting:
    """The meeting if this person may read it (or run it, with `run`); 404 otherwise, the same for both."""
    _signed_in(principal)
    if not meeting_id or len(meeting_id) > 32:
        raise not_found()
    statement = select(Meeting).where(Meeting.id == meeting_id)
    if for_update:
        statement = statement.with_for_update()
    meeting = db.execute(statement).scalar_one_or_none()
    if meeting is None:
        raise not_found()
    with_region(db, meeting)
    if not may_read(principal, meeting) or (run and not may_run(principal, meeting)):
        raise not_found()
    return meeting


def with_region(db: Session, meeting: Meeting) -> Meeting:
    """Attaches the meeting's region (loaded once, never marked as a change)."""
    set_committed_value(meeting, "region", db.get(Region, meeting.region_id))
    return meeting


def items_of(db: Session, meeting_id: str) -> list[MeetingItem]:
    return list(db.execute(select(MeetingItem).where(MeetingItem.meeting_id == meeting_id)
                           .order_by(MeetingItem.position)).scalars())


def item_by_ref(db: Session, meeting: Meeting, ref: str) -> MeetingItem:
    item = db.execute(select(MeetingItem).where(MeetingItem.meeting_id == meeting.id, MeetingItem.ref == ref)
                      ).scalar_one_or_none()
    if item is None:
        raise Refused(404, "not_found", _("This meeting has no agenda item %(ref)s.") % {"ref": ref[:32]})
    return item


def upcoming(db: Session, principal: Principal, *, region_slug: str = "", kind: str = "",
             limit: int = 100, now: datetime | None = None) -> list[Meeting]:
    now = now or utcnow()
    statement = (select(Meeting).options(joinedload(Meeting.region))
                 .where(Meeting.ends_at >= now - timedelta(hours=12), Meeting.publish_at <= now)
                 .order_by(Meeting.starts_at).limit(limit))
    if region_slug:
        statement = statement.where(Meeting.region_id.in_(select(Region.id).where(Region.slug == region_slug)))
    if kind in {k.value for k in MeetingKind}:
        statement = statement.where(Meeting.kind == MeetingKind(kind))
    return list(db.execute(statement).scalars())


def upcoming_in_region(db: Session, person: Person, limit: int = 5) -> list[Meeting]:
    """The home page's panel: published meetings of the person's region still to come."""
    if person.region_id is None:
        return []
    now = utcnow()
    return list(db.execute(select(Meeting).where(Meeting.region_id == person.region_id, Meeting.publish_at <= now,
                                                 Meeting.ends_at >= now)
                           .order_by(Meeting.starts_at).limit(limit)).scalars())


def for_region_feed(db: Session, region: Region, now: datetime | None = None) -> list[Meeting]:
    now = now or utcnow()
    return list(db.execute(select(Meeting).options(joinedload(Meeting.region))
                           .where(Meeting.region_id == region.id, Meeting.publish_at <= now,
                                  Meeting.ends_at >= now - timedelta(days=90))
                           .order_by(Meeting.starts_at)).scalars())


def run_by(db: Session, principal: Principal) -> list[Meeting]:
    """Meetings this person runs (their regions; every region for admins), not yet submitted first."""
    statement = select(Meeting).options(joinedload(Meeting.region)).order_by(Meeting.starts_at.desc()).limit(100)
    if not is_admin(principal):
        statement = statement.where(Meeting.region_id.in_(
            select(Region.id).where(Region.slug.in_(sorted(principal.relay_regions())))))
    return list(db.execute(statement).scalars())


def meetings_of_assembly(db: Session, assembly_id: str) -> list[Meeting]:
    return list(db.execute(select(Meeting).options(joinedload(Meeting.region))
                           .where(Meeting.assembly_id == assembly_id).order_by(Meeting.starts_at)).scalars())
