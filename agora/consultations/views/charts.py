"""Server-rendered bar charts for the results page: geometry here, markup in
templates/consultations/_chart.html (an SVG with role="img" and a <title>, and the same figures as a
table beside it, so that nothing is only in the picture)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agora.consultations.tally import COLLEGES
from agora.i18n.formatting import format_number, format_percent

WIDTH = 420
BAR_MAX = 330  # the rest of the width is for the value written after the bar
ROW = 40  # a label line, then its bar
PALETTE = {"all": "#2d5f8a", "members": "#1b7f5f", "permanents": "#8a5a00", "clients": "#6b3fa0", "partners": "#a0323c"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown, in the reader's locale
    detail: str  # what the table adds (counts)
    y: int  # top of the row: the label's baseline is y + 13, the bar starts at y + 18
    width: int

    @property
    def short_label(self) -> str:
        return _short(self.label)


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    color: str
    bars: list[Bar] = field(default_factory=list)

    @property
    def height(self) -> int:
        return ROW * len(self.bars) + 6

    @property
    def width(self) -> int:
        return WIDTH


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chart(chart_id: str, title: str, color: str, items: list[tuple[str, float, str, str]]) -> Chart:
    """items: (label, value, value as shown, detail)."""
    top = max((value for _label, value, _t, _d in items), default=0) or 1
    bars = [Bar(label=label, value=value, text=text, detail=detail, y=2 + ROW * n,
                width=round(BAR_MAX * value / top) if value > 0 else 0)
            for n, (label, value, text, detail) in enumerate(items)]
    return Chart(chart_id, title, color, bars)


def formatter(measure: str) -> Callable[[float], str]:
    return format_percent if measure == "share" else format_number


def question_charts(ref: str, result: dict[str, Any], arithmetic: dict[str, Any], labels: dict[str, str],
                    titles: dict[str, str], college_names: dict[str, str]) -> list[Chart]:
    """The weighted result, then one chart per college that has eligible people."""
    measure = arithmetic["measure"]
    show = formatter(measure)
    options = arithmetic["options"]
    charts = [chart(f"chart-{ref}-all", titles["all"], PALETTE["all"], [
        (labels.get(o, o), arithmetic["values"][o], show(arithmetic["values"][o]),
         format_number(arithmetic["total_sums"][o])) for o in options
    ])]
    for college in COLLEGES:
        c = arithmetic["colleges"][college]
        if not c["eligible"]:
            continue
        charts.append(chart(f"chart-{ref}-{college}", titles[college], PALETTE[college], [
            (labels.get(o, o), c["means"][o], show(c["means"][o]), format_number(c["sums"][o])) for o in options
        ]))
    return charts
