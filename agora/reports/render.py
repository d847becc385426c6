"""Renderings of one report document: the words of the interface, CSV tables, and the PDF.

Every rendering reads the same document (`agora.reports.document.document`), never the database, so
that the page, the PDF, the CSV and the JSON cannot disagree. Content stays in its original
language, with translations where they exist; the interface speaks the reader's language.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from agora.i18n import gettext as _
from agora.i18n.formatting import format_datetime
from agora.people.labels import college_names
from agora.web import templating

COLLEGES = ("members", "permanents", "clients", "partners")
CSV_COLUMNS = ("report_id", "version", "sha256", "item_ref", "item_title", "question_type", "option_key",
               "option_label", "college", "source", "measure", "count", "weighted_value")
MEASURES = {"ranking": "points", "budget": "amount", "agenda_item": "positions"}


def pick(texts: dict[str, str] | None, reader: str, original: str) -> tuple[str, str]:
    """(text, its language): the reader's language if the text exists in it, else the original."""
    texts = texts or {}
    for code in (reader, original, "fr", "nl", "de"):
        if texts.get(code):
            return texts[code], code
    return "", original


def helpers(doc: dict[str, Any], reader: str) -> dict[str, Any]:
    """What the document templates need beside the document: words, colleges, and two functions."""
    return {"doc": doc, "L": labels(), "colleges": COLLEGES, "lang": reader,
            "text": lambda texts: pick(texts, reader, doc["language"]),
            "when": lambda iso: format_datetime(datetime.fromisoformat(iso)) if iso else ""}


def labels() -> dict[str, dict[str, str]]:
    """The interface's words for the document's codes, in the current language."""
    return {
        "kind": {"consultation": _("Consultation"), "pre_assembly_synthesis": _("Synthesis of the local meetings"),
                 "meeting": _("Local meeting"), "proposal": _("Proposal"), "ethics_opinion": _("Ethics opinion")},
        "status": {"draft": _("Draft"), "submitted": _("Submitted to the board"),
                   "acknowledged": _("Acknowledged by the board"), "answered": _("Answered by the board")},
        "decision": {"accepted": _("Accepted"), "rejected": _("Rejected"), "partly_accepted": _("Partly accepted"),
                     "postponed": _("Postponed")},
        "outcome": {"adopted": _("Adopted"), "rejected": _("Rejected"), "chosen": _("Chosen"),
                    "tie": _("Tie: no option is chosen"), "ranked": _("Ranked"), "allocated": _("Allocated"),
                    "no_quorum": _("No quorum: not decided")},
        "college": college_names(),
        "quorum_mode": {"global": _("participation of the whole electorate"),
                        "per_college": _("lowest participation among the colleges"),
                        "weighted": _("participation weighted by college"), "none": _("no quorum")},
        "weighting": {"colleges": _("weighted by college"), "one_person_one_vote": _("one person, one vote")},
        "decision_type": {"ordinary": _("ordinary decision"), "extraordinary": _("extraordinary decision"),
                          "advisory": _("advisory")},
        "role": {"admin": _("administrator (secretariat)"), "relay": _("regional relay"),
                 "board_member": _("board member"), "delegated_administrator": _("delegated administrator"),
                 "ethics_member": _("ethics committee member"), "member": _("member")},
        "proposal_status": {"published": _("Collecting supports"), "threshold_reached": _("Threshold reached"),
                            "on_agenda": _("On the agenda"), "sent_to_board": _("Sent to the board"),
                            "answered": _("Answered by the board"), "withdrawn": _("Withdrawn")},
    }


def region_names(db: Any, language: str) -> dict[str, str]:
    from sqlalchemy import select

    from agora.people.models import Region

    return {r.slug: r.name(language) for r in db.execute(select(Region)).scalars()}


# --- CSV ------------------------------------------------------------------------------------------

def _weighted(remote: dict[str, Any], key: str) -> str:
    for name in ("weighted_shares", "weighted_points", "weighted_allocation"):
        if key in remote.get(name, {}):
            return repr(float(remote[name][key]))
    return ""


def csv_rows(doc: dict[str, Any]) -> list[list[Any]]:
    """One row per item × option × college: remote ballots (`source` remote), then each local meeting
    (`source` meeting:ID; college `all` when the meeting did not count by college)."""
    rows: list[list[Any]] = []
    head = [doc["id"], doc.get("version", 1), doc["integrity"]["sha256"]]
    for item in doc["items"]:
        title = pick(item["title"], doc["language"], doc["language"])[0]
        measure = MEASURES.get(item["question_type"], "ballots")
        for option in item.get("options", []):
            key = option["key"]
            label = pick(option["label"], doc["language"], doc["language"])[0]
            base = [*head, item["ref"], title, item["question_type"], key, label]
            remote = item.get("remote")
            if remote:
                for college in COLLEGES:
                    if college in remote["by_college"]:
                        rows.append([*base, college, "remote", measure, remote["by_college"][college].get(key, 0),
                                     _weighted(remote, key)])
            for meeting in item.get("local_meetings", []):
                source = f"meeting:{meeting['meeting_id']}"
                by_college = meeting.get("by_college") or {}
                if by_college:
                    for college in COLLEGES:
                        if college in by_college:
                            rows.append([*base, college, source, "positions", by_college[college].get(key, 0), ""])
                else:
                    rows.append([*base, "all", source, "positions", meeting["counts"].get(key, 0), ""])
    return rows


def to_csv(doc: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(doc))
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------------

def to_pdf(context: dict[str, Any]) -> bytes:
    """The report as PDF (WeasyPrint), tagged for accessibility; the hash is in every page's footer.

    Each rendering gets its own font configuration (WeasyPrint's default): Pango's objects are not
    shared between the worker threads that render PDFs at the same time; it costs some 30 ms."""
    from weasyprint import HTML

    html = templating.render("reports/pdf.html", context)
    return HTML(string=html, base_url=None).write_pdf(pdf_tags=True)  # type: ignore[no-any-return]
