"""`/api/v1/proposals`: the contract of API.md ("Proposals"), plus listing, withdrawing a support,
comments and translations. Declared in the OpenAPI document beside the routes."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from agora.api import openapi
from agora.api.common import json_object, require_person
from agora.deliberation.errors import Refused
from agora.deliberation.scope import ScopeError, ScopeKind, parse_scope, parse_theme
from agora.i18n import gettext as _
from agora.moderation.models import ModerationState
from agora.proposals import access, moderated, services, texts  # noqa: F401  (kinds and texts registered)
from agora.proposals import listing as proposal_list
from agora.proposals.models import Proposal, ProposalComment, ProposalStatus
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, Problem, api

TAG = "proposals"


def _problem(refused: Refused) -> Problem:
    return Problem(refused.status, refused.code, refused.message)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _proposal(ctx: Ctx, *, for_update: bool = False) -> Proposal:
    require_person(ctx)
    try:
        return access.access_proposal(ctx.db, ctx.principal, ctx.path_param("proposal_id"), for_update=for_update)
    except Refused as refused:
        raise _problem(refused) from None


def effective_status(proposal: Proposal) -> str:
    return "hidden" if proposal.moderation == ModerationState.HIDDEN else proposal.status.value


def proposal_json(ctx: Ctx, proposal: Proposal, *, full: bool = True) -> dict[str, Any]:
    see_text = access.may_see_text(ctx.principal, proposal)
    data: dict[str, Any] = {
        "id": proposal.id,
        "url": services.url_of(proposal.id),
        "status": effective_status(proposal),
        "lifecycle_status": proposal.status.value,
        "moderation": proposal.moderation.value,
        "moderation_reason": proposal.moderation_reason or None,
        "language": proposal.language,
        "title": proposal.title if see_text else None,
        "scope": {"kind": proposal.scope_kind.value, "region": proposal.region.slug if proposal.region else None,
                  "college": proposal.college.value if proposal.college else None, "sector": proposal.sector},
        "theme": proposal.theme,
        "author": {"id": proposal.author_id, "name": proposal.author.name},
        "supports": proposal.supports_count,
        "threshold": proposal.support_threshold,
        "comments": proposal.comments_count,
        "version": proposal.version,
        "created_at": _iso(proposal.created_at),
        "published_at": _iso(proposal.published_at),
        "threshold_reached_at": _iso(proposal.threshold_reached_at),
    }
    if not full:
        return data
    translations = services.translations_of(ctx.db, proposal) if see_text else []
    data.update({
        "body": proposal.body_md if see_text else None,
        "body_html": proposal.body_html if see_text else None,
        "translations": {
            t.language: {"title": t.title, "body": t.body_md, "body_html": t.body_html, "translation": True,
                         "translator": {"id": t.author_id, "name": t.author.name},
                         "based_on_version": t.based_on_version, "outdated": t.based_on_version < proposal.version}
            for t in translations if t.moderation == ModerationState.VISIBLE
        },
        "supported": services.has_supported(ctx.db, proposal.id, ctx.principal.id),
        "agenda_note": proposal.agenda_note or None,
        "board_note": proposal.board_note or None,
        "answer": {"decision": proposal.decision.value, "justification": proposal.decision_md,
                   "answered_at": _iso(proposal.answered_at)} if proposal.decision else None,
        "source_thread": proposal.source_thread_id,
        "timeline": [{"at": _iso(e.event.at), "kind": e.event.kind, "data": e.event.data}
                     for e in services.timeline(ctx.db, proposal)],
    })
    return data


def _localised(body: dict[str, Any], name: str) -> dict[str, str]:
    value = body.get(name)
    if not isinstance(value, dict) or not value:
        raise Problem(422, "invalid", _("“%(field)s” must be an object of texts by language, such as "
                                        "{\"fr\": \"…\"}.") % {"field": name})
    texts_by_language: dict[str, str] = {}
    for language, content in value.items():
        if language not in LANGUAGES or not isinstance(content, str):
            raise Problem(422, "invalid", _("“%(field)s” must be an object of texts by language, such as "
                                            "{\"fr\": \"…\"}.") % {"field": name})
        texts_by_language[language] = content
    return texts_by_language


def _scope(ctx: Ctx, body: dict[str, Any]) -> tuple[Any, str | None]:
    raw = body.get("scope") or {}
    if not isinstance(raw, dict):
        raise Problem(422, "invalid_scope", _("Unknown scope: %(scope)s.") % {"scope": str(raw)[:40]})
    unknown = set(raw) - {"region", "college", "sector"}
    given = {key: value for key, value in raw.items() if value not in (None, "")}
    if unknown or len(given) > 1 or any(not isinstance(v, str) for v in given.values()):
        raise Problem(422, "invalid_scope", _("Unknown scope: %(scope)s.") % {
            "scope": ", ".join(sorted(unknown or set(given)))[:80]})
    try:
        if not given:
            scope = parse_scope(ctx.db, ScopeKind.COOPERATIVE.value, None)
        else:
            key, value = next(iter(given.items()))
            scope = parse_scope(ctx.db, key, value)
        theme = parse_theme(body["theme"]) if isinstance(body.get("theme"), str) else None
    except ScopeError as error:
        raise Problem(422, "invalid_scope", str(error)) from None
    return scope, theme


@api
def create(ctx: Ctx) -> Response:
    require_person(ctx)
    body = json_object(ctx)
    titles, bodies = _localised(body, "title"), _localised(body, "body")
    language = body.get("language")
    if language is None:
        language = next((code for code in titles if code in bodies), None)
    if language not in titles or language not in bodies:
        raise Problem(422, "invalid", _("The title and the text must be given in the same language."))
    scope, theme = _scope(ctx, body)
    try:
        draft = services.check_draft(titles[language], bodies[language], language, scope, theme)
        proposal = services.create(ctx.db, ctx.principal, draft, publish_now=body.get("draft") is not True)
        for other in titles:
            if other != language and other in bodies:
                services.save_translation(ctx.db, ctx.principal, proposal, other, titles[other], bodies[other])
    except Refused as refused:
        raise _problem(refused) from None
    return ctx.respond_json({"id": proposal.id, "url": services.url_of(proposal.id)}, status=201)


@api
def listing(ctx: Ctx) -> Response:
    require_person(ctx)
    q = ctx.request.query_params
    page = int(q["page"]) if q.get("page", "").isdigit() and 0 < int(q["page"]) < 100_000 else 1
    filters = proposal_list.ProposalFilter(
        query=q.get("q", "")[:200], status=q.get("status", ""), scope=q.get("scope", ""), region=q.get("region", ""),
        college=q.get("college", ""), sector=q.get("sector", ""), theme=q.get("theme", ""), sort=q.get("sort", ""),
        mine=q.get("mine") == "1", page=page)
    found, total = proposal_list.list_proposals(ctx.db, ctx.principal, filters)
    return ctx.respond_json({"items": [proposal_json(ctx, p, full=False) for p in found], "total": total,
                             "page": page, "page_size": proposal_list.PAGE_SIZE})


@api
def detail(ctx: Ctx) -> Response:
    return ctx.respond_json(proposal_json(ctx, _proposal(ctx)))


@api
def support(ctx: Ctx) -> Response:
    proposal = _proposal(ctx, for_update=True)
    try:
        if ctx.request.method == "DELETE":
            count = services.unsupport(ctx.db, ctx.principal, proposal)
        else:
            count, _added = services.support(ctx.db, ctx.principal, proposal)
    except Refused as refused:
        raise _problem(refused) from None
    return ctx.respond_json({"supports": count, "status": effective_status(proposal)})


def comment_json(comment: ProposalComment, names: dict[str, str], see: bool) -> dict[str, Any]:
    return {"id": comment.id, "parent": comment.parent_id, "stance": comment.stance.value,
            "author": {"id": comment.author_id, "name": names.get(comment.author_id, "")},
            "body": comment.body_md if see else None, "body_html": comment.body_html if see else None,
            "moderation": comment.moderation.value, "supports": comment.supports_count,
            "created_at": _iso(comment.created_at)}


@api
def comments(ctx: Ctx) -> Response:
    proposal = _proposal(ctx, for_update=ctx.request.method == "POST")
    if not access.may_see_text(ctx.principal, proposal):
        raise Problem(404, "not_found", _("This page does not exist, or you are not allowed to see it."))
    if ctx.request.method == "POST":
        body = json_object(ctx)
        values = {name: body.get(name) or "" for name in ("body", "stance", "parent")}
        if any(not isinstance(v, str) for v in values.values()):
            raise Problem(422, "invalid", _("The request body must be a JSON object."))
        try:
            comment = services.add_comment(ctx.db, ctx.principal, proposal, values["body"], values["stance"],
                                           values["parent"])
        except Refused as refused:
            raise _problem(refused) from None
        return ctx.respond_json({"id": comment.id, "url": f"{services.url_of(proposal.id)}#comment-{comment.id}",
                                 "moderation": comment.moderation.value}, status=201)
    q = ctx.request.query_params
    page = int(q["page"]) if q.get("page", "").isdigit() and 0 < int(q["page"]) < 100_000 else 1
    found = services.comments_page(ctx.db, ctx.principal, proposal, page)
    flat: list[ProposalComment] = []

    def walk(nodes: list[services.CommentNode]) -> None:
        for node in nodes:
            flat.append(node.comment)
            walk(node.children)

    walk(found.roots)
    names = {c.author_id: c.author.name for c in flat}
    from agora.moderation.services import may_see

    return ctx.respond_json({
        "items": [comment_json(c, names, may_see(ctx.principal, c)) for c in flat],
        "total_top_level": found.total_roots, "page": found.page, "page_size": services.COMMENTS_PAGE_SIZE,
        "strongest": {side: [c.id for c in found.strongest[side]] for side in ("for", "against")},
    })


@api
def translations(ctx: Ctx) -> Response:
    proposal = _proposal(ctx, for_update=True)
    body = json_object(ctx)
    values = {name: body.get(name) for name in ("language", "title", "body")}
    if any(not isinstance(v, str) for v in values.values()):
        raise Problem(422, "invalid", _("Give the language, the title and the text of the translation."))
    try:
        translation = services.save_translation(ctx.db, ctx.principal, proposal, values["language"] or "",
                                                values["title"] or "", values["body"] or "")
    except Refused as refused:
        raise _problem(refused) from None
    return ctx.respond_json({"language": translation.language, "moderation": translation.moderation.value},
                            status=201)


# --- OpenAPI ----------------------------------------------------------------------------------------

LOCALISED = {"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 1,
             "propertyNames": {"enum": list(LANGUAGES)}}
NULLABLE = {"type": ["string", "null"]}
SCOPE = {"type": "object", "properties": {"region": NULLABLE, "college": NULLABLE, "sector": NULLABLE},
         "additionalProperties": False,
         "description": "At most one of region, college, sector; none: the whole cooperative"}
CREATED = {"type": "object", "required": ["id", "url"],
           "properties": {"id": {"type": "string"}, "url": {"type": "string"}}}
SUPPORTS = {"type": "object", "required": ["supports"], "properties": {"supports": {"type": "integer"},
                                                                         "status": {"type": "string"}}}
PROPOSAL = {"type": "object", "required": ["id", "url", "status", "supports", "translations"], "properties": {
    "id": {"type": "string"}, "url": {"type": "string"},
    "status": {"enum": [*[s.value for s in ProposalStatus], "hidden"]},
    "supports": {"type": "integer"}, "threshold": {"type": ["integer", "null"]},
    "title": {"type": ["string", "null"]}, "body": {"type": ["string", "null"]}, "language": {"type": "string"},
    "translations": {"type": "object", "additionalProperties": {"type": "object"}},
    "timeline": {"type": "array", "items": {"type": "object"}},
}}

for operation in (
    openapi.Operation("GET", "/proposals", "Proposals: search (q), filters (status, scope, region, college, sector, "
                      "theme, mine), sort (recent, supported, discussed, relevance), page", TAG,
                      responses={200: {"type": "object", "properties": {"items": {"type": "array", "items": PROPOSAL},
                                                                        "total": {"type": "integer"}}}}),
    openapi.Operation("POST", "/proposals", "Make a proposal (published at once unless \"draft\": true); any "
                      "further languages become the author's translations", TAG,
                      request={"type": "object", "required": ["title", "body"], "properties": {
                          "title": LOCALISED, "body": LOCALISED, "scope": SCOPE, "language": {"enum": list(LANGUAGES)},
                          "theme": {"type": "string"}, "draft": {"type": "boolean"}}},
                      responses={201: CREATED}),
    openapi.Operation("GET", "/proposals/{proposal_id}", "A proposal: status, supports, translations, timeline", TAG,
                      responses={200: PROPOSAL}),
    openapi.Operation("POST", "/proposals/{proposal_id}/support", "Support a proposal (idempotent: one per person)",
                      TAG, responses={200: SUPPORTS}),
    openapi.Operation("DELETE", "/proposals/{proposal_id}/support", "Withdraw one's support (idempotent)", TAG,
                      responses={200: SUPPORTS}),
    openapi.Operation("GET", "/proposals/{proposal_id}/comments", "Comments, threaded (parent), with stance", TAG),
    openapi.Operation("POST", "/proposals/{proposal_id}/comments", "Comment (stance for, against or neutral; parent "
                      "for a reply)", TAG, request={"type": "object", "required": ["body"], "properties": {
                          "body": {"type": "string"}, "stance": {"enum": ["for", "against", "neutral"]},
                          "parent": {"type": "string"}}}, responses={201: CREATED}),
    openapi.Operation("POST", "/proposals/{proposal_id}/translations", "Add or replace a translation", TAG,
                      request={"type": "object", "required": ["language", "title", "body"], "properties": {
                          "language": {"enum": list(LANGUAGES)}, "title": {"type": "string"},
                          "body": {"type": "string"}}}),
):
    openapi.declare(operation)

routes: list[BaseRoute] = [
    Route("/proposals", listing, methods=["GET"]),
    Route("/proposals", create, methods=["POST"]),
    Route("/proposals/{proposal_id}", detail, methods=["GET"]),
    Route("/proposals/{proposal_id}/support", support, methods=["POST", "DELETE"]),
    Route("/proposals/{proposal_id}/comments", comments, methods=["GET", "POST"]),
    Route("/proposals/{proposal_id}/translations", translations, methods=["POST"]),
]
