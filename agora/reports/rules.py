"""Who may do what with a report, and which status allows what: small named predicates, no I/O.

draft        → the author (an administrator, or the relay who built it) edits, refreshes, submits;
               administrators and the author read it
submitted    → frozen; the board, administrators and the author read it; the board acknowledges
acknowledged → the board answers
answered     → published: every signed-in member reads it; its participants were told
"""

from __future__ import annotations

from agora.people.models import Role
from agora.permissions import Principal
from agora.reports.models import Report, ReportStatus

S = ReportStatus
DECISIONS = ("accepted", "rejected", "partly_accepted", "postponed")


def is_admin(principal: Principal) -> bool:
    return principal.has_role(Role.ADMIN)


def on_board(principal: Principal) -> bool:
    return principal.has_role(Role.BOARD_MEMBER) or principal.has_role(Role.DELEGATED_ADMINISTRATOR)


def sees_whole_desk(principal: Principal) -> bool:
    return is_admin(principal) or on_board(principal)


def sees_desk(principal: Principal) -> bool:
    """Relays see the desk too, with only the reports they built (their meetings')."""
    return sees_whole_desk(principal) or principal.has_role(Role.RELAY)


def is_author(principal: Principal, report: Report) -> bool:
    return principal.id is not None and report.created_by == principal.id


def may_read(principal: Principal, report: Report) -> bool:
    person = principal.person
    if person is None or not person.active:
        return False
    if report.status == S.ANSWERED:
        return True
    if is_admin(principal) or is_author(principal, report):
        return True
    return report.status != S.DRAFT and on_board(principal)


def may_edit(principal: Principal, report: Report) -> bool:
    """Writing the summary and recommendations, refreshing, submitting, correcting."""
    return is_admin(principal) or is_author(principal, report)


def editable(report: Report) -> bool:
    return report.status == S.DRAFT


def acknowledgeable(report: Report) -> bool:
    return report.status == S.SUBMITTED and report.superseded_by is None


def answerable(report: Report) -> bool:
    return report.status in (S.SUBMITTED, S.ACKNOWLEDGED) and report.superseded_by is None


def correctable(report: Report) -> bool:
    return report.status != S.DRAFT and report.superseded_by is None
