"""The few markup builders the charts share. Text and attribute values are always escaped; element
and attribute names come from this package's code only, never from callers."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_ID = re.compile(r"[^A-Za-z0-9_-]+")
_NAME = re.compile(r"[a-z][a-zA-Z-]*\Z")  # element and attribute names: this package's own, checked anyway
INK = "#1b1f24"
PAPER = "#ffffff"


def safe_id(value: str) -> str:
    """An id fit for `id=` and `aria-labelledby=` whatever the caller passed (letters, digits, - and _)."""
    cleaned = _ID.sub("-", value).strip("-")
    return cleaned if cleaned and cleaned[0].isalpha() else f"chart-{cleaned}"


def attributes(**values: object) -> Markup:
    """` name="value"` pairs, values escaped; a trailing underscore in a name is dropped (class_)
    and other underscores become dashes (aria_labelledby). None leaves the attribute out."""
    parts = [Markup(' {}="{}"').format(_name(name.rstrip("_").replace("_", "-")), value)
             for name, value in values.items() if value is not None]
    return Markup("").join(parts)


def _name(name: str) -> Markup:
    if not _NAME.match(name):
        raise ValueError(f"not an element or attribute name: {name!r}")
    return Markup(name)  # noqa: S704 - checked against _NAME just above


def tag(name: str, content: object = "", **values: object) -> Markup:
    """`<name attrs>content</name>`; content is escaped unless it is already Markup."""
    return Markup("<{}{}>{}</{}>").format(_name(name), attributes(**values), escape(content), _name(name))


def number(value: float) -> str:
    """Coordinates with at most one decimal, always with a dot (never the reader's locale)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(table_id: str, caption: str, headings: list[str], rows: list[list[str]]) -> Markup:
    """A data table (the first cell of each row is its header) in a region that scrolls sideways on its
    own when it is wider than a phone, reachable by keyboard and named by the table's caption."""
    head = tag("tr", Markup("").join(tag("th", h, scope="col") for h in headings))
    body = Markup("").join(
        tag("tr", tag("th", row[0], scope="row") + Markup("").join(tag("td", cell) for cell in row[1:]))
        for row in rows)
    caption_id = f"{table_id}-table"
    data = tag("table", tag("caption", caption, class_="visually-hidden", id=caption_id)
               + tag("thead", head) + tag("tbody", body), class_="chart-table")
    return tag("div", data, class_="table-scroll", role="region", aria_labelledby=caption_id, tabindex="0")


def svg(chart_id: str, title: str, description: str, width: float, height: float, content: Markup,
        class_: str) -> Markup:
    """The accessible SVG shell: role="img", named by its <title> and described by its <desc>."""
    return tag("svg", tag("title", title, id=f"{chart_id}-title") + tag("desc", description, id=f"{chart_id}-desc")
               + content, role="img", aria_labelledby=f"{chart_id}-title", aria_describedby=f"{chart_id}-desc",
               viewBox=f"0 0 {number(width)} {number(height)}", width=number(width), height=number(height),
               class_=class_, focusable="false", xmlns="http://www.w3.org/2000/svg")


def figure(chart_id: str, caption: str, picture: Markup, data_table: Markup) -> Markup:
    return tag("figure", tag("figcaption", caption, id=f"{chart_id}-caption")
               + tag("div", picture + data_table, class_="chart-body"),
               class_="chart", id=chart_id, aria_labelledby=f"{chart_id}-caption")
