"""What an administrator submits to create or edit a consultation (API JSON, or the page form turned
into the same shape), checked once and turned into a `Definition`.

Every check names the problem in the reader's language and the field it is about, for a 422.
Numbers (weights, thresholds) are kept exact: a JSON 0.55 becomes Decimal("0.55"), never a float sum.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from agora.consultations.tally import (
    ABSTAIN,
    COLLEGES,
    DECISION_TYPES,
    QUESTION_TYPES,
    QUORUM_MODES,
    WEIGHTING_MODES,
)
from agora.i18n import gettext as _
from agora.i18n.formatting import BRUSSELS
from agora.settings import LANGUAGES

KEY = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MAX_QUESTIONS = 50
MAX_OPTIONS = 50
TITLE_LENGTH = 300
TEXT_LENGTH = 20000
LABEL_LENGTH = 500
CHOICE_TYPES = ("single_choice", "multiple_choice", "ranking", "budget")


class DefinitionError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class OptionDef:
    key: str
    labels: dict[str, str]


@dataclass(frozen=True)
class QuestionDef:
    ref: str
    type: str
    decision_type: str
    titles: dict[str, str]
    options: tuple[OptionDef, ...]
    max_choices: int | None = None
    budget_total: int | None = None


@dataclass(frozen=True)
class Definition:
    titles: dict[str, str]
    descriptions: dict[str, str]
    binding: bool
    colleges: list[str] | None
    regions: list[str] | None
    weighting_mode: str
    weights: dict[str, Decimal]
    quorum_mode: str
    quorum: dict[str, Decimal]
    allow_change: bool
    opens_at: datetime
    closes_at: datetime
    questions: tuple[QuestionDef, ...]


@dataclass(frozen=True)
class Defaults:
    """What an omitted `weighting` or `quorum` takes: the colleges' weights and the settings' quorums."""

    weights: dict[str, Decimal]
    quorum: dict[str, Fraction]
    region_slugs: frozenset[str]


def parse(data: Mapping[str, Any], defaults: Defaults) -> Definition:
    if not isinstance(data, Mapping):
        raise DefinitionError("", _("The request body must be a JSON object."))
    titles = _texts(data.get("title"), "title", TITLE_LENGTH, required=True)
    descriptions = _texts(data.get("description"), "description", TEXT_LENGTH, required=False)
    binding = _bool(data.get("binding", False), "binding")
    colleges, regions = _eligibility(data.get("eligibility"), defaults)
    weighting_mode, weights = _weighting(data.get("weighting"), defaults)
    quorum_mode, quorum = _quorum(data.get("quorum"), defaults)
    if quorum_mode == "weighted" and weighting_mode != "colleges":
        raise DefinitionError("quorum.mode", _("The weighted quorum mode needs the colleges weighting."))
    opens_at = _datetime(data.get("opens_at"), "opens_at")
    closes_at = _datetime(data.get("closes_at"), "closes_at")
    if closes_at <= opens_at:
        raise DefinitionError("closes_at", _("The closing time must come after the opening time."))
    return Definition(
        titles=titles, descriptions=descriptions, binding=binding, colleges=colleges, regions=regions,
        weighting_mode=weighting_mode, weights=weights, quorum_mode=quorum_mode, quorum=quorum,
        allow_change=_bool(data.get("allow_change", False), "allow_change"),
        opens_at=opens_at, closes_at=closes_at, questions=_questions(data.get("questions")),
    )


# --- pieces --------------------------------------------------------------------------------------

def _texts(value: Any, field: str, limit: int, *, required: bool) -> dict[str, str]:
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise DefinitionError(field, _("%(field)s must be an object of texts by language (fr, nl, de).")
                              % {"field": field})
    texts: dict[str, str] = {}
    for language, text in value.items():
        if language not in LANGUAGES:
            raise DefinitionError(field, _("%(field)s has a text in an unknown language: %(language)s.")
                                  % {"field": field, "language": str(language)[:10]})
        if text is None:
            continue
        if not isinstance(text, str):
            raise DefinitionError(field, _("%(field)s must hold texts.") % {"field": field})
        if len(text) > limit:
            raise DefinitionError(field, _("%(field)s is too long (at most %(limit)s characters).")
                                  % {"field": field, "limit": limit})
        if text.strip():
            texts[language] = text.strip()
    if required and not texts:
        raise DefinitionError(field, _("%(field)s needs a text in at least one language.") % {"field": field})
    return texts


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise DefinitionError(field, _("%(field)s must be true or false.") % {"field": field})
    return value


def decimal(value: Any, field: str) -> Decimal:
    """An exact decimal from a JSON number or a string: 0.55 stays 0.55."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise DefinitionError(field, _("%(field)s must be a number.") % {"field": field})
    if isinstance(value, float) and not math.isfinite(value):
        raise DefinitionError(field, _("%(field)s must be a number.") % {"field": field})
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise DefinitionError(field, _("%(field)s must be a number.") % {"field": field}) from None
    if not number.is_finite():
        raise DefinitionError(field, _("%(field)s must be a number.") % {"field": field})
    return number


def _eligibility(value: Any, defaults: Defaults) -> tuple[list[str] | None, list[str] | None]:
    if value is None:
        return None, None
    if not isinstance(value, Mapping):
        raise DefinitionError("eligibility", _("eligibility must be an object with colleges and regions."))
    colleges = value.get("colleges")
    if colleges is not None:
        if not isinstance(colleges, list) or not colleges:
            raise DefinitionError("eligibility.colleges",
                                  _("eligibility.colleges must be a non-empty list of colleges, or null."))
        for college in colleges:
            if college not in COLLEGES:
                raise DefinitionError("eligibility.colleges", _("Unknown college: %(college)s.")
                                      % {"college": str(college)[:40]})
        colleges = [c for c in COLLEGES if c in colleges]
    regions = value.get("regions")
    if regions is not None:
        if not isinstance(regions, list) or not regions:
            raise DefinitionError("eligibility.regions",
                                  _("eligibility.regions must be a non-empty list of regions, or null."))
        for region in regions:
            if not isinstance(region, str) or region not in defaults.region_slugs:
                raise DefinitionError("eligibility.regions", _("Unknown region: %(region)s.")
                                      % {"region": str(region)[:40]})
        regions = sorted(set(regions))
    return colleges, regions


def _weighting(value: Any, defaults: Defaults) -> tuple[str, dict[str, Decimal]]:
    if value is None:
        return "colleges", dict(defaults.weights)
    if not isinstance(value, Mapping):
        raise DefinitionError("weighting", _("weighting must be an object with a mode and weights."))
    mode = value.get("mode", "colleges")
    if mode not in WEIGHTING_MODES:
        raise DefinitionError("weighting.mode", _("Unknown weighting mode: %(mode)s. Use colleges or "
                                                  "one_person_one_vote.") % {"mode": str(mode)[:40]})
    raw = value.get("weights")
    if raw is None:
        return mode, dict(defaults.weights)
    if not isinstance(raw, Mapping):
        raise DefinitionError("weighting.weights", _("weighting.weights must be an object of weights by college."))
    weights = dict.fromkeys(COLLEGES, Decimal(0))
    for college, weight in raw.items():
        if college not in COLLEGES:
            raise DefinitionError("weighting.weights", _("Unknown college: %(college)s.")
                                  % {"college": str(college)[:40]})
        number = decimal(weight, f"weighting.weights.{college}")
        if number < 0:
            raise DefinitionError("weighting.weights", _("The weight of %(college)s must not be negative.")
                                  % {"college": college})
        weights[college] = number
    total = sum(weights.values(), Decimal(0))
    if total != 1:  # API.md: weights given must sum to 1, whatever the mode
        raise DefinitionError("weighting.weights", _("The weights must add up to exactly 1; they add up to "
                                                     "%(total)s.") % {"total": str(total.normalize())})
    return mode, weights


def _quorum(value: Any, defaults: Defaults) -> tuple[str, dict[str, Decimal]]:
    quorum = {kind: Decimal(q.numerator) / Decimal(q.denominator) for kind, q in defaults.quorum.items()}
    if value is None:
        return "global", quorum
    if not isinstance(value, Mapping):
        raise DefinitionError("quorum", _("quorum must be an object with a mode and thresholds."))
    mode = value.get("mode", "global")
    if mode not in QUORUM_MODES:
        raise DefinitionError("quorum.mode", _("Unknown quorum mode: %(mode)s. Use global, per_college or "
                                               "weighted.") % {"mode": str(mode)[:40]})
    for kind in DECISION_TYPES:
        if value.get(kind) is not None:
            number = decimal(value[kind], f"quorum.{kind}")
            if not 0 <= number <= 1:
                raise DefinitionError(f"quorum.{kind}", _("The quorum %(kind)s must lie between 0 and 1.")
                                      % {"kind": kind})
            quorum[kind] = number
    return mode, quorum


def _datetime(value: Any, field: str) -> datetime:
    if not isinstance(value, str) or not value:
        raise DefinitionError(field, _("%(field)s is required: a date and time such as "
                                       "2026-12-01T09:00:00+01:00.") % {"field": field})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise DefinitionError(field, _("%(field)s is not a date and time such as 2026-12-01T09:00:00+01:00.")
                              % {"field": field}) from None
    if moment.tzinfo is None:  # a local time: Brussels, as the forms show it
        moment = moment.replace(tzinfo=BRUSSELS)
    return moment


def _questions(value: Any) -> tuple[QuestionDef, ...]:
    if not isinstance(value, list) or not value:
        raise DefinitionError("questions", _("A consultation needs at least one question."))
    if len(value) > MAX_QUESTIONS:
        raise DefinitionError("questions", _("A consultation has at most %(limit)s questions.")
                              % {"limit": MAX_QUESTIONS})
    questions = [_question(item, index) for index, item in enumerate(value)]
    seen: set[str] = set()
    for question in questions:
        if question.ref in seen:
            raise DefinitionError("questions", _("Two questions have the same reference: %(ref)s.")
                                  % {"ref": question.ref})
        seen.add(question.ref)
    return tuple(questions)


def _question(item: Any, index: int) -> QuestionDef:
    where = f"questions[{index}]"
    if not isinstance(item, Mapping):
        raise DefinitionError(where, _("Question %(number)s must be an object.") % {"number": index + 1})
    ref = item.get("ref")
    if not isinstance(ref, str) or not KEY.match(ref):
        raise DefinitionError(f"{where}.ref", _("Question %(number)s needs a reference of 1 to 32 letters, "
                                                "digits, - or _.") % {"number": index + 1})
    kind = item.get("type")
    if kind not in QUESTION_TYPES:
        raise DefinitionError(f"{where}.type", _("Question %(ref)s has an unknown type: %(type)s.")
                              % {"ref": ref, "type": str(kind)[:40]})
    decision = item.get("decision_type", "ordinary")
    if decision not in DECISION_TYPES:
        raise DefinitionError(f"{where}.decision_type", _(
            "Question %(ref)s has an unknown decision type: %(decision)s."
        ) % {"ref": ref, "decision": str(decision)[:40]})
    # Optional in a draft, as API.md's example has it: opening names a question lacking its texts
    # (`rules.missing_for_opening`).
    titles = _texts(item.get("title"), f"{where}.title", TEXT_LENGTH, required=False)
    options = _options(item.get("options"), kind, ref, where)
    return QuestionDef(ref=ref, type=kind, decision_type=decision, titles=titles, options=options,
                       max_choices=_max_choices(item.get("max_choices"), kind, ref, len(options), where),
                       budget_total=_budget_total(item.get("budget_total"), kind, ref, where))


def _options(value: Any, kind: str, ref: str, where: str) -> tuple[OptionDef, ...]:
    if kind == "yes_no":
        if value:
            raise DefinitionError(f"{where}.options", _("Question %(ref)s is a yes/no question: its options are "
                                                        "always yes, no and abstain.") % {"ref": ref})
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) < 2:
        raise DefinitionError(f"{where}.options", _("Question %(ref)s needs at least two options.") % {"ref": ref})
    if len(value) > MAX_OPTIONS:
        raise DefinitionError(f"{where}.options", _("Question %(ref)s has more than %(limit)s options.")
                              % {"ref": ref, "limit": MAX_OPTIONS})
    options: list[OptionDef] = []
    for position, raw in enumerate(value):
        key, labels = (raw, {}) if isinstance(raw, str) else _option_parts(raw, ref, position, where)
        if not isinstance(key, str) or not KEY.match(key) or key == ABSTAIN:
            raise DefinitionError(f"{where}.options", _("Option %(number)s of question %(ref)s needs a key of 1 to "
                                                        "32 letters, digits, - or _ (not abstain).")
                                  % {"number": position + 1, "ref": ref})
        if any(option.key == key for option in options):
            raise DefinitionError(f"{where}.options", _("Question %(ref)s has two options with the key %(key)s.")
                                  % {"ref": ref, "key": key})
        options.append(OptionDef(key, labels))
    return tuple(options)


def _option_parts(raw: Any, ref: str, position: int, where: str) -> tuple[Any, dict[str, str]]:
    if not isinstance(raw, Mapping):
        raise DefinitionError(f"{where}.options", _("Option %(number)s of question %(ref)s must be an object "
                                                    "with a key and a label.") % {"number": position + 1, "ref": ref})
    return raw.get("key"), _texts(raw.get("label"), f"{where}.options[{position}].label", LABEL_LENGTH,
                                  required=False)


def _max_choices(value: Any, kind: str, ref: str, option_count: int, where: str) -> int | None:
    if value is None:
        return None
    if kind != "multiple_choice":
        raise DefinitionError(f"{where}.max_choices", _("Question %(ref)s: only a multiple choice question has a "
                                                        "maximum number of choices.") % {"ref": ref})
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= option_count:
        raise DefinitionError(f"{where}.max_choices", _(
            "Question %(ref)s: the maximum number of choices must be between 1 and %(count)s."
        ) % {"ref": ref, "count": option_count})
    return value


def _budget_total(value: Any, kind: str, ref: str, where: str) -> int | None:
    if kind != "budget":
        if value is not None:
            raise DefinitionError(f"{where}.budget_total", _("Question %(ref)s: only a budget question has a "
                                                             "budget total.") % {"ref": ref})
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DefinitionError(f"{where}.budget_total", _("Question %(ref)s: the budget total must be a whole "
                                                         "number greater than 0.") % {"ref": ref})
    return value
