"""The filter form of the proposals list, drawn once per language, shown values and regions.

The form is the same for every reader who filters the same way, and drawing it (some forty labels, the
statuses, regions, colleges, sectors and themes) was a tenth of the list's page. It is memoised like a
card (agora.web.fragments): the key is everything it shows — the values it shows selected, the regions
offered, the reader's language — so a change to any of them is another key, drawn afresh.
"""

from __future__ import annotations

from typing import NamedTuple

from markupsafe import Markup

from agora.i18n import current_language
from agora.people.models import COLLEGE_KEYS
from agora.proposals.listing import ProposalFilter
from agora.proposals.models import ProposalStatus
from agora.proposals.views.common import choices
from agora.web import templating
from agora.web.fragments import FragmentMemo

FORMS = FragmentMemo(max_chars=2_000_000)  # some 400 forms of 5,000 characters


class ShownFilters(NamedTuple):
    """What the form shows of a filter: the page and its size are not in it."""

    query: str
    status: str
    region: str
    college: str
    sector: str
    theme: str
    sort: str
    mine: bool


def filter_form(f: ProposalFilter, regions: list[tuple[str, str]]) -> Markup:
    """The form showing `f`, offering `regions` ((short name, name in the reader's language) pairs)."""
    shown = ShownFilters(f.query, f.status, f.region, f.college, f.sector, f.theme, f.effective_sort, f.mine)
    offered = tuple(regions)
    return FORMS.get((shown, offered, current_language()), lambda: _draw(shown, offered))


def _draw(shown: ShownFilters, regions: tuple[tuple[str, str], ...]) -> str:
    macro = templating.environment().get_template("proposals/filters.html").module.filter_form  # type: ignore[attr-defined]
    labels = choices()
    return str(macro(shown, regions, ProposalStatus, COLLEGE_KEYS, labels["college_labels"], labels["sectors"],
                     labels["themes"]))
