"""What the meeting pages share: turning a refusal into an answer, loading a meeting, labels."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.responses import Response

from agora.deliberation.errors import Refused
from agora.deliberation.scope import COLLEGE_LABELS
from agora.i18n import lazy_gettext
from agora.meetings import registrations, room, services
from agora.meetings.models import Meeting
from agora.meetings.views import charts
from agora.web.endpoint import Ctx, Problem

KIND_LABELS = {
    "pre_assembly": lazy_gettext("Meeting before the General Assembly"),
    "quarterly": lazy_gettext("Quarterly information meeting"),
    "college": lazy_gettext("Gathering of one college"),
}
DECISION_LABELS = {
    "ordinary": lazy_gettext("Ordinary decision"),
    "extraordinary": lazy_gettext("Extraordinary decision"),
    "information": lazy_gettext("Information only"),
}
CHOICE_LABELS = {"for": lazy_gettext("For"), "against": lazy_gettext("Against"), "abstain": lazy_gettext("Abstain")}
STATUS_LABELS = {"planned": lazy_gettext("Planned"), "running": lazy_gettext("In progress"),
                 "submitted": lazy_gettext("Report submitted")}


class FormValues(dict[str, Any]):
    """What was typed, for a form shown again; a field never typed is empty."""

    def __missing__(self, key: str) -> str:
        return ""


def problem(refused: Refused) -> Problem:
    return Problem(refused.status, refused.code, refused.message)


def labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "decision_labels": DECISION_LABELS, "choice_labels": CHOICE_LABELS,
            "status_labels": STATUS_LABELS, "college_labels": COLLEGE_LABELS}


def load(ctx: Ctx, *, run: bool = False, for_update: bool = False) -> Meeting:
    try:
        return services.access_meeting(ctx.db, ctx.principal, ctx.path_param("meeting_id"), run=run,
                                       for_update=for_update)
    except Refused as refused:
        raise problem(refused) from None


def room_context(ctx: Ctx, meeting: Meeting) -> dict[str, Any]:
    """Everything the meeting's pages show about the room: agenda, current item, attendance, positions."""
    items = services.items_of(ctx.db, meeting.id)
    current = next((item for item in items if item.id == meeting.current_item_id), None)
    return {
        "meeting": meeting, "items": items, "current": current, "positions": room.positions(ctx.db, meeting.id),
        "attendance": room.attendance_count(ctx.db, meeting.id), "may_run": services.may_run(ctx.principal, meeting),
        "registered": registrations.registered_count(ctx.db, meeting.id),
        "my_status": registrations.status_of(ctx.db, meeting.id, ctx.principal.id),
        "my_attendance": room.attendance_of(ctx.db, meeting.id, ctx.principal.id),
        "lang": ctx.language, **labels(),
    }


def current_counts_picture(context: dict[str, Any]) -> Markup | None:
    """The bars of the current item's counts per college, when the room is on an item that asks a position."""
    current = context["current"]
    if current is None or not current.asks_position or context["meeting"].status.value == "submitted":
        return None
    return charts.counts_picture(current.ref, context["positions"][current.ref], COLLEGE_LABELS, CHOICE_LABELS)


def act(ctx: Ctx, meeting: Meeting, operation: Any, *, back: str, render: Any) -> Response:
    """Runs one act; on a refusal shows the page again with the message next to the form."""
    try:
        operation()
    except Refused as refused:
        if refused.status in (401, 404):
            raise problem(refused) from None
        # The error status makes the unit of work roll back whatever was flushed before the refusal.
        return render(status=refused.status, error=refused.message, error_field=refused.field)
    return ctx.redirect(back)
