"""Fetch *and* authorise a consultation in one call, settling a due opening or closing first.

Missing and not allowed look the same (404). A transition that is due runs in its own transaction
(`schedule.settle`) before the handler goes on: the handler's transaction is ended first (nothing has
been written in it yet) so that, on SQLite, the two never wait for each other, and so that the rest
of the handler sees the consultation as it now is.
"""

from __future__ import annotations

import logging

import anyio.from_thread

from agora.consultations import rules, schedule, services
from agora.consultations.models import Consultation
from agora.db import utcnow
from agora.permissions import Permission, ensure
from agora.web.endpoint import Ctx, not_found

log = logging.getLogger("agora.consultations")


def consultation(ctx: Ctx, consultation_id: str | None = None, *, manage: bool = False,
                 signed_in: bool = False, questions: bool = True) -> Consultation:
    """`signed_in=True` for the routes that only refuse before the right moment (casting a ballot,
    results, CSV, tracking codes): there any signed-in person learns "not open" or "not closed" (409),
    drafts included, and nothing else about a draft. `questions=False` leaves the questions unloaded
    (casting a ballot takes them from `voting.question_specs`)."""
    consultation_id = consultation_id or ctx.path_param("consultation_id")
    found = services.get(ctx.db, consultation_id, questions=questions)
    if found is None or not _visible(ctx, found, signed_in):
        raise not_found()
    if manage:
        ensure(ctx.principal, Permission.CONSULTATIONS_MANAGE)
    if rules.transition_due(found, utcnow()):
        ctx.db.commit()
        events = schedule.settle(ctx.request.app.state.db, found.id)
        _emit(ctx, events)
        found = services.get(ctx.db, consultation_id, refresh=True, questions=questions)
        if found is None or not _visible(ctx, found, signed_in):
            raise not_found()
    return found


def _visible(ctx: Ctx, found: Consultation, signed_in: bool) -> bool:
    return rules.may_read(ctx.principal, found) or (signed_in and ctx.principal.signed_in)


def _emit(ctx: Ctx, events: list) -> None:  # type: ignore[type-arg]
    if not events:
        return
    try:
        anyio.from_thread.run(ctx.request.app.state.realtime.emit_all, events)
    except Exception:  # outside a worker thread (never in a request), or the socket layer failed
        log.warning("could not emit %d consultation events", len(events), exc_info=True)
