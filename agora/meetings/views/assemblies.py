"""The General Assembly's pages: list, preparing one (secretariat), its page with documents, and the
synthesis of the local meetings before it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from agora.deliberation.errors import Refused, not_found
from agora.files import services as files
from agora.meetings import inputs, services
from agora.meetings.models import DecisionType
from agora.meetings.synthesis import build as build_synthesis
from agora.meetings.views import charts
from agora.meetings.views.common import labels, problem
from agora.people.models import COLLEGE_KEYS, Region
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, page

ITEM_ROWS = 6


def _assembly(ctx: Ctx) -> Any:
    try:
        return services.get_assembly(ctx.db, ctx.principal, ctx.path_param("assembly_id"))
    except Refused as refused:
        raise problem(refused) from None


@page
def listing(ctx: Ctx) -> Response:
    if ctx.person is None:
        raise problem(not_found())
    return ctx.render("meetings/assemblies.html", assemblies=services.list_assemblies(ctx.db),
                      is_admin=services.is_admin(ctx.principal), lang=ctx.language)


def _form_data(ctx: Ctx) -> dict[str, Any]:
    items = []
    for n in range(1, ITEM_ROWS + 1):
        titles = {code: ctx.field(f"item{n}_title_{code}") for code in LANGUAGES}
        if any(titles.values()):
            items.append({"ref": f"r{n}", "decision_type": ctx.field(f"item{n}_decision") or "ordinary",
                          "title": titles, "text": {code: ctx.field(f"item{n}_text_{code}") for code in LANGUAGES}})
    return {"title": {code: ctx.field(f"title_{code}") for code in LANGUAGES},
            "convocation": {code: ctx.field(f"convocation_{code}") for code in LANGUAGES},
            "starts_at": ctx.field("starts_at"), "places": ctx.field("places"), "items": items}


def _render_form(ctx: Ctx, *, status: int = 200, error: str = "", error_field: str = "") -> Response:
    form = {key: ctx.field(key) for key in ctx.form} if ctx.form is not None else {}
    return ctx.render("meetings/assembly_form.html", status=status, form=form, error=error, error_field=error_field,
                      languages=LANGUAGES, rows=range(1, ITEM_ROWS + 1), decisions=[d.value for d in DecisionType],
                      **labels())


@page
def new_assembly(ctx: Ctx) -> Response:
    if not services.is_admin(ctx.principal):
        raise problem(not_found())
    if ctx.request.method == "GET":
        return _render_form(ctx)
    try:
        assembly = services.create_assembly(ctx.db, ctx.principal, inputs.assembly_input(_form_data(ctx)))
    except Refused as refused:
        return _render_form(ctx, status=refused.status, error=refused.message, error_field=refused.field)
    return ctx.redirect(f"/assemblies/{assembly.id}")


def render_assembly(ctx: Ctx, assembly: Any, *, status: int = 200, error: str = "") -> Response:
    return ctx.render("meetings/assembly.html", status=status, error=error, assembly=assembly,
                      agenda=services.agenda_of(ctx.db, assembly.id),
                      documents=services.documents_of(ctx.db, assembly.id),
                      meetings=services.meetings_of_assembly(ctx.db, assembly.id),
                      is_admin=services.is_admin(ctx.principal),
                      may_see_synthesis=services.may_see_synthesis(ctx.principal), lang=ctx.language, **labels())


@page
def detail(ctx: Ctx) -> Response:
    return render_assembly(ctx, _assembly(ctx))


@page
def upload(ctx: Ctx) -> Response:
    assembly = _assembly(ctx)
    try:
        services.attach_document(ctx.db, ctx.principal, assembly, ctx.upload("document"), ctx.field("title"))
    except files.UploadRejected as rejected:
        return render_assembly(ctx, assembly, status=422, error=rejected.message)
    except Refused as refused:
        raise problem(refused) from None
    return ctx.redirect(f"/assemblies/{assembly.id}#documents")


@page
def document(ctx: Ctx) -> Response:
    assembly = _assembly(ctx)
    try:
        stored = services.document_file(ctx.db, ctx.principal, assembly, ctx.path_param("document_id"))
    except Refused as refused:
        raise problem(refused) from None
    return files.download(stored)


@page
def synthesis(ctx: Ctx) -> Response:
    assembly = _assembly(ctx)
    if not services.may_see_synthesis(ctx.principal):
        raise problem(not_found())
    names = {region.slug: region.name(ctx.language) for region in ctx.db.execute(select(Region)).scalars()}
    found = build_synthesis(ctx.db, assembly)
    return ctx.render("meetings/synthesis.html", assembly=assembly, found=found, region_names=names,
                      grid=charts.synthesis_grid(found, names, ctx.language), colleges=COLLEGE_KEYS,
                      lang=ctx.language, **labels())
