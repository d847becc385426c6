"""Fetch *and* authorise a report in one call: missing and not allowed look the same (404)."""

from __future__ import annotations

from agora.reports import rules, services
from agora.reports.models import Report
from agora.web.endpoint import Ctx, not_found


def report(ctx: Ctx, report_id: str | None = None, *, for_update: bool = False) -> Report:
    found = services.get(ctx.db, report_id or ctx.path_param("report_id"), for_update=for_update)
    if found is None or not rules.may_read(ctx.principal, found):
        raise not_found()
    return found
