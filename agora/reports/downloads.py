"""What the page, the PDF and the CSV are given: the document and the words to show it with."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from agora.reports import render, services
from agora.reports.document import document
from agora.reports.models import Report
from agora.web.endpoint import Ctx


def context(ctx: Ctx, report: Report) -> dict[str, Any]:
    doc = document(report)
    reader = ctx.language
    versions = services.versions_of(ctx.db, report)
    return {**render.helpers(doc, reader), "report": report, "versions": versions,
            "regions": render.region_names(ctx.db, reader)}


def pdf_response(ctx: Ctx, report: Report) -> Response:
    data = render.to_pdf(context(ctx, report))
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="report-{report.id}-v{report.version}.pdf"'})


def csv_response(report: Report) -> Response:
    return Response(render.to_csv(document(report)), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="report-{report.id}-v{report.version}.csv"'})
