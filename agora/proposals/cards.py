"""The cards of the proposals list: one page read as plain rows, each card's HTML made once per content.

The list page showed 50 proposals by loading 50 `Proposal`, 50 `Person` and their regions as ORM
objects (identity map, change tracking) and drawing each card through Jinja (three translated
strings, a status label, a date and two counts per card): three quarters of the page's time
(bench/README.md, page_proposals). Here the page is one query of the shown columns, and a card's
HTML is a pure function of what it shows (`ProposalCard`, every field of it) and of the reader's
language: it is memoised on exactly that. Nothing needs invalidating, in this process or another —
a change to anything shown (title, status, moderation, supports, comments, author's name, region's
name, …) is a different key, drawn afresh; the cache only bounds memory (least recently used out).
A card has nothing of the reader in it (no "you support this"): the same for everyone.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from markupsafe import Markup
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from agora.db import read_columns
from agora.deliberation.scope import THEMES
from agora.i18n import current_language
from agora.moderation.models import ModerationState
from agora.people.models import Person, Region, region_name
from agora.permissions import Principal
from agora.proposals import listing
from agora.proposals.models import Proposal, ProposalStatus
from agora.web import templating

CACHED_CARDS = 2048  # about 1 MB of HTML


class ProposalCard(NamedTuple):
    """What one card shows, and nothing else (hashable: the key of its HTML). A named tuple: made from a
    row and hashed as a tuple, where a frozen dataclass set each field and hashed it in Python."""

    id: str
    language: str
    title: str
    status: ProposalStatus
    moderation: ModerationState
    author_name: str
    published_at: datetime | None
    region_name: str | None  # in the reader's language
    theme: str | None
    supports_count: int
    support_threshold: int | None
    comments_count: int


_SHOWN = (Proposal.id, Proposal.language, Proposal.title, Proposal.status, Proposal.moderation, Person.name,
          Proposal.published_at, Region.names, Region.slug, Proposal.theme, Proposal.supports_count,
          Proposal.support_threshold, Proposal.comments_count)


def _shown() -> Select[Any]:
    return (select(*_SHOWN).join(Person, Person.id == Proposal.author_id)
            .outerjoin(Region, Region.id == Proposal.region_id))


def list_cards(db: Session, principal: Principal, f: listing.ProposalFilter,
               language: str) -> tuple[list[ProposalCard], int]:
    """One page of the list (the same proposals, in the same order, as `listing.list_proposals`) and
    the number found, in one query whatever the page size (two for a page past the last)."""
    statement, values = listing.listed_page(_shown, principal, f, with_total=True)
    rows = read_columns(db, statement, values).all()
    cards = [ProposalCard(pid, lang, title, status, moderation, author, published,
                          region_name(names, slug, language) if slug is not None else None,
                          theme, supports, threshold, comments)
             for (pid, lang, title, status, moderation, author, published, names, slug, theme, supports,
                  threshold, comments, _total) in rows]
    return cards, rows[0].total if rows else listing.count_listed(db, principal, f)


def cards_html(cards: list[ProposalCard]) -> Markup:
    """The cards of a page, joined here rather than in a template loop (fifty calls and escapes less)."""
    language = current_language()
    return Markup("").join(_card_html(card, language) for card in cards)


@lru_cache(maxsize=CACHED_CARDS)
def _card_html(card: ProposalCard, language: str) -> Markup:  # `language`: part of the key
    macro = templating.environment().get_template("proposals/card.html").module.proposal_card  # type: ignore[attr-defined]
    themes = {key: str(label) for key, label in THEMES.items()}
    return Markup(macro(card, themes))  # noqa: S704 - a Jinja macro's output, escaped by the template
