"""The PDF's table of local meetings is laid out from set column widths (templates/reports/pdf.html):
in French, Dutch and German, with the regions' real names and real meeting ids, no heading word is cut
and no cell's text runs out of its cell or off the page."""

from __future__ import annotations

import hashlib

import pytest

from agora.i18n import language
from agora.meetings.report import options
from agora.people.defaults import REGIONS
from agora.reports import render
from agora.reports.canonical import sha256_of
from agora.reports.document import validate
from agora.web import templating

LONG_REGIONS = [  # the secretariat names regions as it likes
    ("neufchateau", {"fr": "Neufchâteau", "nl": "Neufchâteau", "de": "Neufchâteau"}, "fr"),
    ("ostbelgien", {"fr": "Communauté germanophone", "nl": "Duitstalige Gemeenschap",
                    "de": "Deutschsprachige Gemeinschaft"}, "de"),
    ("bruxelles-capitale", {"fr": "Région de Bruxelles-Capitale", "nl": "Brussels Hoofdstedelijk Gewest",
                            "de": "Region Brüssel-Hauptstadt"}, "fr,nl"),
]
HYPHEN = "\u2010"  # what WeasyPrint adds where it hyphenates a word
WIDE_ATTENDANCE = 12_345  # a figure with a group separator


def _meeting_id(slug: str) -> str:
    """32 hexadecimal characters, letters and digits, as agora's ids (reproducible)."""
    return hashlib.sha256(slug.encode()).hexdigest()[:32]


def _synthesis() -> dict:
    meetings = [{"meeting_id": _meeting_id(slug), "region": slug, "date": f"2026-11-{n + 10:02d}",
                 "attendance": WIDE_ATTENDANCE, "counts": {"for": 10_000, "against": 2_000, "abstain": 345}}
                for n, (slug, _names, _languages) in enumerate([*REGIONS, *LONG_REGIONS])]
    doc = {
        "schema": "agora.report/1", "id": "layout", "kind": "pre_assembly_synthesis", "language": "fr",
        "version": 1, "title": {"fr": "Synthèse", "nl": "Synthese", "de": "Synthese"}, "status": "draft",
        "created_at": "2026-11-20T10:00:00+00:00", "sources": [{"type": "assembly", "id": "ag"}],
        "items": [{"ref": "r1", "title": {"fr": "Résolution 1", "nl": "Besluit 1", "de": "Beschluss 1"},
                   "question_type": "agenda_item", "options": options(), "local_meetings": meetings}],
        "board_response": {"status": "pending", "decision": None, "answered_at": None},
    }
    doc["integrity"] = {"sha256": sha256_of(doc), "previous_version_sha256": None}
    validate(doc)
    return doc


def _region_names(reader: str) -> dict[str, str]:
    return {slug: names[reader] for slug, names, _languages in [*REGIONS, *LONG_REGIONS]}


def _cells(pages):
    """(page box, cell box) for every cell of a table of local meetings."""
    from weasyprint.formatting_structure.boxes import TableBox, TableCellBox

    for page in pages:
        area = page._page_box
        for table in area.descendants():
            if isinstance(table, TableBox) and "local-meetings" in (table.element.get("class") or "").split():
                for cell in table.descendants():
                    if isinstance(cell, TableCellBox):
                        yield area, cell


def _lines(cell):
    """The text of each line of a cell, and the text boxes that make it."""
    from weasyprint.formatting_structure.boxes import LineBox, TextBox

    for line in cell.descendants():
        if isinstance(line, LineBox):
            texts = [box for box in line.descendants() if isinstance(box, TextBox)]
            yield "".join(box.text for box in texts), texts


@pytest.mark.parametrize("reader", ["fr", "nl", "de"])
def test_the_meetings_table_keeps_words_whole_and_text_inside_its_cells(reader):
    from weasyprint import HTML

    with language(reader):
        html = templating.render("reports/pdf.html", {**render.helpers(_synthesis(), reader),
                                                      "regions": _region_names(reader)})
    cells = list(_cells(HTML(string=html).render().pages))
    assert len(cells) == 7 * (1 + len(REGIONS) + len(LONG_REGIONS))  # a heading row, a row per meeting

    for area, cell in cells:
        whole = "".join(cell.element.itertext())
        right = cell.content_box_x() + cell.width
        assert right <= area.content_box_x() + area.width + 0.5, f"{whole!r} is off the page"
        lines = []
        for line, boxes in _lines(cell):
            assert all(box.position_x + box.width <= right + 0.5 for box in boxes), f"{line!r} leaves its cell"
            lines.append(line.strip())
        if len(whole) == 32:  # a meeting's id is broken anywhere by design (it is not a word), once
            assert "".join(lines) == whole and len(lines) <= 2, lines
        else:
            assert _rejoined(lines) == whole.split(), f"{whole!r} is cut inside a word: {lines!r}"


def _rejoined(lines: list[str]) -> list[str]:
    """The words of a cell's lines, a word hyphenated at a line's end joined again: a word cut anywhere
    else than at a hyphenation point stays in two pieces."""
    text = ""
    for line in lines:
        if line.endswith(HYPHEN):
            text += line[:-1]
        else:  # a break after a word's own hyphen ("Bruxelles-Capitale") joins too
            text += line if line.endswith("-") else line + " "
    return text.split()



def _first_pages(pages):
    """{what: index of the first page where it has a box}, for an item's heading ("item-N"), and for each
    table of local meetings its caption ("caption r1") and first row of figures ("row r1")."""
    from weasyprint.formatting_structure.boxes import TableCaptionBox, TableRowBox

    found: dict[str, int] = {}

    def walk(box, item, index):
        element = box.element
        if element is not None and element.get("data-item"):
            item = element.get("data-item")
        if element is not None and element.tag == "h2" and (element.get("id") or "").startswith("item-"):
            found.setdefault(element.get("id"), index)
        if item and isinstance(box, TableCaptionBox):
            found.setdefault(f"caption {item}", index)
        if item and isinstance(box, TableRowBox) and element.get("data-meeting"):
            found.setdefault(f"row {item}", index)
        for child in getattr(box, "children", []):
            walk(child, item, index)

    for index, page in enumerate(pages):
        walk(page._page_box, None, index)
    return found


def test_an_items_heading_and_its_tables_heading_stay_on_the_tables_page():
    """Twenty items of thirteen meetings fill pages: an item's heading, or a table's heading, note and
    caption, are never left at the bottom of one page with the table on the next."""
    from weasyprint import HTML

    doc = _synthesis()
    doc["items"] = [{**doc["items"][0], "ref": f"r{n}", "title": {"fr": f"Résolution {n}"},
                     "decision_type": "ordinary"} for n in range(1, 21)]
    doc["integrity"] = {"sha256": sha256_of(doc), "previous_version_sha256": None}
    validate(doc)
    with language("fr"):
        html = templating.render("reports/pdf.html", {**render.helpers(doc, "fr"), "regions": _region_names("fr")})
    pages = HTML(string=html).render().pages
    assert len(pages) >= 10
    found = _first_pages(pages)
    for n in range(1, 21):
        where = {what: found[what] for what in (f"item-{n}", f"caption r{n}", f"row r{n}")}
        assert len(set(where.values())) == 1, where
