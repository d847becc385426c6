"""The secretariat's pages: people (search, filters, roles, deactivation), regions, colleges."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from agora.i18n import gettext as _
from agora.people import services as register
from agora.people.models import COLLEGE_KEYS, Person, Role
from agora.permissions import Permission, ensure
from agora.web.endpoint import Ctx, not_found, page


def _int(text: str, default: int = 1) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 100000 else default


@page
def people(ctx: Ctx) -> Response:
    ensure(ctx.principal, Permission.PEOPLE_VIEW)
    q = ctx.request.query_params
    filters = register.PeopleFilter(
        query=q.get("q", "").strip()[:100], region=q.get("region", ""), college=q.get("college", ""),
        role=q.get("role", ""), active=q.get("active", "1"), page=_int(q.get("page", "1")),
    )
    found, total = register.search_people(ctx.db, filters)
    regions = {r.id: r for r in register.list_regions(ctx.db)}
    return ctx.render("admin/people.html", people=found, total=total, filters=filters, regions=regions,
                      colleges=COLLEGE_KEYS, roles=[r.value for r in Role], page_size=register.PAGE_SIZE,
                      htmx_block="results")


def _person(ctx: Ctx) -> Person:
    person = ctx.db.get(Person, ctx.path_param("person_id"))
    if person is None:
        raise not_found()
    return person


def _render_person(ctx: Ctx, person: Person, error: str | None = None, status: int = 200) -> Response:
    region = ctx.db.get(register.Region, person.region_id) if person.region_id else None
    return ctx.render("admin/person.html", status=status, person=person, region=region,
                      grants=register.roles_of(ctx.db, person.id), regions=register.list_regions(ctx.db),
                      roles=[r.value for r in Role], error=error)


@page
def person_detail(ctx: Ctx) -> Response:
    ensure(ctx.principal, Permission.PEOPLE_VIEW)
    return _render_person(ctx, _person(ctx))


@page
def person_grant(ctx: Ctx) -> Response:
    ensure(ctx.principal, Permission.ROLES_EDIT)
    person = _person(ctx)
    role_name, region = ctx.field("role"), ctx.field("region")
    try:
        role, scope = register.parse_role(f"{role_name}:{region}" if role_name == Role.RELAY.value else role_name)
        register.grant_role(ctx.db, person, role, scope, actor_id=ctx.principal.id)
    except register.RegisterError as error:
        return _render_person(ctx, person, str(error), status=422)
    return ctx.redirect(f"/admin/people/{person.id}")


@page
def person_revoke(ctx: Ctx) -> Response:
    ensure(ctx.principal, Permission.ROLES_EDIT)
    person = _person(ctx)
    grant_id = ctx.field("grant")
    if not grant_id.isdigit() or not register.revoke_role(ctx.db, person, int(grant_id), actor_id=ctx.principal.id):
        raise not_found()
    return ctx.redirect(f"/admin/people/{person.id}")


@page
def person_active(ctx: Ctx) -> Response:
    ensure(ctx.principal, Permission.PEOPLE_EDIT)
    person = _person(ctx)
    if person.id == ctx.principal.id:
        return _render_person(ctx, person, _("You cannot deactivate your own account."), status=422)
    register.set_active(ctx.db, person, ctx.field("active") == "1", actor_id=ctx.principal.id)
    return ctx.redirect(f"/admin/people/{person.id}")


@page
def regions(ctx: Ctx) -> Response:
    ensure(ctx.principal, Permission.REGIONS_EDIT)
    error = None
    status = 200
    if ctx.request.method == "POST":
        region = None
        region_id = ctx.field("region_id")
        if region_id:
            region = ctx.db.get(register.Region, region_id)
            if region is None:
                raise not_found()
        names = {code: ctx.field(f"name_{code}")[:100] for code in ("fr", "nl", "de") if ctx.field(f"name_{code}")}
        try:
            register.save_region(ctx.db, region, ctx.field("slug"), names, ctx.fields("languages"),
                                 ctx.field("active") == "1", actor_id=ctx.principal.id)
            return ctx.redirect("/admin/regions")
        except register.RegisterError as problem:
            error, status = str(problem), 422
    return ctx.render("admin/regions.html", status=status, regions=register.list_regions(ctx.db), error=error)


@page
def colleges(ctx: Ctx) -> Response:
    ensure(ctx.principal, Permission.COLLEGES_EDIT)
    error = None
    status = 200
    if ctx.request.method == "POST":
        try:
            weights = register.parse_weights({key: ctx.field(key) for key in COLLEGE_KEYS})
            register.set_weights(ctx.db, weights, actor_id=ctx.principal.id)
            return ctx.redirect("/admin/colleges")
        except register.RegisterError as problem:
            error, status = str(problem), 422
    return ctx.render("admin/colleges.html", status=status, colleges=register.list_colleges(ctx.db), error=error,
                      submitted={key: ctx.field(key) for key in COLLEGE_KEYS} if error else None)



routes = [
    Route("/admin/people", people, methods=["GET"]),
    Route("/admin/people/{person_id}", person_detail, methods=["GET"]),
    Route("/admin/people/{person_id}/roles", person_grant, methods=["POST"]),
    Route("/admin/people/{person_id}/roles/revoke", person_revoke, methods=["POST"]),
    Route("/admin/people/{person_id}/active", person_active, methods=["POST"]),
    Route("/admin/regions", regions, methods=["GET", "POST"]),
    Route("/admin/colleges", colleges, methods=["GET", "POST"]),
]
