"""The secretariat's consultation form, without JavaScript: its state (what the fields hold), read
from a consultation or from a submission, and turned into the API's definition shape so that the
page and the API share one validation (`definition.parse`).

Questions and options are numbered fields (`q0_ref`, `q0_o1_fr`…); "add a question" and "more
options" are submit buttons that re-render the form with more empty rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from agora.consultations.models import Consultation
from agora.consultations.tally import COLLEGES, DECISION_TYPES, QUESTION_TYPES
from agora.i18n.formatting import BRUSSELS
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx

State = dict[str, Any]
EXTRA_OPTIONS = 2
MAX_ROWS = 60


def local(moment: datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M")


def _texts(source: dict[str, str] | None) -> dict[str, str]:
    return {code: (source or {}).get(code, "") for code in LANGUAGES}


def empty_question(number: int) -> State:
    return {"ref": "", "type": "yes_no", "decision_type": "ordinary", "title": _texts(None), "max_choices": "",
            "budget_total": "", "options": [empty_option() for _ in range(EXTRA_OPTIONS + 1)], "number": number}


def empty_option() -> State:
    return {"key": "", "label": _texts(None)}


def new_state(weights: dict[str, Decimal], quorum: dict[str, Fraction], now: datetime) -> State:
    tomorrow = (now.astimezone(BRUSSELS) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return {
        "title": _texts(None), "description": _texts(None), "binding": False, "allow_change": True,
        "colleges": [], "regions": [], "weighting_mode": "colleges",
        "weights": {c: str(weights.get(c, Decimal(0))) for c in COLLEGES},
        "quorum_mode": "global",
        "quorum": {k: str(Decimal(v.numerator) / Decimal(v.denominator)) for k, v in quorum.items()},
        "opens_at": local(tomorrow), "closes_at": local(tomorrow + timedelta(days=14, hours=9)),
        "questions": [empty_question(1)],
    }


def state_of(consultation: Consultation) -> State:
    c = consultation
    return {
        "title": _texts(c.titles), "description": _texts(c.descriptions), "binding": c.binding,
        "allow_change": c.allow_change, "colleges": list(c.eligible_colleges or []),
        "regions": list(c.eligible_regions or []), "weighting_mode": c.weighting_mode,
        "weights": {college: c.weights.get(college, "0") for college in COLLEGES},
        "quorum_mode": c.quorum_mode, "quorum": dict(c.quorum),
        "opens_at": local(c.opens_at), "closes_at": local(c.closes_at),
        "questions": [
            {"ref": q.ref, "type": q.type, "decision_type": q.decision_type, "title": _texts(q.titles),
             "max_choices": str(q.max_choices or ""), "budget_total": str(q.budget_total or ""),
             "options": [{"key": o.key, "label": _texts(o.labels)} for o in q.options]
             + [empty_option() for _ in range(EXTRA_OPTIONS)], "number": n + 1}
            for n, q in enumerate(c.questions)
        ],
    }


def _count(ctx: Ctx, name: str) -> int:
    text = ctx.field(name)
    return min(int(text), MAX_ROWS) if text.isdigit() else 0


def submitted(ctx: Ctx) -> State:
    """The form as sent, with an extra empty question or option rows when asked for."""
    action = ctx.field("action")
    questions = []
    for i in range(_count(ctx, "question_count")):
        if ctx.field(f"q{i}_remove"):
            continue
        options = [{"key": ctx.field(f"q{i}_o{j}_key"),
                    "label": {code: ctx.field(f"q{i}_o{j}_{code}") for code in LANGUAGES}}
                   for j in range(_count(ctx, f"q{i}_option_count"))]
        if action == "add_options":
            options += [empty_option() for _ in range(EXTRA_OPTIONS)]
        kind = ctx.field(f"q{i}_type")
        decision = ctx.field(f"q{i}_decision_type")
        questions.append({
            "ref": ctx.field(f"q{i}_ref"), "type": kind if kind in QUESTION_TYPES else "yes_no",
            "decision_type": decision if decision in DECISION_TYPES else "ordinary",
            "title": {code: ctx.field(f"q{i}_title_{code}") for code in LANGUAGES},
            "max_choices": ctx.field(f"q{i}_max_choices"), "budget_total": ctx.field(f"q{i}_budget_total"),
            "options": options, "number": len(questions) + 1,
        })
    if action == "add_question" and len(questions) < MAX_ROWS:
        questions.append(empty_question(len(questions) + 1))
    return {
        "title": {code: ctx.field(f"title_{code}") for code in LANGUAGES},
        "description": {code: ctx.field(f"description_{code}") for code in LANGUAGES},
        "binding": ctx.field("binding") == "1", "allow_change": ctx.field("allow_change") == "1",
        "colleges": [c for c in ctx.fields("colleges") if c in COLLEGES], "regions": ctx.fields("regions"),
        "weighting_mode": ctx.field("weighting_mode"),
        "weights": {c: ctx.field(f"weight_{c}") for c in COLLEGES},
        "quorum_mode": ctx.field("quorum_mode"),
        "quorum": {k: ctx.field(f"quorum_{k}") for k in DECISION_TYPES},
        "opens_at": ctx.field("opens_at"), "closes_at": ctx.field("closes_at"),
        "questions": questions,
    }


def _blank(texts: dict[str, str]) -> bool:
    return not any(text.strip() for text in texts.values())


def _int_or_text(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text


def definition(state: State) -> dict[str, Any]:
    """The API's definition shape; blank rows are left out, missing keys and refs numbered."""
    questions = []
    for q in state["questions"]:
        if not q["ref"].strip() and _blank(q["title"]):
            continue
        item: dict[str, Any] = {"ref": q["ref"].strip() or f"q{len(questions) + 1}", "type": q["type"],
                                "decision_type": q["decision_type"], "title": q["title"]}
        if q["type"] != "yes_no":
            options = [o for o in q["options"] if o["key"].strip() or not _blank(o["label"])]
            item["options"] = [{"key": o["key"].strip() or f"o{n + 1}", "label": o["label"]}
                               for n, o in enumerate(options)]
        if q["type"] == "multiple_choice":
            item["max_choices"] = _int_or_text(q["max_choices"])
        if q["type"] == "budget":
            item["budget_total"] = _int_or_text(q["budget_total"]) or 0
        questions.append(item)
    weighting: dict[str, Any] = {"mode": state["weighting_mode"] or "colleges"}
    if weighting["mode"] == "colleges":
        weighting["weights"] = {c: w or "0" for c, w in state["weights"].items()}
    return {
        "title": state["title"], "description": state["description"], "binding": state["binding"],
        "allow_change": state["allow_change"],
        "eligibility": {"colleges": state["colleges"] or None, "regions": state["regions"] or None},
        "weighting": weighting,
        "quorum": {"mode": state["quorum_mode"] or "global",
                   **{k: v for k, v in state["quorum"].items() if v.strip()}},
        "opens_at": state["opens_at"], "closes_at": state["closes_at"],
        "questions": questions,
    }
