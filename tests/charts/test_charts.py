"""agora/charts: well-formed, accessible markup whatever the words, figures where they belong, and
colours that meet WCAG 2.1 contrast."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import Markup

from agora.charts import Bar, Cell, Point, bar_chart, heat_grid, step_chart
from agora.charts.bars import BAR_MAX, bar_length
from agora.charts.grid import SCALE, shade
from agora.charts.markup import INK, PAPER, safe_id
from agora.charts.timeline import step_path
from tests.xss_corpus import PAYLOADS

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "]]><!--", "a & b < c",
           "'; x=\"", "Öffnungszeiten — «régions» 🌍"]


def parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))  # noqa: S314 - our own output; raises on anything not well formed


def texts(element: ET.Element, tag: str) -> list[str]:
    return ["".join(e.itertext()) for e in element.iter(tag)]


def bars(labels: list[str]) -> Markup:
    return bar_chart("results-q1-all", "Résultat pondéré", [
        Bar(label, value=n + 1, text=f"{n + 1} %", details=(str(10 * n),), key=f"k{n}")
        for n, label in enumerate(labels)
    ], headings=["Option", "Part", "Bulletins"])


def test_a_bar_chart_is_an_image_named_and_described_with_its_table():
    figure = parse(bars(["Oui", "Non", "Abstention"]))
    assert figure.tag == "figure"
    svg = figure.find(f".//{SVG}svg")
    assert svg is not None and svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "results-q1-all-title"
    assert svg.find(f"{SVG}title").get("id") == "results-q1-all-title"
    assert svg.find(f"{SVG}desc").text == "Oui: 1 %; Non: 2 %; Abstention: 3 %"
    rows = [[*texts(tr, "th"), *texts(tr, "td")] for tr in figure.iter("tr")]
    assert rows == [["Option", "Part", "Bulletins"], ["Oui", "1 %", "0"], ["Non", "2 %", "10"],
                    ["Abstention", "3 %", "20"]]
    assert [g.get("data-key") for g in svg.iter(f"{SVG}g")] == ["k0", "k1", "k2"]


def test_bars_are_as_long_as_their_values():
    widths = [float(r.get("width")) for r in parse(bars(["a", "b", "c"])).iter(f"{SVG}rect")]
    assert widths == [round(BAR_MAX / 3, 1), round(2 * BAR_MAX / 3, 1), BAR_MAX]
    assert bar_length(0.25, scale=1.0) == BAR_MAX / 4
    assert bar_length(3, scale=0) == 0 and bar_length(-1, scale=1) == 0
    assert bar_length(2, scale=1) == BAR_MAX  # never past the end


@pytest.mark.parametrize("label", HOSTILE + PAYLOADS[:40])
def test_hostile_words_stay_words(label: str):
    label = label.replace("\x00", "")
    markups = [
        bars([label]),
        bar_chart(label, label, [Bar(label, 1, label, (label,), key=label)], headings=[label, label, label],
                  description=label),
        step_chart(label, label, [Point(datetime(2026, 1, 1, tzinfo=UTC), 1, label, label)], headings=[label, label],
                   description=label, target=3, target_text=label),
        heat_grid(label, label, [label], [label], {(0, 0): Cell(0.5, label)}, corner=label, description=label,
                  column_marks=[label]),
    ]
    for markup in markups:
        root = parse(markup)
        for element in root.iter():
            local = element.tag.split("}")[-1]
            assert local in {"figure", "figcaption", "div", "svg", "title", "desc", "g", "text", "rect", "path",
                             "table", "caption", "thead", "tbody", "tr", "th", "td"}, local
            assert not any(name.startswith("on") for name in element.attrib), element.attrib
        assert label.strip() == "" or label in "".join(root.itertext())  # shown as text, whole, in the table


def test_names_of_elements_and_attributes_are_checked():
    from agora.charts.markup import tag

    with pytest.raises(ValueError):
        tag("script onload=x")
    with pytest.raises(ValueError):
        tag("g", **{"onclick x": "1"})


def test_ids_are_always_usable_as_ids():
    assert safe_id("chart-q1-members") == "chart-q1-members"
    assert safe_id('x" onload="alert(1)') == "x-onload-alert-1"
    assert safe_id("1st") == "chart-1st"
    assert safe_id("<>") == "chart-"


def test_supports_over_time_climb_in_steps_to_the_threshold():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    points = [Point(start + timedelta(days=d), n, f"{d + 1} mars", str(n)) for d, n in [(0, 1), (5, 2), (10, 4)]]
    figure = parse(step_chart("supports", "Soutiens", points, headings=["Date", "Soutiens"],
                              description="De 1 à 4 soutiens en 10 jours; seuil: 8.", target=8, target_text="Seuil 8"))
    svg = figure.find(f".//{SVG}svg")
    assert svg.get("role") == "img" and svg.find(f"{SVG}desc").text.startswith("De 1 à 4")
    assert step_path(points, 8) in [p.get("d") for p in svg.iter(f"{SVG}path")]
    assert step_path(points, 8) == "M34 120.2 H173 V104.5 H312 V73"  # x by time (0, 5, 10 days); y: 126 px for 8
    assert "Seuil 8" in texts(svg, f"{SVG}text")
    assert [texts(tr, "th") + texts(tr, "td") for tr in figure.iter("tr")][1:] == [
        ["1 mars", "1"], ["6 mars", "2"], ["11 mars", "4"]]
    same_day = [Point(start, 0, "1 mars", "0"), Point(start + timedelta(hours=3), 5, "1 mars", "5"),
                Point(start + timedelta(days=2), 5, "3 mars", "5")]
    from agora.charts.timeline import table_rows

    assert table_rows(same_day) == [["1 mars", "5"], ["3 mars", "5"]]
    empty = parse(step_chart("none", "Soutiens", [], headings=["Date", "Soutiens"], description="Aucun soutien."))
    assert list(empty.iter("td")) == []


def test_a_heat_grid_puts_every_cell_in_its_row_and_column():
    cells = {(0, 0): Cell(0.9, "90 %"), (0, 1): Cell(0.1, "10 %"), (1, 1): Cell(0.5, "50 %")}
    figure = parse(heat_grid("synthesis", "Positions des régions", ["Liège", "Eupen"], ["Point 1", "Point 2"],
                             cells, corner="Région", description="Part des voix pour, par région et par point."))
    rows = [texts(tr, "th") + texts(tr, "td") for tr in figure.iter("tr")]
    assert rows == [["Région", "Point 1", "Point 2"], ["Liège", "90 %", "10 %"], ["Eupen", "—", "50 %"]]
    svg = figure.find(f".//{SVG}svg")
    assert svg.get("role") == "img"
    fills = [r.get("fill") for r in svg.iter(f"{SVG}rect")]
    assert fills == [shade(0.9)[0], shade(0.1)[0], "#f3f5f7", shade(0.5)[0]]
    assert "90 %" in texts(svg, f"{SVG}text") and "—" in texts(svg, f"{SVG}text")


def _luminance(color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_cell_text_is_readable_on_every_shade():
    for value in [n / 20 for n in range(21)]:
        fill, ink = shade(value)
        assert contrast(fill, ink) >= 4.5, (value, fill, ink)
    assert shade(-3) == shade(0) and shade(7) == shade(1)
    assert contrast(SCALE[-1], PAPER) >= 4.5 and contrast(SCALE[0], INK) >= 4.5


def test_bar_colours_stand_out_from_the_page():
    from agora.consultations.views.charts import PALETTE

    for color in [*PALETTE.values(), "#2d5f8a", "#1b7f5f"]:
        assert contrast(color, PAPER) >= 3, color
