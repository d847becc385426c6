"""The meetings' pictures (agora/meetings/views/charts.py): the synthesis grid and the live counts bars
hold the right figures, say them in their description and table, and keep hostile words as words."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any

from markupsafe import Markup

from agora.meetings.views.charts import counts_picture, share_for, synthesis_grid

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script>"><img src=x>'


def parse(markup: Markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own output; raises on anything not well formed


def entry(ref: str, decision: str, by_region: dict[str, dict[str, int]]) -> Any:
    item = SimpleNamespace(ref=ref, decision_type=SimpleNamespace(value=decision), title=lambda lang: f"Point {ref}")
    return SimpleNamespace(item=item, by_region=by_region)


def test_the_share_in_favour_counts_only_stated_positions():
    assert share_for({"for": 3, "against": 1, "abstain": 0}) == 0.75
    assert share_for({"for": 1, "against": 1, "abstain": 2}) == 0.25
    assert share_for({"for": 0, "against": 0, "abstain": 0}) is None
    assert share_for({}) is None


def test_the_synthesis_grid_has_a_cell_per_region_and_item_asking_a_position():
    found = SimpleNamespace(regions=["liege", "eupen"], items=[
        entry("r1", "ordinary", {"liege": {"for": 3, "against": 1, "abstain": 0}}),
        entry("r2", "information", {"liege": {"for": 9, "against": 0, "abstain": 0}}),
        entry("r3", "extraordinary", {"liege": {"for": 0, "against": 2, "abstain": 0},
                                      "eupen": {"for": 1, "against": 0, "abstain": 0}}),
    ])
    grid = synthesis_grid(found, {"liege": "Liège", "eupen": HOSTILE}, "fr")
    assert grid is not None
    figure = parse(grid)
    rows = [["".join(cell.itertext()) for cell in row] for row in figure.iter("tr")]
    assert rows[0] == ["Région", "Point r1", "Point r3"]  # the item for information only has no column
    assert rows[1] == ["Liège", "75\u00a0%", "0\u00a0%"]
    assert rows[2] == [HOSTILE, "—", "100\u00a0%"]  # the region stated nothing on r1: a dash, not 0 %
    assert "<script>" not in str(grid)
    assert figure.find(f".//{SVG}svg[@role='img']") is not None


def test_no_grid_before_any_report():
    assert synthesis_grid(SimpleNamespace(regions=[], items=[]), {}, "fr") is None


def test_the_counts_bars_show_the_share_in_favour_per_college_and_say_every_count():
    position = {"by_college": {"members": {"for": 2, "against": 2, "abstain": 0},
                               "clients": {"for": 0, "against": 0, "abstain": 1}}}
    colleges = {"members": "Membres", "clients": HOSTILE, "partners": "Partenaires"}
    choices = {"for": "Pour", "against": "Contre", "abstain": "Abstention"}
    picture = parse(counts_picture("r1", position, colleges, choices))
    assert picture.get("id") == "counts-chart-r1"
    bars = {g.get("data-key"): g for g in picture.iter(f"{SVG}g")}
    assert bars["members"].find(f"{SVG}rect").get("width") == "118"  # half of the full bar
    assert bars["clients"].find(f"{SVG}rect").get("width") == "0"
    assert "".join(bars["partners"].find(f"{SVG}text[@data-value]").itertext()) == "—"  # nobody stated
    desc = "".join(picture.find(f".//{SVG}desc").itertext())
    assert desc == (f"Membres: Pour 2, Contre 2, Abstention 0; {HOSTILE}: Pour 0, Contre 0, Abstention 1; "
                    "Partenaires: Pour 0, Contre 0, Abstention 0")
