"""A heat grid: rows × columns of cells shaded by a value from 0 to 1, each cell also showing its
value as text (for the pre-assembly synthesis: regions × agenda items, the share of "for")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from agora.charts.markup import INK, PAPER, figure, number, safe_id, shorten, svg, table, tag

CELL_W, CELL_H = 48, 28
LABEL_W = 104  # row labels on the left
HEAD_H = 22  # column labels on top
EMPTY = "#f3f5f7"
# From light to dark blue; the last three carry white text (contrast ≥ 4.5:1 either way).
SCALE = ["#e8f0f8", "#c6dbef", "#9ecae1", "#6baed6", "#2f74b5", "#1d5a94", "#0b3d6e"]


@dataclass(frozen=True)
class Cell:
    value: float  # 0 … 1, sets the shade
    text: str  # what the cell says, as the reader reads it


def shade(value: float) -> tuple[str, str]:
    """(fill, text colour) for a value in 0 … 1 (clamped)."""
    step = min(len(SCALE) - 1, max(0, int(min(max(value, 0.0), 1.0) * len(SCALE))))
    return SCALE[step], (PAPER if step >= len(SCALE) - 3 else INK)


def _cell(x: float, y: float, cell: Cell | None, missing: str) -> Markup:
    fill, ink = shade(cell.value) if cell else (EMPTY, INK)
    return (tag("rect", x=number(x), y=number(y), width=str(CELL_W - 2), height=str(CELL_H - 2), fill=fill,
                stroke="#c9d1d9")
            + tag("text", cell.text if cell else missing, x=number(x + (CELL_W - 2) / 2), y=number(y + 18),
                  text_anchor="middle", font_size="11", fill=ink))


def heat_grid(chart_id: str, caption: str, rows: Sequence[str], columns: Sequence[str],
              cells: Mapping[tuple[int, int], Cell], *, corner: str, description: str,
              column_marks: Sequence[str] | None = None, missing: str = "—") -> Markup:
    """A <figure>: the grid as an SVG and as a table (`corner` heads the row labels' column).
    `cells[(row, column)]` by index; absent cells show `missing`. Columns are marked on top of the picture
    by `column_marks` (default 1, 2, 3 …: long titles live in the table)."""
    chart_id = safe_id(chart_id)
    marks = list(column_marks) if column_marks is not None else [str(n + 1) for n in range(len(columns))]
    content = Markup("")
    for c, mark in enumerate(marks[: len(columns)]):
        content += tag("text", shorten(mark, 7), x=number(LABEL_W + c * CELL_W + CELL_W / 2), y="15",
                       text_anchor="middle", font_size="11", font_weight="600", fill=INK)
    for r, label in enumerate(rows):
        y = HEAD_H + r * CELL_H
        content += tag("text", shorten(label, 16), x="0", y=number(y + 18), font_size="11", fill=INK)
        for c in range(len(columns)):
            content += _cell(LABEL_W + c * CELL_W, y, cells.get((r, c)), missing)
    width, height = LABEL_W + CELL_W * len(columns), HEAD_H + CELL_H * len(rows) + 2
    picture = svg(chart_id, caption, description, width, height, content, "heat-grid")
    data = table(chart_id, caption, [corner, *columns],
                 [[label, *[(cells[(r, c)].text if (r, c) in cells else missing) for c in range(len(columns))]]
                  for r, label in enumerate(rows)])
    return figure(chart_id, caption, picture, data)
