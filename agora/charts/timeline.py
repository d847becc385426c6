"""A count over time as a step line (it only changes when something happens), with an optional
target drawn as a dashed line: a proposal's supports and its threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from agora.charts.markup import INK, figure, number, safe_id, svg, table, tag

WIDTH, HEIGHT = 320, 160
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 10, 24  # room for the axis labels


@dataclass(frozen=True)
class Point:
    """The count reached at `when`; `when_text` and `count_text` as the reader reads them."""

    when: datetime
    count: int
    when_text: str
    count_text: str


def _x(when: datetime, start: datetime, end: datetime) -> float:
    span = (end - start).total_seconds()
    share = (when - start).total_seconds() / span if span > 0 else 1.0
    return LEFT + share * (WIDTH - LEFT - RIGHT)


def _y(count: float, top: float) -> float:
    return TOP + (1 - count / top) * (HEIGHT - TOP - BOTTOM) if top > 0 else HEIGHT - BOTTOM


def step_path(points: Sequence[Point], top: float) -> str:
    """The SVG path of the steps: horizontal until the next point, then up (or down) to it."""
    if not points:
        return ""
    start, end = points[0].when, points[-1].when
    moves = [f"M{number(_x(points[0].when, start, end))} {number(_y(points[0].count, top))}"]
    for point in points[1:]:
        x = number(_x(point.when, start, end))
        moves.append(f"H{x} V{number(_y(point.count, top))}")
    return " ".join(moves)


def _axes(points: Sequence[Point], top: float) -> Markup:
    base = HEIGHT - BOTTOM
    axis = tag("path", d=f"M{LEFT} {TOP} V{base} H{WIDTH - RIGHT}", stroke=INK, fill="none", stroke_width="1")
    labels = [tag("text", "0", x=number(LEFT - 4), y=number(base), text_anchor="end", font_size="11", fill=INK),
              tag("text", number(top), x=number(LEFT - 4), y=number(TOP + 8), text_anchor="end", font_size="11",
                  fill=INK)]
    if points:
        labels.append(tag("text", points[0].when_text, x=str(LEFT), y=number(HEIGHT - 6), font_size="11", fill=INK))
        if len(points) > 1:
            labels.append(tag("text", points[-1].when_text, x=number(WIDTH - RIGHT), y=number(HEIGHT - 6),
                              text_anchor="end", font_size="11", fill=INK))
    return axis + Markup("").join(labels)


def table_rows(points: Sequence[Point]) -> list[list[str]]:
    """One row per moment as the reader reads it: of points that read the same (the same day), the last."""
    rows: list[list[str]] = []
    for point in points:
        if rows and rows[-1][0] == point.when_text:
            rows[-1] = [point.when_text, point.count_text]
        else:
            rows.append([point.when_text, point.count_text])
    return rows


def step_chart(chart_id: str, caption: str, points: Sequence[Point], *, headings: Sequence[str],
               description: str, target: int | None = None, target_text: str = "",
               color: str = "#1b7f5f") -> Markup:
    """A <figure>: the steps in an SVG, and a table of the points (`headings`: when, count; see table_rows).
    Points must be in time order; `target` (e.g. a threshold) is drawn dashed and named `target_text`."""
    chart_id = safe_id(chart_id)
    top = float(max([*(p.count for p in points), target or 0, 1]))
    content = _axes(points, top)
    if target is not None:
        y = number(_y(target, top))
        content += tag("path", d=f"M{LEFT} {y} H{WIDTH - RIGHT}", stroke="#8a5a00", stroke_dasharray="5 4",
                       fill="none", stroke_width="2")
        content += tag("text", target_text, x=number(WIDTH - RIGHT), y=number(float(y) - 4), text_anchor="end",
                       font_size="11", fill=INK)
    if points:
        content += tag("path", d=step_path(points, top), stroke=color, fill="none", stroke_width="3")
    picture = svg(chart_id, caption, description, WIDTH, HEIGHT, content, "timeline")
    data = table(chart_id, caption, list(headings), table_rows(points))
    return figure(chart_id, caption, picture, data)
