"""The committee's pages: the committee, referrals (confidential), their files, and the register."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import Route

from agora.deliberation.errors import Refused, not_found, sign_in_first
from agora.ethics_committee import access, committee, register, services, texts, workflow  # noqa: F401
from agora.ethics_committee.actions import ACTIONS
from agora.ethics_committee.models import AccessLog, FollowUpState, Referral, ReferralKind
from agora.files import services as files
from agora.files.models import StoredFile
from agora.people.models import COLLEGE_KEYS, Person, Role
from agora.permissions import Permission, allowed
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, Problem, page


class FormArgs:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx

    def get(self, name: str) -> str:
        return self.ctx.field(name)

    def lines(self, name: str) -> list[str]:
        return self.ctx.field(name).splitlines()

    def upload(self, name: str) -> UploadFile | None:
        return self.ctx.upload(name)


def problem(refused: Refused) -> Problem:
    return Problem(refused.status, refused.code, refused.message)


def _signed_in(ctx: Ctx) -> None:
    if ctx.person is None:
        raise problem(sign_in_first())


def _names(db: Session, ids: set[str | None]) -> dict[str, str]:
    wanted = {ident for ident in ids if ident}
    if not wanted:
        return {}
    return {ident: name for ident, name in db.execute(select(Person.id, Person.name).where(Person.id.in_(wanted)))}


# --- the committee ------------------------------------------------------------------------------

def render_committee(ctx: Ctx, *, status: int = 200, error: str = "", error_field: str = "",
                     form: dict[str, str] | None = None) -> Response:
    db = ctx.db
    members = services.members(db)
    counts = services.count_by_category(db)
    mine = access.membership(db, ctx.principal.id)
    referrals = services.referrals_for(db, ctx.principal)
    return ctx.render(
        "ethics/committee.html", status=status, members=members, counts=counts,
        missing=[key for key, count in counts.items() if count == 0], referrals=referrals,
        is_member=mine is not None, is_admin=allowed(ctx.principal, Permission.ETHICS_APPOINT),
        may_refer=services.may_refer(db, ctx.principal), overdue=services.is_overdue,
        label=workflow.label, settings=services.settings_of(db), colleges=COLLEGE_KEYS,
        error=error, error_field=error_field, form=form or {"email": "", "category": ""},
    )


@page
def committee_page(ctx: Ctx) -> Response:
    _signed_in(ctx)
    return render_committee(ctx)


COMMITTEE_ACTS = {
    "appoint": lambda ctx: committee.appoint(ctx.db, ctx.principal, ctx.field("email"), ctx.field("category")),
    "remove": lambda ctx: committee.remove(ctx.db, ctx.principal, ctx.field("member")),
    "chair": lambda ctx: committee.make_chair(ctx.db, ctx.principal, ctx.field("member")),
    "settings": lambda ctx: committee.set_acknowledge_days(ctx.db, ctx.principal, ctx.field("acknowledge_days")),
}


@page
def committee_act(ctx: Ctx) -> Response:
    _signed_in(ctx)
    act = COMMITTEE_ACTS.get(ctx.path_param("action"))
    if act is None or not allowed(ctx.principal, Permission.ETHICS_APPOINT):
        raise problem(not_found())
    try:
        act(ctx)
    except Refused as refused:
        if refused.status == 404:
            raise problem(refused) from None
        return render_committee(ctx, status=refused.status, error=refused.message, error_field=refused.field,
                                form={"email": ctx.field("email"), "category": ctx.field("category")})
    return ctx.redirect("/ethics")


# --- submitting ---------------------------------------------------------------------------------

def _kinds(ctx: Ctx) -> list[str]:
    kinds = [ReferralKind.COOPERATOR.value]
    if ctx.principal.has_role(Role.BOARD_MEMBER) or ctx.principal.has_role(Role.DELEGATED_ADMINISTRATOR):
        kinds.append(ReferralKind.BOARD.value)
    if access.membership(ctx.db, ctx.principal.id) is not None:
        kinds.append(ReferralKind.SELF.value)
    return kinds


@page
def new_referral(ctx: Ctx) -> Response:
    _signed_in(ctx)
    form = {"subject": "", "question": "", "context": "", "kind": "", "language": ctx.language}
    if ctx.request.method == "POST":
        form = {name: ctx.field(name) for name in ("subject", "question", "context", "language", "kind")}
        try:
            referral = services.submit(ctx.db, ctx.principal, upload=ctx.upload("attachment"), **form)
        except Refused as refused:
            return ctx.render("ethics/new.html", status=refused.status, error=refused.message,
                              error_field=refused.field, form=form, kinds=_kinds(ctx), languages=LANGUAGES,
                              may_refer=services.may_refer(ctx.db, ctx.principal))
        return ctx.redirect(services.url_of(referral.id))
    return ctx.render("ethics/new.html", form=form, kinds=_kinds(ctx), languages=LANGUAGES, error="",
                      error_field="", may_refer=services.may_refer(ctx.db, ctx.principal))


# --- one referral ---------------------------------------------------------------------------------

def _referral(ctx: Ctx, action: str, *, for_update: bool = False) -> Referral:
    try:
        return access.access_referral(ctx.db, ctx.principal, ctx.path_param("referral_id"), action=action,
                                      for_update=for_update)
    except Refused as refused:
        raise problem(refused) from None


def render_referral(ctx: Ctx, referral: Referral, *, status: int = 200, error: str = "", error_field: str = "",
                    action: str = "", form: dict[str, str] | None = None) -> Response:
    db, principal = ctx.db, ctx.principal
    on_committee = access.is_member_on(db, principal, referral)
    opinion = services.opinion_of(db, referral)
    entries = services.entries_of(db, principal, referral)
    ballots = services.ballots_of(db, referral) if on_committee else {}
    eligible = services.eligible_voters(db, referral) if on_committee else []
    names = _names(db, {referral.referrer_id, referral.rapporteur_id, *eligible})
    return ctx.render(
        "ethics/referral.html", status=status, referral=referral, opinion=opinion, entries=entries,
        attachments=services.attachments_of(db, principal, referral), on_committee=on_committee,
        is_chair=on_committee and access.acting_chair(db, referral) == principal.id,
        is_referrer=referral.referrer_id == principal.id,
        is_rapporteur=referral.rapporteur_id == principal.id, ballots=ballots, eligible=eligible, names=names,
        my_ballot=ballots.get(principal.id or ""), tally=services.tally(db, referral) if on_committee else None,
        overdue=services.is_overdue(referral), label=workflow.label, lifecycle=workflow.LIFECYCLE,
        statuses=workflow.S, languages=LANGUAGES, error=error, error_field=error_field, action=action,
        form=form or dict.fromkeys(REFERRAL_FIELDS, ""),
        public_url=register.url_of(opinion.id) if opinion and opinion.published_at else "",
    )


REFERRAL_FIELDS = ("body", "reason", "text", "recommendations", "title", "summary", "when", "language")
ENTRY_FIELDS = ("language", "title", "summary", "recommendations", "recommendation", "state", "body")


@page(write=True)
def referral_page(ctx: Ctx) -> Response:
    return render_referral(ctx, _referral(ctx, "referral.read"))


@page
def referral_act(ctx: Ctx) -> Response:
    name = ctx.path_param("action")
    referral = _referral(ctx, "referral.read", for_update=True)
    act = ACTIONS.get(name)
    if act is None:
        raise problem(not_found())
    try:
        act(ctx.db, ctx.principal, referral, FormArgs(ctx))
    except Refused as refused:
        if refused.status == 404:
            raise problem(refused) from None
        ctx.db.rollback()  # nothing half-written; the page is shown again with the message
        referral = _referral(ctx, "referral.read")
        form = {key: ctx.field(key) for key in REFERRAL_FIELDS}
        return render_referral(ctx, referral, status=refused.status, error=refused.message,
                               error_field=refused.field, action=name, form=form)
    if name == "recuse":
        return ctx.redirect("/ethics")
    return ctx.redirect(services.url_of(referral.id) + f"#{name}")


@page(write=True)
def attachment_file(ctx: Ctx) -> Response:
    try:
        attachment = access.access_attachment(ctx.db, ctx.principal, ctx.path_param("referral_id"),
                                              ctx.path_param("attachment_id"))
    except Refused as refused:
        raise problem(refused) from None
    stored = ctx.db.get(StoredFile, attachment.file_id)
    if stored is None:
        raise problem(not_found())
    return files.download(stored)


@page(write=True)
def access_log(ctx: Ctx) -> Response:
    referral = _referral(ctx, "access_log.read")
    chairing = access.acting_chair(ctx.db, referral) == ctx.principal.id
    if not chairing or not access.is_member_on(ctx.db, ctx.principal, referral):
        raise problem(not_found())
    rows = list(ctx.db.execute(select(AccessLog).where(AccessLog.referral_id == referral.id)
                               .order_by(AccessLog.id.desc()).limit(500)).scalars())
    names = _names(ctx.db, {row.person_id for row in rows if row.person_id})
    return ctx.render("ethics/access_log.html", referral=referral, rows=rows, names=names)


# --- the register ------------------------------------------------------------------------------------

@page
def register_page(ctx: Ctx) -> Response:
    _signed_in(ctx)
    query = ctx.request.query_params.get("q", "")[:200]
    opinions = register.published(ctx.db, query)
    shown = {o.id: register.shown(o, register.translations_of(ctx.db, o), ctx.language) for o in opinions}
    return ctx.render("ethics/register.html", opinions=opinions, shown=shown, query=query)


def render_entry(ctx: Ctx, opinion: Any, *, status: int = 200, error: str = "", error_field: str = "",
                 form: dict[str, str] | None = None) -> Response:
    asked = ctx.request.query_params.get("lang", "")
    translations = register.translations_of(ctx.db, opinion)
    return ctx.render(
        "ethics/entry.html", status=status, opinion=opinion,
        shown=register.shown(opinion, translations, asked if asked in LANGUAGES else ctx.language),
        available=[opinion.language, *sorted(translations)], follow_ups=register.follow_ups_of(ctx.db, opinion),
        may_translate=access.membership(ctx.db, ctx.principal.id) is not None,
        follow_up_role=register.follow_up_role(ctx.db, ctx.principal, opinion), states=list(FollowUpState),
        languages=LANGUAGES, error=error, error_field=error_field, form=form or dict.fromkeys(ENTRY_FIELDS, ""),
    )


def _opinion(ctx: Ctx) -> Any:
    try:
        return register.get_published(ctx.db, ctx.principal, ctx.path_param("opinion_id"))
    except Refused as refused:
        if ctx.person is None:
            raise problem(sign_in_first()) from None
        raise problem(refused) from None


@page
def register_entry(ctx: Ctx) -> Response:
    return render_entry(ctx, _opinion(ctx))


def _register_act(ctx: Ctx, act: Any, fields: tuple[str, ...]) -> Response:
    opinion = _opinion(ctx)
    try:
        act(opinion)
    except Refused as refused:
        ctx.db.rollback()
        return render_entry(ctx, opinion, status=refused.status, error=refused.message, error_field=refused.field,
                            form={name: ctx.field(name) for name in ENTRY_FIELDS})
    return ctx.redirect(register.url_of(opinion.id))


@page
def register_translate(ctx: Ctx) -> Response:
    return _register_act(ctx, lambda o: register.translate(
        ctx.db, ctx.principal, o, language=ctx.field("language"), title=ctx.field("title"),
        summary=ctx.field("summary"), recommendations=ctx.field("recommendations")),
        ("language", "title", "summary", "recommendations"))


@page
def register_follow_up(ctx: Ctx) -> Response:
    return _register_act(ctx, lambda o: register.add_follow_up(
        ctx.db, ctx.principal, o, recommendation=ctx.field("recommendation"), state=ctx.field("state"),
        body=ctx.field("body")), ("recommendation", "state", "body"))


routes = [
    Route("/ethics", committee_page, methods=["GET"]),
    Route("/ethics/committee/{action}", committee_act, methods=["POST"]),
    Route("/ethics/referrals/new", new_referral, methods=["GET", "POST"]),
    Route("/ethics/referrals/{referral_id}", referral_page, methods=["GET"]),
    Route("/ethics/referrals/{referral_id}/access-log", access_log, methods=["GET"]),
    Route("/ethics/referrals/{referral_id}/attachments/{attachment_id}", attachment_file, methods=["GET"]),
    Route("/ethics/referrals/{referral_id}/{action}", referral_act, methods=["POST"]),
    Route("/ethics/register", register_page, methods=["GET"]),
    Route("/ethics/register/{opinion_id}", register_entry, methods=["GET"]),
    Route("/ethics/register/{opinion_id}/translate", register_translate, methods=["POST"]),
    Route("/ethics/register/{opinion_id}/follow-up", register_follow_up, methods=["POST"]),
]
