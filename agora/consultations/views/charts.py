"""The results page's bar charts and the live participation picture, drawn by agora/charts (an SVG
with role="img", its <title> and <desc>, and the same figures as a table beside it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from agora.charts import Bar, bar_chart, bars_svg
from agora.consultations.tally import COLLEGES
from agora.i18n import gettext as _
from agora.i18n.formatting import format_number, format_percent

PALETTE = {"all": "#2d5f8a", "members": "#1b7f5f", "permanents": "#8a5a00", "clients": "#6b3fa0", "partners": "#a0323c"}


def formatter(measure: str) -> Callable[[float], str]:
    return format_percent if measure == "share" else format_number


def headings(measure: str) -> list[str]:
    if measure == "share":
        return [_("Option"), _("Share"), _("Ballots")]
    if measure == "points":
        return [_("Option"), _("Points per valid ballot"), _("Points")]
    return [_("Option"), _("Mean allocation"), _("Total allocated")]


def question_charts(ref: str, result: dict[str, Any], arithmetic: dict[str, Any], labels: dict[str, str],
                    titles: dict[str, str], college_names: dict[str, str]) -> list[Markup]:
    """The weighted result, then one chart per college that has eligible people."""
    measure = arithmetic["measure"]
    show, heads = formatter(measure), headings(measure)
    options = arithmetic["options"]
    charts = [bar_chart(f"chart-{ref}-all", titles["all"], [
        Bar(labels.get(o, o), arithmetic["values"][o], show(arithmetic["values"][o]),
            (format_number(arithmetic["total_sums"][o]),)) for o in options
    ], headings=heads, color=PALETTE["all"])]
    for college in COLLEGES:
        c = arithmetic["colleges"][college]
        if not c["eligible"]:
            continue
        charts.append(bar_chart(f"chart-{ref}-{college}", titles[college], [
            Bar(labels.get(o, o), c["means"][o], show(c["means"][o]), (format_number(c["sums"][o]),)) for o in options
        ], headings=heads, color=PALETTE[college]))
    return charts


def participation_picture(participation: dict[str, Any], college_names: dict[str, str]) -> Markup:
    """Participation per college as bars on a 0–100 % scale; the page's table beside it holds the counts,
    and consultation.js moves the bars when the room says someone voted."""
    bars = []
    for key, row in participation["by_college"].items():
        share = row["voters"] / row["eligible"] if row["eligible"] else 0.0
        bars.append(Bar(college_names.get(key, key), share, format_percent(share) if row["eligible"] else "—",
                        key=key))
    return bars_svg("participation-chart", _("Participation per college"), bars, color=PALETTE["all"], scale=1.0)
