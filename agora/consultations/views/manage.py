"""The secretariat's pages: create and edit a draft, preview it, approve, open, close, second call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from agora import i18n
from agora.consultations import access, errors, lifecycle, rules, services
from agora.consultations.definition import DefinitionError, parse
from agora.consultations.models import Consultation, pick_language
from agora.consultations.tally import COLLEGES, DECISION_TYPES, QUESTION_TYPES, QUORUM_MODES
from agora.consultations.views import admin_form
from agora.consultations.views.common import base_context, type_names, voter_situation
from agora.consultations.views.voter import render_show
from agora.db import utcnow
from agora.people.labels import college_names
from agora.people.services import list_regions
from agora.permissions import Permission, ensure
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, page


def _render_form(ctx: Ctx, state: admin_form.State, consultation: Consultation | None, *, status: int = 200,
                 error: str | None = None, field: str | None = None) -> Response:
    return ctx.render(
        "consultations/form.html", status=status, state=state, consultation=consultation, error=error,
        error_field=field, colleges=college_names(), types=type_names(), question_types=QUESTION_TYPES,
        decision_types=DECISION_TYPES, quorum_modes=QUORUM_MODES, college_keys=COLLEGES,
        regions=list_regions(ctx.db), languages=LANGUAGES, lang=ctx.language,
    )


def _save(ctx: Ctx, consultation: Consultation | None) -> Response:
    state = admin_form.submitted(ctx)
    if ctx.field("action") in ("add_question", "add_options"):
        return _render_form(ctx, state, consultation)
    try:
        definition = parse(admin_form.definition(state), services.defaults(ctx.db, ctx.settings))
    except DefinitionError as error:
        return _render_form(ctx, state, consultation, status=422, error=error.message, field=error.field)
    assert ctx.person is not None
    if consultation is None:
        consultation = services.create(ctx.db, definition, ctx.person, ctx.settings)
    else:
        consultation = services.update(ctx.db, consultation, definition, ctx.person)
    return ctx.redirect(f"/consultations/{consultation.id}")


@page
def new(ctx: Ctx) -> Response:
    ensure(ctx.principal, Permission.CONSULTATIONS_MANAGE)
    if ctx.request.method == "POST":
        return _save(ctx, None)
    defaults = services.defaults(ctx.db, ctx.settings)
    return _render_form(ctx, admin_form.new_state(defaults.weights, defaults.quorum, utcnow()), None)


@page
def edit(ctx: Ctx) -> Response:
    consultation = access.consultation(ctx, manage=True)
    if not rules.editable(consultation):
        raise errors.locked()
    if ctx.request.method == "POST":
        return _save(ctx, consultation)
    return _render_form(ctx, admin_form.state_of(consultation), consultation)


@page
def preview(ctx: Ctx) -> Response:
    """The voter's page as a voter reading `?lang=` will see it, interface included."""
    consultation = access.consultation(ctx, manage=True)
    language = ctx.request.query_params.get("lang", ctx.language)
    language = language if language in LANGUAGES else ctx.language
    with i18n.language(language):
        context = base_context(ctx, consultation)
        context["lang"] = language
        context["lang_of"] = lambda texts: pick_language(texts, language)
        situation = voter_situation(ctx, consultation)
        situation.update(eligible=True, voted=False, reason=None, accepting=True)
        return ctx.render("consultations/preview.html", **context, me=situation, preview_language=language,
                          languages=LANGUAGES, errors={}, participation=None, panel={})


def _act(ctx: Ctx, action: Callable[[Consultation], Any], *, redirect: Callable[[Any], str] | None = None) -> Response:
    consultation = access.consultation(ctx, manage=True)
    try:
        outcome = action(consultation)
    except errors.Refused as refused:
        return render_show(ctx, consultation, status=refused.status, admin_error=refused.message)
    return ctx.redirect(redirect(outcome) if redirect else f"/consultations/{consultation.id}")


@page
def approve(ctx: Ctx) -> Response:
    return _act(ctx, lambda c: services.approve(ctx.db, c, ctx.person, utcnow()))  # type: ignore[arg-type]


@page
def open_(ctx: Ctx) -> Response:
    return _act(ctx, lambda c: lifecycle.open_now(ctx.db, c.id, ctx.principal.id, utcnow()))


@page
def close(ctx: Ctx) -> Response:
    return _act(ctx, lambda c: lifecycle.close_now(ctx.db, c.id, ctx.principal.id, utcnow()))


@page
def second_call(ctx: Ctx) -> Response:
    return _act(ctx, lambda c: services.second_call(ctx.db, c, ctx.person, ctx.settings, utcnow()),  # type: ignore[arg-type]
                redirect=lambda copy: f"/consultations/{copy.id}/edit")

