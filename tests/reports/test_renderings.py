"""Page, PDF (text extracted with pdftotext) and CSV carry the same figures as the JSON; sections a
consultation does not have (local meetings, proposals, ethics opinions) render from a hand-built
document."""

from __future__ import annotations

import csv
import io
import re
import uuid
from html import unescape

from agora.i18n import language
from agora.reports import render
from agora.reports.canonical import sha256_of
from agora.reports.document import validate
from agora.web import templating
from tests.conftest import sign_in
from tests.consultations.support import caller
from tests.reports.support import cast, pdf_info, pdf_text, submitted

API = "/api/v1/reports"


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_page_pdf_and_csv_carry_the_json_figures(client, database, tmp_path):
    c = cast(client, database, voters=5)
    rid = submitted(client, c.admin, "consultation", c.consultation)
    report = client.get(f"{API}/{rid}", headers=c.board.headers).json()
    digest = report["integrity"]["sha256"]

    rows = csv_rows(client.get(f"{API}/{rid}.csv", headers=c.board.headers).text)
    for item in report["items"]:
        for option in item["options"]:
            for college, counts in item["remote"]["by_college"].items():
                row = [r for r in rows if (r["item_ref"], r["option_key"], r["college"]) ==
                       (item["ref"], option["key"], college)]
                assert len(row) == 1 and int(row[0]["count"]) == counts[option["key"]]
                assert row[0]["sha256"] == digest and row[0]["source"] == "remote"
    assert len(rows) == sum(len(i["options"]) * 4 for i in report["items"])

    pdf = client.get(f"{API}/{rid}.pdf", headers={**c.board.headers, "Accept-Language": "nl"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content, tmp_path)
    info = pdf_info(pdf.content, tmp_path)
    assert info["Tagged"] == "yes"  # a structure tree: headings, lists, tables with their header cells
    assert info["Title"] == report["title"]["nl"]
    assert text.count(f"SHA-256 {digest}") == int(info["Pages"]) >= 1  # on every page
    q1 = report["items"][0]["remote"]
    for key, label in (("yes", "ja"), ("no", "nee"), ("abstain", "onthouding")):
        figures = [q1["by_college"][college][key] for college in render.COLLEGES] + [q1["counts"][key]]
        row = rf"^\s*{label}\s+" + r"\s+".join(str(n) for n in figures) + r"\b"
        assert re.search(row, text, re.M), (label, figures)
    assert f"{report['participation']['voters']}" in text and "Samenvatting" in text


def test_the_page_shows_the_json_figures_in_the_readers_language(client, database):
    c = cast(client, database, voters=3)
    board = caller(database, roles=["board_member"], password="correct horse battery", language="de")
    rid = submitted(client, c.admin, "consultation", c.consultation)
    report = client.get(f"{API}/{rid}", headers=c.admin.headers).json()
    sign_in(client, board.email)
    page = client.get(f"/reports/{rid}")
    assert page.status_code == 200
    html = unescape(page.text)
    assert report["integrity"]["sha256"] in html
    table = re.search(r'<table class="figures counts" data-item="q1">(.*?)</table>', page.text, re.S).group(1)
    yes_row = re.search(r'<tr data-option="yes">(.*?)</tr>', table, re.S).group(1)
    cells = dict(re.findall(r'<td data-college="(\w+)">([^<]*)</td>', yes_row))
    by_college = report["items"][0]["remote"]["by_college"]
    assert cells == {k: str(v["yes"]) for k, v in by_college.items()}
    assert "Synthèse pour le CA" in html  # no German summary: the original is shown, marked as such
    assert 'lang="fr"' in page.text


HAND_BUILT = {
    "schema": "agora.report/1", "id": "hand", "kind": "pre_assembly_synthesis", "language": "fr", "version": 1,
    "title": {"fr": "Synthèse des réunions décentralisées", "nl": "Synthese van de gedecentraliseerde vergaderingen"},
    "status": "submitted", "created_at": "2026-11-20T10:00:00+00:00", "submitted_at": "2026-11-21T10:00:00+00:00",
    "submitted_by": {"name": "Sophie", "role": "admin"},
    "sources": [{"type": "assembly", "id": "ag-2026"}, {"type": "meeting", "id": "m-liege"}],
    "items": [{
        "ref": "r1", "title": {"fr": "Résolution 1 : comptes annuels"}, "decision_type": "ordinary",
        "question_type": "agenda_item",
        "options": [{"key": "for", "label": {"fr": "pour"}}, {"key": "against", "label": {"fr": "contre"}},
                    {"key": "abstain", "label": {"fr": "abstention"}}],
        "local_meetings": [
            {"meeting_id": "m-liege", "region": "liege", "date": "2026-11-10", "attendance": 41,
             "counts": {"for": 29, "against": 7, "abstain": 5},
             "by_college": {"members": {"for": 20, "against": 5, "abstain": 3},
                            "permanents": {"for": 9, "against": 2, "abstain": 2}}},
            {"meeting_id": "m-eupen", "region": "eupen", "date": "2026-11-12", "attendance": 13,
             "counts": {"for": 4, "against": 8, "abstain": 1}},
        ],
        "minority_positions": [{"text": "Reporter l'affectation d'un an", "language": "fr"}],
        "questions_raised": [{"text": "Pourquoi le fonds baisse-t-il ?", "supports": 6}],
        "amendments_suggested": [{"text": "Ajouter un plafond de 10 %"}],
    }],
    "proposals": [{"id": "p-77", "title": {"nl": "Vierdaagse werkweek"}, "supports": 312, "status": "on_agenda"}],
    "ethics_opinions": [{"id": "op-3", "summary": {"fr": "Avis sur la sous-traitance"},
                         "recommendations": [{"fr": "Publier la liste des sous-traitants"}]}],
    "summary": {"fr": "Les salles soutiennent la résolution, sauf Eupen."},
    "recommendations": [{"fr": "Expliquer la baisse du fonds"}],
    "board_response": {"status": "pending", "decision": None, "answered_at": None},
}


def _hand_built() -> dict:
    doc = dict(HAND_BUILT)
    doc["integrity"] = {"sha256": sha256_of(doc), "previous_version_sha256": None}
    validate(doc)
    return doc


def _context(doc: dict) -> dict:
    return {**render.helpers(doc, "fr"), "regions": {"liege": "Liège", "eupen": "Eupen"}}


def test_local_meetings_proposals_and_opinions_render_when_present(tmp_path):
    doc = _hand_built()
    with language("fr"):
        html = templating.render("reports/_document.html", _context(doc))
        pdf = render.to_pdf(_context(doc))
    table = re.search(r'<table class="figures local-meetings" data-item="r1">(.*?)</table>', html, re.S).group(1)
    liege = re.search(r'<tr data-meeting="m-liege">(.*?)</tr>', table, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", liege) == ["Liège", "2026-11-10", "41", "29", "7", "5"]
    assert 'data-proposal="p-77"' in html and "Vierdaagse werkweek" in html and "312" in html
    assert 'data-opinion="op-3"' in html and "Publier la liste des sous-traitants" in html
    for words in ("Reporter l'affectation d'un an", "Pourquoi le fonds baisse-t-il ?", "Ajouter un plafond de 10 %"):
        assert words in unescape(html)
    text = pdf_text(pdf, tmp_path)
    assert re.search(r"m-liege\s+Liège\s+2026-11-10\s+41\s+29\s+7\s+5", text)
    assert re.search(r"m-eupen\s+Eupen\s+2026-11-12\s+13\s+4\s+8\s+1", text)
    assert "Vierdaagse werkweek" in text and "Avis sur la sous-traitance" in text
    assert f"SHA-256 {doc['integrity']['sha256']}" in text

    rows = csv_rows(render.to_csv(doc))
    liege_rows = [r for r in rows if r["source"] == "meeting:m-liege"]
    assert {(r["option_key"], r["college"]): int(r["count"]) for r in liege_rows} == {
        ("for", "members"): 20, ("against", "members"): 5, ("abstain", "members"): 3,
        ("for", "permanents"): 9, ("against", "permanents"): 2, ("abstain", "permanents"): 2}
    eupen_rows = [r for r in rows if r["source"] == "meeting:m-eupen"]
    assert {(r["option_key"], r["college"]): int(r["count"]) for r in eupen_rows} == {
        ("for", "all"): 4, ("against", "all"): 8, ("abstain", "all"): 1}


def test_pdfs_render_in_parallel_threads(tmp_path):
    """Worker threads render PDFs at the same time (Pango state is not shared between them)."""
    from concurrent.futures import ThreadPoolExecutor

    doc = _hand_built()

    def one(_n: int) -> bytes:
        with language("fr"):
            return render.to_pdf(_context(doc))

    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(one, range(4)))
    for data in pdfs:
        assert f"SHA-256 {doc['integrity']['sha256']}" in pdf_text(data, tmp_path)


def _boxes_of_class(box, name):
    for child in box.descendants():
        if name in ((child.element.get("class") or "").split() if child.element is not None else []):
            yield child


def test_a_meetings_table_with_real_meeting_ids_fits_the_pdf_page():
    """A meeting is named by its 32-character id: unbroken, it once pushed the last columns (abstentions)
    off the right edge of the PDF page."""
    from weasyprint import HTML

    doc = dict(HAND_BUILT)
    doc["items"] = [{**item, "local_meetings": [{**m, "meeting_id": uuid.UUID(int=n + 7).hex}
                                                for n, m in enumerate(item["local_meetings"])]}
                    for item in HAND_BUILT["items"]]
    doc["integrity"] = {"sha256": sha256_of(doc), "previous_version_sha256": None}
    validate(doc)
    with language("fr"):
        html = templating.render("reports/pdf.html", _context(doc))
    tables = []
    for page in HTML(string=html).render().pages:
        area = page._page_box
        right = area.content_box_x() + area.width
        tables += [(box.position_x + box.margin_width(), right) for box in _boxes_of_class(area, "local-meetings")]
    assert tables, "no table of local meetings in the PDF"
    assert all(table_right <= page_right + 0.5 for table_right, page_right in tables), tables
