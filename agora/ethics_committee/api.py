"""`/api/v1/ethics`: API.md "Ethics committee" (submit, read) plus every workflow step and the register.

A referral answers 404 to anyone but its referrer and the committee members not recused — anonymous
callers and administrators included — exactly as its page does.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from agora.api import openapi
from agora.api.common import json_object, require_person
from agora.deliberation.errors import Refused, not_found
from agora.ethics_committee import access, register, services, texts, workflow  # noqa: F401
from agora.ethics_committee.actions import ACTIONS, JsonArgs
from agora.ethics_committee.models import Opinion, Referral, ReferralStatus
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, Problem, api

TAG = "ethics"


def _problem(refused: Refused) -> Problem:
    return Problem(refused.status, refused.code, refused.message)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _referral(ctx: Ctx, action: str, *, for_update: bool = False) -> Referral:
    try:
        return access.access_referral(ctx.db, ctx.principal, ctx.path_param("referral_id"), action=action,
                                      for_update=for_update)
    except Refused as refused:
        raise _problem(refused) from None


def referral_json(ctx: Ctx, referral: Referral) -> dict[str, Any]:
    db, principal = ctx.db, ctx.principal
    on_committee = access.is_member_on(db, principal, referral)
    opinion = services.opinion_of(db, referral)
    opinion_visible = opinion is not None and (on_committee or referral.status in (ReferralStatus.SENT,
                                                                                   ReferralStatus.PUBLISHED))
    data: dict[str, Any] = {
        "id": referral.id, "url": services.url_of(referral.id), "kind": referral.kind.value,
        "status": referral.status.value, "subject": referral.subject, "question": referral.question,
        "context": referral.context, "language": referral.language, "created_at": _iso(referral.created_at),
        "acknowledge_by": _iso(referral.acknowledge_by), "acknowledged_at": _iso(referral.acknowledged_at),
        "overdue": services.is_overdue(referral), "decision_reason": referral.decision_reason or None,
        # The referrer sees the committee as one body: which member wrote or reports is the committee's own.
        "rapporteur": referral.rapporteur_id if on_committee else None,
        "messages": [{"id": e.id, "kind": e.kind.value, "from": "referrer" if e.author_id == referral.referrer_id
                      else "committee", "author": e.author_id if on_committee else None, "body": e.body,
                      "scheduled_at": _iso(e.scheduled_at), "at": _iso(e.created_at)}
                     for e in services.entries_of(db, principal, referral)],
        "attachments": [{"id": a.id, "filename": a.filename, "size": a.size,
                         "url": f"{services.url_of(referral.id)}/attachments/{a.id}"}
                        for a in services.attachments_of(db, principal, referral)],
        "opinion": None,
    }
    if opinion is not None and opinion_visible:
        data["opinion"] = {"id": opinion.id, "text": opinion.text, "recommendations": opinion.recommendations,
                           "vote": opinion.votes or None, "adopted_at": _iso(opinion.adopted_at),
                           "sent_at": _iso(opinion.sent_at), "published_at": _iso(opinion.published_at),
                           "register_url": register.url_of(opinion.id) if opinion.published_at else None}
    if on_committee:
        data["tally"] = services.tally(db, referral) if referral.status == ReferralStatus.VOTING else None
    return data


@api
def create(ctx: Ctx) -> Response:
    require_person(ctx)
    body = json_object(ctx)
    args = JsonArgs(body)
    try:
        referral = services.submit(ctx.db, ctx.principal, subject=args.get("subject"), question=args.get("question"),
                                   context=args.get("context"), language=args.get("language"), kind=args.get("kind"))
    except Refused as refused:
        raise _problem(refused) from None
    return ctx.respond_json({"id": referral.id, "url": services.url_of(referral.id)}, 201)


@api(write=True)
def detail(ctx: Ctx) -> Response:
    return ctx.respond_json(referral_json(ctx, _referral(ctx, "referral.read")))


@api
def step(ctx: Ctx) -> Response:
    referral = _referral(ctx, "referral.read", for_update=True)
    act = ACTIONS.get(ctx.path_param("action"))
    if act is None:
        raise _problem(not_found())
    body = ctx.json if isinstance(ctx.json, dict) else {}
    try:
        act(ctx.db, ctx.principal, referral, JsonArgs(body))
    except Refused as refused:
        raise _problem(refused) from None
    return ctx.respond_json(referral_json(ctx, referral))


def entry_json(ctx: Ctx, opinion: Opinion) -> dict[str, Any]:
    texts_by = register.texts_by_language(ctx.db, opinion)
    return {
        "id": opinion.id, "url": register.url_of(opinion.id), "language": opinion.language,
        "published_at": _iso(opinion.published_at),
        "title": {lang: s.title for lang, s in texts_by.items()},
        "summary": {lang: s.summary for lang, s in texts_by.items()},
        "recommendations": {lang: s.recommendations for lang, s in texts_by.items()},
        "vote": {key: opinion.votes.get(key) for key in ("eligible", "voters", "counts", "quorum_reached", "adopted")},
        "follow_ups": [{"role": f.author_role, "recommendation": f.recommendation, "state": f.state.value,
                        "body": f.body, "at": _iso(f.created_at)} for f in register.follow_ups_of(ctx.db, opinion)],
    }


@api
def register_list(ctx: Ctx) -> Response:
    require_person(ctx)
    opinions = register.published(ctx.db, ctx.request.query_params.get("q", "")[:200])
    return ctx.respond_json({"items": [entry_json(ctx, o) for o in opinions]})


@api
def register_detail(ctx: Ctx) -> Response:
    require_person(ctx)
    try:
        opinion = register.get_published(ctx.db, ctx.principal, ctx.path_param("opinion_id"))
    except Refused as refused:
        raise _problem(refused) from None
    return ctx.respond_json(entry_json(ctx, opinion))


CREATED = {"type": "object", "required": ["id", "url"], "properties": {"id": {"type": "string"},
                                                                       "url": {"type": "string"}}}
REFERRAL = {"type": "object", "required": ["id", "url", "status", "subject", "question"], "properties": {
    "id": {"type": "string"}, "url": {"type": "string"}, "status": {"enum": [s.value for s in ReferralStatus]},
    "kind": {"enum": ["cooperator", "board", "self"]}, "subject": {"type": "string"},
    "question": {"type": "string"}, "language": {"enum": list(LANGUAGES)}, "overdue": {"type": "boolean"},
    "opinion": {"type": ["object", "null"]}}}
STEP_FIELDS = {
    "acknowledge": {}, "examine": {}, "open-vote": {}, "close-vote": {}, "send": {}, "approve-summary": {},
    "publish": {},
    "admissibility": {"admissible": {"enum": ["yes", "no"]}, "reason": {"type": "string"}},
    "rapporteur": {"rapporteur": {"type": "string", "description": "a committee member's person id"}},
    "note": {"body": {"type": "string"}}, "message": {"body": {"type": "string"}},
    "hearing": {"when": {"type": "string", "format": "date-time"}, "body": {"type": "string"}},
    "recuse": {"reason": {"type": "string"}},
    "draft": {"text": {"type": "string"}, "recommendations": {"type": "array", "items": {"type": "string"}}},
    "vote": {"choice": {"enum": ["for", "against", "abstain"]}},
    "summary": {"title": {"type": "string"}, "summary": {"type": "string"}, "language": {"enum": list(LANGUAGES)},
                "recommendations": {"type": "array", "items": {"type": "string"}}},
}

openapi.declare(openapi.Operation(
    "POST", "/ethics/referrals", "Refer a question to the ethics committee (kind: cooperator, board or self)", TAG,
    request={"type": "object", "required": ["subject", "question", "language"], "properties": {
        "subject": {"type": "string"}, "question": {"type": "string"}, "context": {"type": "string"},
        "language": {"enum": list(LANGUAGES)}, "kind": {"enum": ["cooperator", "board", "self"]}}},
    responses={201: CREATED}))
openapi.declare(openapi.Operation(
    "GET", "/ethics/referrals/{referral_id}", "A referral: only its referrer and committee members not recused; "
    "404 for anyone else", TAG, responses={200: REFERRAL}))
for action in ACTIONS:
    openapi.declare(openapi.Operation(
        "POST", f"/ethics/referrals/{{referral_id}}/{action}", f"Workflow step “{action}” (out of order: 409)", TAG,
        request={"type": "object", "properties": STEP_FIELDS.get(action, {})}, responses={200: REFERRAL}))
openapi.declare(openapi.Operation("GET", "/ethics/register", "The register of published positions (search: q)", TAG))
openapi.declare(openapi.Operation("GET", "/ethics/register/{opinion_id}", "One published position", TAG))

routes: list[BaseRoute] = [
    Route("/ethics/referrals", create, methods=["POST"]),
    Route("/ethics/referrals/{referral_id}", detail, methods=["GET"]),
    Route("/ethics/referrals/{referral_id}/{action}", step, methods=["POST"]),
    Route("/ethics/register", register_list, methods=["GET"]),
    Route("/ethics/register/{opinion_id}", register_detail, methods=["GET"]),
]
