"""The arithmetic of consultation results: pure, exact, with no I/O.

The rules are DESIGN.md "Tally rules" and API.md "Consultations". Ballots are streamed into exact
integer sums (`Accumulator`); `tally` turns the sums into the API's results "questions" object with
`fractions.Fraction` throughout and converts to float only at the very end. Every intermediate figure
also goes into an "arithmetic" record, from which `agora.consultations.explain` writes the prose.

Vocabulary, per question and college c:

- voters_c: people of c who cast a ballot (every ballot answers every question, "abstain" included);
- abstain_c: ballots of c whose answer to the question is "abstain";
- valid_c = voters_c - abstain_c; c is *active* when valid_c > 0;
- sums_c(o): the integer contribution of c's ballots to option o: ballots choosing o (yes/no, single
  and multiple choice), points given to o (ranking: m - r for the r-th of m options), or amount given
  to o (budget);
- mean_c(o) = sums_c(o) / valid_c: a share, mean points or mean allocation per valid ballot;
- colleges weighting: value(o) = sum_active w_c * mean_c(o) / sum_active w_c;
- one person, one vote: value(o) = sum_c sums_c(o) / sum_c valid_c.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational
from typing import Any, Literal

QuestionType = Literal["yes_no", "single_choice", "multiple_choice", "ranking", "budget"]
DecisionType = Literal["ordinary", "extraordinary"]

QUESTION_TYPES: tuple[str, ...] = ("yes_no", "single_choice", "multiple_choice", "ranking", "budget")
DECISION_TYPES: tuple[str, ...] = ("ordinary", "extraordinary")
WEIGHTING_MODES: tuple[str, ...] = ("colleges", "one_person_one_vote")
QUORUM_MODES: tuple[str, ...] = ("global", "per_college", "weighted")
COLLEGES: tuple[str, ...] = ("members", "permanents", "clients", "partners")
ABSTAIN = "abstain"
YES_NO_OPTIONS: tuple[str, ...] = ("yes", "no")

# What a valid ballot adds to an option, by question type; also names the weighted figure.
MEASURES: dict[str, str] = {
    "yes_no": "share",
    "single_choice": "share",
    "multiple_choice": "share",
    "ranking": "points",
    "budget": "allocation",
}
_RESULT_KEYS = {"share": "weighted_shares", "points": "weighted_points", "allocation": "weighted_allocation"}

# How Accumulator.add counts an answer (see there).
_ONE, _MANY, _RANKED, _AMOUNTS = range(4)
_KINDS = {
    "yes_no": _ONE,
    "single_choice": _ONE,
    "multiple_choice": _MANY,
    "ranking": _RANKED,
    "budget": _AMOUNTS,
}


def _is_exact_number(value: object) -> bool:
    return isinstance(value, Rational) and not isinstance(value, bool)


def _is_int_at_least(value: object, lowest: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= lowest


@dataclass(frozen=True)
class QuestionSpec:
    """What the tally needs to know about one question."""

    ref: str
    type: QuestionType
    decision_type: DecisionType
    options: tuple[str, ...]  # option keys; for yes_no always ("yes", "no")
    max_choices: int | None = None  # multiple_choice; None: any number
    budget_total: int | None = None  # budget

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        if self.type not in QUESTION_TYPES:
            raise ValueError(f"question {self.ref!r}: unknown type {self.type!r}")
        if self.decision_type not in DECISION_TYPES:
            raise ValueError(f"question {self.ref!r}: unknown decision type {self.decision_type!r}")
        options = self.options
        if not options or not all(isinstance(o, str) for o in options):
            raise ValueError(f"question {self.ref!r}: options must be a non-empty tuple of keys")
        if len(set(options)) != len(options) or ABSTAIN in options:
            raise ValueError(f"question {self.ref!r}: option keys must be unique and not {ABSTAIN!r}")
        if self.type == "yes_no" and options != YES_NO_OPTIONS:
            raise ValueError(f"question {self.ref!r}: a yes/no question has the options {YES_NO_OPTIONS}")
        if self.type == "multiple_choice":
            if self.max_choices is not None and not _is_int_at_least(self.max_choices, 1):
                raise ValueError(f"question {self.ref!r}: max_choices must be a positive integer or None")
        elif self.max_choices is not None:
            raise ValueError(f"question {self.ref!r}: max_choices applies to multiple_choice questions only")
        if self.type == "budget":
            if not _is_int_at_least(self.budget_total, 1):
                raise ValueError(f"question {self.ref!r}: budget_total must be a positive integer")
        elif self.budget_total is not None:
            raise ValueError(f"question {self.ref!r}: budget_total applies to budget questions only")


@dataclass(frozen=True)
class Rules:
    """How a consultation is counted: its weighting, quorum and majority settings, all exact."""

    weighting_mode: Literal["colleges", "one_person_one_vote"]
    weights: Mapping[str, Fraction]  # per college; a college left out weighs 0
    quorum_mode: Literal["global", "per_college", "weighted"]
    quorum: Mapping[str, Fraction]  # {"ordinary": Fraction(15, 100), "extraordinary": Fraction(20, 100)}
    majority: Mapping[str, Fraction]  # {"ordinary": Fraction(1, 2), "extraordinary": Fraction(3, 4)}
    binding: bool = True

    def __post_init__(self) -> None:
        if self.weighting_mode not in WEIGHTING_MODES:
            raise ValueError(f"unknown weighting mode {self.weighting_mode!r}")
        if self.quorum_mode not in QUORUM_MODES:
            raise ValueError(f"unknown quorum mode {self.quorum_mode!r}")
        if self.quorum_mode == "weighted" and self.weighting_mode != "colleges":
            raise ValueError("the weighted quorum mode needs colleges weighting")
        for college, weight in self.weights.items():
            if college not in COLLEGES:
                raise ValueError(f"unknown college {college!r} in weights")
            if not _is_exact_number(weight):
                raise TypeError(f"weight of {college!r} must be exact (int or Fraction), not {weight!r}")
            if weight < 0:
                raise ValueError(f"weight of {college!r} is negative")
        if self.weighting_mode == "colleges" and sum(self.weights.values()) != 1:
            raise ValueError("college weights must sum to exactly 1")
        for name, thresholds in (("quorum", self.quorum), ("majority", self.majority)):
            for decision_type in DECISION_TYPES:
                value = thresholds.get(decision_type)
                if not _is_exact_number(value):
                    raise TypeError(f"{name}[{decision_type!r}] must be an int or a Fraction, not {value!r}")
                assert value is not None  # for type checkers; _is_exact_number(None) is False
                if not 0 <= value <= 1:
                    raise ValueError(f"{name}[{decision_type!r}] must lie between 0 and 1")

    def weight(self, college: str) -> Fraction:
        return Fraction(self.weights.get(college, 0))


def validate_answer(spec: QuestionSpec, answer: object) -> str | None:
    """None when `answer` fits the question; else an error code for a 422 naming the question.

    Codes: missing, wrong_type, unknown_option, empty_choice, too_many_choices, ranking_repeats
    (an option twice in a ranking or a multiple choice), budget_negative, budget_sum.
    "abstain" is a whole answer for every type; `None` stands for "not answered".
    """
    if answer is None:
        return "missing"
    if isinstance(answer, str):
        if answer == ABSTAIN:
            return None
        if spec.type in ("yes_no", "single_choice"):
            return None if answer in spec.options else "unknown_option"
        return "wrong_type"
    if spec.type in ("yes_no", "single_choice"):
        return "wrong_type"
    if spec.type == "budget":
        return _validate_budget(spec, answer)
    if not isinstance(answer, list | tuple):
        return "wrong_type"
    if not answer:
        return "empty_choice"
    if not all(isinstance(option, str) for option in answer):
        return "wrong_type"
    if not set(answer) <= set(spec.options):
        return "unknown_option"
    if len(set(answer)) != len(answer):
        return "ranking_repeats"
    if spec.type == "multiple_choice" and spec.max_choices is not None and len(answer) > spec.max_choices:
        return "too_many_choices"
    return None


def _validate_budget(spec: QuestionSpec, answer: object) -> str | None:
    if not isinstance(answer, Mapping):
        return "wrong_type"
    if not all(isinstance(option, str) for option in answer):
        return "wrong_type"
    if not set(answer) <= set(spec.options):
        return "unknown_option"
    amounts = list(answer.values())
    if not all(isinstance(amount, int) and not isinstance(amount, bool) for amount in amounts):
        return "wrong_type"
    if not all(amount >= 0 for amount in amounts):
        return "budget_negative"
    if sum(amounts) != spec.budget_total:
        return "budget_sum"
    return None


class Accumulator:
    """Streams validated ballots into exact integer sums per college, question and option.

    `add` trusts its input (run `validate_answer` first): an unknown college raises ValueError, an
    unknown option or a missing answer raises KeyError, and a ballot that fails half-way is left
    half-counted.
    """

    __slots__ = ("_groups", "_questions", "_tables", "_voters")

    def __init__(self, questions: Sequence[QuestionSpec]) -> None:
        self._questions = tuple(questions)
        refs = [q.ref for q in self._questions]
        if len(set(refs)) != len(refs):
            raise ValueError("question refs must be unique")
        self._voters = dict.fromkeys(COLLEGES, 0)
        # For every college, one {option: sum, "abstain": n} dict per question, in question order.
        self._tables: dict[str, tuple[dict[str, int], ...]] = {
            college: tuple(dict.fromkeys((*q.options, ABSTAIN), 0) for q in self._questions) for college in COLLEGES
        }
        # The same dicts grouped by how an answer is counted, so that `add` runs one tight loop per
        # kind without dispatching per question. Ranking points: the r-th of m options gets m - r,
        # so zipping a ranking with (m-1, ..., 0) gives them.
        self._groups: dict[str, tuple[Any, Any, Any, Any]] = {}
        for college, tables in self._tables.items():
            groups: tuple[list[Any], ...] = ([], [], [], [])
            for q, sums in zip(self._questions, tables, strict=True):
                kind = _KINDS[q.type]
                points = tuple(range(len(q.options) - 1, -1, -1))
                groups[kind].append((q.ref, sums, points) if kind == _RANKED else (q.ref, sums))
            ones, manys, ranked, amounts = groups
            self._groups[college] = (tuple(ones), tuple(manys), tuple(ranked), tuple(amounts))

    @property
    def questions(self) -> tuple[QuestionSpec, ...]:
        return self._questions

    @property
    def voters(self) -> dict[str, int]:
        """Ballots added per college (abstentions included)."""
        return dict(self._voters)

    def add(self, college: str, answers: Mapping[str, object]) -> None:
        try:
            ones, manys, ranked, amounts = self._groups[college]
        except KeyError:
            raise ValueError(f"unknown college {college!r}") from None
        # A string answer is the option of a yes/no or single choice, or "abstain" for any type.
        for ref, sums in ones:
            sums[answers[ref]] += 1
        for ref, sums in manys:
            answer: Any = answers[ref]
            if answer.__class__ is str:
                sums[answer] += 1
            else:
                for option in answer:
                    sums[option] += 1
        for ref, sums, points in ranked:
            answer = answers[ref]
            if answer.__class__ is str:
                sums[answer] += 1
            else:
                for option, given in zip(answer, points):  # noqa: B905 (partial rankings are shorter)
                    sums[option] += given
        for ref, sums in amounts:
            answer = answers[ref]
            if answer.__class__ is str:
                sums[answer] += 1
            else:
                for option, amount in answer.items():
                    sums[option] += amount
        self._voters[college] += 1


def tally(
    questions: Sequence[QuestionSpec],
    rules: Rules,
    eligible_by_college: Mapping[str, int],
    acc: Accumulator,
) -> dict[str, Any]:
    """The API results "questions" object, {ref: result}, with plain JSON types."""
    questions = tuple(questions)
    if questions != acc.questions:
        raise ValueError("the accumulator was built for other questions")
    eligible = _eligible(eligible_by_college)
    voters = acc.voters
    results: dict[str, Any] = {}
    for index, spec in enumerate(questions):
        sums = {college: acc._tables[college][index] for college in COLLEGES}
        quorum = _quorum(rules, spec.decision_type, voters, eligible)  # cheap; no dict shared between questions
        results[spec.ref] = _question_result(spec, rules, eligible, voters, sums, quorum)
    return results


def _eligible(eligible_by_college: Mapping[str, int]) -> dict[str, int]:
    for college, count in eligible_by_college.items():
        if college not in COLLEGES:
            raise ValueError(f"unknown college {college!r} in the electorate")
        if not _is_int_at_least(count, 0):
            raise ValueError(f"eligible count of {college!r} must be a non-negative integer")
    return {college: eligible_by_college.get(college, 0) for college in COLLEGES}


def _quorum(
    rules: Rules, decision_type: str, voters: Mapping[str, int], eligible: Mapping[str, int]
) -> tuple[bool, dict[str, Any], dict[str, Any]]:
    """(reached, the public quorum object, its arithmetic) for one decision type."""
    required = Fraction(rules.quorum[decision_type])
    counted = [c for c in COLLEGES if eligible[c] > 0]
    ratios = {c: Fraction(voters[c], eligible[c]) for c in counted}
    arithmetic: dict[str, Any] = {
        "mode": rules.quorum_mode,
        "decision_type": decision_type,
        "required": float(required),
        "voters": sum(voters.values()),
        "eligible": sum(eligible.values()),
        "colleges": {
            c: {
                "voters": voters[c],
                "eligible": eligible[c],
                "counted": c in ratios,
                "ratio": float(ratios[c]) if c in ratios else None,
                "weight": float(rules.weight(c)),
            }
            for c in COLLEGES
        },
    }
    achieved = Fraction(0)
    computable = False
    if rules.quorum_mode == "global":
        total_eligible = sum(eligible.values())
        if total_eligible:
            achieved = Fraction(sum(voters.values()), total_eligible)
            computable = True
    elif rules.quorum_mode == "per_college":
        if ratios:
            lowest = min(ratios, key=ratios.__getitem__)
            achieved = ratios[lowest]
            arithmetic["lowest"] = lowest
            computable = True
    else:
        numerator = sum((rules.weight(c) * ratios[c] for c in counted), Fraction(0))
        denominator = sum((rules.weight(c) for c in counted), Fraction(0))
        arithmetic["numerator"] = float(numerator)
        arithmetic["denominator"] = float(denominator)
        if denominator:
            achieved = numerator / denominator
            computable = True
    reached = computable and achieved >= required
    arithmetic.update(computable=computable, achieved=float(achieved), reached=reached)
    public = {
        "mode": rules.quorum_mode,
        "required": float(required),
        "achieved": float(achieved),
        "reached": reached,
    }
    return reached, public, arithmetic


def _question_result(
    spec: QuestionSpec,
    rules: Rules,
    eligible: Mapping[str, int],
    voters: Mapping[str, int],
    sums: Mapping[str, Mapping[str, int]],
    quorum: tuple[bool, dict[str, Any], dict[str, Any]],
) -> dict[str, Any]:
    options = spec.options
    measure = MEASURES[spec.type]
    valid = {c: voters[c] - sums[c][ABSTAIN] for c in COLLEGES}
    means = {c: {o: Fraction(sums[c][o], valid[c]) if valid[c] else Fraction(0) for o in options} for c in COLLEGES}
    active = [c for c in COLLEGES if valid[c] > 0]
    arithmetic: dict[str, Any] = {
        "type": spec.type,
        "decision_type": spec.decision_type,
        "binding": rules.binding,
        "measure": measure,
        "options": list(options),
        "weighting": rules.weighting_mode,
        "colleges": {
            c: {
                "eligible": eligible[c],
                "voters": voters[c],
                "abstain": sums[c][ABSTAIN],
                "valid": valid[c],
                "active": valid[c] > 0,
                "weight": float(rules.weight(c)),
                "sums": {o: sums[c][o] for o in options},
                "means": {o: float(means[c][o]) for o in options},
            }
            for c in COLLEGES
        },
        "active": active,
    }
    if spec.type == "multiple_choice":
        arithmetic["max_choices"] = spec.max_choices
    elif spec.type == "ranking":
        arithmetic["first_points"] = len(options) - 1
    elif spec.type == "budget":
        arithmetic["budget_total"] = spec.budget_total

    values: dict[str, Fraction]
    if rules.weighting_mode == "colleges":
        weight_sum = sum((rules.weight(c) for c in active), Fraction(0))
        numerators = {o: sum((rules.weight(c) * means[c][o] for c in active), Fraction(0)) for o in options}
        values = {o: numerators[o] / weight_sum if weight_sum else Fraction(0) for o in options}
        counts_anything = weight_sum > 0
        arithmetic["weight_sum"] = float(weight_sum)
        arithmetic["numerators"] = {o: float(n) for o, n in numerators.items()}
    else:
        total_valid = sum(valid.values())
        totals = {o: sum(sums[c][o] for c in COLLEGES) for o in options}
        values = {o: Fraction(totals[o], total_valid) if total_valid else Fraction(0) for o in options}
        counts_anything = total_valid > 0
    arithmetic["total_valid"] = sum(valid.values())
    arithmetic["total_abstain"] = sum(sums[c][ABSTAIN] for c in COLLEGES)
    arithmetic["total_sums"] = {o: sum(sums[c][o] for c in COLLEGES) for o in options}
    arithmetic["values"] = {o: float(v) for o, v in values.items()}
    arithmetic["counts_anything"] = counts_anything

    reached, public_quorum, quorum_arithmetic = quorum
    decision, outcome, extra = _decide(spec, rules, values, counts_anything)
    if not reached:
        outcome = "no_quorum"
        if "winner" in extra:
            extra["winner"] = None
    arithmetic["quorum"] = quorum_arithmetic
    arithmetic["decision"] = decision
    arithmetic["outcome"] = outcome

    keys = (*options, ABSTAIN)
    result: dict[str, Any] = {
        "type": spec.type,
        "decision_type": spec.decision_type,
        "counts": {k: sum(sums[c][k] for c in COLLEGES) for k in keys},
        "by_college": {c: {k: sums[c][k] for k in keys} for c in COLLEGES},
        _RESULT_KEYS[measure]: {o: float(v) for o, v in values.items()},
        **extra,
        "quorum": public_quorum,
        "outcome": outcome,
        "arithmetic": arithmetic,
    }
    return result


def _decide(
    spec: QuestionSpec, rules: Rules, values: Mapping[str, Fraction], counts_anything: bool
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """(decision arithmetic, outcome when the quorum is reached, winner/order keys of the result)."""
    if spec.type == "yes_no":
        threshold = Fraction(rules.majority[spec.decision_type])
        share = values["yes"]
        if spec.decision_type == "ordinary":
            comparison, passed = "gt", share > threshold
        else:
            comparison, passed = "ge", share >= threshold
        passed = passed and counts_anything
        decision = {
            "share": float(share),
            "threshold": float(threshold),
            "comparison": comparison,
            "passed": passed,
            "counts_anything": counts_anything,
        }
        return decision, "adopted" if passed else "rejected", {}
    if spec.type == "single_choice":
        top_value = max(values.values())
        top = [o for o in spec.options if values[o] == top_value]
        winner = top[0] if counts_anything and len(top) == 1 else None
        decision = {"top": top, "top_value": float(top_value), "counts_anything": counts_anything}
        return decision, "chosen" if winner is not None else "tie", {"winner": winner}
    order = sorted(spec.options, key=lambda o: (-values[o], o))
    decision = {"order": order, "counts_anything": counts_anything}
    return decision, "allocated" if spec.type == "budget" else "ranked", {"order": order}
