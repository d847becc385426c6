"""Horizontal bars, one row per item: its label above the bar, its value written after it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from agora.charts.markup import INK, figure, number, safe_id, shorten, svg, table, tag

WIDTH = 320  # fits a 360 px phone at scale 1, so the 13 px text stays 13 px
BAR_MAX = 236  # the rest of the row is for the value written after the bar
ROW = 40  # a label line, then its bar
LABEL_CHARS = 44


@dataclass(frozen=True)
class Bar:
    """One row: `value` sets the length (against `scale`), `text` is the value as the reader reads it,
    `details` are the table's further columns; `key` names the row for live updates."""

    label: str
    value: float
    text: str
    details: tuple[str, ...] = ()
    key: str = ""


def bar_length(value: float, scale: float) -> float:
    if scale <= 0 or value <= 0:
        return 0.0
    return round(BAR_MAX * min(value, scale) / scale, 1)


def _row(index: int, bar: Bar, scale: float, color: str) -> Markup:
    top = 2 + ROW * index
    length = bar_length(bar.value, scale)
    return tag("g", tag("text", shorten(bar.label, LABEL_CHARS), x="0", y=number(top + 13), fill=INK,
                        font_size="13")
               + tag("rect", x="0", y=number(top + 18), width=number(length), height="16", fill=color,
                     data_bar="")
               + tag("text", bar.text, x=number(length + 6), y=number(top + 31), fill=INK, font_size="13",
                     data_value=""),
               data_key=bar.key or None)


def bars_svg(chart_id: str, caption: str, bars: Sequence[Bar], *, color: str = "#2d5f8a",
             scale: float | None = None, description: str = "") -> Markup:
    """The SVG alone, for a page that already has the table beside it (live participation).
    `scale` is the value of a full bar (default: the largest value)."""
    chart_id = safe_id(chart_id)
    top = scale if scale is not None else max((bar.value for bar in bars), default=0.0)
    rows = Markup("").join(_row(n, bar, top, color) for n, bar in enumerate(bars))
    summary = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return svg(chart_id, caption, description or summary, WIDTH, ROW * len(bars) + 6, rows, "bars")


def bar_chart(chart_id: str, caption: str, bars: Sequence[Bar], *, headings: Sequence[str], color: str = "#2d5f8a",
              scale: float | None = None, description: str = "") -> Markup:
    """A <figure>: the SVG bars and a table (`headings`: label, value, then one per detail)."""
    picture = bars_svg(chart_id, caption, bars, color=color, scale=scale, description=description)
    data = table(safe_id(chart_id), caption, list(headings), [[bar.label, bar.text, *bar.details] for bar in bars])
    return figure(safe_id(chart_id), caption, picture, data)
