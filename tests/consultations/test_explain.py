"""The explanation walks from the counts to the outcome, in whole translatable sentences."""

from __future__ import annotations

import ast
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_file

from agora.consultations import explain as explain_module
from agora.consultations.explain import explain
from agora.consultations.tally import Accumulator, QuestionSpec, Rules, tally

WEIGHTS = {
    "members": Fraction("0.55"),
    "permanents": Fraction("0.25"),
    "clients": Fraction("0.10"),
    "partners": Fraction("0.10"),
}
QUORUM = {"ordinary": Fraction(15, 100), "extraordinary": Fraction(20, 100)}
MAJORITY = {"ordinary": Fraction(1, 2), "extraordinary": Fraction(3, 4)}
ELECTORATE = {"members": 400, "permanents": 50, "clients": 100}
SOURCE = Path(explain_module.__file__)


def percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def number(value: float) -> str:
    return f"{value:g}"


def identity(message: str) -> str:
    return message


def make_rules(weighting: str = "colleges", quorum_mode: str = "global", **changes: Any) -> Rules:
    settings: dict[str, Any] = {
        "weighting_mode": weighting,
        "weights": WEIGHTS,
        "quorum_mode": quorum_mode,
        "quorum": QUORUM,
        "majority": MAJORITY,
    }
    return Rules(**{**settings, **changes})


def results(
    questions: list[QuestionSpec],
    rules: Rules,
    ballots: list[tuple[str, dict[str, Any]]],
    eligible: dict[str, int] | None = None,
) -> dict[str, Any]:
    acc = Accumulator(questions)
    for college, answers in ballots:
        acc.add(college, answers)
    return tally(questions, rules, ELECTORATE if eligible is None else eligible, acc)


def said(result: dict[str, Any], _: Any = identity) -> str:
    return explain(result, _, percent, number)


def repeat(college: str, times: int, **answers: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(college, dict(answers)) for _ in range(times)]


YES_NO = QuestionSpec("q1", "yes_no", "ordinary", ("yes", "no"))
YES_NO_EXTRA = QuestionSpec("q1", "yes_no", "extraordinary", ("yes", "no"))
SINGLE = QuestionSpec("q2", "single_choice", "extraordinary", ("a", "b"))
MULTIPLE = QuestionSpec("q3", "multiple_choice", "ordinary", ("a", "b", "c"), max_choices=2)
MULTIPLE_ANY = QuestionSpec("q3", "multiple_choice", "ordinary", ("a", "b", "c"))
RANKING = QuestionSpec("q4", "ranking", "ordinary", ("a", "b", "c"))
BUDGET = QuestionSpec("q5", "budget", "ordinary", ("x", "y"), budget_total=100)
ALL_TYPES = [YES_NO, SINGLE, MULTIPLE, RANKING, BUDGET]
ABSTAIN_ALL = {"q1": "abstain", "q2": "abstain", "q3": "abstain", "q4": "abstain", "q5": "abstain"}
BALLOTS = (
    repeat("members", 120, q1="yes", q2="a", q3=["a", "b"], q4=["c", "a"], q5={"x": 60, "y": 40})
    + repeat("members", 80, q1="no", q2="b", q3=["b"], q4=["a"], q5={"x": 100})
    + repeat("members", 10, **ABSTAIN_ALL)
    + repeat("clients", 5, **ABSTAIN_ALL)
    + repeat("permanents", 30, q1="yes", q2="b", q3=["c"], q4=["b", "a", "c"], q5={"y": 100})
)


def test_weighted_yes_no_from_counts_to_outcome() -> None:
    text = said(results(ALL_TYPES, make_rules(), BALLOTS)["q1"])
    assert "members (weight 55.0 %): yes 120, no 80, abstentions 10; yes share 120 ÷ 200 valid = 60.0 %." in text
    assert "permanents (weight 25.0 %): yes 30, no 0, abstentions 0; yes share 30 ÷ 30 valid = 100.0 %." in text
    assert "clients: abstentions only (5); the college neither helps nor blocks." in text
    assert "partners: no ballots; the college neither helps nor blocks." in text
    # (0.55 × 0.6 + 0.25 × 1) ÷ 0.8 = 0.725
    assert "The weights of the colleges with valid votes add up to 80.0 %." in text
    assert "Weighted share of yes = (55.0 % × 60.0 % + 25.0 % × 100.0 %) ÷ 80.0 % = 72.5 %." in text
    assert "245 of 550 eligible people voted, abstentions included: participation 44.5 %." in text
    assert "Participation of 44.5 % reaches the quorum of 15.0 %." in text
    assert text.endswith("The yes share of 72.5 % is above the 50.0 % needed for an ordinary decision: adopted.")


@pytest.mark.parametrize(
    ("yes", "no", "question", "verdict"),
    [
        (2, 2, YES_NO, "The yes share of 50.0 % is not above the 50.0 % needed for an ordinary decision: rejected."),
        (
            3,
            1,
            YES_NO_EXTRA,
            "The yes share of 75.0 % reaches the 75.0 % needed for an extraordinary decision: adopted.",
        ),
        (
            2,
            1,
            YES_NO_EXTRA,
            "The yes share of 66.7 % is below the 75.0 % needed for an extraordinary decision: rejected.",
        ),
    ],
)
def test_yes_no_verdicts(yes: int, no: int, question: QuestionSpec, verdict: str) -> None:
    ballots = repeat("members", yes, q1="yes") + repeat("members", no, q1="no")
    text = said(results([question], make_rules(), ballots, {"members": 4})["q1"])
    assert text.endswith(verdict)


def test_every_question_type_reaches_its_outcome() -> None:
    result = results(ALL_TYPES, make_rules(), BALLOTS)
    single = said(result["q2"])
    assert "Weighted share of b = (55.0 % × 40.0 % + 25.0 % × 100.0 %) ÷ 80.0 % = 58.8 %." in single
    assert "The quorum for an extraordinary decision is 20.0 %." in single
    assert single.endswith("b has the highest share, 58.8 %: chosen.")
    multiple = said(result["q3"])
    assert "Each ballot may choose up to 2 options" in multiple
    assert "a: 120 ÷ 200 = 60.0 %, b: 200 ÷ 200 = 100.0 %, c: 0 ÷ 200 = 0.0 %" in multiple
    assert multiple.endswith("ties broken by option key: b (68.8 %), a (41.2 %), c (31.2 %).")
    ranking = said(result["q4"])
    assert "A ballot gives 2 points to the option it ranks first" in ranking
    assert "a: 280 ÷ 200 = 1.4, b: 0 ÷ 200 = 0, c: 240 ÷ 200 = 1.2" in ranking
    assert "Weighted points of a = (55.0 % × 1.4 + 25.0 % × 1) ÷ 80.0 % = 1.275." in ranking
    assert ranking.endswith("a (1.275), c (0.825), b (0.625).")
    budget = said(result["q5"])
    assert "Each ballot shares out 100 among the options" in budget
    assert "Weighted allocation to y = (55.0 % × 24 + 25.0 % × 100) ÷ 80.0 % = 47.75." in budget
    assert budget.endswith("by allocation, highest first, ties broken by option key: x (52.25), y (47.75).")


def test_single_choice_tie() -> None:
    ballots = repeat("members", 2, q2="a") + repeat("members", 2, q2="b")
    text = said(results([SINGLE], make_rules(), ballots, {"members": 4})["q2"])
    assert text.endswith("a, b are tied for the highest share, 50.0 %: tie, no option is chosen.")


def test_one_person_one_vote_and_per_college_quorum_without_quorum() -> None:
    result = results(ALL_TYPES, make_rules("one_person_one_vote", "per_college"), BALLOTS)["q1"]
    text = said(result)
    assert "One person, one vote" in text
    assert "All colleges together: valid ballots 230, abstentions 15." in text
    assert "Share of yes = 150 ÷ 230 = 65.2 %." in text
    assert "weight" not in text
    assert "members: 210 of 400 eligible people voted, 52.5 %." in text
    assert "clients: 5 of 100 eligible people voted, 5.0 %." in text
    assert "The lowest participation, 5.0 %, is that of clients." in text
    assert "Participation of 5.0 % is below the quorum of 15.0 %." in text
    assert text.endswith("The quorum is not reached, so the question is not decided: no quorum.")
    assert "adopted" not in text


def test_weighted_quorum_shows_its_arithmetic() -> None:
    text = said(results(ALL_TYPES, make_rules(quorum_mode="weighted"), BALLOTS)["q4"])
    assert "members (weight 55.0 %): 210 of 400 eligible people voted, 52.5 %." in text
    # (0.55 × 0.525 + 0.25 × 0.6 + 0.10 × 0.05) ÷ 0.9 = 0.4931
    assert "Weighted participation = (55.0 % × 52.5 % + 25.0 % × 60.0 % + 10.0 % × 5.0 %) ÷ 90.0 % = 49.3 %." in text


def test_advisory_consultations_say_so() -> None:
    binding = said(results([YES_NO], make_rules(), BALLOTS[:1])["q1"])
    advisory = said(results([YES_NO], make_rules(binding=False), BALLOTS[:1])["q1"])
    assert advisory == binding + " This consultation is advisory: its outcome is not binding."


# --- Translation discipline ------------------------------------------------------------------------


def scenarios() -> list[dict[str, Any]]:
    """Question results that between them take every branch of explain.py."""
    nobody = {"members": 0}
    cases = [
        results(ALL_TYPES, make_rules(binding=False), BALLOTS),
        results(ALL_TYPES, make_rules("one_person_one_vote", "per_college"), BALLOTS),
        results(ALL_TYPES, make_rules(quorum_mode="weighted"), BALLOTS),
        results([MULTIPLE_ANY], make_rules(), [("members", {"q3": ["a", "b", "c"]})], {"members": 1}),
        results([YES_NO, SINGLE], make_rules(), repeat("members", 2, q1="abstain", q2="abstain"), {"members": 2}),
        results([YES_NO, SINGLE], make_rules("one_person_one_vote"), repeat("members", 1, q1="abstain", q2="abstain")),
        results([YES_NO], make_rules(weights={"members": Fraction(1)}), repeat("clients", 2, q1="yes")),
        results([YES_NO_EXTRA, SINGLE], make_rules(), repeat("members", 1, q1="yes", q2="a") * 2, {"members": 2}),
        results([YES_NO_EXTRA], make_rules(), repeat("members", 1, q1="no"), {"members": 1}),
        results([SINGLE], make_rules(), repeat("members", 1, q2="a") + repeat("members", 1, q2="b"), {"members": 2}),
        results([YES_NO], make_rules(), repeat("members", 3, q1="no"), {"members": 3}),
    ]
    for mode in ("global", "per_college", "weighted"):
        cases.append(results([YES_NO], make_rules(quorum_mode=mode), [], nobody))
    cases.append(
        results([YES_NO], make_rules(quorum_mode="weighted", weights={"members": Fraction(1)}), [], {"clients": 3})
    )
    return [question for case in cases for question in case.values()]


def messages_in_source() -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(SOURCE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
            assert len(node.args) == 1 and not node.keywords, ast.unparse(node)
            (argument,) = node.args
            assert isinstance(argument, ast.Constant) and isinstance(argument.value, str), ast.unparse(node)
            found.add(argument.value)
    return found


def test_every_message_is_a_literal_that_babel_extracts() -> None:
    in_source = messages_in_source()
    extracted = {message for _line, message, _comments, _context in extract_from_file("python", str(SOURCE))}
    assert extracted == in_source
    for message in in_source:
        # Named placeholders only, so that translators can reorder them.
        assert not re.search(r"%(?!\(\w+\)s)", message), message


def test_every_message_is_used_and_every_sentence_is_translated_whole() -> None:
    used: set[str] = set()

    def wrap(message: str) -> str:
        used.add(message)
        return "«" + message + "»"

    for question in scenarios():
        text = said(question, wrap)
        # Remove translated messages (they may nest: a college name inside a sentence); nothing but
        # the spaces between sentences may remain untranslated.
        previous = None
        while previous != text:
            previous, text = text, re.sub(r"«[^«»]*»", "", text)
        assert text.strip() == "", text
    assert used == messages_in_source()


def test_a_translation_may_reorder_placeholders() -> None:
    def backwards(message: str) -> str:
        # A "translation" that keeps every placeholder but puts them in reverse order.
        names = re.findall(r"%\(\w+\)s", message)
        return " ".join(reversed(names)) + "."

    for question in scenarios():
        said(question, backwards)  # a missing or unexpected placeholder would raise
