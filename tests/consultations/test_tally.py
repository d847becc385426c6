"""The tally against a plain reference written here, plus the edge cases of DESIGN.md "Tally rules"."""

from __future__ import annotations

import json
import math
import random
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agora.consultations.tally import (
    COLLEGES,
    Accumulator,
    QuestionSpec,
    Rules,
    tally,
    validate_answer,
)

ORDINARY = {"ordinary": Fraction(15, 100), "extraordinary": Fraction(20, 100)}
MAJORITY = {"ordinary": Fraction(1, 2), "extraordinary": Fraction(3, 4)}
DEFAULT_WEIGHTS = {
    "members": Fraction("0.55"),
    "permanents": Fraction("0.25"),
    "clients": Fraction("0.10"),
    "partners": Fraction("0.10"),
}
YES_NO = QuestionSpec("q1", "yes_no", "ordinary", ("yes", "no"))
YES_NO_EXTRA = QuestionSpec("q1", "yes_no", "extraordinary", ("yes", "no"))
MEASURE_KEYS = {
    "yes_no": "weighted_shares",
    "single_choice": "weighted_shares",
    "multiple_choice": "weighted_shares",
    "ranking": "weighted_points",
    "budget": "weighted_allocation",
}


def rules(
    weighting: str = "colleges",
    weights: dict[str, Fraction] | None = None,
    quorum_mode: str = "global",
    quorum: dict[str, Fraction] | None = None,
    majority: dict[str, Fraction] | None = None,
) -> Rules:
    return Rules(
        weighting_mode=weighting,  # type: ignore[arg-type]
        weights=DEFAULT_WEIGHTS if weights is None else weights,
        quorum_mode=quorum_mode,  # type: ignore[arg-type]
        quorum=ORDINARY if quorum is None else quorum,
        majority=MAJORITY if majority is None else majority,
    )


def run(
    questions: list[QuestionSpec],
    the_rules: Rules,
    eligible: dict[str, int],
    ballots: list[tuple[str, dict[str, Any]]],
) -> dict[str, Any]:
    acc = Accumulator(questions)
    for college, answers in ballots:
        acc.add(college, answers)
    return tally(questions, the_rules, eligible, acc)


def repeat(college: str, times: int, **answers: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(college, dict(answers)) for _ in range(times)]


# --- The reference: straight from DESIGN.md and API.md, loops over the raw ballots ----------------


def reference(
    questions: list[QuestionSpec],
    the_rules: Rules,
    eligible: dict[str, int],
    ballots: list[tuple[str, dict[str, Any]]],
) -> dict[str, Any]:
    voters = {c: 0 for c in COLLEGES}
    for college, _answers in ballots:
        voters[college] += 1
    weight = {c: Fraction(the_rules.weights.get(c, 0)) for c in COLLEGES}
    out: dict[str, Any] = {}
    for q in questions:
        m = len(q.options)
        cast = {c: {o: 0 for o in q.options} for c in COLLEGES}
        abstain = {c: 0 for c in COLLEGES}
        valid = {c: 0 for c in COLLEGES}
        for college, answers in ballots:
            answer = answers[q.ref]
            if answer == "abstain":
                abstain[college] += 1
                continue
            valid[college] += 1
            if q.type in ("yes_no", "single_choice"):
                cast[college][answer] += 1
            elif q.type == "multiple_choice":
                for option in answer:
                    cast[college][option] += 1
            elif q.type == "ranking":
                for rank, option in enumerate(answer, start=1):
                    cast[college][option] += m - rank
            else:
                for option, amount in answer.items():
                    cast[college][option] += amount

        value: dict[str, Fraction] = {}
        if the_rules.weighting_mode == "colleges":
            active = [c for c in COLLEGES if valid[c] > 0]
            total_weight = sum(weight[c] for c in active)
            anything = total_weight > 0
            for o in q.options:
                if anything:
                    top = sum(weight[c] * Fraction(cast[c][o], valid[c]) for c in active)
                    value[o] = top / total_weight
                else:
                    value[o] = Fraction(0)
        else:
            all_valid = sum(valid.values())
            anything = all_valid > 0
            for o in q.options:
                value[o] = Fraction(sum(cast[c][o] for c in COLLEGES), all_valid) if anything else Fraction(0)

        # Quorum of the question's decision type.
        required = the_rules.quorum[q.decision_type]
        with_eligible = [c for c in COLLEGES if eligible.get(c, 0) > 0]
        if the_rules.quorum_mode == "global":
            total_eligible = sum(eligible.values())
            achieved = Fraction(sum(voters.values()), total_eligible) if total_eligible else Fraction(0)
            reached = total_eligible > 0 and achieved >= required
        elif the_rules.quorum_mode == "per_college":
            ratios = [Fraction(voters[c], eligible[c]) for c in with_eligible]
            achieved = min(ratios) if ratios else Fraction(0)
            reached = bool(ratios) and all(r >= required for r in ratios)
        else:
            denominator = sum(weight[c] for c in with_eligible)
            if denominator:
                achieved = sum(weight[c] * Fraction(voters[c], eligible[c]) for c in with_eligible) / denominator
            else:
                achieved = Fraction(0)
            reached = denominator > 0 and achieved >= required

        expected: dict[str, Any] = {
            "type": q.type,
            "decision_type": q.decision_type,
            "counts": {
                **{o: sum(cast[c][o] for c in COLLEGES) for o in q.options},
                "abstain": sum(abstain.values()),
            },
            "by_college": {c: {**cast[c], "abstain": abstain[c]} for c in COLLEGES},
            MEASURE_KEYS[q.type]: value,
            "quorum": {
                "mode": the_rules.quorum_mode,
                "required": required,
                "achieved": achieved,
                "reached": reached,
            },
        }
        if q.type == "yes_no":
            threshold = the_rules.majority[q.decision_type]
            if q.decision_type == "ordinary":
                adopted = anything and value["yes"] > threshold
            else:
                adopted = anything and value["yes"] >= threshold
            outcome = "adopted" if adopted else "rejected"
        elif q.type == "single_choice":
            best = max(value.values())
            leaders = [o for o in q.options if value[o] == best]
            if anything and len(leaders) == 1:
                outcome, winner = "chosen", leaders[0]
            else:
                outcome, winner = "tie", None
            expected["winner"] = winner if reached else None
        else:
            expected["order"] = sorted(q.options, key=lambda o: (-value[o], o))
            outcome = "allocated" if q.type == "budget" else "ranked"
        expected["outcome"] = outcome if reached else "no_quorum"
        expected["valid"] = valid
        out[q.ref] = expected
    return out


def close(actual: object, expected: Fraction) -> bool:
    return isinstance(actual, float) and math.isclose(actual, float(expected), rel_tol=0, abs_tol=1e-9)


def assert_matches(result: dict[str, Any], expected: dict[str, Any]) -> None:
    assert list(result) == list(expected)
    for ref, want in expected.items():
        got = result[ref]
        measure = MEASURE_KEYS[want["type"]]
        keys = {"type", "decision_type", "counts", "by_college", measure, "quorum", "outcome", "arithmetic"}
        keys |= {"winner"} if want["type"] == "single_choice" else set()
        keys |= {"order"} if want["type"] in ("multiple_choice", "ranking", "budget") else set()
        assert set(got) == keys, ref
        assert got["type"] == want["type"]
        assert got["decision_type"] == want["decision_type"]
        assert got["counts"] == want["counts"]
        assert all(type(v) is int for v in got["counts"].values())
        assert got["by_college"] == want["by_college"]
        assert list(got[measure]) == list(want[measure])
        for option, value in want[measure].items():
            assert close(got[measure][option], value), (ref, option, got[measure][option], value)
        quorum = got["quorum"]
        assert quorum["mode"] == want["quorum"]["mode"]
        assert close(quorum["required"], want["quorum"]["required"])
        assert close(quorum["achieved"], want["quorum"]["achieved"])
        assert quorum["reached"] is want["quorum"]["reached"]
        assert got["outcome"] == want["outcome"], ref
        for key in ("winner", "order"):
            if key in want:
                assert got[key] == want[key], (ref, key)
        arithmetic = got["arithmetic"]
        assert {c: arithmetic["colleges"][c]["valid"] for c in COLLEGES} == want["valid"]
        assert arithmetic["active"] == [c for c in COLLEGES if want["valid"][c] > 0]
        assert arithmetic["outcome"] == want["outcome"]


# --- Random consultations --------------------------------------------------------------------------

OPTION_KEYS = ("a", "b", "c", "d")


@st.composite
def question_specs(draw: st.DrawFn, ref: str, kind: str) -> QuestionSpec:
    decision_type = draw(st.sampled_from(("ordinary", "extraordinary")))
    if kind == "yes_no":
        return QuestionSpec(ref, "yes_no", decision_type, ("yes", "no"))
    options = tuple(draw(st.lists(st.sampled_from(OPTION_KEYS), min_size=1, max_size=4, unique=True)))
    if kind == "multiple_choice":
        max_choices = draw(st.none() | st.integers(1, len(options) + 1))
        return QuestionSpec(ref, kind, decision_type, options, max_choices=max_choices)
    if kind == "budget":
        return QuestionSpec(ref, kind, decision_type, options, budget_total=draw(st.integers(1, 12)))
    return QuestionSpec(ref, kind, decision_type, options)  # type: ignore[arg-type]


@st.composite
def question_sets(draw: st.DrawFn) -> list[QuestionSpec]:
    kinds = ["yes_no", "single_choice", "multiple_choice", "ranking", "budget"]
    kinds += draw(st.lists(st.sampled_from(kinds), max_size=2))
    return [draw(question_specs(f"q{i}", kind)) for i, kind in enumerate(kinds, start=1)]


@st.composite
def answers_for(draw: st.DrawFn, q: QuestionSpec, abstain_often: bool) -> object:
    if draw(st.integers(0, 2 if abstain_often else 5)) == 0:
        return "abstain"
    if q.type in ("yes_no", "single_choice"):
        return draw(st.sampled_from(q.options))
    if q.type == "multiple_choice":
        most = min(q.max_choices or len(q.options), len(q.options))
        return draw(st.lists(st.sampled_from(q.options), min_size=1, max_size=most, unique=True))
    if q.type == "ranking":
        order = draw(st.permutations(q.options))
        return order[: draw(st.integers(1, len(order)))]
    assert q.budget_total is not None
    cuts = sorted(
        draw(st.lists(st.integers(0, q.budget_total), min_size=len(q.options) - 1, max_size=len(q.options) - 1))
    )
    amounts = [high - low for low, high in zip([0, *cuts], [*cuts, q.budget_total], strict=True)]
    # Options given nothing may be left out of the answer or written as 0.
    return {o: amount for o, amount in zip(q.options, amounts, strict=True) if amount or draw(st.booleans())}


@st.composite
def consultations(draw: st.DrawFn) -> tuple[list[QuestionSpec], Rules, dict[str, int], list[tuple[str, Any]]]:
    questions = draw(question_sets())
    weighting = draw(st.sampled_from(("colleges", "one_person_one_vote")))
    modes = ("global", "per_college", "weighted") if weighting == "colleges" else ("global", "per_college")
    raw = draw(st.lists(st.integers(0, 3), min_size=4, max_size=4).filter(any))
    weights = {c: Fraction(w, sum(raw)) for c, w in zip(COLLEGES, raw, strict=True)}
    if weighting == "colleges" and draw(st.booleans()):
        weights = {c: w for c, w in weights.items() if w}  # a college left out weighs 0
    the_rules = Rules(
        weighting_mode=weighting,
        weights=weights,
        quorum_mode=draw(st.sampled_from(modes)),
        quorum={dt: Fraction(draw(st.integers(0, 20)), 20) for dt in ("ordinary", "extraordinary")},
        majority={
            "ordinary": draw(
                st.sampled_from((Fraction(1, 2), Fraction(1, 2), Fraction(2, 3), Fraction(0), Fraction(1)))
            ),
            "extraordinary": draw(
                st.sampled_from((Fraction(3, 4), Fraction(3, 4), Fraction(2, 3), Fraction(0), Fraction(1)))
            ),
        },
        binding=draw(st.booleans()),
    )
    eligible = {c: draw(st.integers(0, 8)) for c in COLLEGES}
    ballots = []
    for college in COLLEGES:
        abstain_often = draw(st.booleans())
        for _ in range(draw(st.integers(0, eligible[college]))):
            ballots.append((college, {q.ref: draw(answers_for(q, abstain_often)) for q in questions}))
    ballots = draw(st.permutations(ballots))
    if draw(st.booleans()):
        eligible = {c: n for c, n in eligible.items() if n}  # a college left out has no eligible people
    return questions, the_rules, eligible, ballots


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(consultations())
def test_tally_matches_the_reference(
    case: tuple[list[QuestionSpec], Rules, dict[str, int], list[Any]],
) -> None:
    questions, the_rules, eligible, ballots = case
    result = run(questions, the_rules, eligible, ballots)
    assert_matches(result, reference(questions, the_rules, eligible, ballots))
    json.dumps(result, allow_nan=False)  # plain JSON types only


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(consultations())
def test_generated_answers_are_valid(
    case: tuple[list[QuestionSpec], Rules, dict[str, int], list[Any]],
) -> None:
    questions, _rules, _eligible, ballots = case
    for _college, answers in ballots:
        for q in questions:
            assert validate_answer(q, answers[q.ref]) is None, (q, answers[q.ref])


# --- Worked examples -------------------------------------------------------------------------------

ELECTORATE = {"members": 300, "permanents": 60, "clients": 20, "partners": 10}


def test_weighted_yes_no_renormalises_over_active_colleges() -> None:
    ballots = (
        repeat("members", 120, q1="yes")
        + repeat("members", 80, q1="no")
        + repeat("members", 10, q1="abstain")
        + repeat("permanents", 30, q1="yes")
        + repeat("permanents", 10, q1="no")
        + repeat("clients", 5, q1="abstain")
        + repeat("partners", 1, q1="yes")
        + repeat("partners", 3, q1="no")
    )
    q = run([YES_NO], rules(), ELECTORATE, ballots)["q1"]
    # (0.55 * 120/200 + 0.25 * 30/40 + 0.10 * 1/4) / (0.55 + 0.25 + 0.10); clients only abstained.
    assert q["weighted_shares"]["yes"] == float(Fraction(217, 360))
    assert q["weighted_shares"]["no"] == float(Fraction(143, 360))
    assert q["counts"] == {"yes": 151, "no": 93, "abstain": 15}
    assert q["by_college"]["clients"] == {"yes": 0, "no": 0, "abstain": 5}
    assert q["quorum"] == {"mode": "global", "required": 0.15, "achieved": 259 / 390, "reached": True}
    assert q["outcome"] == "adopted"
    assert q["arithmetic"]["active"] == ["members", "permanents", "partners"]
    assert q["arithmetic"]["weight_sum"] == 0.9


def test_one_person_one_vote_ignores_weights() -> None:
    ballots = (
        repeat("members", 1, q1="yes")
        + repeat("members", 2, q1="abstain")
        + repeat("clients", 3, q1="no")
        + repeat("partners", 1, q1="yes")
    )
    q = run([YES_NO], rules(weighting="one_person_one_vote"), ELECTORATE, ballots)["q1"]
    assert q["weighted_shares"] == {"yes": 0.4, "no": 0.6}
    # Weighted by colleges, the same ballots give yes (0.55 * 1 + 0.10 * 1) / 0.75: adopted there.
    assert run([YES_NO], rules(), ELECTORATE, ballots)["q1"]["weighted_shares"]["yes"] == float(Fraction(65, 75))


def test_exact_tie_is_rejected_for_an_ordinary_decision() -> None:
    ballots = repeat("members", 2, q1="yes") + repeat("members", 2, q1="no") + repeat("members", 5, q1="abstain")
    q = run([YES_NO], rules(), {"members": 10}, ballots)["q1"]
    assert q["weighted_shares"] == {"yes": 0.5, "no": 0.5}
    assert q["outcome"] == "rejected"
    one_more = run([YES_NO], rules(), {"members": 10}, [*ballots, ("members", {"q1": "yes"})])["q1"]
    assert one_more["outcome"] == "adopted"


def test_extraordinary_adopted_at_exactly_three_quarters() -> None:
    ballots = repeat("members", 3, q1="yes") + repeat("members", 1, q1="no")
    q = run([YES_NO_EXTRA], rules(), {"members": 4}, ballots)["q1"]
    assert q["weighted_shares"]["yes"] == 0.75
    assert q["outcome"] == "adopted"
    short = repeat("members", 5, q1="yes") + repeat("members", 2, q1="no")
    assert run([YES_NO_EXTRA], rules(), {"members": 7}, short)["q1"]["outcome"] == "rejected"


def test_weighted_three_quarters_is_exact_not_floating() -> None:
    # 0.55 * 0.7 + 0.25 * 0.86 + 0.10 * 1 + 0.10 * 0.5 = 0.75 exactly, which reaches 3/4.
    ballots = (
        repeat("members", 7, q1="yes")
        + repeat("members", 3, q1="no")
        + repeat("permanents", 43, q1="yes")
        + repeat("permanents", 7, q1="no")
        + repeat("clients", 1, q1="yes")
        + repeat("partners", 1, q1="yes")
        + repeat("partners", 1, q1="no")
    )
    q = run([YES_NO_EXTRA], rules(), {"members": 10, "permanents": 50, "clients": 1, "partners": 2}, ballots)["q1"]
    assert q["weighted_shares"]["yes"] == 0.75
    assert q["outcome"] == "adopted"


def test_college_with_only_abstentions_neither_helps_nor_blocks() -> None:
    ballots = repeat("members", 50, q1="abstain") + repeat("permanents", 3, q1="yes") + repeat("permanents", 1, q1="no")
    q = run([YES_NO], rules(), {"members": 60, "permanents": 4}, ballots)["q1"]
    assert q["weighted_shares"] == {"yes": 0.75, "no": 0.25}
    assert q["outcome"] == "adopted"
    members = q["arithmetic"]["colleges"]["members"]
    assert (members["active"], members["valid"], members["abstain"]) == (False, 0, 50)
    # The abstentions still count for the quorum: 54 of 64 voted.
    assert q["quorum"]["achieved"] == 54 / 64


def test_no_active_college_gives_zero_shares_and_rejection() -> None:
    questions = [
        YES_NO,
        QuestionSpec("q2", "single_choice", "ordinary", ("a", "b")),
        QuestionSpec("q3", "ranking", "ordinary", ("b", "a")),
    ]
    ballots = repeat("members", 3, q1="abstain", q2="abstain", q3="abstain")
    result = run(questions, rules(), {"members": 3}, ballots)
    assert result["q1"]["weighted_shares"] == {"yes": 0.0, "no": 0.0}
    assert result["q1"]["outcome"] == "rejected"
    assert (result["q2"]["outcome"], result["q2"]["winner"]) == ("tie", None)
    assert result["q3"]["weighted_points"] == {"b": 0.0, "a": 0.0}
    assert result["q3"]["order"] == ["a", "b"]


def test_no_valid_vote_rejects_even_a_zero_majority() -> None:
    anything_goes = rules(majority={"ordinary": Fraction(0), "extraordinary": Fraction(0)})
    q = run([YES_NO_EXTRA], anything_goes, {"members": 2}, repeat("members", 2, q1="abstain"))["q1"]
    assert q["weighted_shares"] == {"yes": 0.0, "no": 0.0}
    assert q["outcome"] == "rejected"


def test_active_colleges_that_all_weigh_nothing_count_as_no_votes() -> None:
    only_members = rules(weights={"members": Fraction(1)})
    q = run([YES_NO], only_members, {"members": 5, "clients": 5}, repeat("clients", 5, q1="yes"))["q1"]
    assert q["weighted_shares"] == {"yes": 0.0, "no": 0.0}
    assert q["outcome"] == "rejected"


@pytest.mark.parametrize(
    ("voters", "reached"),
    [(15, True), (14, False)],
)
def test_global_quorum_exactly_at_threshold_is_reached(voters: int, reached: bool) -> None:
    ballots = repeat("members", voters, q1="yes")
    q = run([YES_NO], rules(), {"members": 60, "clients": 40}, ballots)["q1"]
    assert q["quorum"] == {"mode": "global", "required": 0.15, "achieved": voters / 100, "reached": reached}
    assert q["outcome"] == ("adopted" if reached else "no_quorum")


def test_quorum_follows_the_decision_type() -> None:
    questions = [YES_NO, QuestionSpec("q2", "yes_no", "extraordinary", ("yes", "no"))]
    result = run(questions, rules(), {"members": 100}, repeat("members", 18, q1="yes", q2="yes"))
    assert result["q1"]["quorum"]["reached"] is True
    assert result["q2"]["quorum"] == {"mode": "global", "required": 0.2, "achieved": 0.18, "reached": False}
    assert result["q2"]["outcome"] == "no_quorum"
    # No quorum still reports the figures.
    assert result["q2"]["counts"] == {"yes": 18, "no": 0, "abstain": 0}
    assert result["q2"]["weighted_shares"] == {"yes": 1.0, "no": 0.0}


def test_per_college_quorum_takes_the_lowest_ratio_and_skips_colleges_without_electorate() -> None:
    ballots = repeat("members", 3, q1="yes") + repeat("permanents", 2, q1="abstain")
    the_rules = rules(quorum_mode="per_college")
    eligible = {"members": 20, "permanents": 10, "clients": 0}
    q = run([YES_NO], the_rules, eligible, ballots)["q1"]
    assert q["quorum"] == {"mode": "per_college", "required": 0.15, "achieved": 0.15, "reached": True}
    assert q["arithmetic"]["quorum"]["lowest"] == "members"
    missing_one = run([YES_NO], the_rules, eligible, ballots[1:])["q1"]
    assert missing_one["quorum"]["achieved"] == 0.1
    assert missing_one["outcome"] == "no_quorum"


def test_weighted_quorum_renormalises_over_colleges_with_electorate() -> None:
    ballots = repeat("members", 1, q1="yes") + repeat("permanents", 2, q1="no")
    eligible = {"members": 10, "permanents": 5, "clients": 0, "partners": 0}
    q = run([YES_NO], rules(quorum_mode="weighted"), eligible, ballots)["q1"]
    # (0.55 * 1/10 + 0.25 * 2/5) / (0.55 + 0.25) = 0.155 / 0.8
    assert q["quorum"]["achieved"] == float(Fraction(155, 800))
    assert q["quorum"]["reached"] is True
    at_threshold = rules(quorum_mode="weighted", quorum={"ordinary": Fraction(155, 800), "extraordinary": Fraction(1)})
    assert run([YES_NO], at_threshold, eligible, ballots)["q1"]["quorum"]["reached"] is True


@pytest.mark.parametrize("mode", ["global", "per_college", "weighted"])
def test_nobody_eligible_means_no_quorum(mode: str) -> None:
    q = run(
        [YES_NO],
        rules(quorum_mode=mode, quorum={"ordinary": Fraction(0), "extraordinary": Fraction(0)}),
        {},
        [],
    )["q1"]
    assert q["quorum"] == {"mode": mode, "required": 0.0, "achieved": 0.0, "reached": False}
    assert q["outcome"] == "no_quorum"
    assert set(q["by_college"]) == set(COLLEGES)


def test_single_choice_winner_and_tie() -> None:
    question = QuestionSpec("q2", "single_choice", "ordinary", ("a", "b", "c"))
    ballots = repeat("members", 2, q2="a") + repeat("members", 2, q2="b") + repeat("permanents", 1, q2="c")
    tied = run([question], rules(weighting="one_person_one_vote"), {"members": 4, "permanents": 1}, ballots)["q2"]
    assert tied["weighted_shares"] == {"a": 0.4, "b": 0.4, "c": 0.2}
    assert (tied["outcome"], tied["winner"]) == ("tie", None)
    # Weighted by colleges, c takes the whole permanents' weight: 0.25 / 0.8 against 0.275 / 0.8 for a and b.
    weighted = run([question], rules(), {"members": 4, "permanents": 1}, ballots)["q2"]
    assert (weighted["outcome"], weighted["winner"]) == ("tie", None)
    won = run([question], rules(), {"members": 5, "permanents": 1}, [*ballots, ("members", {"q2": "b"})])["q2"]
    assert (won["outcome"], won["winner"]) == ("chosen", "b")
    assert won["weighted_shares"]["b"] == float(Fraction(55, 100) * Fraction(3, 5) / Fraction(80, 100))


def test_single_choice_has_no_winner_without_quorum() -> None:
    question = QuestionSpec("q2", "single_choice", "ordinary", ("a", "b"))
    q = run([question], rules(), {"members": 100}, repeat("members", 1, q2="a"))["q2"]
    assert (q["outcome"], q["winner"]) == ("no_quorum", None)
    assert q["weighted_shares"] == {"a": 1.0, "b": 0.0}


def test_multiple_choice_shares_are_fractions_of_valid_ballots() -> None:
    question = QuestionSpec("q3", "multiple_choice", "ordinary", ("a", "b", "c"), max_choices=2)
    ballots = (
        repeat("members", 1, q3=["a", "b"])
        + repeat("members", 1, q3=["b"])
        + repeat("members", 1, q3="abstain")
        + repeat("clients", 1, q3=["c", "a"])
    )
    q = run([question], rules(), {"members": 3, "clients": 1}, ballots)["q3"]
    # members: a 1/2, b 2/2, c 0; clients: a 1, c 1; weights 0.55 and 0.10 over 0.65.
    assert q["weighted_shares"] == {
        "a": float((Fraction(55, 100) * Fraction(1, 2) + Fraction(10, 100)) / Fraction(65, 100)),
        "b": float(Fraction(55, 65)),
        "c": float(Fraction(10, 65)),
    }
    assert q["counts"] == {"a": 2, "b": 2, "c": 1, "abstain": 1}
    assert (q["outcome"], q["order"]) == ("ranked", ["b", "a", "c"])


def test_ranking_points_with_partial_rankings() -> None:
    question = QuestionSpec("q4", "ranking", "ordinary", ("a", "b", "c"))
    ballots = [
        ("members", {"q4": ["c", "a", "b"]}),  # c 2, a 1, b 0
        ("members", {"q4": ["b"]}),  # b 2
        ("members", {"q4": ["a", "c"]}),  # a 2, c 1
        ("members", {"q4": "abstain"}),
    ]
    q = run([question], rules(weighting="one_person_one_vote"), {"members": 4}, ballots)["q4"]
    assert q["counts"] == {"a": 3, "b": 2, "c": 3, "abstain": 1}
    assert q["weighted_points"] == {"a": 1.0, "b": float(Fraction(2, 3)), "c": 1.0}
    assert (q["outcome"], q["order"]) == ("ranked", ["a", "c", "b"])  # a and c tie: option key decides


def test_budget_allocation_is_the_weighted_mean_amount() -> None:
    question = QuestionSpec("q5", "budget", "ordinary", ("x", "y"), budget_total=100)
    ballots = [
        ("members", {"q5": {"x": 60, "y": 40}}),
        ("members", {"q5": {"x": 100}}),
        ("permanents", {"q5": {"y": 100, "x": 0}}),
        ("permanents", {"q5": "abstain"}),
    ]
    q = run([question], rules(), {"members": 2, "permanents": 2}, ballots)["q5"]
    # members mean x 80, y 20; permanents x 0, y 100; (0.55 * m + 0.25 * p) / 0.8
    assert q["weighted_allocation"] == {"x": 55.0, "y": 45.0}
    assert q["by_college"]["permanents"] == {"x": 0, "y": 100, "abstain": 1}
    assert (q["outcome"], q["order"]) == ("allocated", ["x", "y"])


def test_result_shape_and_plain_types() -> None:
    questions = [
        YES_NO,
        QuestionSpec("q2", "single_choice", "ordinary", ("a", "b")),
        QuestionSpec("q3", "multiple_choice", "ordinary", ("a", "b")),
        QuestionSpec("q4", "ranking", "ordinary", ("a", "b")),
        QuestionSpec("q5", "budget", "ordinary", ("a", "b"), budget_total=10),
    ]
    answers = {"q1": "yes", "q2": "b", "q3": ["a"], "q4": ["b", "a"], "q5": {"a": 3, "b": 7}}
    result = run(questions, rules(), {"members": 1}, [("members", answers)])
    assert list(result) == ["q1", "q2", "q3", "q4", "q5"]
    assert list(result["q1"]) == [
        "type",
        "decision_type",
        "counts",
        "by_college",
        "weighted_shares",
        "quorum",
        "outcome",
        "arithmetic",
    ]
    assert list(result["q1"]["by_college"]) == list(COLLEGES)
    assert list(result["q1"]["counts"]) == ["yes", "no", "abstain"]
    assert result["q5"]["weighted_allocation"] == {"a": 3.0, "b": 7.0}
    assert type(result["q5"]["weighted_allocation"]["a"]) is float
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_results_do_not_share_mutable_parts() -> None:
    questions = [YES_NO, QuestionSpec("q2", "yes_no", "ordinary", ("yes", "no"))]
    result = run(questions, rules(), {"members": 1}, [("members", {"q1": "yes", "q2": "no"})])
    result["q1"]["quorum"]["reached"] = "changed"
    assert result["q2"]["quorum"]["reached"] is True


def test_order_of_ballots_does_not_matter() -> None:
    questions = [YES_NO, QuestionSpec("q4", "ranking", "ordinary", ("a", "b", "c"))]
    rng = random.Random(7)  # noqa: S311 (test data, not a secret)
    ballots = [
        (
            rng.choice(COLLEGES),
            {"q1": rng.choice(["yes", "no", "abstain"]), "q4": rng.sample(["a", "b", "c"], 2)},
        )
        for _ in range(200)
    ]
    eligible = dict.fromkeys(COLLEGES, 100)
    first = run(questions, rules(), eligible, ballots)
    rng.shuffle(ballots)
    assert run(questions, rules(), eligible, ballots) == first


# --- Validation ------------------------------------------------------------------------------------

SINGLE = QuestionSpec("q2", "single_choice", "ordinary", ("a", "b", "c"))
MULTIPLE = QuestionSpec("q3", "multiple_choice", "ordinary", ("a", "b", "c"), max_choices=2)
RANKING = QuestionSpec("q4", "ranking", "ordinary", ("a", "b", "c"))
BUDGET = QuestionSpec("q5", "budget", "ordinary", ("a", "b"), budget_total=100)


@pytest.mark.parametrize(
    ("spec", "answer", "code"),
    [
        (YES_NO, "yes", None),
        (YES_NO, "abstain", None),
        (YES_NO, "maybe", "unknown_option"),
        (YES_NO, None, "missing"),
        (YES_NO, True, "wrong_type"),
        (YES_NO, ["yes"], "wrong_type"),
        (SINGLE, "c", None),
        (SINGLE, "d", "unknown_option"),
        (SINGLE, 1, "wrong_type"),
        (MULTIPLE, ["a", "c"], None),
        (MULTIPLE, "abstain", None),
        (MULTIPLE, [], "empty_choice"),
        (MULTIPLE, ["a", "b", "c"], "too_many_choices"),
        (MULTIPLE, ["a", "z"], "unknown_option"),
        (MULTIPLE, ["a", "a"], "ranking_repeats"),
        (MULTIPLE, "a", "wrong_type"),
        (MULTIPLE, [1], "wrong_type"),
        (MULTIPLE, None, "missing"),
        (RANKING, ["c", "a", "b"], None),
        (RANKING, ["b"], None),
        (RANKING, ["a", "b", "a"], "ranking_repeats"),
        (RANKING, ["a", "x"], "unknown_option"),
        (RANKING, [], "empty_choice"),
        (RANKING, {"a": 1}, "wrong_type"),
        (BUDGET, {"a": 60, "b": 40}, None),
        (BUDGET, {"a": 100}, None),
        (BUDGET, "abstain", None),
        (BUDGET, {"a": 60, "b": 30}, "budget_sum"),
        (BUDGET, {"a": 120, "b": -20}, "budget_negative"),
        (BUDGET, {"a": 60, "c": 40}, "unknown_option"),
        (BUDGET, {"a": 60.0, "b": 40}, "wrong_type"),
        (BUDGET, {"a": True, "b": 99}, "wrong_type"),
        (BUDGET, [60, 40], "wrong_type"),
        (BUDGET, None, "missing"),
    ],
)
def test_validate_answer(spec: QuestionSpec, answer: object, code: str | None) -> None:
    assert validate_answer(spec, answer) == code


def test_multiple_choice_without_a_limit_accepts_every_option() -> None:
    spec = QuestionSpec("q3", "multiple_choice", "ordinary", ("a", "b", "c"))
    assert validate_answer(spec, ["a", "b", "c"]) is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: QuestionSpec("q", "yes_no", "ordinary", ("no", "yes")),
        lambda: QuestionSpec("q", "single_choice", "ordinary", ("a", "abstain")),
        lambda: QuestionSpec("q", "single_choice", "ordinary", ("a", "a")),
        lambda: QuestionSpec("q", "single_choice", "ordinary", ()),
        lambda: QuestionSpec("q", "single_choice", "special", ("a",)),  # type: ignore[arg-type]
        lambda: QuestionSpec("q", "multiple_choice", "ordinary", ("a",), max_choices=0),
        lambda: QuestionSpec("q", "ranking", "ordinary", ("a",), max_choices=1),
        lambda: QuestionSpec("q", "budget", "ordinary", ("a",)),
        lambda: QuestionSpec("q", "single_choice", "ordinary", ("a",), budget_total=5),
    ],
)
def test_question_spec_rejects_nonsense(make: Any) -> None:
    with pytest.raises(ValueError):
        make()


def test_rules_reject_inexact_or_inconsistent_settings() -> None:
    with pytest.raises(TypeError):
        rules(weights={"members": 0.55, "permanents": 0.45})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="sum to exactly 1"):
        rules(weights={c: Fraction(55, 100) for c in COLLEGES})
    with pytest.raises(ValueError, match="weighted quorum"):
        rules(weighting="one_person_one_vote", quorum_mode="weighted")
    with pytest.raises(ValueError, match="unknown college"):
        rules(weights={"board": Fraction(1)})
    with pytest.raises(TypeError):
        rules(majority={"ordinary": Fraction(1, 2)})


def test_accumulator_and_tally_refuse_mismatched_input() -> None:
    acc = Accumulator([YES_NO])
    with pytest.raises(ValueError, match="unknown college"):
        acc.add("board", {"q1": "yes"})
    with pytest.raises(ValueError, match="other questions"):
        tally([YES_NO_EXTRA], rules(), {"members": 1}, acc)
    with pytest.raises(ValueError, match="unknown college"):
        tally([YES_NO], rules(), {"board": 1}, acc)
    with pytest.raises(ValueError):
        Accumulator([YES_NO, YES_NO])
