"""Everyone's pages: the list, a consultation (read, vote, participation), results, tracking codes."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from agora.consultations import access, errors, export, rules, services, voting
from agora.consultations import results as counted
from agora.consultations.api import yes_no_labels
from agora.consultations.models import Consultation, Status, pick_language
from agora.consultations.views import ballot_form, charts
from agora.consultations.views.common import admin_panel, base_context, voter_situation
from agora.i18n import gettext as _
from agora.web.endpoint import Ctx, Problem, page

PAGE_SIZE = 100


def _signed_in(ctx: Ctx) -> None:
    if ctx.person is None:
        raise Problem(401, "unauthenticated", _("Please sign in."))


@page
def index(ctx: Ctx) -> Response:
    _signed_in(ctx)
    found = services.listing(ctx.db, drafts=rules.may_manage(ctx.principal))
    groups = {status: [c for c in found if c.status == status] for status in Status}
    return ctx.render("consultations/index.html", groups=groups, manager=rules.may_manage(ctx.principal),
                      lang=ctx.language, lang_of=lambda texts: pick_language(texts, ctx.language))


def render_show(ctx: Ctx, consultation: Consultation, *, status: int = 200, **extra: Any) -> Response:
    situation = voter_situation(ctx, consultation)
    if "values" in extra:
        situation["values"] = extra.pop("values")
    participation = voting.participation(ctx.db, consultation) if consultation.status != Status.DRAFT else None
    base = base_context(ctx, consultation)
    picture = charts.participation_picture(participation, base["colleges"]) if participation else None
    return ctx.render("consultations/show.html", status=status, **base, participation_picture=picture,
                      me=situation, participation=participation, panel=admin_panel(ctx, consultation),
                      errors=extra.pop("errors", {}), **extra)


@page
def show(ctx: Ctx) -> Response:
    _signed_in(ctx)
    return render_show(ctx, access.consultation(ctx))


@page
def ballot(ctx: Ctx) -> Response:
    _signed_in(ctx)
    assert ctx.person is not None
    consultation = access.consultation(ctx, signed_in=True)
    answers, problems = ballot_form.read(ctx, consultation)
    if problems:
        return render_show(ctx, consultation, status=422, errors=problems,
                           values=ballot_form.submitted_values(ctx, consultation),
                           ballot_error=_("Your ballot was not recorded: please correct the answers marked below."))
    try:
        cast = voting.cast(ctx.db, consultation.id, ctx.person, answers, secret_key=ctx.settings.secret_key)
    except errors.Refused as refused:
        if refused.status == 404:
            raise
        question = refused.detail.get("question")
        return render_show(ctx, consultation, status=refused.status,
                           errors={question: refused.message} if question else {},
                           values=ballot_form.submitted_values(ctx, consultation),
                           ballot_error=refused.message)
    return ctx.render("consultations/voted.html", **base_context(ctx, consultation), code=cast.tracking_code,
                      changed=cast.changed)


def _closed(ctx: Ctx) -> Consultation:
    _signed_in(ctx)
    consultation = access.consultation(ctx, signed_in=True)
    if not rules.results_published(consultation):
        raise errors.not_closed()
    return consultation


def option_labels(consultation: Consultation, language: str) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    words = yes_no_labels()
    for question in consultation.questions:
        if question.type == "yes_no":
            labels[question.ref] = {"yes": words["yes"], "no": words["no"]}
        else:
            labels[question.ref] = {o.key: o.label(language) for o in question.options}
        labels[question.ref]["abstain"] = words["abstain"]
    return labels


@page
def results(ctx: Ctx) -> Response:
    consultation = _closed(ctx)
    base = base_context(ctx, consultation)
    published = counted.published(consultation)
    labels = option_labels(consultation, ctx.language)
    names = base["colleges"]
    figures = []
    for question in consultation.questions:
        result = published["questions"][question.ref]
        arithmetic = consultation.arithmetic[question.ref]  # type: ignore[index]
        titles = {"all": _("Weighted result") if consultation.weighting_mode == "colleges" else _("Result"),
                  **{c: _("College: %(college)s") % {"college": name} for c, name in names.items()}}
        figures.append({"question": question, "result": result, "measure": arithmetic["measure"],
                        "charts": charts.question_charts(question.ref, result, arithmetic, labels[question.ref],
                                                         titles, names)})
    return ctx.render("consultations/results.html", **base, published=published, figures=figures, labels=labels,
                      panel=admin_panel(ctx, consultation))


@page
def results_csv(ctx: Ctx) -> Response:
    consultation = _closed(ctx)
    text = export.results_csv(consultation, ctx.language, yes_no_labels())
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="consultation-{consultation.id}-results.csv"'})


def _normalise_code(text: str) -> str:
    raw = "".join(ch for ch in text.upper() if ch.isalnum())[:16]
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@page
def tracking_codes(ctx: Ctx) -> Response:
    consultation = _closed(ctx)
    query = _normalise_code(ctx.request.query_params.get("code", ""))
    number = ctx.request.query_params.get("page", "1")
    page_number = int(number) if number.isdigit() and 0 < int(number) < 100000 else 1
    rows, total = voting.tracking_page(ctx.db, consultation.id, query, PAGE_SIZE, page_number)
    return ctx.render("consultations/tracking_codes.html", **base_context(ctx, consultation), rows=rows,
                      total=total, query=query, page=page_number, page_size=PAGE_SIZE,
                      labels=option_labels(consultation, ctx.language))
