"""The results as CSV: one row per question and option (abstentions included), with the totals per
college (ballots; points for a ranking; amounts for a budget), the weighted figure, and the
question's quorum and outcome repeated on each row so that every row reads on its own in a
spreadsheet. Column names are stable English keys; option labels
are in the reader's language. Only ever built from the frozen results, after the close.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from agora.consultations.models import Consultation
from agora.consultations.tally import ABSTAIN, COLLEGES

WEIGHTED_KEYS = ("weighted_shares", "weighted_points", "weighted_allocation")
HEADER = ["question", "type", "decision_type", "option", "label", "total", *COLLEGES, "weighted_measure",
          "weighted_value", "rank", "quorum_mode", "quorum_required", "quorum_achieved", "quorum_reached", "outcome",
          "winner"]


def _text(value: str) -> str:
    """A text cell that a spreadsheet will not take for a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _labels(consultation: Consultation, language: str) -> dict[tuple[str, str], str]:
    labels = {}
    for question in consultation.questions:
        for option in question.options:
            labels[(question.ref, option.key)] = option.label(language)
    return labels


def results_csv(consultation: Consultation, language: str, yes_no_labels: dict[str, str]) -> str:
    assert consultation.results is not None
    labels = _labels(consultation, language)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for question in consultation.questions:
        result: dict[str, Any] = consultation.results["questions"][question.ref]
        measure = next(key for key in WEIGHTED_KEYS if key in result)
        order = result.get("order") or []
        quorum = result["quorum"]
        for option in result["counts"]:
            if option == ABSTAIN:
                label = yes_no_labels[ABSTAIN]
            elif question.type == "yes_no":
                label = yes_no_labels[option]
            else:
                label = labels.get((question.ref, option), option)
            weighted = result[measure].get(option)
            writer.writerow([
                question.ref, result["type"], result["decision_type"], option, _text(label), result["counts"][option],
                *(result["by_college"][college][option] for college in COLLEGES),
                measure if weighted is not None else "", "" if weighted is None else repr(weighted),
                order.index(option) + 1 if option in order else "",
                quorum["mode"], quorum["required"], quorum["achieved"], str(quorum["reached"]).lower(),
                result["outcome"], result.get("winner") or "",
            ])
    return out.getvalue()
