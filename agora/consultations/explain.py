"""How a question's outcome follows from its counts, in prose.

`explain` reads only the "arithmetic" record that `agora.consultations.tally` puts in every question
result. Each sentence is one whole message, a literal passed to `_` with named placeholders, so that
pybabel extracts it and translators can reorder it; sentences are joined with spaces and never pieced
together from translated fragments. Placeholder values are figures (formatted by the caller's
locale-aware formatters), option keys, college names, and lists of those joined with symbols.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Gettext = Callable[[str], str]
Formatter = Callable[[float], str]


@dataclass(frozen=True)
class _Formats:
    percent: Formatter
    number: Formatter
    value: Formatter  # percent for shares, number for points and allocations
    colleges: Mapping[str, str]
    options: Mapping[str, str]

    def option(self, key: str) -> str:
        return self.options.get(key, key)


def explain(
    result: Mapping[str, Any],
    _: Gettext,
    fmt_percent: Formatter,
    fmt_number: Formatter,
    option_labels: Mapping[str, str] | None = None,
) -> str:
    """The explanation of one question result (an item of the results' "questions" object).

    `option_labels` names the options in the reader's language; without it, option keys are shown."""
    a = result["arithmetic"]
    f = _Formats(
        percent=fmt_percent,
        number=fmt_number,
        value=fmt_percent if a["measure"] == "share" else fmt_number,
        colleges={
            "members": _("members"),
            "permanents": _("permanents"),
            "clients": _("clients"),
            "partners": _("partners"),
        },
        options={"yes": _("yes"), "no": _("no")} if a["type"] == "yes_no" else dict(option_labels or {}),
    )
    sentences = [
        *_method(a, _, f),
        *(_college_figures(a, _, f) if a["weighting"] == "colleges" else _electorate_figures(a, _, f)),
        *_quorum(a["quorum"], _, f),
        *_decision(a, _, f),
    ]
    if not a["binding"]:
        sentences.append(_("This consultation is advisory: its outcome is not binding."))
    return " ".join(sentences)


def _method(a: Mapping[str, Any], _: Gettext, f: _Formats) -> Iterator[str]:
    yield _("Abstentions count for participation and the quorum but not in the majority base.")
    if a["type"] == "multiple_choice":
        if a["max_choices"] is None:
            yield _(
                "Each ballot may choose any number of options; the share of an option is the fraction"
                " of valid ballots that choose it."
            )
        else:
            yield _(
                "Each ballot may choose up to %(max_choices)s options; the share of an option is the"
                " fraction of valid ballots that choose it."
            ) % {"max_choices": f.number(a["max_choices"])}
    elif a["type"] == "ranking":
        yield _(
            "A ballot gives %(first_points)s points to the option it ranks first, one point less to each"
            " next one, and 0 to the options it leaves unranked; the points of an option are averaged"
            " over the valid ballots."
        ) % {"first_points": f.number(a["first_points"])}
    elif a["type"] == "budget":
        yield _(
            "Each ballot shares out %(budget_total)s among the options; the allocation of an option is"
            " the mean amount it receives per valid ballot."
        ) % {"budget_total": f.number(a["budget_total"])}
    if a["weighting"] == "colleges":
        yield _(
            "Each college counts with its weight; the weights are renormalised over the colleges with"
            " valid votes, so that a college without valid votes neither helps nor blocks."
        )
    else:
        yield _("One person, one vote: every valid ballot counts the same, whatever the college.")


def _college_figures(a: Mapping[str, Any], _: Gettext, f: _Formats) -> Iterator[str]:
    for college, c in a["colleges"].items():
        yield _college_sentence(a, college, c, _, f)
    if not a["active"]:
        yield _("No college has valid votes, so every figure is 0.")
        return
    if not a["counts_anything"]:
        yield _("The colleges with valid votes all weigh 0, so every figure is 0.")
        return
    weight_sum = f.percent(a["weight_sum"])
    yield _("The weights of the colleges with valid votes add up to %(weight_sum)s.") % {"weight_sum": weight_sum}
    for option in a["options"]:
        terms = " + ".join(
            f"{f.percent(a['colleges'][c]['weight'])} × {f.value(a['colleges'][c]['means'][option])}"
            for c in a["active"]
        )
        figures = {
            "option": f.option(option),
            "terms": terms,
            "weight_sum": weight_sum,
            "value": f.value(a["values"][option]),
        }
        if a["measure"] == "share":
            yield _("Weighted share of %(option)s = (%(terms)s) ÷ %(weight_sum)s = %(value)s.") % figures
        elif a["measure"] == "points":
            yield _("Weighted points of %(option)s = (%(terms)s) ÷ %(weight_sum)s = %(value)s.") % figures
        else:
            yield _("Weighted allocation to %(option)s = (%(terms)s) ÷ %(weight_sum)s = %(value)s.") % figures


def _college_sentence(a: Mapping[str, Any], college: str, c: Mapping[str, Any], _: Gettext, f: _Formats) -> str:
    name = f.colleges[college]
    if not c["active"]:
        if c["voters"] == 0:
            return _("%(college)s: no ballots; the college neither helps nor blocks.") % {"college": name}
        return _("%(college)s: abstentions only (%(abstain)s); the college neither helps nor blocks.") % {
            "college": name,
            "abstain": f.number(c["abstain"]),
        }
    figures = {
        "college": name,
        "weight": f.percent(c["weight"]),
        "valid": f.number(c["valid"]),
        "abstain": f.number(c["abstain"]),
    }
    if a["type"] == "yes_no":
        figures.update(yes=f.number(c["sums"]["yes"]), no=f.number(c["sums"]["no"]), share=f.percent(c["means"]["yes"]))
        return (
            _(
                "%(college)s (weight %(weight)s): yes %(yes)s, no %(no)s, abstentions %(abstain)s;"
                " yes share %(yes)s ÷ %(valid)s valid = %(share)s."
            )
            % figures
        )
    figures["figures"] = ", ".join(
        f"{f.option(o)}: {f.number(c['sums'][o])} ÷ {f.number(c['valid'])} = {f.value(c['means'][o])}"
        for o in a["options"]
    )
    if a["measure"] == "share":
        return (
            _(
                "%(college)s (weight %(weight)s): valid ballots %(valid)s, abstentions %(abstain)s;"
                " ballots choosing each option ÷ valid ballots: %(figures)s."
            )
            % figures
        )
    if a["measure"] == "points":
        return (
            _(
                "%(college)s (weight %(weight)s): valid ballots %(valid)s, abstentions %(abstain)s;"
                " points of each option ÷ valid ballots: %(figures)s."
            )
            % figures
        )
    return (
        _(
            "%(college)s (weight %(weight)s): valid ballots %(valid)s, abstentions %(abstain)s;"
            " amount given to each option ÷ valid ballots: %(figures)s."
        )
        % figures
    )


def _electorate_figures(a: Mapping[str, Any], _: Gettext, f: _Formats) -> Iterator[str]:
    yield _("All colleges together: valid ballots %(valid)s, abstentions %(abstain)s.") % {
        "valid": f.number(a["total_valid"]),
        "abstain": f.number(a["total_abstain"]),
    }
    if not a["counts_anything"]:
        yield _("There are no valid votes, so every figure is 0.")
        return
    for option in a["options"]:
        figures = {
            "option": f.option(option),
            "count": f.number(a["total_sums"][option]),
            "valid": f.number(a["total_valid"]),
            "value": f.value(a["values"][option]),
        }
        if a["measure"] == "share":
            yield _("Share of %(option)s = %(count)s ÷ %(valid)s = %(value)s.") % figures
        elif a["measure"] == "points":
            yield _("Points of %(option)s per valid ballot = %(count)s ÷ %(valid)s = %(value)s.") % figures
        else:
            yield (_("Allocation to %(option)s per valid ballot = %(count)s ÷ %(valid)s = %(value)s.") % figures)


def _quorum(q: Mapping[str, Any], _: Gettext, f: _Formats) -> Iterator[str]:
    required = f.percent(q["required"])
    if q["decision_type"] == "ordinary":
        yield _("The quorum for an ordinary decision is %(required)s.") % {"required": required}
    else:
        yield _("The quorum for an extraordinary decision is %(required)s.") % {"required": required}
    counted = {college: c for college, c in q["colleges"].items() if c["counted"]}
    achieved = f.percent(q["achieved"])
    if q["mode"] == "global":
        if not q["computable"]:
            yield _("Nobody is eligible, so the quorum cannot be reached.")
            return
        yield _(
            "%(voters)s of %(eligible)s eligible people voted, abstentions included: participation %(achieved)s."
        ) % {"voters": f.number(q["voters"]), "eligible": f.number(q["eligible"]), "achieved": achieved}
    elif q["mode"] == "per_college":
        yield _("Every college with eligible people must reach it.")
        for college, c in counted.items():
            yield _("%(college)s: %(voters)s of %(eligible)s eligible people voted, %(ratio)s.") % {
                "college": f.colleges[college],
                "voters": f.number(c["voters"]),
                "eligible": f.number(c["eligible"]),
                "ratio": f.percent(c["ratio"]),
            }
        if not q["computable"]:
            yield _("No college has eligible people, so the quorum cannot be reached.")
            return
        yield _("The lowest participation, %(achieved)s, is that of %(college)s.") % {
            "achieved": achieved,
            "college": f.colleges[q["lowest"]],
        }
    else:
        yield _("Participation is weighted by college, over the colleges with eligible people.")
        for college, c in counted.items():
            yield _("%(college)s (weight %(weight)s): %(voters)s of %(eligible)s eligible people voted, %(ratio)s.") % {
                "college": f.colleges[college],
                "weight": f.percent(c["weight"]),
                "voters": f.number(c["voters"]),
                "eligible": f.number(c["eligible"]),
                "ratio": f.percent(c["ratio"]),
            }
        if not counted:
            yield _("No college has eligible people, so the quorum cannot be reached.")
            return
        if not q["computable"]:
            yield _("The colleges with eligible people all weigh 0, so the quorum cannot be reached.")
            return
        terms = " + ".join(f"{f.percent(c['weight'])} × {f.percent(c['ratio'])}" for c in counted.values())
        yield _("Weighted participation = (%(terms)s) ÷ %(weight_sum)s = %(achieved)s.") % {
            "terms": terms,
            "weight_sum": f.percent(q["denominator"]),
            "achieved": achieved,
        }
    if q["reached"]:
        yield _("Participation of %(achieved)s reaches the quorum of %(required)s.") % {
            "achieved": achieved,
            "required": required,
        }
    else:
        yield _("Participation of %(achieved)s is below the quorum of %(required)s.") % {
            "achieved": achieved,
            "required": required,
        }


def _decision(a: Mapping[str, Any], _: Gettext, f: _Formats) -> Iterator[str]:
    d = a["decision"]
    if a["outcome"] == "no_quorum":
        yield _("The quorum is not reached, so the question is not decided: no quorum.")
    elif a["type"] == "yes_no":
        yield _yes_no_decision(a["decision_type"], d, _, f)
    elif a["type"] == "single_choice":
        if not d["counts_anything"]:
            yield _("There are no valid votes that count, so no option is chosen: tie.")
        elif a["outcome"] == "chosen":
            yield _("%(option)s has the highest share, %(share)s: chosen.") % {
                "option": f.option(d["top"][0]),
                "share": f.percent(d["top_value"]),
            }
        else:
            yield _("%(options)s are tied for the highest share, %(share)s: tie, no option is chosen.") % {
                "options": ", ".join(f.option(o) for o in d["top"]),
                "share": f.percent(d["top_value"]),
            }
    else:
        order = ", ".join(f"{f.option(o)} ({f.value(a['values'][o])})" for o in d["order"])
        if a["type"] == "multiple_choice":
            yield _("Ranked by share, highest first, ties broken by option key: %(order)s.") % {"order": order}
        elif a["type"] == "ranking":
            yield _("Ranked by points per valid ballot, highest first, ties broken by option key: %(order)s.") % {
                "order": order
            }
        else:
            yield _("Allocated; options by allocation, highest first, ties broken by option key: %(order)s.") % {
                "order": order
            }


def _yes_no_decision(decision_type: str, d: Mapping[str, Any], _: Gettext, f: _Formats) -> str:
    if not d["counts_anything"]:
        return _("There are no valid votes that count, so the proposal is rejected.")
    figures = {"share": f.percent(d["share"]), "threshold": f.percent(d["threshold"])}
    if decision_type == "ordinary":
        if d["passed"]:
            return (
                _("The yes share of %(share)s is above the %(threshold)s needed for an ordinary decision: adopted.")
                % figures
            )
        return (
            _("The yes share of %(share)s is not above the %(threshold)s needed for an ordinary decision: rejected.")
            % figures
        )
    if d["passed"]:
        return (
            _("The yes share of %(share)s reaches the %(threshold)s needed for an extraordinary decision: adopted.")
            % figures
        )
    return (
        _("The yes share of %(share)s is below the %(threshold)s needed for an extraordinary decision: rejected.")
        % figures
    )
