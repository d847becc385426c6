"""The meetings' pictures, drawn by agora/charts: the synthesis's grid (regions × agenda items, the share
in favour) and the live counts of an item per college (bars of the share in favour; meeting.js moves
them with the room). Each sits beside a table holding the same figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from agora.charts import Bar, Cell, bars_svg, heat_grid
from agora.charts.markup import safe_id, tag
from agora.i18n import gettext as _
from agora.i18n.formatting import format_number, format_percent

BAR_COLOR = "#1b7f5f"  # the members' green of the consultations' pictures (3:1 against white)


def share_for(counts: Mapping[str, int]) -> float | None:
    """The share of "for" among the positions stated; None when nobody stated one."""
    total = sum(counts.get(choice, 0) for choice in ("for", "against", "abstain"))
    return counts.get("for", 0) / total if total else None


def synthesis_grid(found: Any, region_names: Mapping[str, str], lang: str) -> Markup | None:
    """Regions × agenda items asking a position, each cell the share in favour stated in that region."""
    items = [entry for entry in found.items if entry.item.decision_type.value != "information"]
    if not found.regions or not items:
        return None
    cells = {}
    for r, slug in enumerate(found.regions):
        for c, entry in enumerate(items):
            counts = entry.by_region.get(slug)
            share = share_for(counts) if counts else None
            if share is not None:
                cells[(r, c)] = Cell(share, format_percent(share))
    return heat_grid("synthesis-grid", _("Share in favour, by region and agenda item"),
                     rows=[region_names.get(slug, slug) for slug in found.regions],
                     columns=[entry.item.title(lang) for entry in items], cells=cells, corner=_("Region"),
                     description=_("Share of the positions stated in favour, per region (rows) and agenda item "
                                   "(columns, numbered as in the table); a dash where the region stated none."))


def counts_picture(ref: str, position: Mapping[str, Any], college_labels: Mapping[str, Any],
                   choice_labels: Mapping[str, Any]) -> Markup:
    """The share in favour per college for one item; the counts table beside it holds for, against and
    abstain. The bars and the description ("Members: For 3, Against 1, Abstain 0; …", as meeting.js
    writes it from the table) are rewritten when the room's counts change."""
    bars, said = [], []
    for college, label in college_labels.items():
        counts = position.get("by_college", {}).get(college, {})
        share = share_for(counts)
        bars.append(Bar(str(label), share or 0.0, format_percent(share) if share is not None else "—", key=college))
        said.append(f"{label}: " + ", ".join(f"{name} {format_number(counts.get(choice, 0))}"
                                             for choice, name in choice_labels.items()))
    picture = bars_svg(f"counts-chart-{ref}-svg", _("Share in favour per college"), bars, color=BAR_COLOR,
                       scale=1.0, description="; ".join(said))
    return tag("div", picture, id=safe_id(f"counts-chart-{ref}"), class_="counts-picture")
